package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/checkpointtest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// savedHeader describes a run of one epoch that has done epoch epochs (0 or 1), with
// the settings a checkpoint file must hold.
func savedHeader(epoch int) lenet.CheckpointHeader {
	h := lenet.CheckpointHeader{Epochs: 1, BatchSize: 64, Optimizer: lenet.Optimizer{Name: "sgd", LR: 0.1}, TrainState: lenet.TrainState{Epoch: epoch}}
	if epoch > 0 { // the test accuracy a run records at the end of an epoch
		h.History = lenet.History{{Epoch: float64(epoch), TestAcc: new(0.5)}}
	}
	return h
}

func runExplore(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	return cmdtest.Run(ctx, run, args...)
}

// oneLine checks that stderr is one "explore: ..." line containing want.
func oneLine(t *testing.T, stderr, want string) {
	t.Helper()
	cmdtest.OneLine(t, "explore", stderr, want)
}

func TestBadUsageExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nosuchflag"}, "flag provided but not defined: -nosuchflag (run 'explore -h' for the flags)"},
		{[]string{"serve"}, `unexpected argument "serve" (flags start with -)`},
		{[]string{"-addr", ""}, "-addr: must be HOST:PORT, e.g. 127.0.0.1:8080"},
		{[]string{"-runs", ""}, "-runs: must name a folder, e.g. out/runs"},
		{[]string{"-model"}, "flag needs an argument: -model"},
	} {
		code, stdout, stderr := runExplore(t, context.Background(), tc.args...)
		if code != cli.ExitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 2 and nothing", tc.args, code, stdout)
		}
		oneLine(t, stderr, tc.want)
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := runExplore(t, context.Background(), "-h")
	if code != cli.ExitOK || stderr != "" {
		t.Errorf("-h: exit %d, stderr %q", code, stderr)
	}
	linestest.Contains(t, "-h output", stdout, "Usage: explore [-model FILE] [-addr HOST:PORT] [-data DIR] [-runs DIR] [-export DIR]\n", "-model", "-addr", "-data", "-runs", "-export", "default \"127.0.0.1:8080\"", "default \"out/runs\"", "out/lenet.safetensors (or out/lenet.ckpt)")
}

func TestFailuresExit1(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.ckpt")
	if err := os.WriteFile(junk, []byte("not a checkpoint at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-model", filepath.Join(dir, "none.ckpt"), "-addr", "127.0.0.1:0"}, "-model: stat " + filepath.Join(dir, "none.ckpt") + ": no such file or directory"},
		{[]string{"-model", junk, "-addr", "127.0.0.1:0"}, "-model: " + junk + ": not a checkpoint"},
		{[]string{"-addr", busy.Addr().String()}, "-addr: listening on " + busy.Addr().String() + ": "},
		{[]string{"-addr", "nosuchhost.invalid:80"}, "-addr: listening on nosuchhost.invalid:80: "},
	} {
		code, stdout, stderr := runExplore(t, context.Background(), tc.args...)
		if code != cli.ExitFailure || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 1 and nothing", tc.args, code, stdout)
		}
		oneLine(t, stderr, tc.want)
	}
}

// serveInBackground runs explore until the returned process is stopped, and returns
// the page's URL once it is printed.
// serveInBackground runs explore with args, its runs in a folder of the test's unless
// args name one.
func serveInBackground(t *testing.T, args ...string) (url string, p *cmdtest.Process) {
	t.Helper()
	if !slices.Contains(args, "-runs") {
		args = append(args, "-runs", t.TempDir())
	}
	p = cmdtest.Start(t, "explore", run, args...)
	return p.Await(t, &p.Stdout, regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/) `)), p
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// The command serves a checkpoint until interrupted; POSTing the pixels that GET
// /api/forward?index=42 returned gives the same probabilities.
func TestServesCheckpoint(t *testing.T) {
	data := fashiontest.Dir(t)
	c := lenettest.New(t, lenet.Config{Spec: lenet.ModernSpec(), BatchSize: 1, EvalBatch: 1, Seed: 4})
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := lenet.Snapshot(c, savedHeader(1)).Save(path); err != nil {
		t.Fatal(err)
	}
	url, p := serveInBackground(t, "-model", path, "-addr", "127.0.0.1:0", "-data", data)
	if !strings.HasPrefix(p.Stdout.String(), "CNN explorer (LeNet (modern), trained 1 epoch, test acc 0.500) at http://127.0.0.1:") {
		t.Errorf("stdout %q", p.Stdout.String())
	}
	var model struct {
		Variant  string `json:"variant"`
		Source   string `json:"source"`
		TestSize int    `json:"test_size"`
	}
	getJSON(t, url+"api/model", &model)
	if model.Variant != "modern" || model.Source != path || model.TestSize != 10000 {
		t.Errorf("model %+v", model)
	}
	var got struct {
		Pixels        []float64 `json:"pixels"`
		Label         int       `json:"label"`
		Probabilities []float64 `json:"probabilities"`
	}
	getJSON(t, url+"api/forward?index=42", &got)
	body, _ := json.Marshal(map[string]any{"pixels": got.Pixels})
	resp, err := http.Post(url+"api/forward", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var post struct {
		Probabilities []float64 `json:"probabilities"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&post); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.Label != 3 || len(got.Probabilities) != 10 || !slices.Equal(post.Probabilities, got.Probabilities) {
		t.Errorf("test image 42: label %d (want 3, a dress), GET probabilities %v, POST %v", got.Label, got.Probabilities, post.Probabilities)
	}
	if code := p.Stop(t); code != cli.ExitOK || p.Stderr.String() != "" {
		t.Errorf("after the interrupt: exit %d, stderr %q", code, p.Stderr.String())
	}
	if _, err := http.Get(url + "api/model"); err == nil {
		t.Error("still serving after the interrupt")
	}
}

// Without -model, explore uses out/lenet.safetensors, else out/lenet.ckpt, and without
// either trains a quick model first and says so.
func TestDefaultModel(t *testing.T) {
	data := fashiontest.Dir(t)
	t.Chdir(t.TempDir())
	saved := quick
	quick = quickConfig{Model: lenet.Classic, Epochs: 1, Limit: 1280, Seed: 2}
	defer func() { quick = saved }()

	url, p := serveInBackground(t, "-addr", "127.0.0.1:0", "-data", data)
	out := p.Stdout.String()
	linestest.Contains(t, "stdout", out,
		"no -model and no out/lenet.safetensors (or out/lenet.ckpt): training a quick model first (classic LeNet, 1 epoch on 1280 images);\n"+
			"for a better one: go run ./cmd/train -save out/lenet.safetensors\n",
		"trained in ", ": test accuracy 0.", "CNN explorer (LeNet (classic), trained 1 epoch, test acc 0.",
	)
	var metrics struct {
		Points []lenet.Point `json:"points"`
	}
	getJSON(t, url+"api/metrics", &metrics)
	if n := len(metrics.Points); n != 6 || metrics.Points[5].TestAcc == nil {
		t.Errorf("the quick model's history has %d points; want 5 train points and a test point", n)
	}
	if code := p.Stop(t); code != cli.ExitOK || p.Stderr.String() != "" {
		t.Errorf("exit %d, stderr %q", code, p.Stderr.String())
	}

	// A checkpoint saved under the older name, out/lenet.ckpt, is used as it is.
	if err := os.Mkdir("out", 0o755); err != nil {
		t.Fatal(err)
	}
	c := lenettest.New(t, lenet.Config{BatchSize: 1, EvalBatch: 1})
	if err := lenet.Snapshot(c, savedHeader(0)).Save("out/lenet.ckpt"); err != nil {
		t.Fatal(err)
	}
	_, p = serveInBackground(t, "-addr", "127.0.0.1:0", "-data", data)
	if out := p.Stdout.String(); !strings.HasPrefix(out, "using out/lenet.ckpt (pass -model FILE for another checkpoint)\nCNN explorer (LeNet (classic), untrained) at ") {
		t.Errorf("stdout %q", out)
	}
	p.Stop(t)

	// out/lenet.safetensors comes first; weights alone (PyTorch's, without metadata)
	// that do not name their network are explored as classic, and the output says so.
	ck := lenet.Snapshot(c, lenet.CheckpointHeader{})
	ck.WeightsOnly = true
	if err := ck.Save("out/lenet.safetensors"); err != nil {
		t.Fatal(err)
	}
	f := checkpointtest.ReadFile(t, "out/lenet.safetensors")
	f.Metadata = nil
	checkpointtest.WriteFile(t, "out/lenet.safetensors", f)
	file, err := os.ReadFile("out/lenet.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	url, p = serveInBackground(t, "-addr", "127.0.0.1:0", "-data", data)
	if out, want := p.Stdout.String(), "using out/lenet.safetensors (pass -model FILE for another checkpoint)\n"+
		"out/lenet.safetensors: LeNet (classic, assumed: the file does not name its network)\n"+
		"CNN explorer (LeNet (classic), weights only, no training state) at "; !strings.HasPrefix(out, want) {
		t.Errorf("stdout %q\nwant it to start with %q", out, want)
	}
	var model struct {
		Variant     string `json:"variant"`
		Source      string `json:"source"`
		WeightsOnly bool   `json:"weights_only"`
	}
	getJSON(t, url+"api/model", &model)
	if model.Variant != "classic" || model.Source != "out/lenet.safetensors" || !model.WeightsOnly {
		t.Errorf("/api/model of weights alone: %+v", model)
	}
	p.Stop(t)

	// A damaged default is refused, not passed over for the next one.
	if err := os.WriteFile("out/lenet.safetensors", file[:len(file)-1000], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runExplore(t, context.Background(), "-addr", "127.0.0.1:0", "-data", data)
	if code != cli.ExitFailure {
		t.Errorf("a cut out/lenet.safetensors: exit %d", code)
	}
	oneLine(t, stderr, "out/lenet.safetensors: checkpoint is corrupt: safetensors file is truncated")
}

func TestLoadData(t *testing.T) {
	data := fashiontest.Dir(t)
	train, test, err := loadData(context.Background(), dataset.FashionMNIST, data, nil)
	if err != nil || train == nil || train.N != 60000 || test == nil || test.N != 10000 {
		t.Errorf("loadData: train %v, test %v, %v", train, test, err)
	}
	if _, _, err := loadData(context.Background(), dataset.FashionMNIST, t.TempDir(), nil); !errors.Is(err, dataset.ErrNotFound) || !strings.Contains(err.Error(), "Fashion-MNIST not found") {
		t.Errorf("loadData(empty folder): %v", err)
	}
	// The source is the checkpoint's: MNIST's digests refuse Fashion-MNIST's files.
	if _, _, err := loadData(context.Background(), dataset.MNIST, data, nil); !errors.Is(err, dataset.ErrDigest) {
		t.Errorf("loadData(MNIST from the Fashion-MNIST folder): %v, want %v", err, dataset.ErrDigest)
	}
}
