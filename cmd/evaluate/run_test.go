package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/checkpointtest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/safetensors"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// fixture is LeNet's state_dict after one epoch of PyTorch training, written in F16 by
// scripts/torch_check.py train, which recorded the test accuracy PyTorch computes for
// the weights as stored in its metadata (torch_check.test_acc).
const fixture = "testdata/torch-lenet-1epoch-f16.safetensors"

// runEval runs the command on s instead of Fashion-MNIST (nil: the real loader).
func runEval(t *testing.T, s *dataset.Set, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	load := loadTest
	if s != nil {
		load = func(string, *dataset.Source, io.Writer) (*dataset.Set, error) { return s, nil }
	}
	var out, errb bytes.Buffer
	code = runWith(args, &out, &errb, load)
	return code, out.String(), errb.String()
}

// oneLine checks that stderr is one "evaluate: ..." line containing want.
func oneLine(t *testing.T, stderr, want string) {
	t.Helper()
	cmdtest.OneLine(t, "evaluate", stderr, want)
}

// classifier is network v (a preset or a spec) with random weights and biases.
func classifier(t *testing.T, v string, seed uint64) *lenet.Classifier {
	t.Helper()
	spec, err := lenet.ParseSpec(v)
	if err != nil {
		t.Fatal(err)
	}
	c := lenettest.New(t, lenet.Config{Spec: spec, BatchSize: 1, Seed: seed})
	rng := rand.New(rand.NewPCG(seed, 1))
	lenettest.SetBiases(c, func(int) float32 { return float32(rng.NormFloat64()) })
	return c
}

// expected is what evaluate prints after its first line for c on s.
func expected(t *testing.T, c *lenet.Classifier, s *dataset.Set) string {
	t.Helper()
	counts, err := lenet.Confusion(c, s)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	lenet.WritePerClass(&b, counts, dataset.LabelNames[:])
	acc, err := lenet.Evaluate(c, s)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "test acc %.4f\n", acc)
	return b.String()
}

// A checkpoint of either preset or of another network: the per-class table and the
// accuracy are those of the network that was saved, and the first line says what the
// file holds.
func TestEvaluateCheckpoint(t *testing.T) {
	s := fashiontest.Random(t, 60, 4)
	titles := []string{"LeNet (classic)", "LeNet (modern)", "CNN (conv4k3p1s2-tanh-max3s2p1-dense16-relu)"}
	for i, v := range append(slices.Clone(lenet.Presets), "conv4k3p1s2-tanh-max3s2p1-dense16-relu") {
		c := classifier(t, v, uint64(i+1))
		path := filepath.Join(t.TempDir(), "ck.safetensors")
		h := header(lenet.TrainState{Epoch: 2, History: lenet.History{{Epoch: 2, TestAcc: ptr(0.5)}}})
		if err := lenet.Snapshot(c, h).Save(path); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runEval(t, s, "-model", path)
		if code != cli.ExitOK || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", v, code, stderr)
		}
		want := fmt.Sprintf("%s from %s, trained 2 epochs, test acc 0.500\n", titles[i], path) + expected(t, c, s)
		if stdout != want {
			t.Errorf("%s: stdout\n%s\nwant\n%s", v, stdout, want)
		}
	}
}

// A checkpoint of a run on MNIST is evaluated on MNIST's test set, with its class
// names, and the first line says so.
func TestEvaluateMNISTCheckpoint(t *testing.T) {
	s := fashiontest.Random(t, 30, 4)
	c := classifier(t, lenet.Modern, 7)
	path := filepath.Join(t.TempDir(), "mnist.safetensors")
	h := header(lenet.TrainState{Epoch: 1})
	h.Dataset = "mnist"
	if err := lenet.Snapshot(c, h).Save(path); err != nil {
		t.Fatal(err)
	}
	var asked *dataset.Source
	load := func(_ string, src *dataset.Source, _ io.Writer) (*dataset.Set, error) {
		asked = src
		return s, nil
	}
	var out, errb bytes.Buffer
	if code := runWith([]string{"-model", path}, &out, &errb, load); code != cli.ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if asked != dataset.MNIST {
		t.Errorf("the test set asked for is %v; want MNIST", asked)
	}
	want := "LeNet (modern) from " + path + ", trained 1 epoch, test acc 0.500; on the MNIST test set\nper-class test accuracy:\n  0  "
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(out.String(), "\n  9  ") {
		t.Errorf("stdout\n%s\nwant it to start with\n%s\nand name the digits", out.String(), want)
	}
}

func ptr(v float64) *float64 { return &v }

// header is a valid checkpoint header (one a run of cmd/train could write) with state st.
func header(st lenet.TrainState) lenet.CheckpointHeader {
	if st.Epoch > 0 && len(st.History) == 0 { // the test accuracy a run records at the end of an epoch
		st.History = lenet.History{{Epoch: float64(st.Epoch), TestAcc: new(0.5)}}
	}
	return lenet.CheckpointHeader{Epochs: max(st.Epoch, 1), BatchSize: 8, Optimizer: lenet.Optimizer{Name: "sgd", LR: 0.9}, TrainState: st}
}

// Weights without a network are classic unless -variant says otherwise; -save writes
// them as a checkpoint that evaluates the same and claims no more than the input did.
func TestEvaluateWeightsOnly(t *testing.T) {
	s := fashiontest.Random(t, 40, 4)
	dir := t.TempDir()
	c := classifier(t, lenet.Modern, 3)
	full := filepath.Join(dir, "full.safetensors")
	if err := lenet.Snapshot(c, header(lenet.TrainState{})).Save(full); err != nil {
		t.Fatal(err)
	}
	// Strip the metadata, as PyTorch's save_file(net.state_dict()) would have it.
	f := checkpointtest.ReadFile(t, full)
	f.Metadata = nil
	bare := filepath.Join(dir, "bare.safetensors")
	checkpointtest.WriteFile(t, bare, f)

	code, stdout, _ := runEval(t, s, "-model", bare)
	if code != cli.ExitOK || !strings.HasPrefix(stdout, "LeNet (classic, assumed: the file does not name its network; -variant chooses) from "+bare+", weights only, no training state\n") {
		t.Errorf("no -variant: exit %d, stdout\n%s", code, stdout)
	}
	saved := filepath.Join(dir, "saved.safetensors")
	code, stdout, stderr := runEval(t, s, "-model", bare, "-variant", "modern", "-save", saved)
	want := "LeNet (modern) from " + bare + ", weights only, no training state\nwrote " + saved + "\n" + expected(t, c, s)
	if code != cli.ExitOK || stdout != want {
		t.Errorf("-variant modern: exit %d, stderr %q, stdout\n%s\nwant\n%s", code, stderr, stdout, want)
	}
	// The saved file names its network now, so -variant is not needed and a wrong one
	// is refused.
	code, stdout, _ = runEval(t, s, "-model", saved)
	if code != cli.ExitOK || !strings.HasSuffix(stdout, expected(t, c, s)) || !strings.HasPrefix(stdout, "LeNet (modern) from") {
		t.Errorf("saved file: exit %d, stdout\n%s", code, stdout)
	}
	code, _, stderr = runEval(t, s, "-model", saved, "-variant", "classic")
	if code != cli.ExitFailure {
		t.Errorf("contradicting -variant: exit %d", code)
	}
	oneLine(t, stderr, `-variant classic: `+saved+`: checkpoint holds another network: the file holds modern, not classic`)
	// An assumed network is not written into a saved file.
	assumed := filepath.Join(dir, "assumed.safetensors")
	if code, _, stderr := runEval(t, s, "-model", bare, "-save", assumed); code != cli.ExitOK {
		t.Fatalf("-save without -variant: exit %d, %s", code, stderr)
	}
	ck, err := lenet.LoadCheckpoint(assumed)
	if err != nil || ck.Model != "" || !ck.WeightsOnly {
		t.Errorf("file saved with an assumed network: %v, model %q, weights only %v", err, ck.Model, ck.WeightsOnly)
	}
}

// Bare weights of a network other than a preset are evaluated as the network -variant
// names; without it, they do not fit the classic LeNet and the error says which flag
// names the network.
func TestEvaluateWeightsOnlyOfSpec(t *testing.T) {
	s := fashiontest.Random(t, 40, 4)
	dir := t.TempDir()
	spec := "conv8k3p1s2-relu-max2-conv16k3-tanh-dense32-relu"
	c := classifier(t, spec, 5)
	full := filepath.Join(dir, "full.safetensors")
	if err := lenet.Snapshot(c, header(lenet.TrainState{})).Save(full); err != nil {
		t.Fatal(err)
	}
	f := checkpointtest.ReadFile(t, full)
	f.Metadata = nil
	bare := filepath.Join(dir, "bare.safetensors")
	checkpointtest.WriteFile(t, bare, f)

	code, stdout, stderr := runEval(t, s, "-model", bare, "-variant", spec)
	if want := "CNN (" + spec + ") from " + bare + ", weights only, no training state\n" + expected(t, c, s); code != cli.ExitOK || stdout != want {
		t.Errorf("-variant %s: exit %d, stderr %q, stdout\n%s\nwant\n%s", spec, code, stderr, stdout, want)
	}
	code, stdout, stderr = runEval(t, s, "-model", bare)
	if code != cli.ExitFailure || stdout != "" {
		t.Errorf("no -variant: exit %d, stdout %q", code, stdout)
	}
	oneLine(t, stderr, "-model "+bare+`: checkpoint parameters do not match the network: the file holds a tensor "6.weight"; the state_dict of classic is exactly 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias, 11.weight, 11.bias (the file does not name its network, so it was read as the classic LeNet; -variant names it)`)
	code, _, stderr = runEval(t, s, "-model", bare, "-variant", "modern")
	if code != cli.ExitFailure {
		t.Errorf("-variant modern: exit %d", code)
	}
	oneLine(t, stderr, "-variant modern: "+bare+`: checkpoint parameters do not match the network: the file holds a tensor "6.weight"; the state_dict of modern is exactly 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias, 11.weight, 11.bias`)
}

func TestEvaluateUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "-model is required"},
		{[]string{"-model", "x", "extra"}, `unexpected argument "extra"`},
		{[]string{"-model", "x", "-variant", "resnet"}, `-variant: token "resnet": unknown token; ` + lenet.TokenHelp},
		{[]string{"-model", "x", "-variant", "conv6k29"}, "-variant: layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"},
		{[]string{"-model", "x", "-nope"}, "flag provided but not defined: -nope"},
	}
	for _, tc := range cases {
		code, stdout, stderr := runEval(t, nil, tc.args...)
		if code != cli.ExitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q", tc.args, code, stdout)
		}
		oneLine(t, stderr, tc.want)
	}
	code, stdout, stderr := runEval(t, nil, "-h")
	if code != cli.ExitOK || stderr != "" || !strings.Contains(stdout, "else -variant, else\nthe classic LeNet.") || !strings.Contains(stdout, "-data string") {
		t.Errorf("-h: exit %d, stderr %q, stdout\n%s", code, stderr, stdout)
	}
}

// Missing, foreign, truncated and altered files: exit 1, one line.
func TestEvaluateBadFiles(t *testing.T) {
	s := fashiontest.Random(t, 10, 4)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := lenet.Snapshot(classifier(t, lenet.Classic, 1), header(lenet.TrainState{Epoch: 1})).Save(good); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	altered := bytes.Clone(data)
	altered[len(altered)-5] ^= 0x10
	cases := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing"), "no such file or directory"},
		{dir, dir + ": not a regular file: it is a folder; name a checkpoint file"},
		{write("junk", []byte("hello")), "not a checkpoint (neither safetensors nor the older LENETCKP format)"},
		{write("cut", data[:len(data)-1000]), "checkpoint is corrupt: safetensors file is truncated: the header announces 246824 bytes of tensor data, the file holds 245824"},
		{write("altered", altered), "checkpoint is corrupt: SHA-256 mismatch (the file was altered)"},
	}
	for _, tc := range cases {
		code, stdout, stderr := runEval(t, s, "-model", tc.path)
		if code != cli.ExitFailure || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q", tc.path, code, stdout)
		}
		oneLine(t, stderr, tc.want)
	}
}

// Images of another size are refused before any work.
func TestEvaluateImageSize(t *testing.T) {
	small, err := dataset.NewSet(make([]uint8, 2*20*20), []uint8{1, 2}, 2, 20, 20)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	if err := lenet.Snapshot(classifier(t, lenet.Classic, 1), header(lenet.TrainState{})).Save(path); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runEval(t, small, "-model", path)
	if code != cli.ExitFailure {
		t.Errorf("exit %d", code)
	}
	oneLine(t, stderr, "test images are 20x20; the network takes 28x28")
}

var testAccLine = regexp.MustCompile(`(?m)^test acc (\d\.\d{4})\n\z`)

// PyTorch's weights, as the committed fixture holds them, give here the test accuracy
// PyTorch computed for them, within 0.002, on the real test set.
func TestPyTorchFixture(t *testing.T) {
	dir := fashiontest.Dir(t)
	f := checkpointtest.ReadFile(t, fixture)
	if w, _ := f.Tensor("0.weight"); w == nil || w.DType != safetensors.F16 {
		t.Fatalf("the fixture's 0.weight is %v, want F16", w)
	}
	want, err := strconv.ParseFloat(f.Metadata["torch_check.test_acc"], 64)
	if err != nil {
		t.Fatalf("the fixture records no accuracy: %v", err)
	}
	code, stdout, stderr := runEval(t, nil, "-model", fixture, "-data", dir)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := testAccLine.FindStringSubmatch(stdout)
	if m == nil || strings.Count(stdout, "\n") != 13 {
		t.Fatalf("stdout does not end with the test acc line after a 10-class table:\n%s", stdout)
	}
	got, _ := strconv.ParseFloat(m[1], 64)
	if math.Abs(got-want) > 0.002 {
		t.Errorf("test acc %.4f here, %.4f in PyTorch", got, want)
	}
	t.Logf("test acc %.4f here, %.4f in PyTorch", got, want)
}
