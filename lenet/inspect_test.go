package lenet_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/chaptertest"
	"github.com/d2l-go/convnets/internal/opkit/optest"
	"github.com/d2l-go/convnets/layers"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// mustSpec is lenet.ParseSpec for specs a test knows to be good.
func mustSpec(t *testing.T, s string) lenet.Spec {
	t.Helper()
	sp, err := lenet.ParseSpec(s)
	if err != nil {
		t.Fatalf("ParseSpec(%q): %v", s, err)
	}
	return sp
}

// badSpec cannot be built: its kernel is larger than the image.
var badSpec = lenet.Spec{Layers: []lenet.Layer{lenet.Conv(6, 29, 0)}}

// badSpecErr is what Describe says of badSpec.
const badSpecErr = "layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"

// inspectClassifier returns a Classifier of network v (a preset or a spec) whose biases
// are random too (a fresh one has zero biases, which would hide a bias that is added
// wrongly).
func inspectClassifier(t *testing.T, v string, seed uint64) *lenet.Classifier {
	t.Helper()
	c := lenettest.New(t, lenet.Config{Spec: mustSpec(t, v), BatchSize: 2, EvalBatch: 3, Seed: seed})
	rng := rand.New(rand.NewPCG(seed, 99))
	lenettest.SetBiases(c, func(int) float32 { return float32(rng.Float64() - 0.5) })
	return c
}

// testImage is a deterministic 28x28 image with values in [0,1].
func testImage(seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 5))
	x := make([]float32, lenet.Height*lenet.Width)
	for i := range x {
		r, c := i/lenet.Width, i%lenet.Width
		if r > 3 && r < 24 && c > 6 && c < 21 { // a bright "garment" on a dark background
			x[i] = float32(0.5 + 0.5*rng.Float64())
		}
	}
	return x
}

func param(t *testing.T, c *lenet.Classifier, name string) []float64 {
	t.Helper()
	for _, p := range c.Params() {
		if p.Name() == name {
			return optest.Floats(t, p.Value())
		}
	}
	t.Fatalf("no parameter %q", name)
	return nil
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// refConv is optest's direct convolution of one image with zero padding p, stride 1:
// x (ci,h,w), w (co,ci,k,k), b (co) -> (co, h+2p-k+1, w+2p-k+1).
func refConv(x []float64, ci, h, wd int, w, b []float64, co, k, p int) []float64 {
	y, _ := optest.Conv2D(x, [4]int{1, ci, h, wd}, w, [4]int{co, ci, k, k}, b, [2]int{p, p}, [2]int{1, 1})
	return y
}

// refPool is a 2x2 stride-2 pool, average or max, of x (c,h,w).
func refPool(x []float64, c, h, w int, max bool) []float64 {
	oh, ow := h/2, w/2
	y := make([]float64, c*oh*ow)
	for ch := range c {
		for i := range oh {
			for j := range ow {
				v := [4]float64{x[(ch*h+2*i)*w+2*j], x[(ch*h+2*i)*w+2*j+1], x[(ch*h+2*i+1)*w+2*j], x[(ch*h+2*i+1)*w+2*j+1]}
				if max {
					y[(ch*oh+i)*ow+j] = math.Max(math.Max(v[0], v[1]), math.Max(v[2], v[3]))
				} else {
					y[(ch*oh+i)*ow+j] = (v[0] + v[1] + v[2] + v[3]) / 4
				}
			}
		}
	}
	return y
}

// refLinear is x W + b with W stored (in, out).
func refLinear(x, w, b []float64) []float64 {
	out := len(b)
	y := make([]float64, out)
	for j := range out {
		s := b[j]
		for i, xi := range x {
			s += xi * w[i*out+j]
		}
		y[j] = s
	}
	return y
}

func apply(x []float64, f func(float64) float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = f(v)
	}
	return y
}

func relu(v float64) float64    { return math.Max(v, 0) }
func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

func assertClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*math.Max(1, math.Abs(want[i]))) {
			t.Fatalf("%s: value %d is %v, want %v (difference %g)", what, i, got[i], want[i], d)
		}
	}
}

// Every layer output of Inspect equals a direct computation from the previous layer's
// output and the Classifier's weights, and the logits equal the Classifier's own
// evaluation graph (c.Logits) to 1e-5.
func TestInspectEveryLayer(t *testing.T) {
	for vi, v := range lenet.Presets {
		c := inspectClassifier(t, v, uint64(11+vi))
		img := testImage(uint64(vi))
		insp, err := lenet.Inspect(c, img)
		if err != nil {
			t.Fatalf("case %d %s: %v", vi, v, err)
		}
		if len(insp.Layers) != 12 {
			t.Fatalf("case %d %s: %d layers, want 12", vi, v, len(insp.Layers))
		}
		modern := v == lenet.Modern
		hidden := sigmoid
		if modern {
			hidden = relu
		}
		L := insp.Layers
		conv1 := refConv(f64(img), 1, 28, 28, param(t, c, "conv1.weight"), param(t, c, "conv1.bias"), 6, 5, 2)
		act1 := apply(conv1, relu)
		pool1 := refPool(f64(L[1].Data), 6, 28, 28, modern)
		conv2 := refConv(f64(L[2].Data), 6, 14, 14, param(t, c, "conv2.weight"), param(t, c, "conv2.bias"), 16, 5, 0)
		act2 := apply(f64(L[3].Data), hidden)
		pool2 := refPool(f64(L[4].Data), 16, 10, 10, modern)
		fc1 := refLinear(f64(L[6].Data), param(t, c, "fc1.weight"), param(t, c, "fc1.bias"))
		fc2 := refLinear(f64(L[8].Data), param(t, c, "fc2.weight"), param(t, c, "fc2.bias"))
		fc3 := refLinear(f64(L[10].Data), param(t, c, "fc3.weight"), param(t, c, "fc3.bias"))
		wants := [][]float64{
			conv1, act1, pool1, conv2, act2, pool2, f64(L[5].Data),
			fc1, apply(f64(L[7].Data), hidden), fc2, apply(f64(L[9].Data), hidden), fc3,
		}
		for i, want := range wants {
			assertClose(t, "case "+v+" layer "+L[i].Layer, L[i].Data, want, 1e-5)
		}
		if i := 6; !equal32(L[i].Data, L[5].Data) {
			t.Errorf("case %d %s: Flatten changed the values", vi, v)
		}

		got, err := c.Logits(nil, img)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, "case "+v+" logits vs c.Logits", insp.Logits, f64(got), 1e-5)
		assertClose(t, "case "+v+" last layer vs logits", L[11].Data, f64(insp.Logits), 0)
		probs := lenet.Softmax(got)
		var sum float64
		for k := range probs {
			sum += insp.Probs[k]
			if math.Abs(insp.Probs[k]-probs[k]) > 1e-6 {
				t.Errorf("case %d %s: probability %d is %v, want %v", vi, v, k, insp.Probs[k], probs[k])
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("case %d %s: probabilities sum to %v", vi, v, sum)
		}
		if insp.Predicted != lenet.Argmax(got) {
			t.Errorf("case %d %s: predicted %d, c.Logits says %d", vi, v, insp.Predicted, lenet.Argmax(got))
		}
		if w, ok := insp.Param("conv1.weight"); !ok || !equal32(w.Data, c.Params()[0].Value().Data().([]float32)) || len(w.Shape) != 4 {
			t.Errorf("case %d %s: Param(conv1.weight) = %v, %v; want the Classifier's kernels", vi, v, w.Shape, ok)
		}
		if !equal32(insp.Input, img) || insp.Model != v {
			t.Errorf("case %d %s: input or model %q not recorded", vi, v, insp.Model)
		}
	}
}

func equal32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSummaryMatchesChapter(t *testing.T) {
	rows, err := lenet.Summary(lenet.ClassicSpec())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(chaptertest.LeNet) {
		t.Fatalf("%d rows, want %d", len(rows), len(chaptertest.LeNet))
	}
	c := inspectClassifier(t, lenet.Classic, 3)
	insp, err := lenet.Inspect(c, testImage(3))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range chaptertest.LeNet {
		if rows[i].Layer != want.Layer || layers.FormatShape(rows[i].Shape) != want.Shape {
			t.Errorf("row %d: %s %s, want %s %s", i, rows[i].Layer, layers.FormatShape(rows[i].Shape), want.Layer, want.Shape)
		}
		l := insp.Layers[i]
		if l.Layer != want.Layer || layers.FormatShape(l.Shape) != want.Shape || l.Index != i {
			t.Errorf("Inspect layer %d: %d %s %v, want %s %s", i, l.Index, l.Layer, l.Shape, want.Layer, want.Shape)
		}
		n := 1
		for _, d := range l.Shape {
			n *= d
		}
		if len(l.Data) != n {
			t.Errorf("Inspect layer %d: %d values for shape %v", i, len(l.Data), l.Shape)
		}
	}

	// The modern variant has the same shapes with ReLU and max pooling.
	mrows, err := lenet.Summary(lenet.ModernSpec())
	if err != nil {
		t.Fatal(err)
	}
	modern := map[string]string{"Sigmoid": "ReLU", "AvgPool 2x2 stride 2": "MaxPool 2x2 stride 2"}
	for i, want := range chaptertest.LeNet {
		name := want.Layer
		if m, ok := modern[name]; ok {
			name = m
		}
		if mrows[i].Layer != name || layers.FormatShape(mrows[i].Shape) != want.Shape {
			t.Errorf("modern row %d: %s %s, want %s %s", i, mrows[i].Layer, layers.FormatShape(mrows[i].Shape), name, want.Shape)
		}
	}

	if _, err := lenet.Summary(badSpec); !errors.Is(err, lenet.ErrSpec) || err.Error() != "lenet: Summary: "+badSpecErr {
		t.Errorf("Summary of a network that cannot be built: error %v, want %q", err, badSpecErr)
	}
}

func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	if err := lenet.WriteSummary(&b, lenet.ClassicSpec()); err != nil {
		t.Fatal(err)
	}
	want := `layer                          output shape
Conv2d(1->6, 5x5, padding 2)   (1,6,28,28)
ReLU                           (1,6,28,28)
AvgPool 2x2 stride 2           (1,6,14,14)
Conv2d(6->16, 5x5)             (1,16,10,10)
Sigmoid                        (1,16,10,10)
AvgPool 2x2 stride 2           (1,16,5,5)
Flatten                        (1,400)
Linear 400->120                (1,120)
Sigmoid                        (1,120)
Linear 120->84                 (1,84)
Sigmoid                        (1,84)
Linear 84->10                  (1,10)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := lenet.WriteSummary(&b, badSpec); !errors.Is(err, lenet.ErrSpec) || err.Error() != "lenet: Summary: "+badSpecErr || b.Len() != 0 {
		t.Errorf("WriteSummary of a network that cannot be built: %v, wrote %q", err, b.String())
	}
}

// An Inspector copies the weights at every call, so it follows changes to the
// Classifier (training, Restore).
func TestInspectorFollowsWeights(t *testing.T) {
	c := inspectClassifier(t, lenet.Classic, 5)
	in, err := lenet.NewInspector(c)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	img := testImage(8)
	a, err := in.Inspect(img)
	if err != nil {
		t.Fatal(err)
	}
	bias := c.Params()[len(c.Params())-1].Value().Data().([]float32) // fc3.bias
	bias[4] += 3
	b, err := in.Inspect(img)
	if err != nil {
		t.Fatal(err)
	}
	for k := range lenet.Classes {
		want := a.Logits[k]
		if k == 4 {
			want += 3
		}
		if math.Abs(float64(b.Logits[k]-want)) > 1e-5 {
			t.Errorf("logit %d after raising fc3.bias[4] by 3: %v, want %v", k, b.Logits[k], want)
		}
	}
	got, err := c.Logits(nil, img)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "logits after the change vs c.Logits", b.Logits, f64(got), 1e-5)
	// The first inspection kept its own copies.
	if a.Params[len(a.Params)-1].Data[4] == bias[4] {
		t.Error("the first Inspection's parameters changed with the Classifier")
	}
}

func TestInspectErrors(t *testing.T) {
	c := inspectClassifier(t, lenet.Classic, 1)
	nan := testImage(1)
	nan[29] = float32(math.NaN())
	cases := []struct {
		name  string
		image []float32
		want  string
	}{
		{"empty", nil, "image has 0 pixels; want 28x28 = 784"},
		{"too long", make([]float32, 785), "image has 785 pixels; want 28x28 = 784"},
		{"NaN", nan, "pixel 29 (row 1, column 1) is NaN"},
	}
	for i, tc := range cases {
		_, err := lenet.Inspect(c, tc.image)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d %s: error %v, want %q", i, tc.name, err, tc.want)
		}
	}
	if _, err := lenet.NewInspector(nil); err == nil {
		t.Error("NewInspector(nil): no error")
	}
}

func TestLayerOutputFeatureMap(t *testing.T) {
	l := lenet.LayerOutput{Shape: []int{1, 2, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}
	if l.Channels() != 2 {
		t.Errorf("Channels %d, want 2", l.Channels())
	}
	if got := l.FeatureMap(1); !equal32(got, []float32{6, 7, 8, 9, 10, 11}) {
		t.Errorf("FeatureMap(1) = %v", got)
	}
	for _, c := range []int{-1, 2} {
		if got := l.FeatureMap(c); got != nil {
			t.Errorf("FeatureMap(%d) = %v, want nil", c, got)
		}
	}
	flat := lenet.LayerOutput{Shape: []int{1, 4}, Data: make([]float32, 4)}
	if flat.Channels() != 0 || flat.FeatureMap(0) != nil {
		t.Error("a (1,4) output has no channels or feature maps")
	}
}

// The chapter's shape table for one image, as the tools print it.
func ExampleWriteSummary() {
	if err := lenet.WriteSummary(os.Stdout, lenet.ClassicSpec()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// layer                          output shape
	// Conv2d(1->6, 5x5, padding 2)   (1,6,28,28)
	// ReLU                           (1,6,28,28)
	// AvgPool 2x2 stride 2           (1,6,14,14)
	// Conv2d(6->16, 5x5)             (1,16,10,10)
	// Sigmoid                        (1,16,10,10)
	// AvgPool 2x2 stride 2           (1,16,5,5)
	// Flatten                        (1,400)
	// Linear 400->120                (1,120)
	// Sigmoid                        (1,120)
	// Linear 120->84                 (1,84)
	// Sigmoid                        (1,84)
	// Linear 84->10                  (1,10)
}

// Inspect runs one image through the network and keeps every layer's output.
func ExampleInspect() {
	c, err := lenet.New(lenet.Config{BatchSize: 1, EvalBatch: 1, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	image := make([]float32, lenet.Height*lenet.Width) // an all-black image
	insp, err := lenet.Inspect(c, image)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range insp.Layers[:3] {
		fmt.Printf("%-30s %v, %d feature maps\n", l.Layer, l.Shape, l.Channels())
	}
	fmt.Println(len(insp.Logits), "logits")
	// Output:
	// Conv2d(1->6, 5x5, padding 2)   [1 6 28 28], 6 feature maps
	// ReLU                           [1 6 28 28], 6 feature maps
	// AvgPool 2x2 stride 2           [1 6 14 14], 6 feature maps
	// 10 logits
}
