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
// computed by gonum's diff/fd package. Inputs are float64 so that h can be small.
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
// finite difference by more than tol·max(1, |fd|). seed fixes the reduction weights.
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
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	loss := y
	if !y.IsScalar() {
		w := tensor.New(tensor.WithShape(y.Shape().Clone()...), tensor.Of(tensor.Float64))
		for j, wd := 0, w.Data().([]float64); j < len(wd); j++ {
			wd[j] = rng.Float64()*2 - 1
		}
		wn := gorgonia.NodeFromAny(g, w, gorgonia.WithName("gradcheck_weights"))
		prod, err := gorgonia.HadamardProd(y, wn)
		if err != nil {
			return fmt.Errorf("gradcheck: weighting the output: %w", err)
		}
		if loss, err = gorgonia.Sum(prod); err != nil {
			return fmt.Errorf("gradcheck: summing the output: %w", err)
		}
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
	symbolic := make([][]float64, len(nodes))
	for i, gn := range grads {
		v, ok := gn.Value().Data().([]float64)
		if !ok {
			if s, isScalar := gn.Value().Data().(float64); isScalar {
				v = []float64{s}
			} else {
				return fmt.Errorf("gradcheck: gradient %d has data %T", i, gn.Value().Data())
			}
		}
		symbolic[i] = append([]float64(nil), v...)
	}

	var runErr error
	for i := range nodes {
		x0 := append([]float64(nil), data[i]...)
		eval := func(x []float64) float64 {
			copy(data[i], x)
			m.Reset()
			if err := m.RunAll(); err != nil && runErr == nil {
				runErr = err
			}
			return lossVal.Data().(float64)
		}
		numeric := fd.Gradient(nil, eval, x0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		copy(data[i], x0)
		if runErr != nil {
			return fmt.Errorf("gradcheck: re-running the graph: %w", runErr)
		}
		if len(numeric) != len(symbolic[i]) {
			return fmt.Errorf("gradcheck: input %d: %d symbolic gradient entries, %d inputs", i, len(symbolic[i]), len(numeric))
		}
		for j := range numeric {
			diff := math.Abs(numeric[j] - symbolic[i][j])
			if diff > tol*math.Max(1, math.Abs(numeric[j])) || math.IsNaN(symbolic[i][j]) {
				return fmt.Errorf("gradcheck: input %d element %d: symbolic %.9g, finite difference %.9g (|diff| %.3g > tol %.3g)",
					i, j, symbolic[i][j], numeric[j], diff, tol)
			}
		}
	}
	return nil
}

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
