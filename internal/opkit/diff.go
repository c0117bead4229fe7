package opkit

import (
	"fmt"

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
	out, err := constant(g, "out", output.Value(), op.spec.Out)
	if err != nil {
		return op.errorf("result: %w", err)
	}
	dy, err := constant(g, "dy", dyv, op.spec.Out)
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
// value of another rank is reshaped, see operandOf).
func constant(g *gorgonia.ExprGraph, name string, v gorgonia.Value, rank int) (*gorgonia.Node, error) {
	o, err := operandOf(v, rank)
	if err != nil {
		return nil, err
	}
	var val any
	switch d := o.data.(type) {
	case []float32:
		val = tensor.New(tensor.WithShape(o.shape.Clone()...), tensor.WithBacking(append([]float32(nil), d...)))
		if rank == 0 {
			val = d[0]
		}
	case []float64:
		val = tensor.New(tensor.WithShape(o.shape.Clone()...), tensor.WithBacking(append([]float64(nil), d...)))
		if rank == 0 {
			val = d[0]
		}
	}
	if rank == 0 {
		return gorgonia.NewScalar(g, valueDtype(v), gorgonia.WithName(name), gorgonia.WithValue(val)), nil
	}
	return gorgonia.NodeFromAny(g, val, gorgonia.WithName(name)), nil
}
