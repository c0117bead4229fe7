package lenet

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/linestest"
)

func TestSpecPresets(t *testing.T) {
	cases := []struct {
		s       Spec
		str     string
		params  int
		variant Variant
	}{
		{ClassicSpec(), "conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.9", 61706, Classic},
		{ModernSpec(), "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.1", 61706, Modern},
	}
	for _, c := range cases {
		if got := c.s.String(); got != c.str {
			t.Errorf("String = %q, want %q", got, c.str)
		}
		if got := c.s.Params(); got != c.params {
			t.Errorf("%s: Params = %d, want %d", c.variant, got, c.params)
		}
		if got := c.s.Variant(); got != c.variant {
			t.Errorf("Variant = %q, want %q", got, c.variant)
		}
		parsed, err := ParseSpec(c.str)
		if err != nil {
			t.Fatal(err)
		}
		parsed.Name = c.s.Name
		if !specEqual(parsed, c.s) {
			t.Errorf("ParseSpec(%q) = %+v, want %+v", c.str, parsed, c.s)
		}
		if lr := c.variant.DefaultLR(); lr != c.s.LR {
			t.Errorf("%s.DefaultLR = %v, want %v", c.variant, lr, c.s.LR)
		}
	}
}

func specEqual(a, b Spec) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestParseSpec(t *testing.T) {
	cases := []struct {
		in, out      string
		params       int
		lr           float64
		epochs       int
		variantIsArc bool
	}{
		// Third conv layer on 5x5 maps: 6*25+6 + 16*6*25+16 + 32*16*9+32 + (32*9*120+120) + ...
		{"conv6k5p2-relu-max2-conv16k5-relu-max2-conv32k3-relu-dense120-relu-dense84-relu", "", 156 + 2416 + 4640 + (288*120 + 120) + 10164 + 850, 0.1, 10, true},
		{"conv6k3p1-sigmoid-avg2-dense10-sigmoid-lr1e-3-epochs3-kaiming", "conv6k3p1-sigmoid-avg2-dense10-sigmoid-lr0.001-epochs3-kaiming", 60 + (6*14*14*10 + 10) + 110, 0.001, 3, true},
		{"conv4k5-relu-max3s2-dense20-relu", "", 104 + (4*11*11*20 + 20) + 210, 0.1, 10, true},
		{" conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid ", "conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid", 61706, 0.9, 10, false},
		{`{"convs":[{"out":6,"kernel":5,"padding":2,"act":"relu","pool":"max"}],"dense":[{"width":32,"act":"relu"}],"lr":0.05}`,
			"conv6k5p2-relu-max2-dense32-relu-lr0.05", 156 + (6*14*14*32 + 32) + 330, 0.05, 10, true},
	}
	for _, c := range cases {
		s, err := ParseSpec(c.in)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", c.in, err)
			continue
		}
		want := c.out
		if want == "" {
			want = c.in
		}
		if got := s.String(); got != want {
			t.Errorf("ParseSpec(%q).String() = %q, want %q", c.in, got, want)
		}
		if got := s.Params(); got != c.params {
			t.Errorf("%q: Params = %d, want %d", c.in, got, c.params)
		}
		if s.LearningRate() != c.lr || s.EpochCount() != c.epochs {
			t.Errorf("%q: lr %v epochs %d, want %v %d", c.in, s.LearningRate(), s.EpochCount(), c.lr, c.epochs)
		}
		if isArch := string(s.Variant()) == s.Arch(); isArch != c.variantIsArc {
			t.Errorf("%q: Variant %q", c.in, s.Variant())
		}
		back, err := SpecOf(s.Variant())
		if err != nil || back.Arch() != s.Arch() {
			t.Errorf("%q: SpecOf(Variant) = %v, %v", c.in, back.Arch(), err)
		}
	}
}

func TestParseSpecErrors(t *testing.T) {
	cases := map[string]string{
		"":                                 "empty spec",
		"lenet5":                           `token "lenet5": unknown token`,
		"relu-conv6k5":                     "an activation must follow a conv or dense token",
		"conv6k5-max2":                     "put the activation between",
		"conv6k5-relu-relu":                "already has its activation",
		"conv6k5-relu-max2-max2":           "already has a pooling",
		"dense10-relu-conv6k5-relu":        "convolutions must come before the dense layers",
		"conv6-relu":                       "want convNkK[pP]",
		"conv6k5x-relu":                    "want convNkK[pP]",
		"conv0k5-relu":                     "channels and kernel must be at least 1",
		"conv6k5":                          "conv1 has no activation",
		"conv6k5-relu-dense10":             "dense1 has no activation",
		"conv6k29-relu":                    "conv1: a 29x29 kernel does not fit",
		"conv6k5-relu-max30":               "pooling window does not fit",
		"conv6k5-relu-lr0":                 "learning rate must be a positive number",
		"conv6k5-relu-lrx":                 "learning rate must be a positive number",
		"conv6k5-relu-epochs0":             "number of epochs must be a positive whole number",
		"dense10-relu":                     "a LeNet needs at least one convolution",
		`{"convs":[{"out":6,"kernel":5}]}`: "conv1 has no activation",
		`{"convs":[],"bogus":1}`:           `unknown field "bogus"`,
		`{"convs":[{"out":6,"kernel":5,"act":"tanh"}]}`: `unknown activation "tanh"`,
	}
	for in, want := range cases {
		_, err := ParseSpec(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSpec(%q) = %v, want an error containing %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseSpec(%q): error spans lines: %q", in, err)
		}
	}
}

func TestSpecJSONRoundTrip(t *testing.T) {
	for _, s := range []Spec{ClassicSpec(), ModernSpec()} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseSpec(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if !specEqual(back, s) {
			t.Errorf("JSON round trip: %s -> %+v", b, back)
		}
	}
}

// TestNetSpecMatchesVariant checks that a Classifier built from the classic Spec has
// the parameters, names and initial values of the one built from the Variant, and that
// the shape summary follows the spec.
func TestNetSpecMatchesVariant(t *testing.T) {
	spec := ClassicSpec()
	a := newClassifier(t, Config{Spec: ClassicSpec(), BatchSize: 2, EvalBatch: 2, Seed: 4})
	b := newClassifier(t, Config{Spec: &spec, BatchSize: 2, EvalBatch: 2, Seed: 4})
	if b.Variant() != Classic || b.Spec().String() != spec.String() {
		t.Errorf("spec classifier: Variant %q, Spec %q", b.Variant(), b.Spec())
	}
	for i, p := range a.Params() {
		q := b.Params()[i]
		if p.Name() != q.Name() || !slices.Equal(f32(p), f32(q)) {
			t.Errorf("parameter %d: %s and %s differ", i, p.Name(), q.Name())
		}
	}
	if _, err := New(Config{Spec: ClassicSpec(), Spec: &spec}); err == nil || !strings.Contains(err.Error(), "set one") {
		t.Errorf("Variant and Spec: err = %v", err)
	}
}

func TestCustomSpecClassifier(t *testing.T) {
	spec, err := ParseSpec("conv4k3p1-relu-max2-conv8k3-relu-max2-conv8k3p1-relu-dense16-relu-kaiming")
	if err != nil {
		t.Fatal(err)
	}
	c := newClassifier(t, Config{Spec: &spec, BatchSize: 3, EvalBatch: 2, Seed: 1})
	if got := c.Variant(); string(got) != spec.Arch() {
		t.Errorf("Variant = %q, want the arch %q", got, spec.Arch())
	}
	total := 0
	for _, p := range c.Params() {
		total += p.Shape().TotalSize()
	}
	if total != spec.Params() {
		t.Errorf("graph has %d parameters, Spec.Params says %d", total, spec.Params())
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
	if err := WriteSummary(&b, c.Variant()); err != nil {
		t.Fatal(err)
	}
	linestest.Contains(t, "summary", b.String(), "Conv2d(8->8, 3x3, padding 1)", "(1,8,6,6)", "Linear 288->16", "Linear 16->10")
}

func TestNewNetSpecImpls(t *testing.T) {
	spec := ModernSpec()
	for _, impl := range []graph.Impl{graph.ImplFast, graph.ImplGorgonia} {
		g := gorgonia.NewGraph()
		net, err := NewNetSpec(g, "p_", spec, tensor.Float64, impl, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(net.Layers()); !strings.Contains(got, "MaxPool 2x2 stride 2") {
			t.Errorf("%v: layers %s", impl, got)
		}
	}
}

func ExampleParseSpec() {
	s, err := ParseSpec("conv6k3p1-relu-max2-conv16k3-relu-max2-dense120-relu-lr0.1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Params(), "parameters")
	fmt.Println(s.Convs[1].Kernel, s.Dense[0].Width, s.LearningRate())
	_, err = ParseSpec("conv6k3p1-max2")
	fmt.Println(err)
	// Output:
	// 71390 parameters
	// 3 120 0.1
	// spec "conv6k3p1-max2": token "max2": put the activation between the convolution and the pooling, e.g. conv6k5-relu-max2
}
