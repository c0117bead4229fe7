package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a strings.Builder safe for a writer and a reader on two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitOutput polls b until re matches, and returns the first group.
func waitOutput(t *testing.T, b *lockedBuffer, re *regexp.Regexp, done <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("train exited with %d before printing %v", code, re)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %v in %q", re, b.String())
	return ""
}

// -serve serves the explorer while training, with the weights of every epoch, and
// until Ctrl-C after it.
func TestServe(t *testing.T) {
	needData(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-epochs", "2", "-limit", "1000", "-batch", "250", "-serve", "127.0.0.1:0", "-out", t.TempDir()}, &stdout, &stderr)
	}()
	url := waitOutput(t, &stdout, regexp.MustCompile(`LeNet explorer at (http://127\.0\.0\.1:\d+/): the curves as they grow`), done)
	waitOutput(t, &stderr, regexp.MustCompile(`train: (done); the explorer stays at `+regexp.QuoteMeta(url)+` until Ctrl-C`), done)

	var model struct {
		Live   bool `json:"live"`
		Epoch  int  `json:"epoch"`
		Epochs int  `json:"epochs"`
	}
	var metrics struct {
		Points []json.RawMessage `json:"points"`
	}
	for path, v := range map[string]any{"api/model": &model, "api/metrics": &metrics} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// 4 batches an epoch: a train point after each, and the test point.
	if !model.Live || model.Epoch != 2 || model.Epochs != 2 || len(metrics.Points) != 10 {
		t.Errorf("after training: model %+v, %d points; want live, epoch 2 of 2, 10 points", model, len(metrics.Points))
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after Ctrl-C; stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("train did not stop within 10 s of Ctrl-C")
	}
	if !strings.HasSuffix(stdout.String(), "examples/sec on cpu\n") {
		t.Errorf("stdout does not end with the textbook's closing lines: %q", stdout.String())
	}
}

func TestServeAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	code, stdout, stderr := runTrain(t, context.Background(), "-serve", busy.Addr().String())
	if code != exitFailure || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 before any work", code, stdout)
	}
	oneLine(t, stderr, "-serve: listening on "+busy.Addr().String()+": ")
}
