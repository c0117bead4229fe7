// Package gradcheck compares the gradients Gorgonia computes symbolically with central
// finite differences. Every differentiable op of the project is checked with it.
//
// The check reduces the op's output y to a scalar with fixed random weights w,
//
//	L = sum(w ⊙ y)
//
// so that every output element contributes, and compares dL/dx for every input x with
//
//	(L(x + h·e_i) - L(x - h·e_i)) / 2h
//
// computed by gonum's diff/fd package. Inputs are float64 so that h can be small. A NaN
// or an infinity on either side fails the check: a comparison with NaN is never "too
// far", so without that rule an expression whose value is NaN would pass.
package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/diff/fd"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Func builds the expression under test from input nodes that hold the inputs' values.
type Func func(g *gorgonia.ExprGraph, inputs []*gorgonia.Node) (*gorgonia.Node, error)

// Check builds f on fresh Float64 nodes holding copies of inputs and returns an error
// naming the first input and element whose symbolic gradient differs from the central
// finite difference by more than tol·max(1, |fd|), or where either is NaN or infinite.
// seed fixes the reduction weights.
func Check(inputs []*tensor.Dense, f Func, tol float64, seed uint64) error {
	if len(inputs) == 0 {
		return errors.New("gradcheck: no inputs")
	}
	g := gorgonia.NewGraph()
	nodes := make([]*gorgonia.Node, len(inputs))
	data := make([][]float64, len(inputs))
	for i, in := range inputs {
		if in.Dtype() != tensor.Float64 {
			return fmt.Errorf("gradcheck: input %d is %v; use Float64", i, in.Dtype())
		}
		c := in.Clone().(*tensor.Dense)
		data[i] = c.Data().([]float64)
		nodes[i] = gorgonia.NodeFromAny(g, c, gorgonia.WithName(fmt.Sprintf("gradcheck_in%d", i)))
	}
	y, err := f(g, nodes)
	if err != nil {
		return fmt.Errorf("gradcheck: building the expression: %w", err)
	}
	loss, err := weightedSum(g, y, seed)
	if err != nil {
		return err
	}
	grads, err := gorgonia.Grad(loss, nodes...)
	if err != nil {
		return fmt.Errorf("gradcheck: symbolic gradient: %w", err)
	}
	var lossVal gorgonia.Value
	gorgonia.Read(loss, &lossVal)
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		return fmt.Errorf("gradcheck: running the graph: %w", err)
	}
	symbolic, err := gradValues(grads)
	if err != nil {
		return err
	}
	for i := range nodes {
		numeric, err := finiteDifference(m, data[i], &lossVal)
		if err != nil {
			return err
		}
		if err := compare(i, symbolic[i], numeric, tol); err != nil {
			return err
		}
	}
	return nil
}

// weightedSum returns sum(w ⊙ y) with w uniform in [-1, 1) drawn from seed, or y itself
// when it is already a scalar.
func weightedSum(g *gorgonia.ExprGraph, y *gorgonia.Node, seed uint64) (*gorgonia.Node, error) {
	if y.IsScalar() {
		return y, nil
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	w := tensor.New(tensor.WithShape(y.Shape().Clone()...), tensor.Of(tensor.Float64))
	for j, wd := 0, w.Data().([]float64); j < len(wd); j++ {
		wd[j] = rng.Float64()*2 - 1
	}
	wn := gorgonia.NodeFromAny(g, w, gorgonia.WithName("gradcheck_weights"))
	prod, err := gorgonia.HadamardProd(y, wn)
	if err != nil {
		return nil, fmt.Errorf("gradcheck: weighting the output: %w", err)
	}
	loss, err := gorgonia.Sum(prod)
	if err != nil {
		return nil, fmt.Errorf("gradcheck: summing the output: %w", err)
	}
	return loss, nil
}

// gradValues copies the gradient nodes' values out of the machine, which reuses them on
// the next run.
func gradValues(grads gorgonia.Nodes) ([][]float64, error) {
	out := make([][]float64, len(grads))
	for i, gn := range grads {
		switch v := gn.Value().Data().(type) {
		case []float64:
			out[i] = append([]float64(nil), v...)
		case float64:
			out[i] = []float64{v}
		default:
			return nil, fmt.Errorf("gradcheck: gradient %d has data %T", i, v)
		}
	}
	return out, nil
}

// finiteDifference re-runs m with each element of x moved by ±h and returns the central
// differences of the loss read into lossVal; x holds its original values afterwards.
func finiteDifference(m gorgonia.VM, x []float64, lossVal *gorgonia.Value) ([]float64, error) {
	x0 := append([]float64(nil), x...)
	var runErr error
	eval := func(at []float64) float64 {
		copy(x, at)
		m.Reset()
		if err := m.RunAll(); err != nil && runErr == nil {
			runErr = err
		}
		return (*lossVal).Data().(float64)
	}
	numeric := fd.Gradient(nil, eval, x0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	copy(x, x0)
	if runErr != nil {
		return nil, fmt.Errorf("gradcheck: re-running the graph: %w", runErr)
	}
	return numeric, nil
}

// compare returns an error naming the first element of input i where the symbolic and
// numeric gradients are not both finite or differ by more than tol·max(1, |numeric|).
func compare(i int, symbolic, numeric []float64, tol float64) error {
	if len(numeric) != len(symbolic) {
		return fmt.Errorf("gradcheck: input %d: %d symbolic gradient entries, %d inputs", i, len(symbolic), len(numeric))
	}
	for j, n := range numeric {
		s := symbolic[j]
		if !finite(s) || !finite(n) {
			return fmt.Errorf("gradcheck: input %d element %d: symbolic %.9g, finite difference %.9g: not finite (is the expression defined at this input?)",
				i, j, s, n)
		}
		if diff := math.Abs(n - s); diff > tol*math.Max(1, math.Abs(n)) {
			return fmt.Errorf("gradcheck: input %d element %d: symbolic %.9g, finite difference %.9g (|diff| %.3g > tol %.3g)",
				i, j, s, n, diff, tol)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Random returns a Float64 tensor of the given shape with entries uniform in [-1, 1),
// drawn from a generator seeded with seed.
func Random(seed uint64, shape ...int) *tensor.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	for i, d := 0, t.Data().([]float64); i < len(d); i++ {
		d[i] = rng.Float64()*2 - 1
	}
	return t
}
