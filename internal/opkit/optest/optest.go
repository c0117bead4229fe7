// Package optest is the test harness of the project's ops: it builds an expression on
// nodes holding given values, runs it, and compares what comes out.
//
// Check runs the whole battery on one op:
//
//   - values against a reference computed independently of the op, in float64 and
//     float32;
//   - gradients against central finite differences in float64 (internal/gradcheck);
//   - float32 gradients against float64 ones;
//   - the LispMachine's gradients (DoDiff) against the TapeMachine's (SymDiff);
//   - outputs and gradients for several GOMAXPROCS against GOMAXPROCS 1, bit for bit.
//
// The pieces (Run, Grads, Close, Errors, ...) serve the tests that check more
// particular things: the chapter's printed numbers, ties, NaNs, error messages.
package optest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/gradcheck"
)

// Func builds the expression under test on input nodes (gradcheck.Func).
type Func = gradcheck.Func

// GradCheck returns an error naming the first gradient entry of f at the float64
// inputs that differs from the central finite difference by more than
// tol·max(1, |fd|) (gradcheck.Check).
func GradCheck(inputs []*tensor.Dense, f Func, tol float64, seed uint64) error {
	return gradcheck.Check(inputs, f, tol, seed)
}

// RandomTensor returns a float64 tensor of the given shape with entries uniform in
// [-1, 1), drawn from a generator seeded with seed (gradcheck.Random).
func RandomTensor(seed uint64, shape ...int) *tensor.Dense { return gradcheck.Random(seed, shape...) }

// Dtypes are the dtypes every op computes in.
var Dtypes = []tensor.Dtype{tensor.Float64, tensor.Float32}

// Dense returns a tensor of dtype dt and the given shape holding vals (converted).
func Dense(dt tensor.Dtype, vals []float64, shape ...int) *tensor.Dense {
	if dt == tensor.Float32 {
		v := make([]float32, len(vals))
		for i, x := range vals {
			v[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), vals...)))
}

// Arange returns start, start+1, ..., start+n-1.
func Arange(n int, start float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = start + float64(i)
	}
	return v
}

// Random returns n values uniform in [-1, 1) from a generator seeded with seed.
func Random(seed uint64, n int) []float64 { return Uniform(seed, n, 1) }

// Uniform returns n values uniform in [-a, a), Random's scaled by a.
func Uniform(seed uint64, n int, a float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	v := make([]float64, n)
	for i := range v {
		v[i] = (rng.Float64()*2 - 1) * a
	}
	return v
}

// Floats returns a value's entries as float64.
func Floats(t testing.TB, v gorgonia.Value) []float64 {
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

// Node returns an input node of g with the given name, dtype and shape, and no value.
func Node(g *gorgonia.ExprGraph, name string, dt tensor.Dtype, shape ...int) *gorgonia.Node {
	return gorgonia.NewTensor(g, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name))
}

// Nodes puts a copy of each input into g as a uniquely named node.
func Nodes(g *gorgonia.ExprGraph, inputs []*tensor.Dense) []*gorgonia.Node {
	nodes := make([]*gorgonia.Node, len(inputs))
	for i, in := range inputs {
		nodes[i] = gorgonia.NodeFromAny(g, in.Clone().(*tensor.Dense), gorgonia.WithName(fmt.Sprintf("optest_in%d", i)))
	}
	return nodes
}

// Run builds f on nodes holding inputs, runs it on a TapeMachine and returns the
// output's entries and shape.
func Run(t testing.TB, f Func, inputs ...*tensor.Dense) ([]float64, tensor.Shape) {
	t.Helper()
	g := gorgonia.NewGraph()
	y, err := f(g, Nodes(g, inputs))
	if err != nil {
		t.Fatalf("building: %v", err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatalf("running: %v", err)
	}
	return Floats(t, y.Value()), y.Shape()
}

// Machine is one of Gorgonia's machines.
type Machine int

const (
	// Tape is the TapeMachine, with gorgonia.Grad's gradient graph (the ops' SymDiff).
	Tape Machine = iota
	// Lisp is the LispMachine, which differentiates as it goes (the ops' DoDiff).
	Lisp
)

// Grads returns the gradients of sum(y ⊙ w) with respect to every input, w drawn from
// seed (Random), computed by machine m in the inputs' dtype.
func Grads(t testing.TB, m Machine, f Func, seed uint64, inputs ...*tensor.Dense) [][]float64 {
	t.Helper()
	_, g := gradients(t, m, f, &seed, inputs)
	return g
}

// SumGrads returns the output of f on inputs and the gradients of the plain sum of
// its entries with respect to every input, computed by the TapeMachine in the inputs'
// dtype: the gradients to work out by hand.
func SumGrads(t testing.TB, f Func, inputs ...*tensor.Dense) ([]float64, [][]float64) {
	t.Helper()
	return gradients(t, Tape, f, nil, inputs)
}

// gradients builds f on inputs, reduces its output y to sum(y ⊙ w) (w drawn from *seed)
// or sum(y) (seed nil), differentiates with machine m and returns y and the gradients.
func gradients(t testing.TB, m Machine, f Func, seed *uint64, inputs []*tensor.Dense) ([]float64, [][]float64) {
	t.Helper()
	g := gorgonia.NewGraph()
	nodes := Nodes(g, inputs)
	y, err := f(g, nodes)
	if err != nil {
		t.Fatalf("building: %v", err)
	}
	loss := y
	if seed != nil && !y.IsScalar() {
		w := gorgonia.NodeFromAny(g, Dense(y.Dtype(), Random(*seed, y.Shape().TotalSize()), y.Shape()...), gorgonia.WithName("optest_weights"))
		if loss, err = gorgonia.HadamardProd(y, w); err != nil {
			t.Fatalf("weighting: %v", err)
		}
	}
	if !loss.IsScalar() {
		if loss, err = gorgonia.Sum(loss); err != nil {
			t.Fatalf("summing: %v", err)
		}
	}
	var yv gorgonia.Value
	gorgonia.Read(y, &yv)
	var vm gorgonia.VM
	switch m {
	case Tape:
		if _, err := gorgonia.Grad(loss, nodes...); err != nil {
			t.Fatalf("Grad: %v", err)
		}
		vm = gorgonia.NewTapeMachine(g)
	case Lisp:
		vm = gorgonia.NewLispMachine(g)
	default:
		t.Fatalf("unknown machine %d", m)
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
		out[i] = Floats(t, d)
	}
	return Floats(t, yv), out
}

// MaxDiff returns the largest |a[i]-b[i]| (NaN if either holds a NaN), and an error if
// the lengths differ.
func MaxDiff(a, b []float64) (float64, error) {
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

// Close fails the test unless got equals want within tol in every entry.
func Close(t testing.TB, name string, got, want []float64, tol float64) {
	t.Helper()
	d, err := MaxDiff(got, want)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !(d <= tol) {
		t.Errorf("%s: max |diff| %.3g > %.3g\n got %v\nwant %v", name, d, tol, got, want)
	}
}

// ErrorCase is one bad input to a graph-building function and the message it must give.
type ErrorCase struct {
	Name string
	Call func(g *gorgonia.ExprGraph) (*gorgonia.Node, error)
	Want string
}

// Bad returns the ErrorCase of call, which must fail with a message containing want.
func Bad(name string, call func(g *gorgonia.ExprGraph) (*gorgonia.Node, error), want string) ErrorCase {
	return ErrorCase{Name: name, Call: call, Want: want}
}

// Errors runs each case on a fresh graph and fails the test unless it returns an error
// containing Want, without a node and without panicking.
func Errors(t testing.TB, cases []ErrorCase) {
	t.Helper()
	for i, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("case %d %s: panicked: %v", i, c.Name, r)
				}
			}()
			y, err := c.Call(gorgonia.NewGraph())
			if err == nil {
				t.Errorf("case %d %s: no error (result %v)", i, c.Name, y)
				return
			}
			if y != nil {
				t.Errorf("case %d %s: a node came back with the error", i, c.Name)
			}
			if !strings.Contains(err.Error(), c.Want) {
				t.Errorf("case %d %s: error %q, want it to contain %q", i, c.Name, err, c.Want)
			}
		}()
	}
}

// Procs runs f on inputs with GOMAXPROCS 1 and then with each of procs, and fails the
// test unless the outputs and the gradients (Grads with seed) are the same bit for bit.
func Procs(t testing.TB, name string, f Func, seed uint64, procs []int, inputs ...*tensor.Dense) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	want, _ := Run(t, f, inputs...)
	wantG := Grads(t, Tape, f, seed, inputs...)
	for _, p := range procs {
		runtime.GOMAXPROCS(p)
		got, _ := Run(t, f, inputs...)
		gotG := Grads(t, Tape, f, seed, inputs...)
		Close(t, fmt.Sprintf("%s GOMAXPROCS %d: output", name, p), got, want, 0)
		for i := range wantG {
			Close(t, fmt.Sprintf("%s GOMAXPROCS %d: gradient %d", name, p, i), gotG[i], wantG[i], 0)
		}
	}
}
