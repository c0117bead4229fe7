package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/lenet"
)

func runTrain(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	return cmdtest.Run(ctx, run, args...)
}

// oneLine checks that stderr is exactly one "train: ..." line containing want.
func oneLine(t *testing.T, stderr, want string) {
	t.Helper()
	cmdtest.OneLine(t, "train", stderr, want)
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
		{[]string{"-model", "alexnet"}, `-model: token "alexnet": unknown token; ` + lenet.TokenHelp + ` (run 'train -h' for the flags)`},
		{[]string{"-model", "conv6k29"}, "-model: layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"},
		{[]string{"-seed", "0"}, "-seed 0: seeds start at 1"},
		{[]string{"-device", "tpu"}, `-device "tpu": choose auto, cpu or cuda`},
		{[]string{"-ops", "cudnn"}, `-ops: unknown ops "cudnn": choose one of fast, gorgonia`},
		{[]string{"-limit", "-1"}, "-limit -1"},
		{[]string{"-out", ""}, "-out: must name a folder"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-nosuchflag"}, "flag provided but not defined: -nosuchflag"},
		{[]string{"-epochs", "ten"}, `invalid value "ten" for flag -epochs`},
		{[]string{"-bogus"}, "flag provided but not defined: -bogus (run 'train -h' for the flags)"},
		{[]string{"-seed", "-1"}, `invalid value "-1" for flag -seed: parse error`},
		{[]string{"-batch"}, "flag needs an argument: -batch"},
	}
	for _, tc := range cases {
		code, stdout, stderr := runTrain(t, context.Background(), tc.args...)
		if code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		if stdout != "" {
			t.Errorf("%v: stdout %q, want nothing", tc.args, stdout)
		}
		oneLine(t, stderr, tc.want)
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, stdout, stderr := runTrain(t, context.Background(), "-h")
	if code != cli.ExitOK || stderr != "" {
		t.Errorf("-h: exit %d, stderr %q", code, stderr)
	}
	for _, f := range []string{"-epochs", "-batch", "-lr", "-model", "-ops", "-device", "-data", "-out", "-limit", "-seed", "-save", "-resume", "-serve"} {
		if !strings.Contains(stdout, f) {
			t.Errorf("-h does not mention %s", f)
		}
	}
}

// -lr's default depends on the model, so the help states both defaults and not flag's
// single "(default 0.9)", which would be wrong for -model modern.
func TestHelpLRDefaults(t *testing.T) {
	_, stdout, _ := runTrain(t, context.Background(), "-h")
	if !strings.Contains(stdout, "(default the spec's lr token, else 0.9 for a network with a sigmoid or tanh\n") ||
		!strings.Contains(stdout, "0.9 for classic, 0.1 for modern") || strings.Contains(stdout, "(default 0.9)") {
		t.Errorf("-h on -lr:\n%s", stdout)
	}
	for _, tc := range []struct {
		args []string
		want float64
	}{
		{nil, 0}, // not set: train picks the spec's (or the checkpoint's) rate
		{[]string{"-lr", "0.25"}, 0.25},
	} {
		o, err := parseFlags(tc.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if o.lr != tc.want || o.given["lr"] != (tc.args != nil) {
			t.Errorf("%v: lr %v, given %v; want %v", tc.args, o.lr, o.given["lr"], tc.want)
		}
	}
	for _, tc := range []struct {
		spec string
		want string
	}{
		{"modern", "LeNet (modern, lr 0.1) on Fashion-MNIST"},
		// The learning rate written in a spec is the network's, not its name.
		{"conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.3", "LeNet (modern, lr 0.1) on Fashion-MNIST"},
		{"conv8k3p1s2-tanh-dense32-lr0.05", "CNN (conv8k3p1s2-tanh-dense32, lr 0.1) on Fashion-MNIST"},
	} {
		s, err := lenet.ParseSpec(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := curvesTitle(s, 0.1, dataset.FashionMNIST); got != tc.want {
			t.Errorf("curves title of %s: %q; want %q", tc.spec, got, tc.want)
		}
	}
}

func TestCudaWithoutTheBuildTagFails(t *testing.T) {
	code, _, stderr := runTrain(t, context.Background(), "-device", "cuda", "-out", t.TempDir())
	if code != cli.ExitFailure {
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
		if code != cli.ExitFailure {
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
		{[]string{"-resume", junk}, "not a checkpoint"},
	}
	for _, tc := range cases {
		code, _, stderr := runTrain(t, context.Background(), append(tc.args, "-out", filepath.Join(dir, "out"))...)
		if code != cli.ExitFailure {
			t.Errorf("%v: exit %d, want 1", tc.args, code)
		}
		oneLine(t, stderr, tc.want)
	}
}

var closing = regexp.MustCompile(`(?m)^loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}\n\d+\.\d examples/sec on cpu\n$`)

// A small real run (4 batches per epoch, so 4 train points and 1 test point per epoch)
// writes every output and removes what killed runs left, then resuming continues the
// epoch count; a checkpoint of another network, or of more epochs, is refused.
func TestTrainSaveResume(t *testing.T) {
	dataDir := fashiontest.Dir(t)
	dir := t.TempDir()
	out, ck := filepath.Join(dir, "out"), filepath.Join(dir, "ck.bin")
	common := []string{"-data", dataDir, "-limit", "512", "-batch", "128", "-out", out, "-save", ck, "-device", "cpu"}
	// Temporary files of writers killed in an earlier run (their process, an id above
	// Linux's largest, 2^22, is gone): this run removes them.
	os.Mkdir(out, 0o755)
	os.WriteFile(filepath.Join(out, ".curves.png.tmp-4194305-1"), []byte("half a picture"), 0o644)
	os.WriteFile(filepath.Join(dir, ".ck.bin.tmp-4194305-2"), []byte("half a checkpoint"), 0o644)
	code, stdout, stderr := runTrain(t, context.Background(), append(common, "-epochs", "1")...)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "epoch  1/1: loss ") || !closing.MatchString(stdout) {
		t.Errorf("stdout lacks the epoch line or the closing lines:\n%s", stdout)
	}
	for _, name := range []string{"curves.png", "predictions.png"} {
		cmdtest.DecodePNG(t, filepath.Join(out, name))
	}
	m := readMetrics(t, filepath.Join(out, "metrics.json"))
	if m.Epochs != 1 || len(m.Points) != 5 || m.TrainExamples != 512 || m.Device != "cpu" || m.Variant != "classic" {
		t.Errorf("metrics.json: %+v", m)
	}

	code, stdout2, stderr := runTrain(t, context.Background(), append(common, "-epochs", "2", "-resume", ck)...)
	if code != cli.ExitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout2, "resuming from "+ck+" after epoch 1\n") || !strings.Contains(stdout2, "epoch  2/2: loss ") || strings.Contains(stdout2, "epoch  1/2") {
		t.Errorf("resumed stdout:\n%s", stdout2)
	}
	m = readMetrics(t, filepath.Join(out, "metrics.json"))
	if m.Epochs != 2 || len(m.Points) != 10 || m.Points[4].TestAcc == nil || m.Points[9].Epoch != 2 {
		t.Errorf("resumed metrics: %d epochs, %d points", m.Epochs, len(m.Points))
	}

	code, _, stderr = runTrain(t, context.Background(), append(common, "-epochs", "3", "-resume", ck, "-model", "modern")...)
	if code != cli.ExitFailure {
		t.Errorf("resume with another network: exit %d, want 1", code)
	}
	oneLine(t, stderr, "-resume "+ck+": checkpoint holds another network: it holds classic but -model is modern")

	// The classic network given by its spec string, with a learning-rate token, is the
	// same network: compared by its layers, not as a string.
	classicSpec := lenet.ClassicSpec().String()
	other := t.TempDir()
	ckCopy := filepath.Join(other, "copy.safetensors")
	if b, err := os.ReadFile(ck); err != nil || os.WriteFile(ckCopy, b, 0o644) != nil {
		t.Fatal(err)
	}
	code, stdout3, stderr := runTrain(t, context.Background(), append(common, "-epochs", "3", "-resume", ckCopy, "-model", classicSpec,
		"-save", ckCopy, "-out", filepath.Join(other, "out"))...)
	if code != cli.ExitOK || !strings.Contains(stdout3, "epoch  3/3: loss ") {
		t.Errorf("resume with the classic's spec string %s: exit %d: %s", classicSpec, code, stderr)
	}

	// A checkpoint of seed 0 (which earlier versions took) cannot be continued exactly.
	ck0 := filepath.Join(dir, "seed0.safetensors")
	saved, err := lenet.LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	saved.Seed = 0
	if err := saved.Save(ck0); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runTrain(t, context.Background(), "-data", dataDir, "-out", out, "-epochs", "3", "-resume", ck0)
	if code != cli.ExitFailure {
		t.Errorf("resume a run of seed 0: exit %d, want 1", code)
	}
	oneLine(t, stderr, "-resume "+ck0+": it was trained with seed 0, which this version reads as the default seed 1, so its shuffling cannot be continued exactly; start a new run")
	os.Remove(ck0)

	code, _, stderr = runTrain(t, context.Background(), append(common, "-epochs", "1", "-resume", ck)...)
	if code != cli.ExitUsage {
		t.Errorf("resume with fewer epochs than done: exit %d, want 2", code)
	}
	oneLine(t, stderr, "it has already trained 2 epochs, more than -epochs 1")

	// A finished run resumed with its own target (taken from the checkpoint) trains
	// nothing and writes the outputs again, ending with the same numbers.
	closed := closingLine(stdout2)
	code, stdout, stderr = runTrain(t, context.Background(), "-data", dataDir, "-out", out, "-resume", ck)
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("resume a finished run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "resuming from "+ck+" after all 2 epochs: writing the outputs only") || strings.Contains(stdout, "epoch  ") ||
		closingLine(stdout) != closed || !strings.HasSuffix(stdout, "no training steps in this run, on cpu\n") {
		t.Errorf("resumed finished run, want %q closing:\n%s", closed, stdout)
	}
	if names := cmdtest.DirNames(t, dir); !slices.Equal(names, []string{"ck.bin", "out"}) {
		t.Errorf("the checkpoint's folder holds %v; the killed writer's temporary file should be gone", names)
	}
	if names := cmdtest.DirNames(t, out); !slices.Equal(names, []string{"confusion.png", "curves.png", "metrics.json", "predictions.png"}) {
		t.Errorf("-out holds %v; the killed writer's temporary file should be gone", names)
	}

	// Into a new -out, the finished run writes every output, the curves included.
	out2 := filepath.Join(dir, "out2")
	code, stdout, stderr = runTrain(t, context.Background(), "-data", dataDir, "-out", out2, "-resume", ck)
	if code != cli.ExitOK || stderr != "" || closingLine(stdout) != closed {
		t.Fatalf("resume a finished run into a new -out: exit %d, closing %q (want %q): %s", code, closingLine(stdout), closed, stderr)
	}
	if names := cmdtest.DirNames(t, out2); !slices.Equal(names, []string{"confusion.png", "curves.png", "metrics.json", "predictions.png"}) {
		t.Errorf("a new -out holds %v, want the four outputs", names)
	}
	a, errA := os.ReadFile(filepath.Join(out, "curves.png"))
	b, errB := os.ReadFile(filepath.Join(out2, "curves.png"))
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Errorf("curves.png of the resumed finished run (%d bytes, %v) differs from the trained run's (%d bytes, %v)", len(b), errB, len(a), errA)
	}
}

// readMetrics decodes a metrics.json file.
func readMetrics(t *testing.T, path string) metrics {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m metrics
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// closingLine is the "loss ..., train acc ..., test acc ..." line of a run's stdout.
func closingLine(stdout string) string {
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "loss ") {
			return line
		}
	}
	return ""
}

// -model takes any spec; its epochs token is the default of -epochs, which a given
// -epochs overrides; its lr token stays in the spec, where the run finds it.
func TestModelSpecSettings(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		epochs int
		lr     float64 // the spec's LearningRate
		model  string
	}{
		{nil, 10, 0.9, "classic"},
		{[]string{"-model", "modern"}, 10, 0.1, "modern"},
		{[]string{"-model", "conv4k5-relu-max2-dense16-relu-lr0.05-epochs3"}, 3, 0.05, "conv4k5-relu-max2-dense16-relu"},
		{[]string{"-model", "conv4k5-relu-max2-dense16-relu-lr0.05-epochs3", "-epochs", "5"}, 5, 0.05, "conv4k5-relu-max2-dense16-relu"},
		{[]string{"-model", "conv8k3p1s2-tanh-dense32"}, 10, 0.9, "conv8k3p1s2-tanh-dense32"},
	} {
		o, err := parseFlags(tc.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if o.epochs != tc.epochs || o.model.LearningRate() != tc.lr || o.model.Model() != tc.model || o.lr != 0 || o.seed != 1 {
			t.Errorf("%v: %d epochs, lr %v, model %q, -lr %v, seed %d; want %d, %v, %q, 0, 1", tc.args, o.epochs, o.model.LearningRate(), o.model.Model(), o.lr, o.seed, tc.epochs, tc.lr, tc.model)
		}
	}
}

// A run of a spec trains the epochs and at the learning rate the spec names, and says
// so; its checkpoint names the network by its layers.
func TestTrainSpecRun(t *testing.T) {
	dataDir := fashiontest.Dir(t)
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.safetensors")
	code, stdout, stderr := runTrain(t, context.Background(), "-data", dataDir, "-limit", "256", "-batch", "64", "-out", filepath.Join(dir, "out"),
		"-save", ck, "-device", "cpu", "-model", "conv2k5-relu-max2-dense8-relu-lr0.05-epochs1")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "CNN (conv2k5-relu-max2-dense8-relu) on cpu, 256 training and 10000 test images, batch 64, lr 0.05"; !strings.Contains(stdout, want) ||
		!strings.Contains(stdout, "epoch  1/1: loss ") || strings.Contains(stdout, "epoch  2/") {
		t.Errorf("stdout:\n%s\nwant %q and one epoch", stdout, want)
	}
	saved, err := lenet.LoadCheckpoint(ck)
	if err != nil || saved.Model != "conv2k5-relu-max2-dense8-relu" || saved.Optimizer.LR != 0.05 || saved.Epochs != 1 || saved.Epoch != 1 {
		t.Errorf("checkpoint: %v, %+v", err, saved)
	}
}
