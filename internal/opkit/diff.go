package opkit

import (
	"fmt"
	"slices"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// DoDiff is the LispMachine's backward pass. It evaluates the op's Grad on the values
// at hand, in a graph of its own holding the operands, the result and dL/dy as
// constants, and adds each gradient to its operand's derivative value. The one Grad
// thus serves both of Gorgonia's machines.
func (op *Op) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	if op.spec.Grad == nil {
		return op.errorf("not differentiable")
	}
	if len(inputs) != len(op.spec.In) {
		return op.errorf("gradient: want %d inputs, got %d", len(op.spec.In), len(inputs))
	}
	dyv, err := output.Grad()
	if err != nil {
		return op.errorf("reading the output's derivative: %w", err)
	}
	g := gorgonia.NewGraph()
	in := make(gorgonia.Nodes, len(inputs))
	for i, n := range inputs {
		if in[i], err = constant(g, fmt.Sprintf("in%d", i), n.Value(), op.spec.In[i].Rank); err != nil {
			return op.errorf("%s: %w", op.spec.In[i].Name, err)
		}
	}
	out, err := constant(g, "out", output.Value(), op.spec.OutRank)
	if err != nil {
		return op.errorf("result: %w", err)
	}
	dy, err := constant(g, "dy", dyv, op.spec.OutRank)
	if err != nil {
		return op.errorf("output's derivative: %w", err)
	}
	grads, err := op.spec.Grad(in, out, dy)
	if err != nil {
		return op.errorf("gradient: %w", err)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		return op.errorf("gradient: %w", err)
	}
	for i, n := range inputs {
		if i >= len(grads) || grads[i] == nil || op.spec.In[i].Data {
			continue
		}
		d, err := n.Grad()
		if err != nil {
			return op.errorf("reading the derivative of %s: %w", op.spec.In[i].Name, err)
		}
		if err := addInto(d, grads[i].Value()); err != nil {
			return op.errorf("%s: %w", op.spec.In[i].Name, err)
		}
	}
	return nil
}

// constant returns a node of g holding a copy of v with the given rank (a one-element
// value of another rank is reshaped, see view).
func constant(g *gorgonia.ExprGraph, name string, v gorgonia.Value, rank int) (*gorgonia.Node, error) {
	if valueDtype(v) == tensor.Float32 {
		return constantOf[float32](g, name, v, rank)
	}
	return constantOf[float64](g, name, v, rank)
}

// constantOf is constant for a value of dtype T.
func constantOf[T Float](g *gorgonia.ExprGraph, name string, v gorgonia.Value, rank int) (*gorgonia.Node, error) {
	data, shape, _, err := view(v, rank, make([]T, 1), new(tensor.Shape))
	if err != nil {
		return nil, err
	}
	if rank == 0 {
		return gorgonia.NewScalar(g, dtypeOf[T](), gorgonia.WithName(name), gorgonia.WithValue(data[0])), nil
	}
	val := tensor.New(tensor.WithShape(shape.Clone()...), tensor.WithBacking(slices.Clone(data)))
	return gorgonia.NodeFromAny(g, val, gorgonia.WithName(name)), nil
}
