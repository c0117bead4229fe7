package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/fashiontest"
)

func runTrain(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// needData skips or fails as internal/fashiontest decides when the data is absent.
func needData(t *testing.T) { fashiontest.Dir(t) }

// oneLine checks that stderr is a single "train: ..." line (plus the -h hint for usage
// errors) without a Go stack trace.
func oneLine(t *testing.T, stderr, want string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "train: ") || !strings.Contains(stderr, want) {
		t.Errorf("stderr %q: want a 'train: ' line containing %q", stderr, want)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Errorf("stderr has a stack trace: %q", stderr)
	}
	if lines := strings.Count(strings.TrimRight(stderr, "\n"), "\n") + 1; lines > 2 {
		t.Errorf("stderr has %d lines: %q", lines, stderr)
	}
}

func TestBadFlagsExit2(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "0"}, "-epochs 0: must be at least 1"},
		{[]string{"-batch", "-3"}, "-batch -3: must be at least 1"},
		{[]string{"-lr", "0"}, "-lr 0: must be a positive number"},
		{[]string{"-lr", "NaN"}, "-lr NaN: must be a positive number"},
		{[]string{"-model", "alexnet"}, `unknown model "alexnet": choose one of classic, modern`},
		{[]string{"-device", "tpu"}, `-device "tpu": choose auto, cpu or cuda`},
		{[]string{"-ops", "cudnn"}, `-ops: unknown implementation "cudnn": choose one of fast, gorgonia`},
		{[]string{"-limit", "-1"}, "-limit -1"},
		{[]string{"-out", ""}, "-out: must name a folder"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-nosuchflag"}, "flag provided but not defined: -nosuchflag"},
		{[]string{"-epochs", "ten"}, `invalid value "ten" for flag -epochs`},
	}
	for _, tc := range cases {
		code, stdout, stderr := runTrain(t, context.Background(), tc.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		if stdout != "" {
			t.Errorf("%v: stdout %q, want nothing", tc.args, stdout)
		}
		if !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: stderr %q, want it to contain %q", tc.args, stderr, tc.want)
		}
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, _, stderr := runTrain(t, context.Background(), "-h")
	if code != exitOK {
		t.Errorf("-h: exit %d", code)
	}
	for _, f := range []string{"-epochs", "-batch", "-lr", "-model", "-ops", "-device", "-data", "-out", "-limit", "-seed", "-save", "-resume"} {
		if !strings.Contains(stderr, f) {
			t.Errorf("-h does not mention %s", f)
		}
	}
}

// -lr's default depends on the model, so the help states both defaults and not flag's
// single "(default 0.9)", which would be wrong for -model modern.
func TestHelpLRDefaults(t *testing.T) {
	_, _, stderr := runTrain(t, context.Background(), "-h")
	if !strings.Contains(stderr, "default 0.9 for classic, 0.1 for modern") || strings.Contains(stderr, "(default 0.9)") {
		t.Errorf("-h on -lr:\n%s", stderr)
	}
	for _, tc := range []struct {
		args []string
		want float64
	}{
		{nil, 0}, // not set: train picks the variant's (or the checkpoint's) rate
		{[]string{"-lr", "0.25"}, 0.25},
	} {
		o, err := parseFlags(tc.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if o.lr != tc.want || o.lrSet != (tc.args != nil) {
			t.Errorf("%v: lr %v, set %v; want %v", tc.args, o.lr, o.lrSet, tc.want)
		}
	}
	if got := curvesTitle("modern", 0.1); got != "LeNet (modern, lr 0.1) on Fashion-MNIST" {
		t.Errorf("curves title %q", got)
	}
}

func TestCudaWithoutTheBuildTagFails(t *testing.T) {
	code, _, stderr := runTrain(t, context.Background(), "-device", "cuda", "-out", t.TempDir())
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	oneLine(t, stderr, "no CUDA device available")
}

// A missing or broken data folder fails with one line and writes nothing to -out.
func TestBadDataWritesNothing(t *testing.T) {
	broken := t.TempDir()
	for _, name := range dataset.FileNames {
		if err := os.WriteFile(filepath.Join(broken, name+".gz"), []byte("\x1f\x8bnot really gzip"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		dir, want string
	}{
		{filepath.Join(t.TempDir(), "nowhere"), "-data"},
		{broken, "gzip"},
	}
	for _, tc := range cases {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runTrain(t, context.Background(), "-data", tc.dir, "-out", out)
		if code != exitFailure {
			t.Errorf("%s: exit %d, want 1", tc.dir, code)
		}
		oneLine(t, stderr, tc.want)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: -out folder exists after a data failure (%v)", tc.dir, err)
		}
	}
}

func TestBadCheckpointFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.bin")
	os.WriteFile(junk, []byte("hello"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-resume", filepath.Join(dir, "missing.bin")}, "no such file"},
		{[]string{"-resume", junk}, "not a LeNet checkpoint"},
	}
	for _, tc := range cases {
		code, _, stderr := runTrain(t, context.Background(), append(tc.args, "-out", filepath.Join(dir, "out"))...)
		if code != exitFailure {
			t.Errorf("%v: exit %d, want 1", tc.args, code)
		}
		oneLine(t, stderr, tc.want)
	}
}

var closing = regexp.MustCompile(`(?m)^loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}\n\d+\.\d examples/sec on cpu\n$`)

// A small real run (4 batches per epoch, so 4 train points and 1 test point per epoch)
// writes every output, then resuming continues the epoch count; a
// checkpoint of the other variant is refused.
func TestTrainSaveResume(t *testing.T) {
	needData(t)
	dir := t.TempDir()
	out, ck := filepath.Join(dir, "out"), filepath.Join(dir, "ck.bin")
	common := []string{"-data", dataset.SystemDir, "-limit", "512", "-batch", "128", "-out", out, "-save", ck, "-device", "cpu"}
	code, stdout, stderr := runTrain(t, context.Background(), append(common, "-epochs", "1")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "epoch  1/1: loss ") || !closing.MatchString(stdout) {
		t.Errorf("stdout lacks the epoch line or the closing lines:\n%s", stdout)
	}
	for _, name := range []string{"curves.png", "predictions.png"} {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f.Close()
	}
	var m metrics
	data, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Epochs != 1 || len(m.Points) != 5 || m.TrainExamples != 512 || m.Device != "cpu" || m.Variant != "classic" {
		t.Errorf("metrics.json: %+v", m)
	}

	code, stdout, stderr = runTrain(t, context.Background(), append(common, "-epochs", "2", "-resume", ck)...)
	if code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "resuming after epoch 1") || !strings.Contains(stdout, "epoch  2/2: loss ") || strings.Contains(stdout, "epoch  1/2") {
		t.Errorf("resumed stdout:\n%s", stdout)
	}
	data, _ = os.ReadFile(filepath.Join(out, "metrics.json"))
	m = metrics{}
	json.Unmarshal(data, &m)
	if m.Epochs != 2 || len(m.Points) != 10 || m.Points[4].TestAcc == nil || m.Points[9].Epoch != 2 {
		t.Errorf("resumed metrics: %d epochs, %d points", m.Epochs, len(m.Points))
	}

	code, _, stderr = runTrain(t, context.Background(), append(common, "-epochs", "3", "-resume", ck, "-model", "modern")...)
	if code != exitFailure {
		t.Errorf("resume with another variant: exit %d, want 1", code)
	}
	oneLine(t, stderr, `checkpoint is of another model variant: it holds "classic" but -model is "modern"`)

	code, _, stderr = runTrain(t, context.Background(), append(common, "-epochs", "2", "-resume", ck)...)
	if code != exitUsage {
		t.Errorf("resume a finished run: exit %d, want 2", code)
	}
	oneLine(t, stderr, "already trained 2 epochs; pass -epochs greater than 2")
}

// Ctrl-C (a cancelled context) stops training, saves the checkpoint and exits 130.
func TestInterruptSavesAndExits130(t *testing.T) {
	needData(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ck := filepath.Join(dir, "ck.bin")
	code, _, stderr := runTrain(t, ctx, "-data", dataset.SystemDir, "-limit", "256", "-out", filepath.Join(dir, "out"), "-save", ck)
	if code != exitInterrupted {
		t.Errorf("exit %d, want 130 (%s)", code, stderr)
	}
	if _, err := os.Stat(ck); err != nil {
		t.Errorf("no checkpoint after the interrupt: %v", err)
	}
}
