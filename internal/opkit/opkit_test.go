package opkit

import (
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// axpy is a test op: y = a·x + z, with z a Data operand, and a scalar-valued sum op.
func axpy(a float64) *OpSpec {
	return &OpSpec{
		Name:    "Axpy",
		Params:  fmt.Sprint(a),
		In:      []Input{{Name: "x", Rank: 2, DimNames: "(m, n)"}, {Name: "z", Rank: 2, DimNames: "(m, n)", Data: true}},
		OutRank: 2,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			if !s[1].Eq(s[0]) {
				return nil, fmt.Errorf("z has shape %v, want %v", s[1], s[0])
			}
			return s[0].Clone(), nil
		},
		Forward: FloatsWith(a, axpyForward, axpyForward),
		Zeroed:  true,
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := gorgonia.Mul(dy, gorgonia.NewConstant(a))
			return gorgonia.Nodes{dx, nil}, err
		},
	}
}

func axpyForward[T Float](a float64, g Args[T]) {
	for i, v := range g.In[0] {
		g.Out[i] += T(a)*v + g.In[1][i]
	}
}

func value(vals []float64, shape ...int) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), vals...)))
}

func TestOpRunsAndReusesItsMemory(t *testing.T) {
	op := New(axpy(2))
	x, z := value([]float64{1, 2, 3, 4}, 2, 2), value([]float64{10, 20, 30, 40}, 2, 2)
	first, err := op.Do(x, z)
	if err != nil {
		t.Fatal(err)
	}
	if got := first.Data().([]float64); fmt.Sprint(got) != "[12 24 36 48]" {
		t.Errorf("Do: %v, want [12 24 36 48]", got)
	}
	second, err := op.Do(z, x)
	if err != nil {
		t.Fatal(err)
	}
	if &first.Data().([]float64)[0] != &second.Data().([]float64)[0] {
		t.Error("the second run allocated new memory; want the op's")
	}
	if got := second.Data().([]float64); fmt.Sprint(got) != "[21 42 63 84]" {
		t.Errorf("second Do (zeroed first): %v, want [21 42 63 84]", got)
	}
	pre := value([]float64{-1, -1, -1, -1}, 2, 2)
	if got, err := op.UsePreallocDo(pre, x, z); err != nil || got != pre || fmt.Sprint(pre.Data()) != "[12 24 36 48]" {
		t.Errorf("UsePreallocDo: %v, %v; want the preallocated value holding [12 24 36 48]", got, err)
	}
	for _, bad := range []gorgonia.Value{value(make([]float64, 4), 4), tensor.New(tensor.WithShape(2, 2), tensor.Of(tensor.Float32))} {
		if _, err := op.UsePreallocDo(bad, x, z); err == nil || !strings.Contains(err.Error(), "graph: Axpy: preallocated value") {
			t.Errorf("UsePreallocDo(%v): error %v, want one saying it does not fit", bad.Shape(), err)
		}
	}
}

func TestOpRunErrors(t *testing.T) {
	op := New(axpy(1))
	m := value(make([]float64, 4), 2, 2)
	cases := []struct {
		in   []gorgonia.Value
		want string
	}{
		{[]gorgonia.Value{m}, "graph: Axpy: want 2 inputs, got 1"},
		{[]gorgonia.Value{value(make([]float64, 4), 4), m}, "graph: Axpy: x: want a 2-D value, got shape (4)"},
		{[]gorgonia.Value{m, value(make([]float64, 6), 2, 3)}, "graph: Axpy: z has shape (2, 3), want (2, 2)"},
		{[]gorgonia.Value{m, tensor.New(tensor.WithShape(2, 2), tensor.Of(tensor.Float32))}, "graph: Axpy: dtypes differ: x is float64, z is float32"},
		{[]gorgonia.Value{tensor.New(tensor.WithShape(2, 2), tensor.Of(tensor.Int)), m}, "graph: Axpy: x: value has dtype int; want float32 or float64"},
		{[]gorgonia.Value{m, gorgonia.NewF64(1)}, "graph: Axpy: z has shape (1, 1), want (2, 2)"},
	}
	for i, c := range cases {
		if _, err := op.Do(c.in...); err == nil || err.Error() != c.want {
			t.Errorf("case %d: error %v, want %q", i, err, c.want)
		}
	}
	// A one-element value counts as a value of the rank asked for (Gorgonia hands over a
	// one-element slice as a scalar).
	one := New(axpy(3))
	if y, err := one.Do(gorgonia.NewF64(2), value([]float64{1}, 1, 1)); err != nil || fmt.Sprint(y.Data()) != "[7]" || !y.Shape().Eq(tensor.Shape{1, 1}) {
		t.Errorf("scalar operand: %v, %v; want [7] of shape (1, 1)", y, err)
	}
}

func TestApplyChecks(t *testing.T) {
	g, other := gorgonia.NewGraph(), gorgonia.NewGraph()
	mk := func(g *gorgonia.ExprGraph, name string, dt tensor.Dtype, shape ...int) *gorgonia.Node {
		return gorgonia.NewTensor(g, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name))
	}
	x := mk(g, "x", tensor.Float64, 2, 2)
	cases := []struct {
		nodes []*gorgonia.Node
		want  string
	}{
		{[]*gorgonia.Node{x}, "graph: Axpy: want 2 inputs, got 1"},
		{[]*gorgonia.Node{x, nil}, "graph: Axpy: z is a nil node"},
		{[]*gorgonia.Node{x, mk(other, "z", tensor.Float64, 2, 2)}, "graph: Axpy: x and z belong to different graphs; build every input in one graph"},
		{[]*gorgonia.Node{mk(g, "v", tensor.Float64, 4), x}, "graph: Axpy: x must be 2-D (m, n), got shape (4) (rank 1)"},
		{[]*gorgonia.Node{x, mk(g, "e", tensor.Float64, 2, 0)}, "graph: Axpy: z has an empty dimension: shape (2, 0)"},
		{[]*gorgonia.Node{x, mk(g, "i", tensor.Int, 2, 2)}, "graph: Axpy: z has dtype int; want float32 or float64"},
		{[]*gorgonia.Node{x, mk(g, "f", tensor.Float32, 2, 2)}, "graph: Axpy: dtypes differ: x is float64, z is float32; use one dtype for every input"},
		{[]*gorgonia.Node{x, mk(g, "w", tensor.Float64, 2, 3)}, "graph: Axpy: z has shape (2, 3), want (2, 2)"},
	}
	for i, c := range cases {
		y, err := Apply(axpy(1), c.nodes...)
		if err == nil || err.Error() != c.want || y != nil {
			t.Errorf("case %d: %v, %v; want no node and %q", i, y, err, c.want)
		}
	}
}

// Gradients flow to the differentiable operands only, on both machines.
func TestOpGradients(t *testing.T) {
	for _, lisp := range []bool{false, true} {
		g := gorgonia.NewGraph()
		x := gorgonia.NodeFromAny(g, value([]float64{1, 2, 3, 4}, 2, 2), gorgonia.WithName("x"))
		z := gorgonia.NodeFromAny(g, value([]float64{5, 6, 7, 8}, 2, 2), gorgonia.WithName("z"))
		y, err := Apply(axpy(3), x, z)
		if err != nil {
			t.Fatal(err)
		}
		if d := y.Op().(*Op).DiffWRT(2); fmt.Sprint(d) != "[true false]" {
			t.Errorf("DiffWRT = %v, want [true false]", d)
		}
		loss, err := gorgonia.Sum(y)
		if err != nil {
			t.Fatal(err)
		}
		var m gorgonia.VM
		if lisp {
			m = gorgonia.NewLispMachine(g)
		} else {
			if _, err := gorgonia.Grad(loss, x); err != nil {
				t.Fatal(err)
			}
			m = gorgonia.NewTapeMachine(g)
		}
		if err := m.RunAll(); err != nil {
			t.Fatalf("lisp %v: %v", lisp, err)
		}
		dx, err := x.Grad()
		if err != nil || fmt.Sprint(dx.Data()) != "[3 3 3 3]" {
			t.Errorf("lisp %v: dL/dx %v, %v; want [3 3 3 3]", lisp, dx, err)
		}
		m.Close()
	}
	noGrad := &OpSpec{Name: "NoGrad", In: []Input{{Name: "x", Rank: 1}}, OutRank: 1}
	if d := New(noGrad).DiffWRT(1); d != nil {
		t.Errorf("an op without Grad: DiffWRT = %v, want none", d)
	}
}

func TestOpHashes(t *testing.T) {
	seen := map[uint32]string{}
	for _, op := range []*Op{New(axpy(1)), New(axpy(2)), New(&OpSpec{Name: "Axpy"}), New(&OpSpec{Name: "Other"})} {
		h := op.Hashcode()
		if prev, dup := seen[h]; dup {
			t.Errorf("%v and %s share hash %x", op, prev, h)
		}
		seen[h] = op.String()
	}
	if a, b := New(axpy(1)), New(axpy(1)); a.Hashcode() != b.Hashcode() {
		t.Error("two ops of equal specs hash differently; they must merge")
	}
	unique := &OpSpec{Name: "Copy", Unique: true}
	if a, b := New(unique), New(unique); a.Hashcode() == b.Hashcode() {
		t.Error("two ops of a Unique spec share a hash")
	}
	if s := New(axpy(2)).String(); s != "Axpy(2)" {
		t.Errorf("String = %q, want Axpy(2)", s)
	}
}

// sumForward is the test op Sum: x[0] + x[1] + s.
func sumForward[T Float](a Args[T]) { a.Out[0] = a.In[0][0] + a.In[0][1] + a.In[1][0] }

// A scalar result comes back as a Gorgonia scalar; a scalar operand is read as one.
func TestOpScalars(t *testing.T) {
	sum := &OpSpec{
		Name:    "Sum",
		In:      []Input{{Name: "x", Rank: 1}, {Name: "s", Rank: 0}},
		OutRank: 0,
		Shape:   func([]tensor.Shape) (tensor.Shape, error) { return tensor.ScalarShape(), nil },
		Forward: Floats(sumForward, sumForward),
	}
	y, err := New(sum).Do(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2})), gorgonia.NewF32(4))
	if f, ok := y.(*gorgonia.F32); err != nil || !ok || *f != 7 {
		t.Errorf("Do = %v (%T), %v; want the float32 scalar 7", y, y, err)
	}
}
