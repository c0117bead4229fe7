package main

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/checkpointtest"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
	"github.com/d2l-go/convnets/plotting"
)

// genTestSet is 5 generated 28x28 images: a bright rectangle of a different size on
// each, labelled 0, 3, 4, 7, 9.
func genTestSet(t *testing.T) *dataset.Set {
	t.Helper()
	const n = 5
	px := make([]uint8, n*28*28)
	for i := range n {
		for r := 4 + i; r < 24; r++ {
			for c := 6; c < 22-i; c++ {
				px[(i*28+r)*28+c] = uint8(120 + 25*i + (r*c)%10)
			}
		}
	}
	s, err := dataset.NewSet(px, []uint8{0, 3, 4, 7, 9}, n, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// useSet makes run load s instead of the data set the checkpoint names, for the rest of
// the test; the returned pointer receives the data set asked for.
func useSet(t *testing.T, s *dataset.Set) **dataset.Source {
	t.Helper()
	old := loadTest
	asked := new(*dataset.Source)
	loadTest = func(src *dataset.Source, _ string, _ io.Writer) (*dataset.Set, error) {
		*asked = src
		return s, nil
	}
	t.Cleanup(func() { loadTest = old })
	return asked
}

// header describes a checkpoint of one epoch at learning rate lr.
func header(lr float64) lenet.CheckpointHeader {
	return lenet.CheckpointHeader{Epochs: 1, BatchSize: 2, Optimizer: lenet.Optimizer{Name: "sgd", LR: lr},
		TrainState: lenet.TrainState{Epoch: 1, History: lenet.History{{Epoch: 1, TestAcc: new(0.5)}}}}
}

// saveCheckpoint writes the weights of a fresh Classifier of network v (a preset or a
// spec), with nonzero biases, to a file and returns its path and the Classifier.
func saveCheckpoint(t *testing.T, v string, seed uint64) (string, *lenet.Classifier) {
	t.Helper()
	spec, err := lenet.ParseSpec(v)
	if err != nil {
		t.Fatal(err)
	}
	c := lenettest.New(t, lenet.Config{Spec: spec, BatchSize: 2, EvalBatch: 2, Seed: seed})
	lenettest.SetBiases(c, func(i int) float32 { return float32(math.Sin(float64(i+int(seed)))) / 2 })
	path := filepath.Join(t.TempDir(), "ck.bin")
	if err := lenet.Snapshot(c, header(0.9)).Save(path); err != nil {
		t.Fatal(err)
	}
	return path, c
}

// The command writes DIR/explain-N.png, and that picture is exactly the figure built
// from lenet.Inspect of image N with the checkpoint's weights, pixel for pixel.
func TestRunWritesTheInspectionsPicture(t *testing.T) {
	set := genTestSet(t)
	useSet(t, set)
	for vi, v := range lenet.Presets {
		ck, c := saveCheckpoint(t, v, uint64(vi+1))
		out := filepath.Join(t.TempDir(), "new", "folder")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-model", ck, "-index", "2", "-out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("case %d %s: exit %d, stderr %q", vi, v, code, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("case %d %s: stderr %q", vi, v, stderr.String())
		}
		path := filepath.Join(out, "explain-2.png")
		got := cmdtest.DecodePNG(t, path)

		// The same figure, built here from Inspect.
		insp, err := lenet.Inspect(c, pixels(set.Image(2)))
		if err != nil {
			t.Fatal(err)
		}
		var summary bytes.Buffer
		if err := lenet.WriteSummary(&summary, c.Spec()); err != nil {
			t.Fatal(err)
		}
		fig, err := buildFigure(insp, 2, 4, header(0.9), summary.String())
		if err != nil {
			t.Fatal(err)
		}
		w, hh, err := plotting.FigureSize(fig.Title, fig.rows())
		if err != nil {
			t.Fatal(err)
		}
		if b := got.Bounds(); b.Dx() != w || b.Dy() != hh {
			t.Errorf("case %d %s: picture is %dx%d, want %dx%d", vi, v, b.Dx(), b.Dy(), w, hh)
		}
		if w < 1000 || hh < 800 {
			t.Errorf("case %d %s: picture is only %dx%d", vi, v, w, hh)
		}
		ref := filepath.Join(t.TempDir(), "ref.png")
		if err := plotting.SaveFigure(ref, fig.Title, fig.rows()); err != nil {
			t.Fatal(err)
		}
		if !samePixels(got, cmdtest.DecodePNG(t, ref)) {
			t.Errorf("case %d %s: the picture differs from the figure built from lenet.Inspect", vi, v)
		}

		// stdout: the model, the verdict, the shape summary and the file written.
		names := dataset.LabelNames
		wantOut := fmt.Sprintf("LeNet (%s) from %s, trained 1 epoch, test acc 0.500\ntest image 2: true coat, predicted %s (p = %.2f)\n\n%s\nwrote %s (%d x %d pixels)\n",
			v, ck, names[insp.Predicted], insp.Probs[insp.Predicted], summary.String(), path, w, hh)
		if stdout.String() != wantOut {
			t.Errorf("case %d %s: stdout\n%s\nwant\n%s", vi, v, stdout.String(), wantOut)
		}
		if !strings.Contains(stdout.String(), "Conv2d(1->6, 5x5, padding 2)   (1,6,28,28)") {
			t.Errorf("case %d %s: no shape summary in stdout", vi, v)
		}
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

func floatsEqual(a []float64, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != float64(b[i]) {
			return false
		}
	}
	return true
}

// Every number in the figure is the inspection's: feature maps per channel, kernels,
// probabilities, the input; and each stage's two grids share one colour scale.
func TestFigureNumbersComeFromInspect(t *testing.T) {
	set := genTestSet(t)
	for vi, v := range lenet.Presets {
		_, c := saveCheckpoint(t, v, uint64(7+vi))
		insp, err := lenet.Inspect(c, pixels(set.Image(1)))
		if err != nil {
			t.Fatal(err)
		}
		fig, err := buildFigure(insp, 1, 3, lenet.CheckpointHeader{}, "summary")
		if err != nil {
			t.Fatal(err)
		}
		// Stages: conv1 = layers 0, 1 (activation), 2 (pooling); conv2 = 3, 4, 5.
		wantIdx := [][3]int{{0, 1, 2}, {3, 4, 5}}
		if len(fig.Stages) != 2 {
			t.Fatalf("case %d %s: %d stages, want 2", vi, v, len(fig.Stages))
		}
		for si, s := range fig.Stages {
			if s.Conv.Index != wantIdx[si][0] || s.Act.Index != wantIdx[si][1] || s.Pool.Index != wantIdx[si][2] {
				t.Errorf("case %d %s: stage %d uses layers %d, %d, %d; want %v", vi, v, si, s.Conv.Index, s.Act.Index, s.Pool.Index, wantIdx[si])
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for gi, g := range []*plotting.HeatMapGrid{s.ActGrid, s.PoolGrid} {
				layer := insp.Layers[wantIdx[si][gi+1]]
				if len(g.Maps) != layer.Channels() {
					t.Fatalf("case %d %s: stage %d grid %d has %d maps, layer has %d channels", vi, v, si, gi, len(g.Maps), layer.Channels())
				}
				for ch, m := range g.Maps {
					if m.Rows != layer.Shape[2] || m.Cols != layer.Shape[3] || !floatsEqual(m.Data, layer.FeatureMap(ch)) {
						t.Errorf("case %d %s: stage %d grid %d channel %d is not the layer's feature map", vi, v, si, gi, ch)
					}
				}
				for _, x := range layer.Data {
					lo, hi = math.Min(lo, float64(x)), math.Max(hi, float64(x))
				}
			}
			if s.ActGrid.Min != lo || s.ActGrid.Max != hi || s.PoolGrid.Min != lo || s.PoolGrid.Max != hi {
				t.Errorf("case %d %s: stage %d scales [%v,%v] and [%v,%v], want both [%v,%v]", vi, v, si,
					s.ActGrid.Min, s.ActGrid.Max, s.PoolGrid.Min, s.PoolGrid.Max, lo, hi)
			}
		}
		weights := c.Params()[0].Value().Data().([]float32) // conv1.weight (6,1,5,5)
		for k, m := range fig.Kernels.Maps {
			if m.Rows != 5 || m.Cols != 5 || !floatsEqual(m.Data, weights[k*25:(k+1)*25]) || !m.ShowValues {
				t.Errorf("case %d %s: kernel %d is not conv1.weight[%d]", vi, v, k, k)
			}
		}
		if len(fig.Kernels.Maps) != 6 {
			t.Errorf("case %d %s: %d kernels, want 6", vi, v, len(fig.Kernels.Maps))
		}
		for k := range lenet.Classes {
			if fig.Probs.Values[k] != insp.Probs[k] {
				t.Errorf("case %d %s: bar %d is %v, probability %v", vi, v, k, fig.Probs.Values[k], insp.Probs[k])
			}
		}
		if fig.Probs.Mark != 3 {
			t.Errorf("case %d %s: marked bar %d, want the true label 3", vi, v, fig.Probs.Mark)
		}
		in := fig.Input.Images[0]
		if !floatsEqual(in.Pix, insp.Input) || in.W != 28 || in.H != 28 || in.Highlight != (insp.Predicted != 3) {
			t.Errorf("case %d %s: the input panel is not the inspected image", vi, v)
		}
		if !strings.Contains(fig.Title, "true dress, predicted "+dataset.LabelNames[insp.Predicted]) || !strings.Contains(fig.Title, "LeNet ("+v+", ") {
			t.Errorf("case %d %s: title %q", vi, v, fig.Title)
		}
	}
}

func TestPoolNameAndFormatting(t *testing.T) {
	cases := []struct{ in, want string }{
		{"AvgPool 2x2 stride 2", "avg pooling 2x2"},
		{"MaxPool 3x3 stride 2, padding 1", "max pooling 3x3"},
	}
	for i, c := range cases {
		if got := poolName(c.in); got != c.want {
			t.Errorf("case %d: poolName(%q) = %q, want %q", i, c.in, got, c.want)
		}
	}
	for i, c := range []struct {
		v    float64
		want string
	}{{-0.001, "0.00"}, {0.004, "0.00"}, {-0.006, "-0.01"}, {0.531, "0.53"}} {
		if got := fixed2(c.v); got != c.want {
			t.Errorf("case %d: fixed2(%v) = %q, want %q", i, c.v, got, c.want)
		}
	}
	if got := shapeWords([]int{1, 6, 28, 28}); got != "6 x 28 x 28" {
		t.Errorf("shapeWords = %q", got)
	}
}

func TestExitCodes(t *testing.T) {
	useSet(t, genTestSet(t))
	ck, _ := saveCheckpoint(t, lenet.Classic, 1)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	truncated := write("truncated.bin", good[:len(good)/2])
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 1
	corrupt := write("flipped.bin", flipped)
	notCk := write("notes.txt", []byte("hello"))
	// A checkpoint whose first weight is NaN, with its digest made to match: what a
	// diverged run would have saved if the writer let it.
	nanCk := write("nan.bin", checkpointtest.NaNFirstWeight(t, good))
	var zero bytes.Buffer
	c0 := lenettest.New(t, lenet.Config{BatchSize: 2, EvalBatch: 2})
	if _, err := lenet.Snapshot(c0, header(0)).WriteTo(&zero); err != nil {
		t.Fatal(err)
	}
	lr0 := write("lr0.bin", zero.Bytes())
	aFile := write("file", nil)
	out := t.TempDir()

	cases := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no flags", nil, 2, "explain: -model is required"},
		{"negative index", []string{"-model", ck, "-index", "-1"}, 2, "-index -1: must be 0 or more"},
		{"index past the set", []string{"-model", ck, "-index", "5", "-out", out}, 2, "-index 5: the test set has 5 images; choose 0..4"},
		{"unknown flag", []string{"-model", ck, "-bogus"}, 2, "flag provided but not defined: -bogus"},
		{"bad number", []string{"-model", ck, "-index", "two"}, 2, `invalid value "two" for flag -index`},
		{"stray argument", []string{"-model", ck, "extra"}, 2, `unexpected argument "extra"`},
		{"missing checkpoint", []string{"-model", filepath.Join(dir, "nope.bin"), "-out", out}, 1, "no such file or directory"},
		{"truncated checkpoint", []string{"-model", truncated, "-out", out}, 1, "checkpoint is corrupt"},
		{"flipped bit", []string{"-model", corrupt, "-out", out}, 1, "checkpoint is corrupt"},
		{"not a checkpoint", []string{"-model", notCk, "-out", out}, 1, "not a checkpoint"},
		{"NaN weights", []string{"-model", nanCk, "-out", out}, 1, "conv1.weight[0] is NaN: it was saved from a run whose weights had already diverged"},
		{"learning rate 0", []string{"-model", lr0, "-out", out}, 1, "learning rate 0"},
		{"out is a file", []string{"-model", ck, "-out", aFile}, 1, "-out"},
	}
	for i, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		msg := stderr.String()
		if code != c.code || !strings.Contains(msg, c.want) {
			t.Errorf("case %d %s: exit %d, stderr %q; want %d and %q", i, c.name, code, msg, c.code, c.want)
		}
		if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "explain: ") || strings.Contains(msg, "goroutine") {
			t.Errorf("case %d %s: stderr is not one line starting with explain: %q", i, c.name, msg)
		}
	}
	if names := cmdtest.DirNames(t, out); len(names) != 0 {
		t.Errorf("failed runs left %q in -out", names)
	}

	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Usage: explain -model FILE") || stderr.Len() != 0 {
		t.Errorf("-h: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// Missing data is a failure (1), with the dataset package's explanation.
func TestMissingData(t *testing.T) {
	ck, _ := saveCheckpoint(t, lenet.Classic, 1)
	var stdout, stderr bytes.Buffer
	code := run([]string{"-model", ck, "-data", t.TempDir(), "-out", t.TempDir()}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "Fashion-MNIST not found") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and Fashion-MNIST not found", code, stderr.String())
	}
}

// On the real test set: image 0 is an ankle boot.
func TestRealData(t *testing.T) {
	dir := fashiontest.Dir(t)
	ck, _ := saveCheckpoint(t, lenet.Modern, 3)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", ck, "-data", dir, "-index", "0", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "test image 0: true ankle boot") {
		t.Errorf("stdout %q", stdout.String())
	}
	img := cmdtest.DecodePNG(t, filepath.Join(out, "explain-0.png"))
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 800 {
		t.Errorf("picture is %dx%d", b.Dx(), b.Dy())
	}
}
