package graph

import (
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// ctRefCorr2D is the definition of cross-correlation written out independently of the
// code under test: y[i][j] = Σ_a Σ_b x[i+a][j+b] k[a][b].
func ctRefCorr2D(x []float64, h, w int, k []float64, kh, kw int) []float64 {
	at := func(v []float64, cols, r, c int) float64 { return v[r*cols+c] }
	var y []float64
	for i := 0; i+kh <= h; i++ {
		for j := 0; j+kw <= w; j++ {
			s := 0.0
			for a := 0; a < kh; a++ {
				for b := 0; b < kw; b++ {
					s += at(x, w, i+a, j+b) * at(k, kw, a, b)
				}
			}
			y = append(y, s)
		}
	}
	return y
}

var corr2dFunc = optest.Binary(Corr2D)

// ctEdgeInput is the chapter's 6x8 image: ones with columns 2..5 set to zero.
func ctEdgeInput() []float64 {
	x := make([]float64, 6*8)
	for r := 0; r < 6; r++ {
		for c := 0; c < 8; c++ {
			if c < 2 || c > 5 {
				x[r*8+c] = 1
			}
		}
	}
	return x
}

// ctTranspose returns the transpose of the (h, w) matrix x.
func ctTranspose(x []float64, h, w int) []float64 {
	y := make([]float64, len(x))
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			y[c*h+r] = x[r*w+c]
		}
	}
	return y
}

// ctChapterCase is one of the chapter's corr2d examples with its printed result.
type ctChapterCase struct {
	name      string
	x         []float64
	xs        []int
	k         []float64
	ks        []int
	want      []float64
	wantShape tensor.Shape
}

// ctChapterCases are the chapter's corr2d examples.
func ctChapterCases() []ctChapterCase {
	edgeRow := []float64{0, 1, 0, 0, 0, -1, 0}
	var edge []float64
	for range 6 {
		edge = append(edge, edgeRow...)
	}
	return []ctChapterCase{
		{"3x3 example", optest.Arange(9, 0), []int{3, 3}, []float64{0, 1, 2, 3}, []int{2, 2}, []float64{19, 25, 37, 43}, tensor.Shape{2, 2}},
		{"edge detection", ctEdgeInput(), []int{6, 8}, []float64{1, -1}, []int{1, 2}, edge, tensor.Shape{6, 7}},
		{"transposed edges", ctTranspose(ctEdgeInput(), 6, 8), []int{8, 6}, []float64{1, -1}, []int{1, 2}, make([]float64, 8*5), tensor.Shape{8, 5}},
	}
}

// TestCorr2DChapterValues: Corr2D and Corr2DMatMul give the chapter's printed numbers,
// exactly.
func TestCorr2DChapterValues(t *testing.T) {
	for _, f := range []struct {
		name string
		f    optest.Func
	}{{"Corr2D", corr2dFunc}, {"Corr2DMatMul", corr2dMatMulFunc}} {
		for _, c := range ctChapterCases() {
			for _, dt := range optest.Dtypes {
				name := fmt.Sprintf("%s %s/%v", f.name, c.name, dt)
				got, shape := optest.Run(t, f.f, optest.Dense(dt, c.x, c.xs...), optest.Dense(dt, c.k, c.ks...))
				if !shape.Eq(c.wantShape) {
					t.Errorf("%s: shape %v, want %v", name, shape, c.wantShape)
				}
				optest.Close(t, name, got, c.want, 0)
			}
		}
	}
}

// ctShapeCases are (h, w, kh, kw) combinations including the degenerate ones: a 1x1
// kernel, a kernel as large as the input, single rows and columns.
var ctShapeCases = [][4]int{
	{3, 3, 2, 2}, {5, 7, 3, 2}, {4, 4, 1, 1}, {3, 4, 3, 4}, {1, 6, 1, 3}, {6, 1, 2, 1}, {1, 1, 1, 1}, {7, 5, 2, 5},
}

// TestCorr2D runs the op battery (values against the definition, finite-difference
// gradients, float32 against float64, LispMachine against TapeMachine) on every shape.
func TestCorr2D(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		optest.Check(t, optest.Case{
			Name: fmt.Sprintf("case %d %v", i, s),
			F:    corr2dFunc,
			In:   []*tensor.Dense{optest.RandomTensor(uint64(10+i), h, w), optest.RandomTensor(uint64(50+i), kh, kw)},
			Want: func(in [][]float64, _ []tensor.Shape) []float64 {
				return ctRefCorr2D(in[0], h, w, in[1], kh, kw)
			},
			Shape: tensor.Shape{h - kh + 1, w - kw + 1},
			Tol64: 1e-13, Tol32: 1e-5, Grad32Tol: 1e-5, LispTol: 1e-12,
			Seed: uint64(i),
		})
	}
}

// The x-gradient op is differentiable too, in the kernel and in the incoming gradient.
// (Second derivatives through a nested gorgonia.Grad are not tested: Gorgonia v0.9.18
// gets them wrong even for its own Mul and Square.)
func TestCorr2DFullOpGradients(t *testing.T) {
	full := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return opkit.Apply(corr2dFull(), in[0], in[1])
	}
	for i, s := range ctShapeCases {
		kh, kw, oh, ow := s[2], s[3], s[0]-s[2]+1, s[1]-s[3]+1
		in := []*tensor.Dense{optest.RandomTensor(uint64(300+i), kh, kw), optest.RandomTensor(uint64(400+i), oh, ow)}
		if err := optest.GradCheck(in, full, 1e-6, uint64(i)); err != nil {
			t.Errorf("case %d %v: %v", i, s, err)
		}
	}
}

// Two Corr2D nodes over same-shaped, differently named inputs stay two nodes with
// their own values, and every op of this file hashes differently from the others.
func TestCorr2DNodesStayDistinct(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, optest.Dense(tensor.Float64, optest.Arange(9, 0), 3, 3), gorgonia.WithName("x"))
	k1 := gorgonia.NodeFromAny(g, optest.Dense(tensor.Float64, []float64{0, 1, 2, 3}, 2, 2), gorgonia.WithName("k1"))
	k2 := gorgonia.NodeFromAny(g, optest.Dense(tensor.Float64, []float64{1, 0, 0, -1}, 2, 2), gorgonia.WithName("k2"))
	y1, err := Corr2D(x, k1)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := Corr2D(x, k2)
	if err != nil {
		t.Fatal(err)
	}
	if y1 == y2 {
		t.Fatal("Corr2D with two different kernels returned one node")
	}
	optest.RunGraph(t, g)
	optest.Close(t, "y1", optest.Floats(t, y1.Value()), []float64{19, 25, 37, 43}, 0)
	optest.Close(t, "y2", optest.Floats(t, y2.Value()), []float64{-4, -4, -4, -4}, 0)

	specs := []*opkit.OpSpec{
		corr2d(), corr2dFull(),
		im2col(2, 2), im2col(2, 3), im2col(3, 2),
		col2im(3, 3, 2, 2), col2im(4, 3, 2, 2), col2im(3, 3, 1, 2),
		pool2d(window2D{Max, 2, 2}), pool2d(window2D{Avg, 2, 2}), pool2d(window2D{Min, 2, 2}), pool2d(window2D{Max, 2, 3}),
		pool2dGrad(window2D{Max, 2, 2}), pool2dGrad(window2D{Avg, 2, 2}), pool2dGrad(window2D{Min, 2, 2}), pool2dGrad(window2D{Max, 3, 2}),
		stack(2), stack(3), pick(0), pick(1),
	}
	seen := map[uint32]string{}
	for _, spec := range specs {
		op := opkit.New(spec)
		h := op.Hashcode()
		if prev, dup := seen[h]; dup {
			t.Errorf("%v and %s share hash %x", op, prev, h)
		}
		seen[h] = op.String()
	}
}

func TestCorrelationErrors(t *testing.T) {
	f64, f32 := tensor.Float64, tensor.Float32
	two := func(fn func(x, k *gorgonia.Node) (*gorgonia.Node, error), xs, ks []int, xt, kt tensor.Dtype) func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
		return func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return fn(optest.Node(g, "x", xt, xs...), optest.Node(g, "k", kt, ks...))
		}
	}
	type fn = func(x, k *gorgonia.Node) (*gorgonia.Node, error)
	var cases []optest.ErrorCase
	for _, f := range []struct {
		name string
		fn   fn
	}{{"Corr2D", Corr2D}, {"Corr2DMatMul", Corr2DMatMul}} {
		cases = append(cases,
			optest.Bad(f.name+" nil x", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) { return f.fn(nil, optest.Node(g, "k", f64, 2, 2)) },
				"graph: "+f.name+": x is a nil node"),
			optest.Bad(f.name+" graphs", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
				return f.fn(optest.Node(g, "x", f64, 3, 3), optest.Node(gorgonia.NewGraph(), "k", f64, 2, 2))
			}, "graph: "+f.name+": x and kernel belong to different graphs; build every input in one graph"),
			optest.Bad(f.name+" x rank", two(f.fn, []int{1, 3, 3}, []int{2, 2}, f64, f64),
				"graph: "+f.name+": x must be 2-D (h, w), got shape (1, 3, 3) (rank 3)"),
			optest.Bad(f.name+" x vector", two(f.fn, []int{9}, []int{2, 2}, f64, f64),
				"graph: "+f.name+": x must be 2-D (h, w), got shape (9) (rank 1)"),
			optest.Bad(f.name+" k rank", two(f.fn, []int{3, 3}, []int{1, 2, 2}, f64, f64),
				"graph: "+f.name+": kernel must be 2-D (kh, kw), got shape (1, 2, 2) (rank 3)"),
			optest.Bad(f.name+" kernel too tall", two(f.fn, []int{3, 3}, []int{4, 2}, f64, f64),
				"graph: "+f.name+": kernel 4x2 is larger than the input 3x3; the kernel must fit inside the input"),
			optest.Bad(f.name+" kernel too wide", two(f.fn, []int{6, 8}, []int{1, 9}, f32, f32),
				"graph: "+f.name+": kernel 1x9 is larger than the input 6x8"),
			optest.Bad(f.name+" int x", two(f.fn, []int{3, 3}, []int{2, 2}, tensor.Int, f64),
				"graph: "+f.name+": x has dtype int; want float32 or float64"),
			optest.Bad(f.name+" int kernel", two(f.fn, []int{3, 3}, []int{2, 2}, f64, tensor.Int64),
				"graph: "+f.name+": kernel has dtype int64; want float32 or float64"),
			optest.Bad(f.name+" mixed dtypes", two(f.fn, []int{3, 3}, []int{2, 2}, f64, f32),
				"graph: "+f.name+": dtypes differ: x is float64, kernel is float32; use one dtype for every input"),
			optest.Bad(f.name+" empty x", two(f.fn, []int{0, 3}, []int{1, 1}, f64, f64),
				"graph: "+f.name+": x has an empty dimension: shape (0, 3)"),
			optest.Bad(f.name+" empty kernel", two(f.fn, []int{3, 3}, []int{2, 0}, f64, f64),
				"graph: "+f.name+": kernel has an empty dimension: shape (2, 0)"),
			optest.Bad(f.name+" scalar x", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
				return f.fn(gorgonia.NewScalar(g, f64, gorgonia.WithName("s")), optest.Node(g, "k", f64, 2, 2))
			}, "graph: "+f.name+": x must be 2-D (h, w), got shape () (rank 0)"),
		)
	}
	cases = append(cases,
		optest.Bad("MultiIn x rank", two(Corr2DMultiIn, []int{3, 3}, []int{1, 2, 2}, f64, f64),
			"graph: Corr2DMultiIn: x must be 3-D (c, h, w), got shape (3, 3) (rank 2)"),
		optest.Bad("MultiIn k rank", two(Corr2DMultiIn, []int{2, 3, 3}, []int{2, 2}, f64, f64),
			"graph: Corr2DMultiIn: kernel must be 3-D (c, kh, kw), got shape (2, 2) (rank 2)"),
		optest.Bad("MultiIn channels", two(Corr2DMultiIn, []int{2, 3, 3}, []int{3, 2, 2}, f64, f64),
			"graph: Corr2DMultiIn: x has 2 channels but the kernel expects 3 (kernel shape (3, 2, 2)); they must match"),
		optest.Bad("MultiIn too large", two(Corr2DMultiIn, []int{2, 3, 3}, []int{2, 2, 4}, f64, f64),
			"graph: Corr2DMultiIn: kernel 2x4 is larger than the input 3x3"),
		optest.Bad("MultiIn dtype", two(Corr2DMultiIn, []int{2, 3, 3}, []int{2, 2, 2}, f32, f64),
			"graph: Corr2DMultiIn: dtypes differ: x is float32, kernel is float64"),
		optest.Bad("MultiIn nil k", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return Corr2DMultiIn(optest.Node(g, "x", f64, 2, 3, 3), nil)
		}, "graph: Corr2DMultiIn: kernel is a nil node"),
		optest.Bad("MultiInOut k rank", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{2, 2, 2}, f64, f64),
			"graph: Corr2DMultiInOut: kernel must be 4-D (co, c, kh, kw), got shape (2, 2, 2) (rank 3)"),
		optest.Bad("MultiInOut x rank", two(Corr2DMultiInOut, []int{1, 2, 3, 3}, []int{3, 2, 2, 2}, f64, f64),
			"graph: Corr2DMultiInOut: x must be 3-D (c, h, w), got shape (1, 2, 3, 3) (rank 4)"),
		optest.Bad("MultiInOut channels", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{3, 4, 2, 2}, f64, f64),
			"graph: Corr2DMultiInOut: x has 2 channels but the kernel expects 4 (kernel shape (3, 4, 2, 2)); they must match"),
		optest.Bad("MultiInOut too large", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{3, 2, 4, 1}, f64, f64),
			"graph: Corr2DMultiInOut: kernel 4x1 is larger than the input 3x3"),
		optest.Bad("MultiInOut int", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{3, 2, 2, 2}, tensor.Int32, tensor.Int32),
			"graph: Corr2DMultiInOut: x has dtype int32; want float32 or float64"),
	)
	optest.Errors(t, cases)
}

// Gorgonia v0.9.18 defect (why doc.go warns against nested Grad): for y = Σ x³,
// Grad gives 3x² correctly, but Grad of Σ 3x² gives 3x instead of 6x. If this test
// fails, Gorgonia has been fixed; update doc.go and corr2d.go.
func TestGorgoniaNestedGradDefect(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, optest.Dense(tensor.Float64, []float64{2, 3}, 2), gorgonia.WithName("x"))
	y, err := gorgonia.Cube(x)
	if err != nil {
		t.Fatal(err)
	}
	_, first := optest.SumGrad(t, y, x)
	_, second := optest.SumGrad(t, first[0], x)
	optest.RunGraph(t, g)
	optest.Close(t, "first derivative 3x²", optest.Floats(t, first[0].Value()), []float64{12, 27}, 1e-12)
	if got := optest.Floats(t, second[0].Value()); got[0] == 12 && got[1] == 18 {
		t.Errorf("nested Grad now gives the right 6x = %v: Gorgonia's defect is gone, update the docs", got)
	} else {
		t.Logf("nested Grad gives %v, the right answer is [12 18] (known Gorgonia defect)", got)
	}
}

// The ops check the values they are run on too, and return errors (not panics) for
// values Gorgonia should never hand them.
func TestCorrOpsRejectBadValues(t *testing.T) {
	m := func(dt tensor.Dtype, shape ...int) gorgonia.Value {
		return optest.Dense(dt, make([]float64, tensor.Shape(shape).TotalSize()), shape...)
	}
	ints := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]int{1, 2, 3, 4}))
	f64, f32 := tensor.Float64, tensor.Float32
	cases := []struct {
		name string
		spec *opkit.OpSpec
		in   []gorgonia.Value
		want string
	}{
		{"corr2d arity", corr2d(), []gorgonia.Value{m(f64, 3, 3)}, "graph: Corr2D: want 2 inputs, got 1"},
		{"corr2d rank", corr2d(), []gorgonia.Value{m(f64, 1, 3, 3), m(f64, 2, 2)}, "graph: Corr2D: x: want a 2-D value, got shape (1, 3, 3)"},
		{"corr2d ints", corr2d(), []gorgonia.Value{ints, ints}, "graph: Corr2D: x: value has dtype int; want float32 or float64"},
		{"corr2d dtypes", corr2d(), []gorgonia.Value{m(f64, 3, 3), m(f32, 2, 2)}, "graph: Corr2D: dtypes differ: x is float64, kernel is float32"},
		{"corr2d too large", corr2d(), []gorgonia.Value{m(f64, 3, 3), m(f64, 4, 2)}, "graph: Corr2D: kernel 4x2 is larger than the input 3x3"},
		{"full op arity", corr2dFull(), nil, "graph: Corr2DFull: want 2 inputs, got 0"},
		{"im2col too large", im2col(4, 1), []gorgonia.Value{m(f64, 3, 3)}, "graph: Im2Col: kernel 4x1 is larger than the input 3x3"},
		{"col2im shape", col2im(3, 3, 2, 2), []gorgonia.Value{m(f64, 3, 4)}, "graph: Col2Im: want (4, 4) columns, got shape (3, 4)"},
		{"pool too large", pool2d(window2D{Max, 4, 4}), []gorgonia.Value{m(f32, 3, 3)}, "graph: Pool2D: window 4x4 is larger than the input 3x3"},
		{"pool grad shapes", pool2dGrad(window2D{Avg, 2, 2}), []gorgonia.Value{m(f64, 3, 3), m(f64, 3, 3)}, "graph: Pool2DGrad: output gradient has shape (3, 3), want (2, 2) for (3, 3)"},
		{"stack shapes", stack(2), []gorgonia.Value{m(f64, 2, 2), m(f64, 2, 3)}, "graph: Stack: plane 1 has shape (2, 3), want (2, 2)"},
		{"stack arity", stack(2), []gorgonia.Value{m(f64, 2, 2)}, "graph: Stack: want 2 inputs, got 1"},
		{"pick range", pick(2), []gorgonia.Value{m(f64, 2, 2, 2)}, "graph: Pick: want a 3-D value with more than 2 planes, got shape (2, 2, 2)"},
	}
	for i, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("case %d %s: panicked: %v", i, c.name, r)
				}
			}()
			_, err := opkit.New(c.spec).Do(c.in...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("case %d %s: error %v, want %q", i, c.name, err, c.want)
			}
		}()
	}
}
