package graph

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit/optest"
)

func pool2dFunc(ph, pw int, mode PoolMode) optest.Func {
	return func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return Pool2D(in[0], ph, pw, mode)
	}
}

// ctRefPool2D is the definition of stride-1 pooling written out independently.
func ctRefPool2D(x []float64, h, w, ph, pw int, mode PoolMode) []float64 {
	var y []float64
	for i := 0; i+ph <= h; i++ {
		for j := 0; j+pw <= w; j++ {
			var window []float64
			for a := 0; a < ph; a++ {
				window = append(window, x[(i+a)*w+j:(i+a)*w+j+pw]...)
			}
			switch mode {
			case Max:
				m := math.Inf(-1)
				for _, v := range window {
					m = math.Max(m, v)
				}
				y = append(y, m)
			case Min:
				m := math.Inf(1)
				for _, v := range window {
					m = math.Min(m, v)
				}
				y = append(y, m)
			case Avg:
				s := 0.0
				for _, v := range window {
					s += v
				}
				y = append(y, s/float64(len(window)))
			}
		}
	}
	return y
}

var ctModes = []PoolMode{Max, Avg, Min}

func TestPool2DChapterValues(t *testing.T) {
	cases := []struct {
		mode PoolMode
		want []float64
	}{
		{Max, []float64{4, 5, 7, 8}},
		{Avg, []float64{2, 3, 5, 6}},
		{Min, []float64{0, 1, 3, 4}},
	}
	for _, c := range cases {
		for _, dt := range optest.Dtypes {
			name := fmt.Sprintf("%v/%v", c.mode, dt)
			got, shape := optest.Run(t, pool2dFunc(2, 2, c.mode), optest.Dense(dt, optest.Arange(9, 0), 3, 3))
			if !shape.Eq(tensor.Shape{2, 2}) {
				t.Errorf("%s: shape %v, want (2, 2)", name, shape)
			}
			optest.Close(t, name, got, c.want, 0)
		}
	}
}

// ctPoolShapes are (h, w, ph, pw), including a 1x1 window, a window as large as the
// input and single rows and columns.
var ctPoolShapes = [][4]int{{3, 3, 2, 2}, {5, 6, 3, 2}, {4, 4, 1, 1}, {3, 4, 3, 4}, {1, 5, 1, 2}, {6, 1, 3, 1}, {7, 7, 2, 3}}

func TestPool2DMatchesDefinition(t *testing.T) {
	for i, s := range ctPoolShapes {
		h, w, ph, pw := s[0], s[1], s[2], s[3]
		x := optest.Random(uint64(40+i), h*w)
		for _, mode := range ctModes {
			want := ctRefPool2D(x, h, w, ph, pw, mode)
			for _, dt := range optest.Dtypes {
				tol := 1e-15
				if dt == tensor.Float32 {
					tol = 1e-6
				}
				name := fmt.Sprintf("case %d %v %v/%v", i, s, mode, dt)
				got, shape := optest.Run(t, pool2dFunc(ph, pw, mode), optest.Dense(dt, x, h, w))
				if !shape.Eq(tensor.Shape{h - ph + 1, w - pw + 1}) {
					t.Errorf("%s: shape %v", name, shape)
				}
				optest.Close(t, name, got, want, tol)
			}
		}
	}
}

// Min pooling equals -maxpool(-X), built here from Gorgonia's Neg around Max pooling.
func TestPool2DMinIsNegatedMaxOfNegated(t *testing.T) {
	negMaxNeg := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		n, err := gorgonia.Neg(in[0])
		if err != nil {
			return nil, err
		}
		p, err := Pool2D(n, 2, 3, Max)
		if err != nil {
			return nil, err
		}
		return gorgonia.Neg(p)
	}
	for i, x := range [][]float64{optest.Arange(20, 0), optest.Random(3, 20), optest.Random(4, 20)} {
		for _, dt := range optest.Dtypes {
			want, _ := optest.Run(t, negMaxNeg, optest.Dense(dt, x, 4, 5))
			got, _ := optest.Run(t, pool2dFunc(2, 3, Min), optest.Dense(dt, x, 4, 5))
			optest.Close(t, fmt.Sprintf("input %d/%v", i, dt), got, want, 0)
		}
	}
}

func TestPool2DGradients(t *testing.T) {
	for i, s := range ctPoolShapes {
		h, w, ph, pw := s[0], s[1], s[2], s[3]
		for _, mode := range ctModes {
			in := []*tensor.Dense{optest.RandomTensor(uint64(1000+i), h, w)}
			if err := optest.GradCheck(in, pool2dFunc(ph, pw, mode), 1e-6, uint64(i)); err != nil {
				t.Errorf("case %d %v %v: %v", i, s, mode, err)
			}
		}
	}
}

// On ties (a constant input, where finite differences are undefined) Max and Min pass
// each window's gradient to its first entry in row-major order; Avg spreads 1/(ph·pw).
// With the loss Σ y, a 3x3 input and a 2x2 window the gradients are, by hand:
func TestPool2DGradientOnTies(t *testing.T) {
	cases := []struct {
		mode PoolMode
		want []float64
	}{
		{Max, []float64{1, 1, 0, 1, 1, 0, 0, 0, 0}},
		{Min, []float64{1, 1, 0, 1, 1, 0, 0, 0, 0}},
		{Avg, []float64{0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25}},
	}
	for _, c := range cases {
		for _, dt := range optest.Dtypes {
			_, grads := optest.SumGrads(t, pool2dFunc(2, 2, c.mode), optest.Dense(dt, []float64{2, 2, 2, 2, 2, 2, 2, 2, 2}, 3, 3))
			optest.Close(t, fmt.Sprintf("%v/%v", c.mode, dt), grads[0], c.want, 0)
		}
	}
}

// A NaN makes every window that contains it NaN, in every mode, and Max and Min send
// that window's gradient to the NaN.
func TestPool2DNaN(t *testing.T) {
	nan := math.NaN()
	// 3x3 input with a NaN at (1, 2); 2x2 windows: the NaN is in windows (0, 1), (1, 1).
	x := []float64{0, 1, 2, 3, 4, nan, 6, 7, 8}
	for _, mode := range ctModes {
		for _, dt := range optest.Dtypes {
			name := fmt.Sprintf("%v/%v", mode, dt)
			got, _ := optest.Run(t, pool2dFunc(2, 2, mode), optest.Dense(dt, x, 3, 3))
			for i, v := range got {
				if isNaN := math.IsNaN(v); isNaN != (i == 1 || i == 3) {
					t.Errorf("%s: output %d is %v", name, i, v)
				}
			}
		}
		if mode == Avg {
			continue
		}
		// With loss Σ y (upstream gradient 1 everywhere), by hand: the windows are
		// {0,1,3,4}, {1,2,4,NaN}, {3,4,6,7}, {4,NaN,7,8}; Max picks 4, NaN, 7, NaN and Min
		// picks 0, NaN, 3, NaN (flat indices 4, 5, 7, 5 and 0, 5, 3, 5).
		want := map[PoolMode][]float64{
			Max: {0, 0, 0, 0, 1, 2, 0, 1, 0},
			Min: {1, 0, 0, 1, 0, 2, 0, 0, 0},
		}[mode]
		_, grads := optest.SumGrads(t, pool2dFunc(2, 2, mode), optest.Dense(tensor.Float64, x, 3, 3))
		optest.Close(t, mode.String()+" gradient", grads[0], want, 0)
	}
}

func TestPool2DFloat32AndLispGradients(t *testing.T) {
	for i, s := range ctPoolShapes {
		h, w, ph, pw := s[0], s[1], s[2], s[3]
		x := optest.Random(uint64(40+i), h*w)
		for _, mode := range ctModes {
			f := pool2dFunc(ph, pw, mode)
			g64 := optest.Grads(t, optest.Tape, f, 3, optest.Dense(tensor.Float64, x, h, w))
			g32 := optest.Grads(t, optest.Tape, f, 3, optest.Dense(tensor.Float32, x, h, w))
			lisp := optest.Grads(t, optest.Lisp, f, 3, optest.Dense(tensor.Float64, x, h, w))
			name := fmt.Sprintf("case %d %v %v", i, s, mode)
			optest.Close(t, name+" float32", g32[0], g64[0], 1e-6)
			optest.Close(t, name+" lisp", lisp[0], g64[0], 1e-15)
		}
	}
}

func TestPoolModeString(t *testing.T) {
	for mode, want := range map[PoolMode]string{Max: "max", Avg: "avg", Min: "min", PoolMode(7): "PoolMode(7)"} {
		if got := mode.String(); got != want {
			t.Errorf("PoolMode(%d).String() = %q, want %q", int(mode), got, want)
		}
	}
	var zero PoolMode
	if zero != Max {
		t.Errorf("the zero PoolMode is %v, want max", zero)
	}
}

func TestPool2DErrors(t *testing.T) {
	f64 := tensor.Float64
	pool := func(shape []int, dt tensor.Dtype, ph, pw int, mode PoolMode) func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
		return func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return Pool2D(optest.Node(g, "x", dt, shape...), ph, pw, mode)
		}
	}
	optest.Errors(t, []optest.ErrorCase{
		optest.Bad("nil", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) { return Pool2D(nil, 2, 2, Max) },
			"graph: Pool2D: x is a nil node"),
		optest.Bad("unknown mode", pool([]int{3, 3}, f64, 2, 2, PoolMode(3)),
			"graph: Pool2D: unknown mode PoolMode(3); use Max, Avg or Min"),
		optest.Bad("negative mode", pool([]int{3, 3}, f64, 2, 2, PoolMode(-1)),
			"graph: Pool2D: unknown mode PoolMode(-1)"),
		optest.Bad("zero height", pool([]int{3, 3}, f64, 0, 2, Max),
			"graph: Pool2D: window 0x2 must be positive in both dimensions"),
		optest.Bad("negative width", pool([]int{3, 3}, f64, 2, -1, Avg),
			"graph: Pool2D: window 2x-1 must be positive in both dimensions"),
		optest.Bad("rank 3", pool([]int{1, 3, 3}, f64, 2, 2, Max),
			"graph: Pool2D: x must be 2-D (h, w), got shape (1, 3, 3) (rank 3)"),
		optest.Bad("rank 4", pool([]int{1, 1, 4, 4}, f64, 2, 2, Min),
			"graph: Pool2D: x must be 2-D (h, w), got shape (1, 1, 4, 4) (rank 4)"),
		optest.Bad("window too tall", pool([]int{3, 3}, f64, 4, 1, Max),
			"graph: Pool2D: window 4x1 is larger than the input 3x3; the window must fit inside the input"),
		optest.Bad("window too wide", pool([]int{3, 3}, tensor.Float32, 2, 5, Avg),
			"graph: Pool2D: window 2x5 is larger than the input 3x3"),
		optest.Bad("int input", pool([]int{3, 3}, tensor.Int, 2, 2, Max),
			"graph: Pool2D: x has dtype int; want float32 or float64"),
		optest.Bad("empty input", pool([]int{3, 0}, f64, 1, 1, Max),
			"graph: Pool2D: x has an empty dimension: shape (3, 0)"),
	})
}
