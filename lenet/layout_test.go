package lenet_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

// unit recomputes cell k of layer s's output from the layer's input and the
// parameters, in float64, knowing nothing of LeNet but what s says: what an explorer
// page does to show how a value is made.
func unit(s lenet.LayerLayout, in []float32, params map[string][]float32, k int) float64 {
	switch s.Kind {
	case lenet.KindReLU:
		return math.Max(float64(in[k]), 0)
	case lenet.KindSigmoid:
		return 1 / (1 + math.Exp(-float64(in[k])))
	case lenet.KindTanh:
		return math.Tanh(float64(in[k]))
	case lenet.KindFlatten:
		return float64(in[k])
	case lenet.KindLinear:
		n, m := s.Input[1], s.Output[1]
		w, sum := params[s.Weight], float64(params[s.Bias][k])
		for i := range n {
			sum += float64(in[i]) * float64(w[i*m+k])
		}
		return sum
	}
	C, H, W := s.Input[1], s.Input[2], s.Input[3]
	OH, OW := s.Output[2], s.Output[3]
	o, i, j := k/(OH*OW), k/OW%OH, k%OW
	kh, kw, ph, pw, sh, sw := s.Kernel[0], s.Kernel[1], s.Padding[0], s.Padding[1], s.Stride[0], s.Stride[1]
	at := func(c, a, b int) (float64, bool) {
		r, q := i*sh-ph+a, j*sw-pw+b
		if r < 0 || r >= H || q < 0 || q >= W {
			return 0, false
		}
		return float64(in[(c*H+r)*W+q]), true
	}
	switch s.Kind {
	case lenet.KindConv:
		w, sum := params[s.Weight], float64(params[s.Bias][o])
		for c := range C {
			for a := range kh {
				for b := range kw {
					x, _ := at(c, a, b)
					sum += x * float64(w[((o*C+c)*kh+a)*kw+b])
				}
			}
		}
		return sum
	case lenet.KindMaxPool, lenet.KindAvgPool:
		best, sum, n := math.Inf(-1), 0.0, 0
		for a := range kh {
			for b := range kw {
				if x, ok := at(o, a, b); ok {
					best, sum, n = math.Max(best, x), sum+x, n+1
				}
			}
		}
		if s.Kind == lenet.KindMaxPool {
			return best
		}
		if n == 0 {
			panic("a window of padding alone")
		}
		return sum / float64(kh*kw) // PyTorch's count_include_pad=True
	}
	panic("unknown kind " + s.Kind)
}

// Every cell of every layer that Inspect returns equals its recomputation from the
// Layout, the previous layer's values and the weights, to 1e-5 of its magnitude (the
// network sums in float32, in another order); the convolution's value is the one before
// its activation. Besides the presets, networks with strides, rectangles, padded
// pooling of both kinds, tanh and a Flatten before an activation.
func TestLayoutRecomputesInspect(t *testing.T) {
	want := map[string][]lenet.LayerKind{
		lenet.Classic: {"conv", "relu", "avgpool", "conv", "sigmoid", "avgpool", "flatten", "linear", "sigmoid", "linear", "sigmoid", "linear"},
		lenet.Modern:  {"conv", "relu", "maxpool", "conv", "relu", "maxpool", "flatten", "linear", "relu", "linear", "relu", "linear"},
		"conv4k3x5p1x2s2-tanh-max3s2p1-conv6k3-avg3x2s2x1p1-flatten-sigmoid-dense12-tanh": {
			"conv", "tanh", "maxpool", "conv", "avgpool", "flatten", "sigmoid", "linear", "tanh", "linear"},
		"avg3s1p1-conv3k5x1s1x3": {"avgpool", "conv", "flatten", "linear"},
	}
	for vi, v := range append(slices.Clone(lenet.Presets), "conv4k3x5p1x2s2-tanh-max3s2p1-conv6k3-avg3x2s2x1p1-flatten-sigmoid-dense12-tanh", "avg3s1p1-conv3k5x1s1x3") {
		layouts, err := lenet.Layout(mustSpec(t, v))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []lenet.LayerKind
		for _, s := range layouts {
			kinds = append(kinds, s.Kind)
		}
		if !slices.Equal(kinds, want[v]) {
			t.Errorf("%s: kinds %v; want %v", v, kinds, want[v])
		}
		if vi < len(lenet.Presets) {
			if s := layouts[0]; s.Weight != "conv1.weight" || s.Bias != "conv1.bias" || !slices.Equal(s.Padding, []int{2, 2}) ||
				!slices.Equal(s.Kernel, []int{5, 5}) || !slices.Equal(s.Stride, []int{1, 1}) || !slices.Equal(s.Input, []int{1, 1, 28, 28}) {
				t.Errorf("%s: conv1 %+v", v, s)
			}
			if s := layouts[2]; !slices.Equal(s.Kernel, []int{2, 2}) || !slices.Equal(s.Stride, []int{2, 2}) || s.Weight != "" {
				t.Errorf("%s: pool1 %+v", v, s)
			}
		}

		// The layout's rows are Describe's modules, named as PyTorch builds them.
		d, err := lenet.Describe(mustSpec(t, v))
		if err != nil {
			t.Fatal(err)
		}
		for li, s := range layouts {
			if s.Name != d.Layers[li].Module || s.Index != li {
				t.Errorf("%s layer %d: %q (index %d); Describe's module is %q", v, li, s.Name, s.Index, d.Layers[li].Module)
			}
		}
		if vi < len(lenet.Presets) && (layouts[0].Name != "Conv2d(1, 6, kernel_size=5, padding=2)" || layouts[11].Name != "Linear(84, 10)") {
			t.Errorf("%s: first and last layers %q, %q", v, layouts[0].Name, layouts[11].Name)
		}

		c := inspectClassifier(t, v, uint64(20+vi))
		insp, err := lenet.Inspect(c, testImage(uint64(vi+4)))
		if err != nil {
			t.Fatal(err)
		}
		params := map[string][]float32{}
		for _, p := range insp.Params {
			params[p.Name] = p.Data
		}
		in := insp.Input
		if len(layouts) != len(insp.Layers) {
			t.Fatalf("%s: %d layers in the layout, %d inspected", v, len(layouts), len(insp.Layers))
		}
		for li, s := range layouts {
			out := insp.Layers[li]
			if !slices.Equal(s.Output, out.Shape) || out.Index != li {
				t.Fatalf("%s layer %d: spec %s %v, Inspect %s %v (index %d)", v, li, s.Name, s.Output, out.Layer, out.Shape, out.Index)
			}
			for k, got := range out.Data {
				w := unit(s, in, params, k)
				if d := math.Abs(float64(got) - w); !(d <= 1e-5*math.Max(1, math.Abs(w))) {
					t.Fatalf("%s layer %d (%s) cell %d: network %v, recomputed %v", v, li, s.Name, k, got, w)
				}
			}
			in = out.Data
		}
	}
	if _, err := lenet.Layout(badSpec); !errors.Is(err, lenet.ErrSpec) || err.Error() != badSpecErr {
		t.Errorf("Layout of a network that cannot be built: %v; want %q", err, badSpecErr)
	}
}
