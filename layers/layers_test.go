package layers

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/chaptertest"
	"github.com/d2l-go/convnets/internal/gradcheck"
	"github.com/d2l-go/convnets/internal/opkit/optest"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

// values64 returns a node's value as float64s.
func values64(t *testing.T, v gorgonia.Value) []float64 {
	t.Helper()
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		out := make([]float64, len(d))
		for i, f := range d {
			out[i] = float64(f)
		}
		return out
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	t.Fatalf("unexpected data %T", v.Data())
	return nil
}

// forward returns l.Forward(x), failing t on an error.
func forward(t *testing.T, l Layer, x *gorgonia.Node) *gorgonia.Node {
	t.Helper()
	y, err := l.Forward(x)
	if err != nil {
		t.Fatalf("%v: %v", l, err)
	}
	return y
}

func input(g *gorgonia.ExprGraph, name string, vals []float64, shape ...int) *gorgonia.Node {
	return gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals)), gorgonia.WithName(name))
}

func uniform(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 2*rng.Float64() - 1
	}
	return v
}

func TestConv2DLayerValues(t *testing.T) {
	cases := []struct {
		cfg    Conv2DConfig
		x      [4]int
		stride [2]int // effective
		out    tensor.Shape
	}{
		{Conv2DConfig{In: 1, Out: 2, Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}, Dtype: tensor.Float64}, [4]int{2, 1, 5, 5}, [2]int{1, 1}, tensor.Shape{2, 2, 5, 5}},
		{Conv2DConfig{In: 3, Out: 4, Kernel: [2]int{3, 2}, Stride: [2]int{2, 0}, Dtype: tensor.Float64}, [4]int{1, 3, 7, 6}, [2]int{2, 1}, tensor.Shape{1, 4, 3, 5}},
		{Conv2DConfig{In: 2, Out: 3, Kernel: [2]int{1, 1}, NoBias: true, Dtype: tensor.Float64}, [4]int{3, 2, 2, 3}, [2]int{1, 1}, tensor.Shape{3, 3, 2, 3}},
		{Conv2DConfig{In: 2, Out: 1, Kernel: [2]int{3, 5}, Padding: [2]int{0, 1}, Stride: [2]int{3, 4}}, [4]int{1, 2, 8, 8}, [2]int{3, 4}, tensor.Shape{1, 1, 2, 2}},
	}
	for k := range 2 * len(cases) {
		i, c := k/2, cases[k/2]
		c.cfg.Ops = nn.AllOps[k%2] // every case with both choices of ops
		g := gorgonia.NewGraph()
		l, err := NewConv2D(g, "conv", c.cfg, seeded(uint64(i)))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if l.Config().Stride != c.stride {
			t.Errorf("case %d: stride %v, want %v", i, l.Config().Stride, c.stride)
		}
		dt := l.Weight().Dtype()
		rng := seeded(100 + uint64(i))
		xv := uniform(rng, c.x[0]*c.x[1]*c.x[2]*c.x[3])
		var x *gorgonia.Node
		if dt == tensor.Float32 {
			f := make([]float32, len(xv))
			for j := range xv {
				f[j] = float32(xv[j])
				xv[j] = float64(f[j])
			}
			x = gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(c.x[:]...), tensor.WithBacking(f)), gorgonia.WithName("x"))
		} else {
			x = input(g, "x", xv, c.x[:]...)
		}
		bias := make([]float64, c.cfg.Out)
		if l.Bias() != nil {
			// Give the bias values so that adding it is tested, not only its zero init.
			for o := range bias {
				bias[o] = float64(o + 1)
			}
			if got := values64(t, l.Bias().Value()); len(got) != c.cfg.Out || got[0] != 0 {
				t.Fatalf("case %d: bias init %v, want %d zeros", i, got, c.cfg.Out)
			}
			switch d := l.Bias().Value().Data().(type) {
			case []float64:
				copy(d, bias)
			case []float32:
				for o := range d {
					d[o] = float32(bias[o])
				}
			}
		}
		y := forward(t, l, x)
		if !y.Shape().Eq(c.out) {
			t.Fatalf("case %d: shape %v, want %v", i, y.Shape(), c.out)
		}
		optest.RunGraph(t, g)
		ws := l.Weight().Shape()
		want, _ := optest.Conv2D(xv, c.x, values64(t, l.Weight().Value()), [4]int{ws[0], ws[1], ws[2], ws[3]}, bias, c.cfg.Padding, c.stride)
		got := values64(t, y.Value())
		for j := range want {
			if math.Abs(got[j]-want[j]) > 1e-5 {
				t.Fatalf("case %d %v: element %d = %v, want %v", i, c.cfg.Ops, j, got[j], want[j])
			}
		}
	}
}

// gradThrough checks the gradients of a layer's output with respect to its input and to
// the parameter nodes that replace (via set) the layer's own.
func gradThrough(t *testing.T, name string, inputs []*tensor.Dense, build func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error)) {
	t.Helper()
	if err := gradcheck.Check(inputs, build, 1e-6, 7); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

func TestLayerGradients(t *testing.T) {
	for _, ops := range nn.AllOps {
		for _, stride := range [][2]int{{2, 1}, {1, 1}} {
			gradThrough(t, fmt.Sprintf("Conv2D %v stride %v", ops, stride), []*tensor.Dense{gradcheck.Random(1, 2, 2, 5, 6), gradcheck.Random(2, 3, 2, 3, 2), gradcheck.Random(3, 1, 3, 1, 1)},
				func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
					l, err := NewConv2D(g, "conv", Conv2DConfig{In: 2, Out: 3, Kernel: [2]int{3, 2}, Padding: [2]int{1, 1}, Stride: stride, Dtype: tensor.Float64, Ops: ops}, seeded(1))
					if err != nil {
						return nil, err
					}
					l.weight, l.bias = in[1], in[2]
					return l.Forward(in[0])
				})
		}
	}
	gradThrough(t, "Linear", []*tensor.Dense{gradcheck.Random(4, 3, 5), gradcheck.Random(5, 5, 4), gradcheck.Random(6, 4)},
		func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			l, err := NewLinear(g, "fc", 5, 4, tensor.Float64, seeded(1))
			if err != nil {
				return nil, err
			}
			l.weight, l.bias = in[1], in[2]
			return l.Forward(in[0])
		})
	gradThrough(t, "Corr2DLayer", []*tensor.Dense{gradcheck.Random(7, 4, 5), gradcheck.Random(8, 2, 3)},
		func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			l, err := NewCorr2DLayer(g, "corr", 2, 3, tensor.Float64, seeded(1))
			if err != nil {
				return nil, err
			}
			l.weight = in[1]
			return l.Forward(in[0])
		})
	maxPool, err := NewMaxPool2D(PoolConfig{Kernel: [2]int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	avgPool, err := NewAvgPool2D(PoolConfig{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}, Stride: [2]int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []Layer{maxPool, avgPool, Flatten{}, ReLU{}, Sigmoid{}} {
		gradThrough(t, l.String(), []*tensor.Dense{gradcheck.Random(9, 2, 2, 4, 6)},
			func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return l.Forward(in[0]) })
	}
}

// TestCorr2DLayerBiasGradient: the scalar bias is added to every output, so the gradient
// of sum(out) with respect to it is the number of outputs.
func TestCorr2DLayerBiasGradient(t *testing.T) {
	g := gorgonia.NewGraph()
	l, err := NewCorr2DLayer(g, "corr", 1, 2, tensor.Float64, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	x := input(g, "x", uniform(seeded(4), 6*8), 6, 8)
	y := forward(t, l, x)
	_, grads := optest.SumGrad(t, y, l.Params()...)
	optest.RunGraph(t, g)
	if got := values64(t, grads[1].Value()); len(got) != 1 || got[0] != 6*7 {
		t.Errorf("d sum / d bias = %v, want 42", got)
	}
	if !y.Shape().Eq(tensor.Shape{6, 7}) {
		t.Errorf("shape %v, want (6, 7)", y.Shape())
	}
}

func TestCorr2DLayerValues(t *testing.T) {
	g := gorgonia.NewGraph()
	l, err := NewCorr2DLayer(g, "corr", 2, 2, tensor.Float64, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values64(t, l.Weight().Value()) {
		if v < 0 || v >= 1 {
			t.Errorf("weight %d = %v, want it in [0, 1)", i, v)
		}
	}
	copy(l.Weight().Value().Data().([]float64), []float64{0, 1, 2, 3})
	if err := gorgonia.Let(l.Bias(), 0.5); err != nil {
		t.Fatal(err)
	}
	y := forward(t, l, input(g, "x", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 3))
	optest.RunGraph(t, g)
	want := []float64{19.5, 25.5, 37.5, 43.5}
	if got := values64(t, y.Value()); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("corr2d + 0.5 = %v, want %v", got, want)
	}
	if s := l.String(); s != "Corr2D(2x2) + bias" {
		t.Errorf("String() = %q", s)
	}
}

func TestLinearValues(t *testing.T) {
	g := gorgonia.NewGraph()
	l, err := NewLinear(g, "fc", 3, 2, tensor.Float64, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	w := values64(t, l.Weight().Value())
	copy(l.Bias().Value().Data().([]float64), []float64{10, 20})
	xv := []float64{1, 2, 3, -1, 0, 4}
	y := forward(t, l, input(g, "x", xv, 2, 3))
	optest.RunGraph(t, g)
	got := values64(t, y.Value())
	for r := range 2 {
		for c := range 2 {
			want := []float64{10, 20}[c]
			for k := range 3 {
				want += xv[r*3+k] * w[k*2+c]
			}
			if math.Abs(got[r*2+c]-want) > 1e-12 {
				t.Errorf("y[%d,%d] = %v, want %v", r, c, got[r*2+c], want)
			}
		}
	}
}

func TestActivationValues(t *testing.T) {
	g := gorgonia.NewGraph()
	xv := []float64{-2, -0.5, 0, 0.5, 3, -100}
	x := input(g, "x", xv, 1, 6)
	relu, err := ReLU{}.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Sigmoid{}.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	optest.RunGraph(t, g)
	r, s := values64(t, relu.Value()), values64(t, sig.Value())
	for i, v := range xv {
		if r[i] != math.Max(v, 0) {
			t.Errorf("ReLU(%v) = %v", v, r[i])
		}
		if want := 1 / (1 + math.Exp(-v)); math.Abs(s[i]-want) > 1e-12 {
			t.Errorf("Sigmoid(%v) = %v, want %v", v, s[i], want)
		}
	}
}

func TestPoolLayers(t *testing.T) {
	arange := make([]float64, 16)
	for i := range arange {
		arange[i] = float64(i)
	}
	cases := []struct {
		make   func() (Layer, error)
		str    string
		stride [2]int
		want   []float64
	}{
		{func() (Layer, error) { return NewMaxPool2D(PoolConfig{Kernel: [2]int{3, 3}}) }, "MaxPool 3x3 stride 3", [2]int{3, 3}, []float64{10}},
		{func() (Layer, error) {
			return NewMaxPool2D(PoolConfig{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}, Stride: [2]int{2, 2}})
		}, "MaxPool 3x3 stride 2, padding 1", [2]int{2, 2}, []float64{5, 7, 13, 15}},
		{func() (Layer, error) {
			return NewMaxPool2D(PoolConfig{Kernel: [2]int{2, 3}, Padding: [2]int{0, 1}})
		}, "MaxPool 2x3 stride (2,3), padding (0,1)", [2]int{2, 3}, []float64{5, 7, 13, 15}},
		{func() (Layer, error) { return NewAvgPool2D(PoolConfig{Kernel: [2]int{2, 2}}) }, "AvgPool 2x2 stride 2", [2]int{2, 2}, []float64{2.5, 4.5, 10.5, 12.5}},
		{func() (Layer, error) { return NewAvgPool2D(PoolConfig{Kernel: [2]int{2, 2}, Stride: [2]int{0, 1}}) }, "AvgPool 2x2 stride (2,1)", [2]int{2, 1},
			[]float64{2.5, 3.5, 4.5, 10.5, 11.5, 12.5}},
	}
	for i, c := range cases {
		l, err := c.make()
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if l.String() != c.str {
			t.Errorf("case %d: String() = %q, want %q", i, l.String(), c.str)
		}
		var stride [2]int
		switch p := l.(type) {
		case *MaxPool2D:
			stride = p.Config().Stride
		case *AvgPool2D:
			stride = p.Config().Stride
		}
		if stride != c.stride || len(l.Params()) != 0 {
			t.Errorf("case %d: stride %v and %d params, want %v and none", i, stride, len(l.Params()), c.stride)
		}
		g := gorgonia.NewGraph()
		y := forward(t, l, input(g, "x", append([]float64(nil), arange...), 1, 1, 4, 4))
		optest.RunGraph(t, g)
		if got := values64(t, y.Value()); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
		}
	}
}

// TestSeparateWeights guards against Gorgonia's node merging: two layers of the same
// shape built from the same seed start with equal values but must stay two sets of
// parameters, so a gradient step on one leaves the other alone.
func TestSeparateWeights(t *testing.T) {
	g := gorgonia.NewGraph()
	cfg := Conv2DConfig{In: 1, Out: 2, Kernel: [2]int{2, 2}, Dtype: tensor.Float64}
	a, err := NewConv2D(g, "a", cfg, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewConv2D(g, "b", cfg, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	wa, wb := values64(t, a.Weight().Value()), values64(t, b.Weight().Value())
	if fmt.Sprint(wa) != fmt.Sprint(wb) {
		t.Fatalf("same seed gave different weights %v and %v", wa, wb)
	}
	for i := range 2 {
		pa, pb := a.Params()[i], b.Params()[i]
		if pa == pb || pa.ID() == pb.ID() || pa.Name() == pb.Name() {
			t.Fatalf("param %d: a and b share node %v (%q, %q)", i, pa.ID(), pa.Name(), pb.Name())
		}
	}
	x := input(g, "x", uniform(seeded(6), 9), 1, 1, 3, 3)
	ya := forward(t, a, x)
	yb := forward(t, b, x)
	optest.SumGrad(t, ya, a.Params()...)
	if _, err := gorgonia.Sum(yb); err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(a.Params()...))
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	solver := gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(0.1))
	if err := solver.Step(gorgonia.NodesToValueGrads(a.Params())); err != nil {
		t.Fatal(err)
	}
	wa2, wb2 := values64(t, a.Weight().Value()), values64(t, b.Weight().Value())
	if fmt.Sprint(wa2) == fmt.Sprint(wa) {
		t.Errorf("the step did not change a's weights %v", wa2)
	}
	if fmt.Sprint(wb2) != fmt.Sprint(wb) {
		t.Errorf("a step on a changed b's weights from %v to %v", wb, wb2)
	}
}

// TestGorgoniaMergesSameNamedNodes records the pitfall the naming rules guard against.
func TestGorgoniaMergesSameNamedNodes(t *testing.T) {
	g := gorgonia.NewGraph()
	p := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 2), gorgonia.WithInit(gorgonia.Ones()))
	q := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 2), gorgonia.WithInit(gorgonia.Zeroes()))
	if p != q {
		t.Errorf("Gorgonia no longer merges unnamed nodes of one shape; the naming rules could be relaxed")
	}
}

func TestDuplicateLayerName(t *testing.T) {
	g := gorgonia.NewGraph()
	if _, err := NewConv2D(g, "conv1", Conv2DConfig{In: 1, Out: 6, Kernel: [2]int{5, 5}}, seeded(1)); err != nil {
		t.Fatal(err)
	}
	_, err := NewConv2D(g, "conv1", Conv2DConfig{In: 1, Out: 6, Kernel: [2]int{5, 5}}, seeded(1))
	if !errors.Is(err, ErrNameTaken) || !strings.Contains(err.Error(), `"conv1.weight"`) {
		t.Errorf("second conv1: error %v, want ErrNameTaken naming conv1.weight", err)
	}
	if _, err := NewLinear(g, "conv1", 3, 4, tensor.Float32, seeded(1)); !errors.Is(err, ErrNameTaken) {
		t.Errorf("Linear named like a conv: error %v", err)
	}
	if _, err := NewCorr2DLayer(g, "conv1", 2, 2, tensor.Float32, seeded(1)); !errors.Is(err, ErrNameTaken) {
		t.Errorf("Corr2DLayer named like a conv: error %v", err)
	}
	if _, err := NewLinear(g, "fc1", 3, 4, tensor.Float32, seeded(1)); err != nil {
		t.Errorf("fresh name: %v", err)
	}
}

func TestXavierUniform(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		w := newTensor(dt, 16, 6, 5, 5)
		fanIn, fanOut := 6*25, 16*25
		if err := XavierUniform(w, fanIn, fanOut, seeded(1)); err != nil {
			t.Fatal(err)
		}
		a := math.Sqrt(6.0 / float64(fanIn+fanOut))
		v := values64(t, w)
		var sum, maxAbs float64
		for _, x := range v {
			if math.Abs(x) > a {
				t.Fatalf("%v: %v outside (-%v, %v)", dt, x, a, a)
			}
			sum += x
			maxAbs = math.Max(maxAbs, math.Abs(x))
		}
		// 2400 uniform draws: the extremes come close to the bound and the mean to 0;
		// the variance of U(-a, a) is a^2/3.
		if maxAbs < 0.99*a || math.Abs(sum/float64(len(v))) > 0.05*a {
			t.Errorf("%v: max |w| %v (bound %v), mean %v", dt, maxAbs, a, sum/float64(len(v)))
		}
		var sq float64
		for _, x := range v {
			sq += x * x
		}
		if variance := sq / float64(len(v)); math.Abs(variance-a*a/3) > 0.1*a*a/3 {
			t.Errorf("%v: variance %v, want about %v", dt, variance, a*a/3)
		}
	}
	if err := XavierUniform(newTensor(tensor.Int, 3), 1, 1, seeded(1)); err == nil {
		t.Error("Int tensor: no error")
	}
	if err := XavierUniform(newTensor(tensor.Float32, 3), 0, 1, seeded(1)); err == nil {
		t.Error("fanIn 0: no error")
	}
	if err := XavierUniform(newTensor(tensor.Float32, 3), 1, 1, nil); err == nil {
		t.Error("nil rng: no error")
	}
}

// TestInitReproducible: the same seed gives the same parameters, another seed others,
// and the layers use the bound of their fan-in and fan-out.
func TestInitReproducible(t *testing.T) {
	build := func(seed uint64) (conv, fc []float64) {
		g := gorgonia.NewGraph()
		rng := seeded(seed)
		c, err := NewConv2D(g, "conv", Conv2DConfig{In: 6, Out: 16, Kernel: [2]int{5, 5}}, rng)
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLinear(g, "fc", 400, 120, tensor.Float32, rng)
		if err != nil {
			t.Fatal(err)
		}
		return values64(t, c.Weight().Value()), values64(t, l.Weight().Value())
	}
	c1, f1 := build(42)
	c2, f2 := build(42)
	c3, _ := build(43)
	if fmt.Sprint(c1) != fmt.Sprint(c2) || fmt.Sprint(f1) != fmt.Sprint(f2) {
		t.Error("seed 42 twice gave different weights")
	}
	if fmt.Sprint(c1) == fmt.Sprint(c3) {
		t.Error("seeds 42 and 43 gave the same weights")
	}
	for _, c := range []struct {
		name  string
		v     []float64
		bound float64
	}{{"conv", c1, math.Sqrt(6.0 / (6*25 + 16*25))}, {"fc", f1, math.Sqrt(6.0 / (400 + 120))}} {
		maxAbs := 0.0
		for _, x := range c.v {
			maxAbs = math.Max(maxAbs, math.Abs(x))
		}
		if maxAbs > c.bound || maxAbs < 0.98*c.bound {
			t.Errorf("%s: max |w| = %v, want just under %v", c.name, maxAbs, c.bound)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	k5 := [2]int{5, 5}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"zero in", errOf(NewConv2D(g, "c", Conv2DConfig{Out: 6, Kernel: k5}, seeded(1))), "0 input and 6 output channels"},
		{"zero out", errOf(NewConv2D(g, "c", Conv2DConfig{In: 1, Kernel: k5}, seeded(1))), "both must be at least 1"},
		{"zero kernel", errOf(NewConv2D(g, "c", Conv2DConfig{In: 1, Out: 6, Kernel: [2]int{5, 0}}, seeded(1))), "kernel 5x0"},
		{"negative padding", errOf(NewConv2D(g, "c", Conv2DConfig{In: 1, Out: 6, Kernel: k5, Padding: [2]int{-1, 0}}, seeded(1))), "padding (-1,0) must not be negative"},
		{"negative stride", errOf(NewConv2D(g, "c", Conv2DConfig{In: 1, Out: 6, Kernel: k5, Stride: [2]int{1, -1}}, seeded(1))), "stride (1,-1) must not be negative"},
		{"int dtype", errOf(NewConv2D(g, "c", Conv2DConfig{In: 1, Out: 6, Kernel: k5, Dtype: tensor.Int}, seeded(1))), "dtype int is not supported"},
		{"unknown ops", errOf(NewConv2D(g, "c", Conv2DConfig{In: 1, Out: 6, Kernel: k5, Ops: nn.Ops(9)}, seeded(1))), "unknown ops Ops(9); use nn.FastOps or nn.GorgoniaOps"},
		{"nil rng", errOf(NewConv2D(g, "c", Conv2DConfig{In: 1, Out: 6, Kernel: k5}, nil)), "nil rng"},
		{"nil graph", errOf(NewConv2D(nil, "c", Conv2DConfig{In: 1, Out: 6, Kernel: k5}, seeded(1))), "nil graph"},
		{"empty name", errOf(NewLinear(g, " ", 3, 4, tensor.Float32, seeded(1))), "empty layer name"},
		{"linear zero", errOf(NewLinear(g, "fc", 0, 4, tensor.Float32, seeded(1))), "0 inputs and 4 outputs"},
		{"corr zero kernel", errOf(NewCorr2DLayer(g, "corr", 0, 2, tensor.Float32, seeded(1))), "kernel 0x2"},
		{"pool zero kernel", errOf(NewMaxPool2D(PoolConfig{Kernel: [2]int{0, 2}})), "kernel 0x2"},
		{"pool padding over half", errOf(NewAvgPool2D(PoolConfig{Kernel: [2]int{2, 2}, Padding: [2]int{2, 1}})), "at most half the kernel"},
		{"pool negative stride", errOf(NewAvgPool2D(PoolConfig{Kernel: [2]int{2, 2}, Stride: [2]int{-1, 1}})), "stride (-1,1) must not be negative"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, c.err, c.want)
		}
	}
}

// errOf returns the error of a constructor's results.
func errOf[L any](_ L, err error) error { return err }

func TestForwardErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	other := gorgonia.NewGraph()
	conv, err := NewConv2D(g, "conv", Conv2DConfig{In: 3, Out: 2, Kernel: [2]int{3, 3}}, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := NewLinear(g, "fc", 4, 2, tensor.Float32, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := NewMaxPool2D(PoolConfig{Kernel: [2]int{3, 3}})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(g *gorgonia.ExprGraph, dt tensor.Dtype, name string, shape ...int) *gorgonia.Node {
		return gorgonia.NewTensor(g, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name))
	}
	cases := []struct {
		name string
		l    Layer
		x    *gorgonia.Node
		want string
	}{
		{"conv nil", conv, nil, "nil input node"},
		{"conv rank", conv, mk(g, tensor.Float32, "x3", 3, 5, 5), "want (n, 3, h, w)"},
		{"conv channels", conv, mk(g, tensor.Float32, "xc", 1, 2, 5, 5), "input has 2 channels"},
		{"conv dtype", conv, mk(g, tensor.Float64, "x64", 1, 3, 5, 5), "input is float64 but the layer's parameters are float32"},
		{"conv graph", conv, mk(other, tensor.Float32, "xo", 1, 3, 5, 5), "another graph"},
		{"conv too small", conv, mk(g, tensor.Float32, "xs", 1, 3, 2, 5), "larger than the padded input"},
		{"linear rank", fc, mk(g, tensor.Float32, "x4", 1, 1, 2, 2), "put a Flatten before it"},
		{"linear features", fc, mk(g, tensor.Float32, "xf", 2, 5), "input has 5 features"},
		{"pool too small", pool, mk(g, tensor.Float32, "xp", 1, 1, 2, 2), "larger than the padded input"},
		{"pool rank", pool, mk(g, tensor.Float32, "xr", 4, 4), "want (n, c, h, w)"},
		{"flatten rank", Flatten{}, mk(g, tensor.Float32, "xv", 4), "at least 2 dimensions"},
		{"relu int", ReLU{}, mk(g, tensor.Int, "xi", 4), "layers: ReLU: input has dtype int; want float32 or float64"},
		{"sigmoid nil", Sigmoid{}, nil, "nil input node"},
		{"sequential", NewSequential(Flatten{}, conv), mk(g, tensor.Float32, "xq", 1, 3, 5, 5), "layer 1 (Conv2d(3->2, 3x3)) on input (1, 75)"},
		{"sequential nil layer", NewSequential(Flatten{}, nil), mk(g, tensor.Float32, "xn", 1, 3, 5, 5), "layer 1 is nil"},
	}
	for _, c := range cases {
		y, err := c.l.Forward(c.x)
		if err == nil {
			t.Errorf("%s: no error, got %v", c.name, y.Shape())
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestStrings(t *testing.T) {
	g := gorgonia.NewGraph()
	cases := []struct {
		cfg  Conv2DConfig
		want string
	}{
		{Conv2DConfig{In: 1, Out: 6, Kernel: [2]int{5, 5}, Padding: [2]int{2, 2}}, "Conv2d(1->6, 5x5, padding 2)"},
		{Conv2DConfig{In: 6, Out: 16, Kernel: [2]int{5, 5}}, "Conv2d(6->16, 5x5)"},
		{Conv2DConfig{In: 1, Out: 1, Kernel: [2]int{3, 5}, Padding: [2]int{0, 1}, Stride: [2]int{3, 4}}, "Conv2d(1->1, 3x5, padding (0,1), stride (3,4))"},
		{Conv2DConfig{In: 1, Out: 1, Kernel: [2]int{1, 2}, NoBias: true, Stride: [2]int{2, 2}}, "Conv2d(1->1, 1x2, stride 2, no bias)"},
	}
	for i, c := range cases {
		l, err := NewConv2D(g, fmt.Sprint("c", i), c.cfg, seeded(1))
		if err != nil {
			t.Fatal(err)
		}
		if l.String() != c.want {
			t.Errorf("case %d: %q, want %q", i, l.String(), c.want)
		}
	}
	fc, err := NewLinear(g, "fc", 400, 120, tensor.Float32, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		l    Layer
		want string
	}{{fc, "Linear 400->120"}, {Flatten{}, "Flatten"}, {ReLU{}, "ReLU"}, {Sigmoid{}, "Sigmoid"}, {NewSequential(fc, ReLU{}), "Sequential(2 layers)"}} {
		if c.l.String() != c.want {
			t.Errorf("%q, want %q", c.l.String(), c.want)
		}
	}
}

// lenetClassic is docs/chapter.md section 6's network.
func lenetClassic(t *testing.T, g *gorgonia.ExprGraph, rng *rand.Rand) *Sequential {
	t.Helper()
	must := func(l Layer, err error) Layer {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	return NewSequential(
		must(NewConv2D(g, "conv1", Conv2DConfig{In: 1, Out: 6, Kernel: [2]int{5, 5}, Padding: [2]int{2, 2}}, rng)),
		ReLU{},
		must(NewAvgPool2D(PoolConfig{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}})),
		must(NewConv2D(g, "conv2", Conv2DConfig{In: 6, Out: 16, Kernel: [2]int{5, 5}}, rng)),
		Sigmoid{},
		must(NewAvgPool2D(PoolConfig{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}})),
		Flatten{},
		must(NewLinear(g, "fc1", 400, 120, tensor.Float32, rng)),
		Sigmoid{},
		must(NewLinear(g, "fc2", 120, 84, tensor.Float32, rng)),
		Sigmoid{},
		must(NewLinear(g, "fc3", 84, 10, tensor.Float32, rng)),
	)
}

// TestLeNetSummary checks the shape summary of docs/chapter.md section 6 for a (1,1,28,28)
// input, row by row and as printed.
func TestLeNetSummary(t *testing.T) {
	g := gorgonia.NewGraph()
	net := lenetClassic(t, g, seeded(1))
	if err := net.WriteSummary(&bytes.Buffer{}); err == nil {
		t.Error("WriteSummary before Forward: no error")
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, 28, 28), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Uniform(0, 1)))
	y := forward(t, net, x)
	want := chaptertest.LeNet
	rows := net.Summary()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	var text strings.Builder
	text.WriteString("layer                          output shape\n")
	for i, w := range want {
		if rows[i].Layer != w.Layer || FormatShape(rows[i].Shape) != w.Shape {
			t.Errorf("row %d: %s %s, want %s %s", i, rows[i].Layer, FormatShape(rows[i].Shape), w.Layer, w.Shape)
		}
		fmt.Fprintf(&text, "%-31s%s\n", w.Layer, w.Shape)
	}
	var buf bytes.Buffer
	if err := net.WriteSummary(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != text.String() {
		t.Errorf("WriteSummary printed\n%s\nwant\n%s", buf.String(), text.String())
	}
	if n := len(net.Params()); n != 10 {
		t.Errorf("%d parameter nodes, want 10 (5 weights, 5 biases)", n)
	}
	optest.RunGraph(t, g)
	if !y.Value().Shape().Eq(tensor.Shape{1, 10}) {
		t.Errorf("output value shape %v", y.Value().Shape())
	}
}

// TestSequentialGradient checks the gradient through a small stack of every layer type
// with respect to its input, in Float64.
func TestSequentialGradient(t *testing.T) {
	err := gradcheck.Check([]*tensor.Dense{gradcheck.Random(3, 2, 1, 6, 6)}, func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		rng := seeded(2)
		conv, err := NewConv2D(g, "conv", Conv2DConfig{In: 1, Out: 2, Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}, Dtype: tensor.Float64}, rng)
		if err != nil {
			return nil, err
		}
		pool, err := NewAvgPool2D(PoolConfig{Kernel: [2]int{2, 2}})
		if err != nil {
			return nil, err
		}
		mp, err := NewMaxPool2D(PoolConfig{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}, Stride: [2]int{1, 1}})
		if err != nil {
			return nil, err
		}
		fc, err := NewLinear(g, "fc", 18, 3, tensor.Float64, rng)
		if err != nil {
			return nil, err
		}
		return NewSequential(conv, Sigmoid{}, pool, mp, ReLU{}, Flatten{}, fc).Forward(in[0])
	}, 1e-6, 4)
	if err != nil {
		t.Error(err)
	}
}
