package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/cmdtest"
)

// liveModel is what the test reads of GET /api/model.
type liveModel struct {
	Live   bool `json:"live"`
	Epoch  int  `json:"epoch"`
	Epochs int  `json:"epochs"`
}

// getJSON decodes GET url into v.
func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// metricsPoints returns how many points GET /api/metrics answers.
func metricsPoints(t *testing.T, url string) int {
	t.Helper()
	var m struct {
		Points []json.RawMessage `json:"points"`
	}
	if err := getJSON(url+"api/metrics", &m); err != nil {
		t.Fatal(err)
	}
	return len(m.Points)
}

// trainServing starts train with args and -serve on a free port, and returns the
// process and the page's URL.
func trainServing(t *testing.T, args ...string) (*cmdtest.Process, string) {
	t.Helper()
	p := cmdtest.Start(t, "train", run, append(args, "-serve", "127.0.0.1:0")...)
	url := p.Await(t, &p.Stdout, regexp.MustCompile(`LeNet explorer at (http://127\.0\.0\.1:\d+/): the curves as they grow`))
	return p, url
}

// -serve serves the explorer while training: the curves point by point as they are
// recorded, the weights of every epoch, and the page stays up after training until
// Ctrl-C. -resume never takes -serve from the checkpoint, and a resumed run's page
// starts with the checkpoint's curves.
func TestServe(t *testing.T) {
	data := fashiontest.Dir(t)
	dir := t.TempDir()
	ck := filepath.Join(dir, "lenet.safetensors")
	p, url := trainServing(t, "-data", data, "-epochs", "1", "-limit", "1000", "-batch", "250", "-save", ck, "-out", dir)
	// While an epoch is evaluated (about a second on the 10,000 test images), its four
	// training points are on the page already: they arrive one by one, not with the
	// epoch's weights.
	seen := map[int]bool{}
	for !strings.Contains(p.Stderr.String(), "until Ctrl-C") && len(seen) < 100 {
		seen[metricsPoints(t, url)] = true
		time.Sleep(5 * time.Millisecond)
	}
	if !seen[4] {
		t.Errorf("point counts seen while training: %v; want 4 (the epoch's training points, before its test accuracy)", seen)
	}
	p.Await(t, &p.Stderr, regexp.MustCompile(`train: (done); the explorer stays at `+regexp.QuoteMeta(url)+` until Ctrl-C`))
	var model liveModel
	if err := getJSON(url+"api/model", &model); err != nil {
		t.Fatal(err)
	}
	// 4 batches: a training point after each, then the test point.
	if n := metricsPoints(t, url); !model.Live || model.Epoch != 1 || model.Epochs != 1 || n != 5 {
		t.Errorf("after training: model %+v, %d points; want live, epoch 1 of 1, 5 points", model, n)
	}
	if code := p.Stop(t); code != cli.ExitOK {
		t.Errorf("exit %d after Ctrl-C; stderr %q", code, p.Stderr.String())
	}
	if !strings.HasSuffix(p.Stdout.String(), "examples/sec on cpu\n") {
		t.Errorf("stdout does not end with the textbook's closing lines: %q", p.Stdout.String())
	}
	if _, err := http.Get(url + "api/model"); err == nil {
		t.Error("still serving after Ctrl-C")
	}

	// Without -serve, the resumed run serves nothing and ends by itself.
	code, stdout, stderr := runTrain(t, context.Background(), "-data", data, "-resume", ck, "-epochs", "2", "-out", dir)
	if code != cli.ExitOK || strings.Contains(stdout, "explorer") || stderr != "" {
		t.Errorf("-resume without -serve: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	p, url = trainServing(t, "-data", data, "-resume", ck, "-epochs", "2", "-out", dir)
	p.Await(t, &p.Stderr, regexp.MustCompile(`train: (done)`))
	if err := getJSON(url+"api/model", &model); err != nil {
		t.Fatal(err)
	}
	if n := metricsPoints(t, url); model.Epoch != 2 || model.Epochs != 2 || n != 10 {
		t.Errorf("resumed with -serve: model %+v, %d points; want epoch 2 of 2 and 10 points (5 from the checkpoint)", model, n)
	}
	p.Stop(t)
}

func TestServeAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	code, stdout, stderr := runTrain(t, context.Background(), "-serve", busy.Addr().String())
	if code != cli.ExitFailure || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 before any work", code, stdout)
	}
	oneLine(t, stderr, "-serve: listening on "+busy.Addr().String()+": ")
}
