// Package cmdtest runs the project's commands inside their tests, the same way for
// every command: their run function with a command line, in the foreground or in the
// background like a server, and checks what they write: the one-line failures that
// internal/cli promises, -h, output line by line, and the pictures they save.
package cmdtest

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// RunFunc is a command's run function, as internal/cli.Main calls it.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Run calls run with args and returns its exit status and what it printed.
func Run(ctx context.Context, run RunFunc, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// OneLine checks that stderr is exactly one line, "name: ...", that contains want.
func OneLine(t testing.TB, name, stderr, want string) {
	t.Helper()
	if !strings.HasPrefix(stderr, name+": ") || !strings.Contains(stderr, want) {
		t.Errorf("stderr %q: want a '%s: ' line containing %q", stderr, name, want)
	}
	if n := strings.Count(stderr, "\n"); n != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr has %d lines, want 1: %q", n, stderr)
	}
}

// Buffer collects a command's output while the test reads it: a bytes.Buffer that a
// writer and a reader on two goroutines can share.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Process is a command running in the background.
type Process struct {
	Stdout, Stderr Buffer
	name           string
	cancel         context.CancelFunc
	done           chan int
	code           int
	exited         bool
}

// Start runs the command called name in the background with args; Stop ends it like a
// Ctrl-C. t's cleanup stops it if the test did not.
func Start(t testing.TB, name string, run RunFunc, args ...string) *Process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Process{name: name, cancel: cancel, done: make(chan int, 1)}
	go func() { p.done <- run(ctx, args, &p.Stdout, &p.Stderr) }()
	t.Cleanup(func() {
		if !p.exited {
			cancel()
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
			}
		}
	})
	return p
}

// waitLimit bounds every wait for a background command: generous, as the machine may
// be busy, but a hung command fails its test instead of the whole run.
const waitLimit = 2 * time.Minute

// Await waits until re matches what the command wrote to out (p.Stdout or p.Stderr)
// and returns re's first group. It fails t if the command exits first or nothing
// matches within waitLimit.
func (p *Process) Await(t testing.TB, out *Buffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s wrote no %v within %v: stdout %q, stderr %q", p.name, re, waitLimit, p.Stdout.String(), p.Stderr.String())
		}
		select {
		case code := <-p.done:
			p.code, p.exited = code, true
			t.Fatalf("%s exited with %d before writing %v: stdout %q, stderr %q", p.name, code, re, p.Stdout.String(), p.Stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop cancels the command's context, as Ctrl-C does, and returns its exit status; it
// fails t if the command has not exited 10 s later.
func (p *Process) Stop(t testing.TB) int {
	t.Helper()
	if p.exited {
		return p.code
	}
	p.cancel()
	select {
	case p.code = <-p.done:
		p.exited = true
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not stop within 10 s of the interrupt", p.name)
	}
	return p.code
}
