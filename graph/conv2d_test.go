package graph

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// randomValues returns n values uniform in [-1, 1) drawn from rng.
func randomValues(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.Float64()*2 - 1
	}
	return v
}

func TestConv2DMatchesNaiveLoops(t *testing.T) {
	for i, c := range optest.ConvCases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			xv := randomValues(rng, c.X[0]*c.X[1]*c.X[2]*c.X[3])
			wv := randomValues(rng, c.W[0]*c.W[1]*c.W[2]*c.W[3])
			want, wantShape := optest.Conv2D(xv, c.X, wv, c.W, nil, c.Pad, c.Stride)
			got, gotShape := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return Conv2D(in[0], in[1], c.Pad, c.Stride)
			}, optest.Dense(dt, xv, c.X[:]...), optest.Dense(dt, wv, c.W[:]...))
			if !gotShape.Eq(tensor.Shape(wantShape[:])) {
				t.Fatalf("case %d %v: shape %v, want %v", i, dt, gotShape, wantShape)
			}
			tol := 1e-12
			if dt == tensor.Float32 {
				tol = 1e-5
			}
			for j := range want {
				if math.Abs(got[j]-want[j]) > tol {
					t.Fatalf("case %d %v: element %d = %v, want %v", i, dt, j, got[j], want[j])
				}
			}
		}
	}
}

// TestConv2DChapterShapes checks the four padding/stride cases of docs/chapter.md section 3 on
// an 8x8 input, one channel in and out, against the table and the formula.
func TestConv2DChapterShapes(t *testing.T) {
	cases := []struct {
		kh, kw      int
		pad, stride [2]int
		oh, ow      int
	}{
		{3, 3, [2]int{1, 1}, [2]int{1, 1}, 8, 8},
		{5, 3, [2]int{2, 1}, [2]int{1, 1}, 8, 8},
		{3, 3, [2]int{1, 1}, [2]int{2, 2}, 4, 4},
		{3, 5, [2]int{0, 1}, [2]int{3, 4}, 2, 2},
	}
	for i, c := range cases {
		g := gorgonia.NewGraph()
		x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, 8, 8), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Ones()))
		w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, c.kh, c.kw), gorgonia.WithName("w"), gorgonia.WithInit(gorgonia.Ones()))
		y, err := Conv2D(x, w, c.pad, c.stride)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		m := gorgonia.NewTapeMachine(g)
		if err := m.RunAll(); err != nil {
			t.Fatalf("case %d: run: %v", i, err)
		}
		m.Close()
		want := tensor.Shape{1, 1, c.oh, c.ow}
		if !y.Shape().Eq(want) || !y.Value().Shape().Eq(want) {
			t.Errorf("case %d: node shape %v, value shape %v, want %v", i, y.Shape(), y.Value().Shape(), want)
		}
		if oh, ow := geom.OutputSize(8, c.kh, c.pad[0], c.stride[0]), geom.OutputSize(8, c.kw, c.pad[1], c.stride[1]); oh != c.oh || ow != c.ow {
			t.Errorf("case %d: formula gives %dx%d, want %dx%d", i, oh, ow, c.oh, c.ow)
		}
	}
}

func TestConv2DGradients(t *testing.T) {
	cases := []struct {
		x, w        [4]int
		pad, stride [2]int
	}{
		{[4]int{1, 1, 4, 4}, [4]int{1, 1, 2, 2}, [2]int{0, 0}, [2]int{1, 1}},
		{[4]int{2, 2, 5, 4}, [4]int{3, 2, 3, 2}, [2]int{1, 1}, [2]int{1, 1}},
		{[4]int{1, 2, 7, 7}, [4]int{2, 2, 3, 3}, [2]int{1, 0}, [2]int{2, 3}},
		{[4]int{2, 1, 8, 8}, [4]int{1, 1, 3, 5}, [2]int{0, 1}, [2]int{3, 4}},
	}
	for i, c := range cases {
		x := optest.RandomTensor(uint64(10+i), c.x[:]...)
		w := optest.RandomTensor(uint64(20+i), c.w[:]...)
		err := optest.GradCheck([]*tensor.Dense{x, w}, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return Conv2D(in[0], in[1], c.pad, c.stride)
		}, 1e-6, uint64(i))
		if err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestConv2DErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	other := gorgonia.NewGraph()
	mk := func(g *gorgonia.ExprGraph, dt tensor.Dtype, name string, shape ...int) *gorgonia.Node {
		return gorgonia.NewTensor(g, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name))
	}
	x := mk(g, tensor.Float64, "x", 1, 2, 5, 5)
	w := mk(g, tensor.Float64, "w", 3, 2, 3, 3)
	ok := [2]int{1, 1}
	cases := []struct {
		name        string
		x, w        *gorgonia.Node
		pad, stride [2]int
		want        string
	}{
		{"nil x", nil, w, ok, ok, "x is a nil node"},
		{"other graph", x, mk(other, tensor.Float64, "w", 3, 2, 3, 3), ok, ok, "different graphs"},
		{"int dtype", mk(g, tensor.Int, "xi", 1, 2, 5, 5), w, ok, ok, "x has dtype int; want float32 or float64"},
		{"mixed dtype", x, mk(g, tensor.Float32, "w32", 3, 2, 3, 3), ok, ok, "dtypes differ: x is float64, w is float32; use one dtype"},
		{"x rank 3", mk(g, tensor.Float64, "x3", 2, 5, 5), w, ok, ok, "x must be 4-D (n, c, h, w), got shape (2, 5, 5)"},
		{"w rank 2", x, mk(g, tensor.Float64, "w2", 3, 3), ok, ok, "w must be 4-D (co, c, kh, kw), got shape (3, 3)"},
		{"channels", x, mk(g, tensor.Float64, "wc", 3, 1, 3, 3), ok, ok, "x has 2 input channels"},
		{"kernel too big", x, mk(g, tensor.Float64, "wb", 3, 2, 8, 3), ok, ok, "larger than the padded input 7x7"},
		{"kernel too big no pad", x, mk(g, tensor.Float64, "wb2", 3, 2, 3, 6), [2]int{0, 0}, ok, "larger than the padded input"},
		{"stride 0", x, w, ok, [2]int{0, 1}, "height stride must be at least 1"},
		{"negative stride", x, w, ok, [2]int{1, -2}, "width stride must be at least 1"},
		{"negative pad", x, w, [2]int{0, -1}, ok, "width padding must not be negative"},
	}
	for _, c := range cases {
		y, err := Conv2D(c.x, c.w, c.pad, c.stride)
		if err == nil {
			t.Errorf("%s: no error, got node %v", c.name, y.Shape())
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "graph: Conv2D: ") {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
}

// BenchmarkConv2DForwardBackward times one forward and backward pass of LeNet's two
// convolutions at batch 256, Float32: the gradient with respect to the weights for the
// first layer (its input is the data) and to both input and weights for the second.
// The loss is the plain sum of the output, so its own cost is small.
func BenchmarkConv2DForwardBackward(b *testing.B) {
	cases := []struct {
		name   string
		x, w   [4]int
		pad    [2]int
		wrtX   bool
		stride [2]int
	}{
		{"conv1_256x1x28x28_6x1x5x5_pad2", [4]int{256, 1, 28, 28}, [4]int{6, 1, 5, 5}, [2]int{2, 2}, false, [2]int{1, 1}},
		{"conv2_256x6x14x14_16x6x5x5", [4]int{256, 6, 14, 14}, [4]int{16, 6, 5, 5}, [2]int{0, 0}, true, [2]int{1, 1}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			g := gorgonia.NewGraph()
			x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(c.x[:]...), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Uniform(0, 1)))
			w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(c.w[:]...), gorgonia.WithName("w"), gorgonia.WithInit(gorgonia.Uniform(-0.1, 0.1)))
			y, err := Conv2D(x, w, c.pad, c.stride)
			if err != nil {
				b.Fatal(err)
			}
			wrt := []*gorgonia.Node{w}
			if c.wrtX {
				wrt = append(wrt, x)
			}
			optest.SumGrad(b, y, wrt...)
			m := gorgonia.NewTapeMachine(g)
			defer m.Close()
			optest.Loop(b, m)
		})
	}
}
