package lenet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/linestest"
)

// mustParse is ParseSpec for specs a test knows to be good.
func mustParse(t *testing.T, s string) Spec {
	t.Helper()
	sp, err := ParseSpec(s)
	if err != nil {
		t.Fatalf("ParseSpec(%q): %v", s, err)
	}
	return sp
}

// params is the parameter count Describe gives s.
func params(t *testing.T, s Spec) int64 {
	t.Helper()
	d, err := Describe(s)
	if err != nil {
		t.Fatalf("Describe(%s): %v", s, err)
	}
	return d.Params
}

func TestSpecPresets(t *testing.T) {
	cases := []struct {
		name  string
		s     Spec
		str   string
		lr    float64
		title string
	}{
		{Classic, ClassicSpec(), "conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.9", 0.9, "LeNet (classic)"},
		{Modern, ModernSpec(), "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.1", 0.1, "LeNet (modern)"},
	}
	if !slices.Equal(Presets, []string{Classic, Modern}) {
		t.Errorf("Presets = %v", Presets)
	}
	for _, c := range cases {
		if got := c.s.String(); got != c.str {
			t.Errorf("%s: String = %q, want %q", c.name, got, c.str)
		}
		// 6*25+6 + 16*6*25+16 + 400*120+120 + 120*84+84 + 84*10+10
		if got := params(t, c.s); got != 61706 {
			t.Errorf("%s: %d parameters, want 61706", c.name, got)
		}
		if c.s.Name != c.name || c.s.Model() != c.name || c.s.Label() != c.name || Title(c.s.Model()) != c.title {
			t.Errorf("%s: Name %q, Model %q, Label %q, Title %q", c.name, c.s.Name, c.s.Model(), c.s.Label(), Title(c.s.Model()))
		}
		if c.s.LearningRate() != c.lr || c.s.EpochCount() != DefaultEpochs {
			t.Errorf("%s: lr %v, %d epochs; want %v and %d", c.name, c.s.LearningRate(), c.s.EpochCount(), c.lr, DefaultEpochs)
		}
		// By name, with spaces around it, and by its spec string less the name.
		for _, in := range []string{c.name, " " + c.name + "\n"} {
			if byName := mustParse(t, in); !reflect.DeepEqual(byName, c.s) {
				t.Errorf("ParseSpec(%q) = %+v, want %+v", in, byName, c.s)
			}
		}
		parsed := mustParse(t, c.str)
		if parsed.Name != "" || parsed.Model() != c.name || !SameNetwork(parsed, c.s) {
			t.Errorf("ParseSpec(%q): name %q, model %q", c.str, parsed.Name, parsed.Model())
		}
		parsed.Name = c.name
		if !reflect.DeepEqual(parsed, c.s) {
			t.Errorf("ParseSpec(%q) = %+v, want %+v", c.str, parsed, c.s)
		}
	}
	// The zero Spec builds the classic network; the presets are fresh copies.
	if got := (Spec{}).orClassic(); !reflect.DeepEqual(got, ClassicSpec()) {
		t.Errorf("zero Spec is %+v", got)
	}
	a := ClassicSpec()
	a.Layers[0].Out = 99
	if ClassicSpec().Layers[0].Out != 6 {
		t.Error("ClassicSpec shares its layers between calls")
	}
	if Title("conv8k3p1-relu") != "CNN (conv8k3p1-relu)" {
		t.Errorf("Title of a custom network: %q", Title("conv8k3p1-relu"))
	}
}

// The layers ParseSpec reads, in the compact form and in JSON: each case's layers
// (with the Flatten that ParseSpec implies), its canonical String, parameters, learning
// rate, epochs and Model.
func TestParseSpec(t *testing.T) {
	flat := Act(KindFlatten)
	cases := []struct {
		in     string
		str    string // "" means in
		layers []Layer
		params int64
		lr     float64
		epochs int
		model  string // "" means str
	}{
		// Stride 2: 28 -> floor((28-3+2)/2)+1 = 14, so the last layer sees 8*14*14.
		{"conv8k3p1s2", "", []Layer{{Kind: KindConv, Out: 8, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, flat},
			80 + (8*14*14*10 + 10), 0.1, 10, ""},
		// Rectangles: 28x28 -> (floor((28-3)/3)+1, floor((28-5+2)/4)+1) = 9x7 -> max3x2: 3x3.
		{"conv4k3x5p0x1s3x4-max3x2", "", []Layer{
			{Kind: KindConv, Out: 4, Kernel: [2]int{3, 5}, Stride: [2]int{3, 4}, Padding: [2]int{0, 1}},
			{Kind: KindMaxPool, Kernel: [2]int{3, 2}}, flat},
			4*15 + 4 + (4*3*3*10 + 10), 0.1, 10, ""},
		// Keys in any order; written back in the canonical one.
		{"conv4s3x4p0x1k3x5-max3x2", "conv4k3x5p0x1s3x4-max3x2", nil, 4*15 + 4 + (4*3*3*10 + 10), 0.1, 10, ""},
		// Tanh, which sets the default learning rate as sigmoid does.
		{"conv6k5-tanh-avg2-dense32-tanh", "", []Layer{Conv(6, 5, 0), Act(KindTanh), Pool(KindAvgPool, 2), flat, Dense(32), Act(KindTanh)},
			156 + (6*12*12*32 + 32) + 330, 0.9, 10, ""},
		// An explicit Flatten where it would be implied is the same spec.
		{"conv6k5-relu-flatten-dense32", "conv6k5-relu-dense32", []Layer{Conv(6, 5, 0), Act(KindReLU), flat, Dense(32)},
			156 + (6*24*24*32 + 32) + 330, 0.1, 10, ""},
		// One where it would not be is kept.
		{"conv6k5-flatten-relu-dense32", "", []Layer{Conv(6, 5, 0), flat, Act(KindReLU), Dense(32)},
			156 + (6*24*24*32 + 32) + 330, 0.1, 10, ""},
		// No dense layer: the Flatten goes at the end, before the implied one to the classes.
		{"conv6k5-relu-max2", "", []Layer{Conv(6, 5, 0), Act(KindReLU), Pool(KindMaxPool, 2), flat}, 156 + (6*12*12*10 + 10), 0.1, 10, ""},
		// Max pooling with padding: floor((24-3+2)/2)+1 = 12.
		{"conv4k5-relu-max3s2p1", "", []Layer{Conv(4, 5, 0), Act(KindReLU), {Kind: KindMaxPool, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, flat},
			104 + (4*12*12*10 + 10), 0.1, 10, ""},
		// No convolution at all, and no activation after a convolution.
		{"dense32-relu", "", []Layer{flat, Dense(32), Act(KindReLU)}, (784*32 + 32) + 330, 0.1, 10, ""},
		{"conv6k5-conv16k5-dense32", "", []Layer{Conv(6, 5, 0), Conv(16, 5, 0), flat, Dense(32)}, 156 + 2416 + (16*20*20*32 + 32) + 330, 0.1, 10, ""},
		// A third convolution on 5x5 maps.
		{"conv6k5p2-relu-max2-conv16k5-relu-max2-conv32k3-relu-dense120-relu-dense84-relu", "", nil,
			156 + 2416 + (32*16*9 + 32) + (32*3*3*120 + 120) + 10164 + 850, 0.1, 10, ""},
		// Training settings, the exponent's "-" kept with its number.
		{"conv6k3p1-sigmoid-avg2-dense10-sigmoid-lr1e-3-epochs3-kaiming", "conv6k3p1-sigmoid-avg2-dense10-sigmoid-lr0.001-epochs3-kaiming", nil,
			60 + (6*14*14*10 + 10) + 110, 0.001, 3, "conv6k3p1-sigmoid-avg2-dense10-sigmoid"},
		{"conv4k5-relu-max3s2-dense20-relu-xavier", "conv4k5-relu-max3s2-dense20-relu", nil, 104 + (4*11*11*20 + 20) + 210, 0.1, 10, ""},
		// A preset's layers are the preset, whatever the spaces and training settings.
		{" conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.5 ", "conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.5", nil,
			61706, 0.5, 10, Classic},
		{"modern", "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.1", ModernSpec().Layers, 61706, 0.1, 10, Modern},
		// JSON: an object, with the training settings.
		{`{"layers":[{"kind":"conv","out":6,"kernel":5,"padding":2},{"kind":"relu"},{"kind":"maxpool","kernel":2},{"kind":"linear","out":32},{"kind":"relu"}],"lr":0.05,"epochs":3}`,
			"conv6k5p2-relu-max2-dense32-relu-lr0.05-epochs3", []Layer{Conv(6, 5, 2), Act(KindReLU), Pool(KindMaxPool, 2), flat, Dense(32), Act(KindReLU)},
			156 + (6*14*14*32 + 32) + 330, 0.05, 3, "conv6k5p2-relu-max2-dense32-relu"},
		// The bare list, with pairs and an explicit flatten.
		{`[{"kind":"conv","out":4,"kernel":[3,5],"stride":[3,4],"padding":[0,1]},{"kind":"tanh"},{"kind":"avgpool","kernel":3,"stride":2,"padding":1},{"kind":"flatten"}]`,
			"conv4k3x5p0x1s3x4-tanh-avg3s2p1", []Layer{{Kind: KindConv, Out: 4, Kernel: [2]int{3, 5}, Stride: [2]int{3, 4}, Padding: [2]int{0, 1}}, Act(KindTanh),
				{Kind: KindAvgPool, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, flat},
			64 + (4*5*4*10 + 10), 0.9, 10, ""},
	}
	for _, c := range cases {
		s, err := ParseSpec(c.in)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", c.in, err)
			continue
		}
		str := c.str
		if str == "" {
			str = c.in
		}
		model := c.model
		if model == "" {
			model = str
		}
		if got := s.String(); got != str {
			t.Errorf("ParseSpec(%q).String() = %q, want %q", c.in, got, str)
		}
		if c.layers != nil && !reflect.DeepEqual(s.Layers, c.layers) {
			t.Errorf("ParseSpec(%q).Layers = %+v, want %+v", c.in, s.Layers, c.layers)
		}
		if got := params(t, s); got != c.params {
			t.Errorf("%q: %d parameters, want %d", c.in, got, c.params)
		}
		if s.LearningRate() != c.lr || s.EpochCount() != c.epochs {
			t.Errorf("%q: lr %v epochs %d, want %v %d", c.in, s.LearningRate(), s.EpochCount(), c.lr, c.epochs)
		}
		if s.Model() != model {
			t.Errorf("%q: Model %q, want %q", c.in, s.Model(), model)
		}
		// The Model names the same network.
		if back := mustParse(t, s.Model()); !SameNetwork(back, s) {
			t.Errorf("%q: ParseSpec(Model) is %s", c.in, back.Arch())
		}
	}
}

// roundTripSpecs are specs that ParseSpec returns, or that are built in Go with every
// default left zero.
func roundTripSpecs(t *testing.T) []Spec {
	specs := []Spec{ClassicSpec(), ModernSpec(),
		{Layers: []Layer{Conv(3, 3, 1), Act(KindTanh), Act(KindFlatten), Act(KindSigmoid), Dense(7)}, LR: 0.25, Epochs: 2, Init: Kaiming},
		{Name: "named", Layers: []Layer{{Kind: KindAvgPool, Kernel: [2]int{4, 2}, Stride: [2]int{1, 3}, Padding: [2]int{2, 1}}, Act(KindFlatten)}},
	}
	for _, s := range []string{
		"conv8k3p1s2", "conv4k3x5p0x1s3x4-max3x2", "conv6k5-tanh-avg2-dense32-tanh", "conv6k5-flatten-relu-dense32",
		"conv6k5-relu-max2", "conv4k5-relu-max3s2p1", "dense32-relu", "relu", "flatten", "conv1k28", "max28", "avg3s1p1-sigmoid",
		"conv6k3p1-sigmoid-avg2-dense10-sigmoid-lr0.001-epochs3-kaiming", "conv8k1x3s1x2-max2s1x2p1x0-dense5-dense6-lr2.5e-05",
	} {
		specs = append(specs, mustParse(t, s))
	}
	return specs
}

// ParseSpec(s.String()) is s less its name, JSON marshalling and ParseSpec give s back
// whole, and the bare list of layers gives its layers.
func TestSpecRoundTrips(t *testing.T) {
	for _, s := range roundTripSpecs(t) {
		back := mustParse(t, s.String())
		want := s.Normalized()
		want.Name = ""
		if !reflect.DeepEqual(back, want) {
			t.Errorf("ParseSpec(%q) = %+v, want %+v", s.String(), back, want)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if back := mustParse(t, string(b)); !reflect.DeepEqual(back, s.Normalized()) {
			t.Errorf("JSON round trip: %s -> %+v", b, back)
		}
		var direct Spec
		if err := json.Unmarshal(b, &direct); err != nil || !reflect.DeepEqual(direct, s) {
			t.Errorf("json.Unmarshal(%s) = %+v, %v", b, direct, err)
		}
		lb, err := json.Marshal(s.Layers)
		if err != nil {
			t.Fatal(err)
		}
		if back := mustParse(t, string(lb)); !reflect.DeepEqual(back.Layers, s.Normalized().Layers) || back.LR != 0 || back.Name != "" {
			t.Errorf("bare list round trip: %s -> %+v", lb, back)
		}
	}
	// The JSON form of a layer: the settings its kind takes, pairs as a number when
	// square, a default stride and a zero padding left out.
	for _, c := range []struct {
		l    Layer
		want string
	}{
		{Conv(6, 5, 2), `{"kind":"conv","out":6,"kernel":5,"padding":2}`},
		{Layer{Kind: KindConv, Out: 4, Kernel: [2]int{3, 5}, Stride: [2]int{3, 4}, Padding: [2]int{0, 1}}, `{"kind":"conv","out":4,"kernel":[3,5],"stride":[3,4],"padding":[0,1]}`},
		{Layer{Kind: KindConv, Out: 4, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}}, `{"kind":"conv","out":4,"kernel":3}`},
		{Pool(KindMaxPool, 2), `{"kind":"maxpool","kernel":2}`},
		{Layer{Kind: KindAvgPool, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, `{"kind":"avgpool","kernel":3,"stride":2,"padding":1}`},
		{Act(KindTanh), `{"kind":"tanh"}`},
		{Act(KindFlatten), `{"kind":"flatten"}`},
		{Dense(120), `{"kind":"linear","out":120}`},
	} {
		if b, err := json.Marshal(c.l); err != nil || string(b) != c.want {
			t.Errorf("json.Marshal(%+v) = %s, %v; want %s", c.l, b, err, c.want)
		}
	}
}

// Every bad spec is refused with one line naming the layer (counted from 0, as PyTorch
// numbers the modules, implied Flatten included) or the token, and why, with the
// arithmetic when a window does not fit.
func TestParseSpecErrors(t *testing.T) {
	convForm := "want convNkK[pP][sS], e.g. conv6k5p2 or conv8k3x5s2"
	cases := []struct {
		in    string
		layer int // SpecError.Layer
		want  string
	}{
		{"", -1, "empty spec; name a preset (classic, modern) or give layers such as conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid"},
		{"  ", -1, "empty spec; name a preset (classic, modern) or give layers such as conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid"},
		// Unknown tokens, the old model names included.
		{"lenet5", -1, `token "lenet5": unknown token; ` + TokenHelp},
		{"alexnet", -1, `token "alexnet": unknown token; ` + TokenHelp},
		{"conv6k5-relu-softmax", -1, `token "softmax": unknown token; ` + TokenHelp},
		{"conv6k5--relu", -1, `empty token in "conv6k5--relu": a "-" at either end or two in a row`},
		{"conv6k5-relu-", -1, `empty token in "conv6k5-relu-": a "-" at either end or two in a row`},
		// Malformed layers, named by the index they would have.
		{"conv6-relu", 0, "layer 0 conv6: the kernel is missing; " + convForm},
		{"conv6k5-relu-conv6", 2, "layer 2 conv6: the kernel is missing; " + convForm},
		{"convk5", 0, "layer 0 convk5: the number of channels is missing; " + convForm},
		{"conv6k5x-relu", 0, `layer 0 conv6k5x: unexpected "x"; ` + convForm},
		{"conv6k5k3", 0, `layer 0 conv6k5k3: "k" is given twice; ` + convForm},
		{"conv6k5p1p1", 0, `layer 0 conv6k5p1p1: "p" is given twice; ` + convForm},
		{"conv6k5q2", 0, `layer 0 conv6k5q2: unexpected "q2"; ` + convForm},
		{"conv6k5-max", 1, "layer 1 max: the window is missing; want maxK[sS][pP], e.g. max2 or max3s2p1"},
		{"conv6k5-avg2k2", 1, `layer 1 avg2k2: unexpected "k2"; want avgK[sS][pP], e.g. avg2 or avg3s2p1`},
		{"conv6k5-relu-dense", 3, "layer 3 dense: the width is missing; want dense64"},
		{"conv6k5-dense10-dense", 3, "layer 3 dense: the width is missing; want dense64"},
		{"conv6k5s0", 0, "layer 0 conv6k5s0: the stride 0 must be at least 1"},
		{"conv6k5-max2s1x0", 1, "layer 1 max2s1x0: the stride 1x0 must be at least 1"},
		// Numbers over MaxDim, or past int.
		{"conv2000000k3", 0, "layer 0 conv2000000k3: the number of channels 2000000 is out of range (at most 1048576)"},
		{"conv6k1048577", 0, "layer 0 conv6k1048577: the kernel 1048577 is out of range (at most 1048576)"},
		{"conv6k5-dense99999999999999999999", 2, "layer 2 dense99999999999999999999: the width 99999999999999999999 is out of range (at most 1048576)"},
		{"conv6k3p1x2000000", 0, "layer 0 conv6k3p1x2000000: the padding 2000000 is out of range (at most 1048576)"},
		// Numbers that mean nothing.
		{"conv0k5", 0, "layer 0 conv0k5: 0 output channels; want at least 1"},
		{"conv6k0", 0, "layer 0 conv6k0: the kernel height is 0; want at least 1"},
		{"conv6k3x0", 0, "layer 0 conv6k3x0: the kernel width is 0; want at least 1"},
		{"conv6k5-dense0", 2, "layer 2 dense0: width 0 must be at least 1"},
		// Pooling padding over half the window (PyTorch's rule).
		{"conv6k5-max3p2", 1, "layer 1 max3p2: padding 2 is more than half the 3x3 window (PyTorch's rule for pooling); use at most 1"},
		{"avg4x2p1x2", 0, "layer 0 avg4x2p1x2: padding 1x2 is more than half the 4x2 window (PyTorch's rule for pooling); use at most 2x1"},
		// Windows bigger than their input, with the arithmetic.
		{"conv6k5-max2-max2-max2-max2-max2", 5, "layer 5 max2: input 1x1 is smaller than the 2x2 window; floor((1 - 2 + 0) / 2) + 1 = 0"},
		{"conv6k29", 0, "layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"},
		{"conv6k3x29", 0, "layer 0 conv6k3x29: input 28x28 is smaller than the 3x29 kernel; width: floor((28 - 29 + 0) / 1) + 1 = 0"},
		{"conv6k5-relu-max30p2", 2, "layer 2 max30p2: input 24x24 is smaller than the 30x30 window; floor((24 - 30 + 4) / 30) + 1 = 0"},
		// Layers in the wrong place: maps after vectors, a second Flatten.
		{"conv6k5-flatten-conv3k3", 2, "layer 2 conv3k3: its input is a vector of 3456; convolutions and poolings take (channels, height, width) maps, so put them before flatten and the dense layers"},
		{"dense10-relu-conv6k5", 3, "layer 3 conv6k5: its input is a vector of 10; convolutions and poolings take (channels, height, width) maps, so put them before flatten and the dense layers"},
		{"conv6k5-max2-dense10-max2", 4, "layer 4 max2: its input is a vector of 10; convolutions and poolings take (channels, height, width) maps, so put them before flatten and the dense layers"},
		{"conv6k5-flatten-flatten", 2, "layer 2 flatten: its input is already a vector of 3456"},
		{"conv6k5-dense10-flatten", 3, "layer 3 flatten: its input is already a vector of 10"},
		// Over MaxParams (the implied last layer counts) and over the activation limit.
		{"conv6k5-dense1048576", 2, "layer 2 dense1048576: the network reaches 3624927388 parameters here, over the limit of 50000000; use fewer channels or a narrower layer"},
		{"conv64k1p500", 2, "layer 2 dense10: the network reaches 676341898 parameters here, over the limit of 50000000; use fewer channels or a narrower layer"},
		{"conv1k1p10000", 0, "layer 0 conv1k1p10000: the layers' outputs reach 3.0 GB for one example here, over the limit of 2.0 GB; use fewer channels, more stride or less padding"},
		// Training settings.
		{"conv6k5-lr0", -1, `token "lr0": the learning rate must be a positive number, e.g. lr0.1`},
		{"conv6k5-lrx", -1, `token "lrx": the learning rate must be a positive number, e.g. lr0.1`},
		{"conv6k5-lr1e999", -1, `token "lr1e999": the learning rate must be a positive number, e.g. lr0.1`},
		{"conv6k5-epochs0", -1, `token "epochs0": the number of epochs must be at least 1, e.g. epochs10`},
		{"conv6k5-epochs", -1, `token "epochs": the number of epochs is missing; want epochs10`},
		// JSON: the old form, unknown fields and kinds, settings a kind does not take.
		{`{"convs":[{"out":6,"kernel":5,"act":"relu"}],"dense":[]}`, -1, `spec JSON: json: unknown field "convs"`},
		{`{"layers":[],"bogus":1}`, -1, `spec JSON: json: unknown field "bogus"`},
		{`{"layers":[]}`, -1, "the spec has no layers"},
		{`[]`, -1, "the spec has no layers"},
		{`{"layers":[{"kind":"softmax"}]}`, -1, `spec JSON: layer {"kind":"softmax"}: unknown kind "softmax"; ` + kindHelp},
		{`[{"kind":"conv","out":6,"kernel":5,"act":"relu"}]`, -1, `spec JSON: layer {"kind":"conv","out":6,"kernel":5,"act":"relu"}: json: unknown field "act"`},
		{`[{"kind":"relu","out":3}]`, -1, `spec JSON: layer {"kind":"relu","out":3}: a relu layer takes no settings`},
		{`[{"kind":"flatten","kernel":2}]`, -1, `spec JSON: layer {"kind":"flatten","kernel":2}: a flatten layer takes no settings`},
		{`[{"kind":"linear","out":6,"kernel":5}]`, -1, `spec JSON: layer {"kind":"linear","out":6,"kernel":5}: a linear layer takes only out`},
		{`[{"kind":"maxpool","out":6,"kernel":5}]`, -1, `spec JSON: layer {"kind":"maxpool","out":6,"kernel":5}: a pooling takes no out`},
		{`[{"kind":"maxpool"}]`, -1, `spec JSON: layer {"kind":"maxpool"}: kernel is missing`},
		{`[{"kind":"conv","out":6,"kernel":[1,2,3]}]`, -1, `spec JSON: layer {"kind":"conv","out":6,"kernel":[1,2,3]}: [1,2,3] is neither a number nor [rows, columns]`},
		{`[{"kind":"conv","out":6,"kernel":-5}]`, -1, `spec JSON: layer {"kind":"conv","out":6,"kernel":-5}: -5 is out of range (0 to 1048576)`},
		{`[{"kind":"conv","out":6,"kernel":5,"padding":[0,2000000]}]`, -1, `spec JSON: layer {"kind":"conv","out":6,"kernel":5,"padding":[0,2000000]}: [0,2000000] is out of range (0 to 1048576)`},
		{`[{"kind":"conv","out":6,"kernel":5,"stride":0}]`, -1, `spec JSON: layer {"kind":"conv","out":6,"kernel":5,"stride":0}: the stride must be at least 1 (leave it out for the default)`},
		{`[{"kind":"conv","out":-6,"kernel":5}]`, 0, "layer 0 conv-6k5: -6 output channels; want at least 1"},
		{`{"layers":[{"kind":"relu"}],"lr":-1}`, -1, "learning rate -1 must be a positive number"},
		{`{"layers":[{"kind":"relu"}],"epochs":-2}`, -1, "epochs -2 must be positive"},
		{`{"layers":[{"kind":"relu"}],"init":"he"}`, -1, `unknown init "he"; use xavier or kaiming`},
		{`{"layers":[{"kind":"relu"}]} {}`, -1, "spec JSON: more after the spec"},
		{`{"layers":[{"kind":"relu"}]`, -1, "spec JSON: unexpected EOF"},
	}
	for _, c := range cases {
		_, err := ParseSpec(c.in)
		var se *SpecError
		if err == nil || err.Error() != c.want || !errors.Is(err, ErrSpec) || !errors.As(err, &se) || se.Layer != c.layer {
			t.Errorf("ParseSpec(%q) = %v (%#v); want a *SpecError of layer %d: %q", c.in, err, se, c.layer, c.want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("ParseSpec(%q): error spans lines: %q", c.in, err)
		}
	}
}

// A Classifier built from the classic preset, from its spec string and from the zero
// Spec has the same parameters, names and initial values, and says it is the classic
// network.
func TestPresetSpecsBuildOneNetwork(t *testing.T) {
	a := newClassifier(t, Config{Spec: ClassicSpec(), BatchSize: 2, EvalBatch: 2, Seed: 4})
	for _, cfg := range []Config{
		{Spec: mustParse(t, ClassicSpec().String()), BatchSize: 2, EvalBatch: 2, Seed: 4},
		{BatchSize: 2, EvalBatch: 2, Seed: 4},
	} {
		b := newClassifier(t, cfg)
		if b.Spec().Model() != Classic || b.Spec().String() != ClassicSpec().String() || b.Seed() != 4 {
			t.Errorf("classifier of %q: Model %q, Spec %q, seed %d", cfg.Spec, b.Spec().Model(), b.Spec(), b.Seed())
		}
		if len(a.Params()) != 10 || len(b.Params()) != len(a.Params()) {
			t.Fatalf("%d and %d parameters; want 10", len(a.Params()), len(b.Params()))
		}
		for i, p := range a.Params() {
			q := b.Params()[i]
			if p.Name() != q.Name() || !slices.Equal(f32(p), f32(q)) {
				t.Errorf("parameter %d: %s and %s differ", i, p.Name(), q.Name())
			}
		}
	}
	// Seed 0 is DefaultSeed.
	if c := newClassifier(t, Config{BatchSize: 2, EvalBatch: 2}); c.Seed() != DefaultSeed || DefaultSeed != 1 {
		t.Errorf("default seed %d, DefaultSeed %d; want 1", c.Seed(), DefaultSeed)
	}
}

func TestCustomSpecClassifier(t *testing.T) {
	spec := mustParse(t, "conv4k3p1-relu-max2-conv8k3-relu-max2-conv8k3p1-relu-dense16-relu-kaiming")
	c := newClassifier(t, Config{Spec: spec, BatchSize: 3, EvalBatch: 2, Seed: 1})
	if got := c.Spec().Model(); got != spec.Arch() || got != "conv4k3p1-relu-max2-conv8k3-relu-max2-conv8k3p1-relu-dense16-relu" {
		t.Errorf("Model = %q, want the arch %q", got, spec.Arch())
	}
	total := 0
	for _, p := range c.Params() {
		total += p.Shape().TotalSize()
	}
	if want := params(t, spec); int64(total) != want {
		t.Errorf("graph has %d parameters, Describe says %d", total, want)
	}
	// He-uniform bounds: conv1 fan_in 9, fc1 fan_in 8*6*6.
	for name, fanIn := range map[string]int{"conv1.weight": 9, "fc1.weight": 288} {
		var w []float32
		for _, p := range c.Params() {
			if p.Name() == name {
				w = f32(p)
			}
		}
		a := math.Sqrt(6 / float64(fanIn))
		lo, hi := slices.Min(w), slices.Max(w)
		if float64(hi) > a || float64(lo) < -a || float64(hi) < 0.8*a || float64(lo) > -0.8*a {
			t.Errorf("%s: values in [%v, %v], want U(-%v, %v) filled", name, lo, hi, a, a)
		}
	}
	x := make([]float32, 3*Height*Width)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	if _, _, err := c.TrainBatch(x, []int{1, 2, 3}, spec.LearningRate()); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteSummary(&b, c.Spec()); err != nil {
		t.Fatal(err)
	}
	linestest.Contains(t, "summary", b.String(), "Conv2d(8->8, 3x3, padding 1)", "(1,8,6,6)", "Linear 288->16", "Linear 16->10")
}

func TestNewNetBothOps(t *testing.T) {
	for _, c := range []struct {
		spec string
		want []string
	}{
		{Modern, []string{"MaxPool 2x2 stride 2"}},
		{"conv4k3x5p1x2s2-tanh-max3s2p1-avg2x1", []string{"Conv2d(1->4, 3x5, padding (1,2), stride 2)", "Tanh", "MaxPool 3x3 stride 2, padding 1", "AvgPool 2x1 stride (2,1)", "Linear 84->10"}},
	} {
		for _, ops := range nn.AllOps {
			g := gorgonia.NewGraph()
			net, err := NewNet(g, "p_", mustParse(t, c.spec), tensor.Float64, ops, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(net.Layers())
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s, %v: layers %s; want %q among them", c.spec, ops, got, w)
				}
			}
		}
	}
	if _, err := NewNet(gorgonia.NewGraph(), "", Spec{Layers: []Layer{Dense(0)}}, tensor.Float32, nn.FastOps, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrSpec) ||
		err.Error() != "layer 1 dense0: width 0 must be at least 1" {
		t.Errorf("NewNet of a bad spec: %v", err)
	}
}

// snapshot copies c's parameters.
func snapshot(c *Classifier) [][]float32 {
	var w [][]float32
	for _, p := range c.Params() {
		w = append(w, slices.Clone(f32(p)))
	}
	return w
}

// The learning rate and the epochs a spec names are the ones training uses when the
// TrainConfig leaves them zero: a spec's "-lr0.05-epochs2" is not lost to the default
// rate for its activations (0.1 for ReLU) or the default 10 epochs.
func TestTrainUsesTheSpecsSettings(t *testing.T) {
	train, test := fashiontest.Random(t, 96, 11), fashiontest.Random(t, 20, 12)
	spec := mustParse(t, "conv4k5-relu-max2-dense16-relu-lr0.05-epochs2")
	if spec.LR != 0.05 || spec.Epochs != 2 || spec.LearningRate() != 0.05 || spec.EpochCount() != 2 {
		t.Fatalf("spec %+v: lr %v, %d epochs", spec, spec.LearningRate(), spec.EpochCount())
	}
	// One step, the first batch of the first epoch, at each rate.
	stepped := func(cfg TrainConfig) [][]float32 {
		t.Helper()
		c := newClassifier(t, Config{Spec: spec, BatchSize: 32})
		cfg.Epochs = 1
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cfg.OnBatch = func(BatchInfo) { cancel() }
		res, err := Train(ctx, c, train, test, cfg)
		if err != nil || !res.Interrupted || res.Examples != 32 {
			t.Fatalf("%+v: %v, %+v; want one batch of 32 then the interruption", cfg, err, res)
		}
		return snapshot(c)
	}
	implied, explicit, classicRate := stepped(TrainConfig{}), stepped(TrainConfig{LR: 0.05}), stepped(TrainConfig{LR: 0.9})
	if !reflect.DeepEqual(implied, explicit) {
		t.Error("a zero TrainConfig's step differs from one at lr 0.05, the spec's")
	}
	if reflect.DeepEqual(implied, classicRate) {
		t.Error("the steps at lr 0.05 and 0.9 are the same")
	}
	// A whole run: 2 epochs (three batches, so three train points, and a test point each),
	// every step at the spec's rate, so it ends where the explicit run does.
	c := newClassifier(t, Config{Spec: spec, BatchSize: 32})
	var epochs []int
	res, err := Train(context.Background(), c, train, test, TrainConfig{OnEpoch: func(e EpochInfo, _ TrainState) error {
		epochs = append(epochs, e.Epochs)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.State.Epoch != 2 || len(res.State.History) != 2*(3+1) || !slices.Equal(epochs, []int{2, 2}) {
		t.Errorf("ran to epoch %d with %d history points, epochs of %v; want 2 epochs, 8 points", res.State.Epoch, len(res.State.History), epochs)
	}
	ref := newClassifier(t, Config{Spec: spec, BatchSize: 32})
	if _, err := Train(context.Background(), ref, train, test, TrainConfig{Epochs: 2, LR: 0.05, Seed: DefaultSeed}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(snapshot(c), snapshot(ref)) {
		t.Error("the run with a zero TrainConfig ends elsewhere than the one at lr 0.05 for 2 epochs")
	}
}

func ExampleParseSpec() {
	s, err := ParseSpec("conv6k3p1-relu-max2-conv16k3-relu-max2-dense120-relu-lr0.1")
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := Describe(s)
	fmt.Println(d.Params, "parameters in", len(d.Layers), "modules")
	fmt.Println(s.Layers[3].Kernel, s.Layers[7].Out, s.LearningRate())
	_, err = ParseSpec("conv6k3p1-max2-max2-max2-max2-max2")
	fmt.Println(err)
	// Output:
	// 71390 parameters in 10 modules
	// [3 3] 120 0.1
	// layer 5 max2: input 1x1 is smaller than the 2x2 window; floor((1 - 2 + 0) / 2) + 1 = 0
}

// Defaults written out and left out are the same spec: a stride equal to the layer's
// default and the init xavier normalise away, so the round trip through String holds.
func TestExplicitDefaultsNormalise(t *testing.T) {
	for _, c := range []struct{ explicit, plain string }{
		{"conv6k5s1-relu-max2s2-dense10-relu-xavier", "conv6k5-relu-max2-dense10-relu"},
		{"conv6k3x5s1x1p0-avg3x2s3x2", "conv6k3x5-avg3x2"},
		{`[{"kind":"conv","out":4,"kernel":3,"stride":1},{"kind":"maxpool","kernel":2,"stride":[2,2]}]`, "conv4k3-max2"},
	} {
		a, err := ParseSpec(c.explicit)
		if err != nil {
			t.Fatalf("%s: %v", c.explicit, err)
		}
		b, err := ParseSpec(c.plain)
		if err != nil {
			t.Fatalf("%s: %v", c.plain, err)
		}
		back, err := ParseSpec(a.String())
		if err != nil || !reflect.DeepEqual(a, b) || !reflect.DeepEqual(back, a) || a.String() != c.plain {
			t.Errorf("%s: %+v (String %q), round trip %+v, %v; want %+v", c.explicit, a, a.String(), back, err, b)
		}
	}
}
