package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/gradcheck"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Test helpers of the correlation and Pool2D tests carry a ct prefix.

var ctDtypes = []tensor.Dtype{tensor.Float64, tensor.Float32}

// ctDense returns a tensor of dtype dt holding vals.
func ctDense(dt tensor.Dtype, vals []float64, shape ...int) *tensor.Dense {
	if dt == tensor.Float32 {
		v := make([]float32, len(vals))
		for i, x := range vals {
			v[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), vals...)))
}

// ctArange returns start, start+1, ..., start+n-1.
func ctArange(n int, start float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = start + float64(i)
	}
	return v
}

// ctRandom returns n values uniform in [-1, 1) from a generator seeded with seed.
func ctRandom(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.Float64()*2 - 1
	}
	return v
}

// ctFloats returns a value's entries as float64.
func ctFloats(t *testing.T, v gorgonia.Value) []float64 {
	t.Helper()
	switch s := v.(type) {
	case *gorgonia.F64:
		return []float64{float64(*s)}
	case *gorgonia.F32:
		return []float64{float64(*s)}
	case tensor.Tensor:
		if d, ok := s.(*tensor.Dense); ok && (d.IsMaterializable() || d.RequiresIterator()) {
			s = d.Materialize()
		}
		switch d := s.Data().(type) {
		case []float64:
			return append([]float64(nil), d[:s.Shape().TotalSize()]...)
		case []float32:
			out := make([]float64, s.Shape().TotalSize())
			for i := range out {
				out[i] = float64(d[i])
			}
			return out
		case float64:
			return []float64{d}
		case float32:
			return []float64{float64(d)}
		}
	}
	t.Fatalf("unexpected value %T", v)
	return nil
}

// ctNodes puts each input into g as a uniquely named node.
func ctNodes(g *gorgonia.ExprGraph, inputs []*tensor.Dense) []*gorgonia.Node {
	nodes := make([]*gorgonia.Node, len(inputs))
	for i, in := range inputs {
		nodes[i] = gorgonia.NodeFromAny(g, in.Clone().(*tensor.Dense), gorgonia.WithName(fmt.Sprintf("ct_in%d", i)))
	}
	return nodes
}

// ctRun builds f on nodes holding inputs, runs it on a TapeMachine and returns the
// output's entries and shape.
func ctRun(t *testing.T, f gradcheck.Func, inputs ...*tensor.Dense) ([]float64, tensor.Shape) {
	t.Helper()
	g := gorgonia.NewGraph()
	y, err := f(g, ctNodes(g, inputs))
	if err != nil {
		t.Fatalf("building: %v", err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatalf("running: %v", err)
	}
	return ctFloats(t, y.Value()), y.Shape()
}

// ctGrads returns the gradients of sum(y ⊙ w) with respect to every input, w drawn
// from seed, computed by the given machine ("tape" or "lisp") in the inputs' dtype.
func ctGrads(t *testing.T, machine string, f gradcheck.Func, seed uint64, inputs ...*tensor.Dense) [][]float64 {
	t.Helper()
	g := gorgonia.NewGraph()
	nodes := ctNodes(g, inputs)
	y, err := f(g, nodes)
	if err != nil {
		t.Fatalf("building: %v", err)
	}
	w := gorgonia.NodeFromAny(g, ctDense(y.Dtype(), ctRandom(seed, y.Shape().TotalSize()), y.Shape()...), gorgonia.WithName("ct_weights"))
	prod, err := gorgonia.HadamardProd(y, w)
	if err != nil {
		t.Fatalf("weighting: %v", err)
	}
	loss, err := gorgonia.Sum(prod)
	if err != nil {
		t.Fatalf("summing: %v", err)
	}
	var vm gorgonia.VM
	switch machine {
	case "tape":
		if _, err := gorgonia.Grad(loss, nodes...); err != nil {
			t.Fatalf("Grad: %v", err)
		}
		vm = gorgonia.NewTapeMachine(g)
	case "lisp":
		vm = gorgonia.NewLispMachine(g)
	default:
		t.Fatalf("unknown machine %q", machine)
	}
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("running: %v", err)
	}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		d, err := n.Grad()
		if err != nil {
			t.Fatalf("gradient %d: %v", i, err)
		}
		out[i] = ctFloats(t, d)
	}
	return out
}

// ctMaxDiff returns the largest |a[i]-b[i]| and an error if the lengths differ.
func ctMaxDiff(a, b []float64) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("%d values, want %d", len(a), len(b))
	}
	var d float64
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return math.NaN(), nil
		}
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d, nil
}

// ctCheckClose fails the test unless got equals want within tol in every entry.
func ctCheckClose(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	d, err := ctMaxDiff(got, want)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !(d <= tol) {
		t.Errorf("%s: max |diff| %.3g > %.3g\n got %v\nwant %v", name, d, tol, got, want)
	}
}

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

func corr2dFunc(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
	return Corr2D(in[0], in[1])
}

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

// ctChapterCases are the chapter's corr2d examples with their printed results.
func ctChapterCases() []struct {
	name      string
	x         []float64
	xs        []int
	k         []float64
	ks        []int
	want      []float64
	wantShape tensor.Shape
} {
	edgeRow := []float64{0, 1, 0, 0, 0, -1, 0}
	var edge []float64
	for range 6 {
		edge = append(edge, edgeRow...)
	}
	return []struct {
		name      string
		x         []float64
		xs        []int
		k         []float64
		ks        []int
		want      []float64
		wantShape tensor.Shape
	}{
		{"3x3 example", ctArange(9, 0), []int{3, 3}, []float64{0, 1, 2, 3}, []int{2, 2}, []float64{19, 25, 37, 43}, tensor.Shape{2, 2}},
		{"edge detection", ctEdgeInput(), []int{6, 8}, []float64{1, -1}, []int{1, 2}, edge, tensor.Shape{6, 7}},
		{"transposed edges", ctTranspose(ctEdgeInput(), 6, 8), []int{8, 6}, []float64{1, -1}, []int{1, 2}, make([]float64, 8*5), tensor.Shape{8, 5}},
	}
}

func TestCorr2DChapterValues(t *testing.T) {
	for _, c := range ctChapterCases() {
		for _, dt := range ctDtypes {
			name := fmt.Sprintf("%s/%v", c.name, dt)
			got, shape := ctRun(t, corr2dFunc, ctDense(dt, c.x, c.xs...), ctDense(dt, c.k, c.ks...))
			if !shape.Eq(c.wantShape) {
				t.Errorf("%s: shape %v, want %v", name, shape, c.wantShape)
			}
			ctCheckClose(t, name, got, c.want, 0)
		}
	}
}

// ctShapeCases are (h, w, kh, kw) combinations including the degenerate ones: a 1x1
// kernel, a kernel as large as the input, single rows and columns.
var ctShapeCases = [][4]int{
	{3, 3, 2, 2}, {5, 7, 3, 2}, {4, 4, 1, 1}, {3, 4, 3, 4}, {1, 6, 1, 3}, {6, 1, 2, 1}, {1, 1, 1, 1}, {7, 5, 2, 5},
}

func TestCorr2DMatchesDefinition(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		x, k := ctRandom(uint64(10+i), h*w), ctRandom(uint64(50+i), kh*kw)
		want := ctRefCorr2D(x, h, w, k, kh, kw)
		for _, dt := range ctDtypes {
			tol := 1e-13
			if dt == tensor.Float32 {
				tol = 1e-5
			}
			got, shape := ctRun(t, corr2dFunc, ctDense(dt, x, h, w), ctDense(dt, k, kh, kw))
			name := fmt.Sprintf("case %d %v/%v", i, s, dt)
			if !shape.Eq(tensor.Shape{h - kh + 1, w - kw + 1}) {
				t.Errorf("%s: shape %v", name, shape)
			}
			ctCheckClose(t, name, got, want, tol)
		}
	}
}

func TestCorr2DGradients(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		in := []*tensor.Dense{gradcheck.Random(uint64(100+i), h, w), gradcheck.Random(uint64(200+i), kh, kw)}
		if err := gradcheck.Check(in, corr2dFunc, 1e-6, uint64(i)); err != nil {
			t.Errorf("case %d %v: %v", i, s, err)
		}
	}
}

// The x-gradient op is differentiable too, in the kernel and in the incoming gradient.
// (Second derivatives through a nested gorgonia.Grad are not tested: Gorgonia v0.9.18
// gets them wrong even for its own Mul and Square.)
func TestCorr2DFullOpGradients(t *testing.T) {
	full := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return gorgonia.ApplyOp(corr2dFullOp{}, in[0], in[1])
	}
	for i, s := range ctShapeCases {
		kh, kw, oh, ow := s[2], s[3], s[0]-s[2]+1, s[1]-s[3]+1
		in := []*tensor.Dense{gradcheck.Random(uint64(300+i), kh, kw), gradcheck.Random(uint64(400+i), oh, ow)}
		if err := gradcheck.Check(in, full, 1e-6, uint64(i)); err != nil {
			t.Errorf("case %d %v: %v", i, s, err)
		}
	}
}

// Float32 gradients agree with float64 ones to float32 precision.
func TestCorr2DFloat32Gradients(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		x, k := ctRandom(uint64(10+i), h*w), ctRandom(uint64(50+i), kh*kw)
		g64 := ctGrads(t, "tape", corr2dFunc, 5, ctDense(tensor.Float64, x, h, w), ctDense(tensor.Float64, k, kh, kw))
		g32 := ctGrads(t, "tape", corr2dFunc, 5, ctDense(tensor.Float32, x, h, w), ctDense(tensor.Float32, k, kh, kw))
		for j := range g64 {
			ctCheckClose(t, fmt.Sprintf("case %d %v input %d", i, s, j), g32[j], g64[j], 1e-5)
		}
	}
}

// DoDiff (Gorgonia's LispMachine) computes the same gradients as SymDiff (TapeMachine).
func TestCorr2DLispMachine(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		in := []*tensor.Dense{gradcheck.Random(uint64(10+i), h, w), gradcheck.Random(uint64(50+i), kh, kw)}
		tape := ctGrads(t, "tape", corr2dFunc, 6, in...)
		lisp := ctGrads(t, "lisp", corr2dFunc, 6, in...)
		for j := range tape {
			ctCheckClose(t, fmt.Sprintf("case %d %v input %d", i, s, j), lisp[j], tape[j], 1e-12)
		}
	}
}

// Two Corr2D nodes over same-shaped, differently named inputs stay two nodes with
// their own values, and every op of this file hashes differently from the others.
func TestCorr2DNodesStayDistinct(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, ctDense(tensor.Float64, ctArange(9, 0), 3, 3), gorgonia.WithName("x"))
	k1 := gorgonia.NodeFromAny(g, ctDense(tensor.Float64, []float64{0, 1, 2, 3}, 2, 2), gorgonia.WithName("k1"))
	k2 := gorgonia.NodeFromAny(g, ctDense(tensor.Float64, []float64{1, 0, 0, -1}, 2, 2), gorgonia.WithName("k2"))
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
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	ctCheckClose(t, "y1", ctFloats(t, y1.Value()), []float64{19, 25, 37, 43}, 0)
	ctCheckClose(t, "y2", ctFloats(t, y2.Value()), []float64{-4, -4, -4, -4}, 0)

	ops := []gorgonia.Op{
		corr2dOp{}, corr2dFullOp{},
		corrIm2ColOp{kh: 2, kw: 2}, corrIm2ColOp{kh: 2, kw: 3}, corrIm2ColOp{kh: 3, kw: 2},
		corrCol2ImOp{h: 3, w: 3, kh: 2, kw: 2}, corrCol2ImOp{h: 4, w: 3, kh: 2, kw: 2}, corrCol2ImOp{h: 3, w: 3, kh: 1, kw: 2},
		windowPoolOp{Max, 2, 2}, windowPoolOp{Avg, 2, 2}, windowPoolOp{Min, 2, 2}, windowPoolOp{Max, 2, 3},
		windowPoolGradOp{Max, 2, 2}, windowPoolGradOp{Avg, 2, 2}, windowPoolGradOp{Min, 2, 2}, windowPoolGradOp{Max, 3, 2},
		corrStackOp{n: 2}, corrStackOp{n: 3}, corrPickOp{i: 0}, corrPickOp{i: 1},
	}
	seen := map[uint32]string{}
	for _, op := range ops {
		h := op.Hashcode()
		if prev, dup := seen[h]; dup {
			t.Errorf("%v and %s share hash %x", op, prev, h)
		}
		seen[h] = op.String()
	}
}

// ctErrorCase is one bad input to a graph-building function and the message it must give.
type ctErrorCase struct {
	name string
	call func(g *gorgonia.ExprGraph) (*gorgonia.Node, error)
	want string
}

func ctNode(g *gorgonia.ExprGraph, name string, dt tensor.Dtype, shape ...int) *gorgonia.Node {
	return gorgonia.NewTensor(g, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name))
}

func ctRunErrorCases(t *testing.T, cases []ctErrorCase) {
	t.Helper()
	for i, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("case %d %s: panicked: %v", i, c.name, r)
				}
			}()
			y, err := c.call(gorgonia.NewGraph())
			if err == nil {
				t.Errorf("case %d %s: no error (result %v)", i, c.name, y)
				return
			}
			if y != nil {
				t.Errorf("case %d %s: a node came back with the error", i, c.name)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("case %d %s: error %q, want it to contain %q", i, c.name, err, c.want)
			}
		}()
	}
}

func TestCorrelationErrors(t *testing.T) {
	f64, f32 := tensor.Float64, tensor.Float32
	two := func(fn func(x, k *gorgonia.Node) (*gorgonia.Node, error), xs, ks []int, xt, kt tensor.Dtype) func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
		return func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return fn(ctNode(g, "x", xt, xs...), ctNode(g, "k", kt, ks...))
		}
	}
	type fn = func(x, k *gorgonia.Node) (*gorgonia.Node, error)
	var cases []ctErrorCase
	for _, f := range []struct {
		name string
		fn   fn
	}{{"Corr2D", Corr2D}, {"Corr2DMatMul", Corr2DMatMul}} {
		cases = append(cases,
			ctErrorCase{f.name + " nil x", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) { return f.fn(nil, ctNode(g, "k", f64, 2, 2)) },
				"graph: " + f.name + ": nil input node (x false, kernel true)"},
			ctErrorCase{f.name + " graphs", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
				return f.fn(ctNode(g, "x", f64, 3, 3), ctNode(gorgonia.NewGraph(), "k", f64, 2, 2))
			}, "graph: " + f.name + ": x and the kernel belong to different graphs"},
			ctErrorCase{f.name + " x rank", two(f.fn, []int{1, 3, 3}, []int{2, 2}, f64, f64),
				"graph: " + f.name + ": x must be 2-D (h, w), got shape (1, 3, 3) (rank 3)"},
			ctErrorCase{f.name + " x vector", two(f.fn, []int{9}, []int{2, 2}, f64, f64),
				"graph: " + f.name + ": x must be 2-D (h, w), got shape (9) (rank 1)"},
			ctErrorCase{f.name + " k rank", two(f.fn, []int{3, 3}, []int{1, 2, 2}, f64, f64),
				"graph: " + f.name + ": kernel must be 2-D (kh, kw), got shape (1, 2, 2) (rank 3)"},
			ctErrorCase{f.name + " kernel too tall", two(f.fn, []int{3, 3}, []int{4, 2}, f64, f64),
				"graph: " + f.name + ": kernel 4x2 is larger than the input 3x3; the kernel must fit inside the input"},
			ctErrorCase{f.name + " kernel too wide", two(f.fn, []int{6, 8}, []int{1, 9}, f32, f32),
				"graph: " + f.name + ": kernel 1x9 is larger than the input 6x8"},
			ctErrorCase{f.name + " int x", two(f.fn, []int{3, 3}, []int{2, 2}, tensor.Int, f64),
				"graph: " + f.name + ": x has dtype int; want float32 or float64"},
			ctErrorCase{f.name + " int kernel", two(f.fn, []int{3, 3}, []int{2, 2}, f64, tensor.Int64),
				"graph: " + f.name + ": kernel has dtype int64; want float32 or float64"},
			ctErrorCase{f.name + " mixed dtypes", two(f.fn, []int{3, 3}, []int{2, 2}, f64, f32),
				"graph: " + f.name + ": dtypes differ: x is float64, kernel is float32; use one dtype for both"},
			ctErrorCase{f.name + " empty x", two(f.fn, []int{0, 3}, []int{1, 1}, f64, f64),
				"graph: " + f.name + ": x has an empty dimension: shape (0, 3)"},
			ctErrorCase{f.name + " empty kernel", two(f.fn, []int{3, 3}, []int{2, 0}, f64, f64),
				"graph: " + f.name + ": kernel has an empty dimension: shape (2, 0)"},
			ctErrorCase{f.name + " scalar x", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
				return f.fn(gorgonia.NewScalar(g, f64, gorgonia.WithName("s")), ctNode(g, "k", f64, 2, 2))
			}, "graph: " + f.name + ": x must be 2-D (h, w), got shape () (rank 0)"},
		)
	}
	cases = append(cases,
		ctErrorCase{"MultiIn x rank", two(Corr2DMultiIn, []int{3, 3}, []int{1, 2, 2}, f64, f64),
			"graph: Corr2DMultiIn: x must be 3-D (c, h, w), got shape (3, 3) (rank 2)"},
		ctErrorCase{"MultiIn k rank", two(Corr2DMultiIn, []int{2, 3, 3}, []int{2, 2}, f64, f64),
			"graph: Corr2DMultiIn: kernel must be 3-D (c, kh, kw), got shape (2, 2) (rank 2)"},
		ctErrorCase{"MultiIn channels", two(Corr2DMultiIn, []int{2, 3, 3}, []int{3, 2, 2}, f64, f64),
			"graph: Corr2DMultiIn: x has 2 channels but the kernel has 3; they must match"},
		ctErrorCase{"MultiIn too large", two(Corr2DMultiIn, []int{2, 3, 3}, []int{2, 2, 4}, f64, f64),
			"graph: Corr2DMultiIn: kernel 2x4 is larger than the input 3x3"},
		ctErrorCase{"MultiIn dtype", two(Corr2DMultiIn, []int{2, 3, 3}, []int{2, 2, 2}, f32, f64),
			"graph: Corr2DMultiIn: dtypes differ: x is float32, kernel is float64"},
		ctErrorCase{"MultiIn nil k", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return Corr2DMultiIn(ctNode(g, "x", f64, 2, 3, 3), nil)
		}, "graph: Corr2DMultiIn: nil input node (x true, kernel false)"},
		ctErrorCase{"MultiInOut k rank", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{2, 2, 2}, f64, f64),
			"graph: Corr2DMultiInOut: kernel must be 4-D (co, c, kh, kw), got shape (2, 2, 2) (rank 3)"},
		ctErrorCase{"MultiInOut x rank", two(Corr2DMultiInOut, []int{1, 2, 3, 3}, []int{3, 2, 2, 2}, f64, f64),
			"graph: Corr2DMultiInOut: x must be 3-D (c, h, w), got shape (1, 2, 3, 3) (rank 4)"},
		ctErrorCase{"MultiInOut channels", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{3, 4, 2, 2}, f64, f64),
			"graph: Corr2DMultiInOut: x has 2 channels but the kernel expects 4 (k is (co, c, kh, kw) = (3, 4, 2, 2)); they must match"},
		ctErrorCase{"MultiInOut too large", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{3, 2, 4, 1}, f64, f64),
			"graph: Corr2DMultiInOut: kernel 4x1 is larger than the input 3x3"},
		ctErrorCase{"MultiInOut int", two(Corr2DMultiInOut, []int{2, 3, 3}, []int{3, 2, 2, 2}, tensor.Int32, tensor.Int32),
			"graph: Corr2DMultiInOut: x has dtype int32; want float32 or float64"},
	)
	ctRunErrorCases(t, cases)
}

// Gorgonia v0.9.18 defect (why doc.go warns against nested Grad): for y = Σ x³,
// Grad gives 3x² correctly, but Grad of Σ 3x² gives 3x instead of 6x. If this test
// fails, Gorgonia has been fixed; update doc.go and corr2d.go.
func TestGorgoniaNestedGradDefect(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, ctDense(tensor.Float64, []float64{2, 3}, 2), gorgonia.WithName("x"))
	y, err := gorgonia.Cube(x)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gorgonia.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
	first, err := gorgonia.Grad(s, x)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := gorgonia.Sum(first[0])
	if err != nil {
		t.Fatal(err)
	}
	second, err := gorgonia.Grad(s2, x)
	if err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	ctCheckClose(t, "first derivative 3x²", ctFloats(t, first[0].Value()), []float64{12, 27}, 1e-12)
	if got := ctFloats(t, second[0].Value()); got[0] == 12 && got[1] == 18 {
		t.Errorf("nested Grad now gives the right 6x = %v: Gorgonia's defect is gone, update the docs", got)
	} else {
		t.Logf("nested Grad gives %v, the right answer is [12 18] (known Gorgonia defect)", got)
	}
}

// The ops check the values they are run on too, and return errors (not panics) for
// values Gorgonia should never hand them.
func TestCorrOpsRejectBadValues(t *testing.T) {
	m := func(dt tensor.Dtype, shape ...int) gorgonia.Value {
		return ctDense(dt, make([]float64, tensor.Shape(shape).TotalSize()), shape...)
	}
	ints := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]int{1, 2, 3, 4}))
	f64, f32 := tensor.Float64, tensor.Float32
	cases := []struct {
		name string
		op   gorgonia.Op
		in   []gorgonia.Value
		want string
	}{
		{"corr2d arity", corr2dOp{}, []gorgonia.Value{m(f64, 3, 3)}, "graph: Corr2D: want 2 inputs, got 1"},
		{"corr2d rank", corr2dOp{}, []gorgonia.Value{m(f64, 1, 3, 3), m(f64, 2, 2)}, "graph: Corr2D: want a 2-D value, got shape (1, 3, 3)"},
		{"corr2d ints", corr2dOp{}, []gorgonia.Value{ints, ints}, "graph: Corr2D: value has dtype int; want float32 or float64"},
		{"corr2d dtypes", corr2dOp{}, []gorgonia.Value{m(f64, 3, 3), m(f32, 2, 2)}, "graph: Corr2D: dtypes differ: float64 and float32"},
		{"corr2d too large", corr2dOp{}, []gorgonia.Value{m(f64, 3, 3), m(f64, 4, 2)}, "graph: Corr2D: kernel (4, 2) is larger than the input (3, 3)"},
		{"full op arity", corr2dFullOp{}, nil, "graph: Corr2D x-gradient: want 2 inputs, got 0"},
		{"im2col too large", corrIm2ColOp{kh: 4, kw: 1}, []gorgonia.Value{m(f64, 3, 3)}, "graph: Im2Col(4x1): window larger than the input (3, 3)"},
		{"col2im shape", corrCol2ImOp{h: 3, w: 3, kh: 2, kw: 2}, []gorgonia.Value{m(f64, 3, 4)}, "graph: Col2Im(3x3, 2x2): want (4, 4) columns, got shape (3, 4)"},
		{"pool too large", windowPoolOp{Max, 4, 4}, []gorgonia.Value{m(f32, 3, 3)}, "graph: Pool2D(max, 4x4): window larger than the input (3, 3)"},
		{"pool grad shapes", windowPoolGradOp{Avg, 2, 2}, []gorgonia.Value{m(f64, 3, 3), m(f64, 3, 3)}, "graph: Pool2DGrad(avg, 2x2): gradient shape (3, 3), want the output shape (2, 2) of input (3, 3)"},
		{"stack shapes", corrStackOp{n: 2}, []gorgonia.Value{m(f64, 2, 2), m(f64, 2, 3)}, "graph: Stack(2): input 1 is float64 (2, 3), want float64 (2, 2)"},
		{"stack arity", corrStackOp{n: 2}, []gorgonia.Value{m(f64, 2, 2)}, "graph: Stack(2): want 2 inputs, got 1"},
		{"pick range", corrPickOp{i: 2}, []gorgonia.Value{m(f64, 2, 2, 2)}, "graph: Pick(2): want a 3-D value with more than 2 planes, got shape (2, 2, 2)"},
	}
	for i, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("case %d %s: panicked: %v", i, c.name, r)
				}
			}()
			_, err := c.op.Do(c.in...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("case %d %s: error %v, want %q", i, c.name, err, c.want)
			}
		}()
	}
}
