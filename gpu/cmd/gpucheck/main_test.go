package main

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

func TestBadFlags(t *testing.T) {
	cmdtest.BadUsage(t, "gpucheck", run, []cmdtest.Usage{
		{Args: []string{"-model", "alexnet"}, Want: `-model: token "alexnet": unknown token; ` + lenet.TokenHelp + ` (run 'gpucheck -h' for the flags)`},
		{Args: []string{"-model", "conv6k29"}, Want: "-model: layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"},
		{Args: []string{"-steps", "0"}, Want: "-steps 0: must be 1 or more"},
		{Args: []string{"-batch", "-4"}, Want: "-batch -4: must be 1 or more"},
		{Args: []string{"-tol", "0"}, Want: "-tol 0: must be a positive number"},
		{Args: []string{"-tol", "NaN"}, Want: "-tol NaN: must be a positive number"},
		{Args: []string{"-tol", "+Inf"}, Want: "-tol +Inf: must be a positive number"},
		{Args: []string{"-bench", "-1"}, Want: "-bench -1: must be 0 or more"},
		{Args: []string{"-bench-batches", "64,x"}, Want: `-bench-batches: "x" is not a batch size`},
		{Args: []string{"-bench-batches", "64,0"}, Want: `-bench-batches: "0" is not a batch size`},
		{Args: []string{"-steps", "two"}, Want: `invalid value "two" for flag -steps`},
		{Args: []string{"-bogus"}, Want: "flag provided but not defined: -bogus"},
		{Args: []string{"extra"}, Want: `unexpected argument "extra"`},
	})
}

func TestHelp(t *testing.T) {
	cmdtest.Help(t, run, "-data", "-model", "-steps", "-batch", "-tol", "-bench", "-bench-batches")
}

// Without a GPU the check stops before loading any data, with one line.
func TestNoGPU(t *testing.T) {
	if device.NumGPUs() > 0 {
		t.Skip("this machine has a GPU")
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"-data", t.TempDir()}, &stdout, &stderr)
	want := "gpucheck: no CUDA device (build with `make cuda` and run on a machine with an NVIDIA GPU)\n"
	if code != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout.String(), stderr.String(), want)
	}
}

func newClassifier(t *testing.T) *lenet.Classifier {
	t.Helper()
	return lenettest.New(t, lenet.Config{BatchSize: 16, Seed: 1})
}

// compare on two CPU Classifiers with the same weights: every quantity agrees exactly.
// With one weight changed in one of them, the check fails and says by how much.
func TestCompare(t *testing.T) {
	train, test := fashiontest.Random(t, 64, 1), fashiontest.Random(t, 20, 2)
	var out bytes.Buffer
	if err := compare(&out, newClassifier(t), newClassifier(t), train, test, 2, 1e-6); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	// Per step: a header, the loss, 10 gradients and 10 parameters; then 3 lines.
	if want := 2*(1+1+10+10) + 3; len(lines) != want {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), want, out.String())
	}
	if strings.Contains(out.String(), "DIFFERS") || lines[len(lines)-1] != "PASS: GPU matches CPU within 0.00e+00 (tolerance 1e-06)" {
		t.Errorf("identical Classifiers:\n%s", out.String())
	}
	if lines[len(lines)-3] != "evaluation, 20 test images:" {
		t.Errorf("evaluation line %q", lines[len(lines)-3])
	}

	gpu := newClassifier(t)
	w := gpu.Params()[0].Value().Data().([]float32)
	w[0] += 0.5
	out.Reset()
	err := compare(&out, gpu, newClassifier(t), train, test, 1, 1e-6)
	if err == nil || !strings.Contains(err.Error(), "the GPU differs from the CPU by") {
		t.Fatalf("a changed weight: got %v", err)
	}
	if !strings.Contains(out.String(), "conv1.weight after step") || !strings.Contains(out.String(), "DIFFERS") {
		t.Errorf("output does not flag the difference:\n%s", out.String())
	}
}

func TestMaxDiff(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		a, b     []float32
		d, scale float64
	}{
		{[]float32{1, 2}, []float32{1, 2}, 0, 2},
		{[]float32{1, -3}, []float32{1.5, -4}, 1, 4},
		{[]float32{nan}, []float32{1}, math.Inf(1), 1},
		{[]float32{1}, []float32{1, 2}, math.Inf(1), 0},
	}
	for _, c := range cases {
		if d, scale := maxDiff(c.a, c.b); d != c.d || scale != c.scale {
			t.Errorf("maxDiff(%v, %v) = %v, %v; want %v, %v", c.a, c.b, d, scale, c.d, c.scale)
		}
	}
}

func TestParseBatches(t *testing.T) {
	got, err := parseBatches("64, 256,1024")
	if err != nil || len(got) != 3 || got[0] != 64 || got[1] != 256 || got[2] != 1024 {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "64,", "-1", "1.5"} {
		if _, err := parseBatches(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
