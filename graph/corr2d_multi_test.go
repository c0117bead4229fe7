package graph

import (
	"fmt"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit/optest"
)

var (
	corr2dMultiInFunc    = optest.Binary(Corr2DMultiIn)
	corr2dMultiInOutFunc = optest.Binary(Corr2DMultiInOut)
)

// ctRefMultiInOut is the definition written out with the reference corr2d:
// y[o] = Σ_c corr2d(x[c], k[o][c]) for x (c, h, w), k (co, c, kh, kw).
func ctRefMultiInOut(x []float64, c, h, w int, k []float64, co, kh, kw int) []float64 {
	oh, ow := h-kh+1, w-kw+1
	y := make([]float64, co*oh*ow)
	for o := 0; o < co; o++ {
		for ci := 0; ci < c; ci++ {
			kk := k[(o*c+ci)*kh*kw : (o*c+ci+1)*kh*kw]
			part := ctRefCorr2D(x[ci*h*w:(ci+1)*h*w], h, w, kk, kh, kw)
			for i, v := range part {
				y[o*oh*ow+i] += v
			}
		}
	}
	return y
}

// The chapter's multi-channel inputs: X (2, 3, 3) and K (2, 2, 2).
var (
	ctMultiX = append(optest.Arange(9, 0), optest.Arange(9, 1)...)
	ctMultiK = []float64{0, 1, 2, 3, 1, 2, 3, 4}
)

// ctStackK returns the (3, 2, 2, 2) kernel the chapter stacks from K, K+1 and K+2.
func ctStackK() []float64 {
	var k []float64
	for add := 0.0; add < 3; add++ {
		for _, v := range ctMultiK {
			k = append(k, v+add)
		}
	}
	return k
}

func TestCorr2DMultiInChapterValues(t *testing.T) {
	for _, dt := range optest.Dtypes {
		got, shape := optest.Run(t, corr2dMultiInFunc, optest.Dense(dt, ctMultiX, 2, 3, 3), optest.Dense(dt, ctMultiK, 2, 2, 2))
		if !shape.Eq(tensor.Shape{2, 2}) {
			t.Errorf("%v: shape %v, want (2, 2)", dt, shape)
		}
		optest.Close(t, dt.String(), got, []float64{56, 72, 104, 120}, 0)
	}
}

func TestCorr2DMultiInOutChapterValues(t *testing.T) {
	// Channel 0 is the chapter's printed [[56, 72], [104, 120]]; channels 1 and 2 use
	// K+1 and K+2. By hand, for channel 1 at (0, 0):
	//   (0·1 + 1·2 + 3·3 + 4·4) + (1·2 + 2·3 + 4·4 + 5·5) = 27 + 49 = 76
	// and the rest the same way (these are also the textbook's printed values).
	want := []float64{
		56, 72, 104, 120,
		76, 100, 148, 172,
		96, 128, 192, 224,
	}
	if ref := ctRefMultiInOut(ctMultiX, 2, 3, 3, ctStackK(), 3, 2, 2); fmt.Sprint(ref) != fmt.Sprint(want) {
		t.Fatalf("the reference loop gives %v, the hand values are %v", ref, want)
	}
	for _, dt := range optest.Dtypes {
		got, shape := optest.Run(t, corr2dMultiInOutFunc, optest.Dense(dt, ctMultiX, 2, 3, 3), optest.Dense(dt, ctStackK(), 3, 2, 2, 2))
		if !shape.Eq(tensor.Shape{3, 2, 2}) {
			t.Errorf("%v: shape %v, want (3, 2, 2)", dt, shape)
		}
		optest.Close(t, dt.String(), got, want, 0)
	}
}

// A 1x1 convolution is a fully connected layer at every pixel: with x viewed as a
// (c_i, h·w) matrix and k as a (c_o, c_i) matrix, the output is the product k·x.
func TestCorr2DMultiInOut1x1IsMatMul(t *testing.T) {
	const ci, co, h, w = 3, 2, 3, 3
	x, k := optest.Random(1, ci*h*w), optest.Random(2, co*ci)
	want := make([]float64, co*h*w)
	for o := 0; o < co; o++ {
		for p := 0; p < h*w; p++ {
			for c := 0; c < ci; c++ {
				want[o*h*w+p] += k[o*ci+c] * x[c*h*w+p]
			}
		}
	}
	for _, dt := range optest.Dtypes {
		tol := 1e-14
		if dt == tensor.Float32 {
			tol = 1e-6
		}
		got, shape := optest.Run(t, corr2dMultiInOutFunc, optest.Dense(dt, x, ci, h, w), optest.Dense(dt, k, co, ci, 1, 1))
		if !shape.Eq(tensor.Shape{co, h, w}) {
			t.Errorf("%v: shape %v", dt, shape)
		}
		optest.Close(t, dt.String(), got, want, tol)
	}
}

// ctMultiCases are (c, h, w, co, kh, kw), including single pixels, a single channel,
// a single output channel and a kernel as large as the input.
var ctMultiCases = [][6]int{
	{2, 3, 3, 3, 2, 2}, {1, 4, 5, 1, 2, 3}, {3, 1, 1, 2, 1, 1}, {2, 1, 4, 2, 1, 2}, {3, 4, 4, 2, 4, 4}, {1, 1, 1, 1, 1, 1}, {2, 5, 3, 1, 3, 1},
}

func TestCorr2DMultiMatchesDefinition(t *testing.T) {
	for i, s := range ctMultiCases {
		c, h, w, co, kh, kw := s[0], s[1], s[2], s[3], s[4], s[5]
		x, k := optest.Random(uint64(20+i), c*h*w), optest.Random(uint64(60+i), co*c*kh*kw)
		want := ctRefMultiInOut(x, c, h, w, k, co, kh, kw)
		for _, dt := range optest.Dtypes {
			tol := 1e-13
			if dt == tensor.Float32 {
				tol = 1e-5
			}
			name := fmt.Sprintf("case %d %v/%v", i, s, dt)
			got, shape := optest.Run(t, corr2dMultiInOutFunc, optest.Dense(dt, x, c, h, w), optest.Dense(dt, k, co, c, kh, kw))
			if !shape.Eq(tensor.Shape{co, h - kh + 1, w - kw + 1}) {
				t.Errorf("%s: MultiInOut shape %v", name, shape)
			}
			optest.Close(t, name+" MultiInOut", got, want, tol)
			// Corr2DMultiIn with the first output channel's kernel is channel 0.
			oh, ow := h-kh+1, w-kw+1
			got, shape = optest.Run(t, corr2dMultiInFunc, optest.Dense(dt, x, c, h, w), optest.Dense(dt, k[:c*kh*kw], c, kh, kw))
			if !shape.Eq(tensor.Shape{oh, ow}) {
				t.Errorf("%s: MultiIn shape %v", name, shape)
			}
			optest.Close(t, name+" MultiIn", got, want[:oh*ow], tol)
		}
	}
}

func TestCorr2DMultiGradients(t *testing.T) {
	for i, s := range ctMultiCases {
		c, h, w, co, kh, kw := s[0], s[1], s[2], s[3], s[4], s[5]
		x := optest.RandomTensor(uint64(500+i), c, h, w)
		in := []*tensor.Dense{x, optest.RandomTensor(uint64(600+i), c, kh, kw)}
		if err := optest.GradCheck(in, corr2dMultiInFunc, 1e-6, uint64(i)); err != nil {
			t.Errorf("MultiIn case %d %v: %v", i, s, err)
		}
		in = []*tensor.Dense{x, optest.RandomTensor(uint64(700+i), co, c, kh, kw)}
		if err := optest.GradCheck(in, corr2dMultiInOutFunc, 1e-6, uint64(i)); err != nil {
			t.Errorf("MultiInOut case %d %v: %v", i, s, err)
		}
	}
}

func TestCorr2DMultiFloat32Gradients(t *testing.T) {
	for i, s := range ctMultiCases {
		c, h, w, co, kh, kw := s[0], s[1], s[2], s[3], s[4], s[5]
		x, k := optest.Random(uint64(20+i), c*h*w), optest.Random(uint64(60+i), co*c*kh*kw)
		g64 := optest.Grads(t, optest.Tape, corr2dMultiInOutFunc, 8, optest.Dense(tensor.Float64, x, c, h, w), optest.Dense(tensor.Float64, k, co, c, kh, kw))
		g32 := optest.Grads(t, optest.Tape, corr2dMultiInOutFunc, 8, optest.Dense(tensor.Float32, x, c, h, w), optest.Dense(tensor.Float32, k, co, c, kh, kw))
		for j := range g64 {
			optest.Close(t, fmt.Sprintf("case %d %v input %d", i, s, j), g32[j], g64[j], 1e-5)
		}
	}
}

// DoDiff (Gorgonia's LispMachine) gives the same gradients as SymDiff (TapeMachine)
// for the composed multi-channel ops too.
func TestCorr2DMultiLispMachine(t *testing.T) {
	for i, s := range ctMultiCases {
		c, h, w, co, kh, kw := s[0], s[1], s[2], s[3], s[4], s[5]
		x := optest.RandomTensor(uint64(10+i), c, h, w)
		for _, f := range []struct {
			name string
			fn   optest.Func
			k    *tensor.Dense
		}{
			{"MultiIn", corr2dMultiInFunc, optest.RandomTensor(uint64(30+i), c, kh, kw)},
			{"MultiInOut", corr2dMultiInOutFunc, optest.RandomTensor(uint64(50+i), co, c, kh, kw)},
		} {
			tape := optest.Grads(t, optest.Tape, f.fn, 6, x, f.k)
			lisp := optest.Grads(t, optest.Lisp, f.fn, 6, x, f.k)
			for j := range tape {
				optest.Close(t, fmt.Sprintf("%s case %d %v input %d", f.name, i, s, j), lisp[j], tape[j], 1e-12)
			}
		}
	}
}

// Gorgonia v0.9.18 defects that Corr2DMultiIn and Corr2DMultiInOut are built around. If
// this test fails, Gorgonia has changed; revisit corr2d_multi.go and doc.go.
//   - Slice of a one-element plane: the node says (1, 1), the value is a scalar (and
//     slicing that value again panics inside the TapeMachine, so it is not tried here).
//   - Concat's DoDiff (LispMachine) differs from its SymDiff (TapeMachine, which passes
//     the finite-difference check) for 3-D inputs.
func TestGorgoniaSliceAndConcatDefects(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, optest.Dense(tensor.Float64, []float64{1, 2, 3}, 3, 1, 1), gorgonia.WithName("x"))
	s, err := gorgonia.Slice(x, gorgonia.S(1))
	if err != nil {
		t.Fatal(err)
	}
	optest.RunGraph(t, g)
	if _, isScalar := s.Value().(*gorgonia.F64); !s.Shape().Eq(tensor.Shape{1, 1}) || !isScalar {
		t.Errorf("Slice of (3, 1, 1): node shape %v, value %T; the defect (shape (1, 1), scalar value) is gone", s.Shape(), s.Value())
	}

	concat := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		a, err := gorgonia.Square(in[0])
		if err != nil {
			return nil, err
		}
		b, err := gorgonia.Cube(in[0])
		if err != nil {
			return nil, err
		}
		return gorgonia.Concat(0, a, b)
	}
	in := optest.RandomTensor(1, 1, 3, 4)
	if err := optest.GradCheck([]*tensor.Dense{in}, concat, 1e-6, 1); err != nil {
		t.Errorf("Concat's SymDiff: %v", err)
	}
	tape := optest.Grads(t, optest.Tape, concat, 6, in)
	lisp := optest.Grads(t, optest.Lisp, concat, 6, in)
	if d, err := optest.MaxDiff(lisp[0], tape[0]); err != nil || d < 1e-3 {
		t.Errorf("Concat's DoDiff now agrees with SymDiff (max |diff| %v, %v): the defect is gone", d, err)
	}
}
