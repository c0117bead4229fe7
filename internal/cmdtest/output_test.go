package cmdtest

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the failures instead of reporting them.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) {
	r.Errorf(format, a...)
	r.fatal = true
	runtime.Goexit()
}

// call runs f on its own goroutine, as testing runs a test, so that Fatalf ends f
// alone.
func call(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func TestOutput(t *testing.T) {
	r := &recorder{TB: t}
	if got := Output(r, func(w io.Writer) error { _, err := io.WriteString(w, "a\n"); return err }); got != "a\n" || len(r.errors) != 0 {
		t.Errorf("got %q, failures %q", got, r.errors)
	}
	call(func() {
		Output(r, func(w io.Writer) error { io.WriteString(w, "half"); return errors.New("broken") })
	})
	if !r.fatal || !strings.Contains(r.errors[0], "broken; output so far:\nhalf") {
		t.Errorf("failures %q", r.errors)
	}
}

// demo is a command whose only flag is -n, answering like internal/cli's commands.
func demo(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 1 && args[0] == "-h":
		io.WriteString(stdout, "Usage: demo\n  -n int\n")
		return 0
	case len(args) > 0 && args[0] == "-loud":
		io.WriteString(stdout, "oops\n")
		io.WriteString(stderr, "demo: -loud is not a flag\n")
		return 2
	case len(args) > 0:
		io.WriteString(stderr, "demo: bad "+args[0]+"\n")
		return 2
	}
	return 0
}

func TestBadUsage(t *testing.T) {
	r := &recorder{TB: t}
	BadUsage(r, "demo", demo, []Usage{{[]string{"-x"}, "bad -x"}})
	if len(r.errors) != 0 {
		t.Errorf("a good answer failed: %q", r.errors)
	}
	BadUsage(r, "demo", demo, []Usage{{nil, "anything"}, {[]string{"-x"}, "other"}, {[]string{"-loud"}, "not a flag"}})
	want := []string{"[]: exit 0, want 2", `want a 'demo: ' line containing "anything"`, "stderr has 0 lines",
		`want a 'demo: ' line containing "other"`, `["-loud"]: stdout "oops\n"`}
	if len(r.errors) != len(want) {
		t.Fatalf("failures %q; want %q", r.errors, want)
	}
	for i, w := range want {
		if !strings.Contains(r.errors[i], w) {
			t.Errorf("failure %d: %q lacks %q", i, r.errors[i], w)
		}
	}
}

func TestHelp(t *testing.T) {
	r := &recorder{TB: t}
	Help(r, demo, "-n")
	if len(r.errors) != 0 {
		t.Errorf("failures %q", r.errors)
	}
	Help(r, demo, "-n", "-m")
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "does not list -m") {
		t.Errorf("failures %q", r.errors)
	}
}

func TestDecodePNG(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.png")
	f, err := os.Create(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if size := DecodePNG(t, good).Bounds().Size(); size != image.Pt(3, 2) {
		t.Errorf("size %v, want 3x2", size)
	}
	bad := filepath.Join(dir, "bad.png")
	if err := os.WriteFile(bad, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.png")} {
		r := &recorder{TB: t}
		call(func() { DecodePNG(r, path) })
		if !r.fatal {
			t.Errorf("%s: no failure", path)
		}
	}
}

func TestDirNames(t *testing.T) {
	dir := t.TempDir()
	if got := DirNames(t, dir); len(got) != 0 {
		t.Errorf("empty folder: %q", got)
	}
	for _, name := range []string{"b.png", "a.json", ".a.png.tmp-1-2"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, want := DirNames(t, dir), []string{".a.png.tmp-1-2", "a.json", "b.png", "c"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	r := &recorder{TB: t}
	call(func() { DirNames(r, filepath.Join(dir, "missing")) })
	if !r.fatal {
		t.Error("missing folder: no failure")
	}
}
