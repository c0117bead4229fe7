package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Flatten reshapes x (n, d1, d2, ...) to (n, d1·d2·...), keeping the batch dimension, as
// gorgonia.Reshape would; its gradient reshapes back. Being an op of the project's own,
// it also has a GPU version (see SetDevice), where Gorgonia's reshape would place itself
// on the GPU whatever the device of the rest of the graph.
func Flatten(x *gorgonia.Node) (out *gorgonia.Node, err error) {
	const name = "graph: Flatten"
	if x == nil {
		return nil, fmt.Errorf("%s: nil input", name)
	}
	s := x.Shape()
	if s.Dims() < 2 {
		return nil, fmt.Errorf("%s: input has shape %v; want at least 2 dimensions (n, ...)", name, s)
	}
	op := reshapeOp{from: s.Clone(), to: tensor.Shape{s[0], s.TotalSize() / s[0]}, out: new(resultCache)}
	defer recoverGorgonia(name, &err)
	if out, err = gorgonia.ApplyOp(place(x.Graph(), op), x); err != nil {
		return nil, fmt.Errorf("%s: x %v: %w", name, s, err)
	}
	return out, nil
}

// reshapeOp copies its input into a tensor of another shape with as many elements.
type reshapeOp struct {
	from, to tensor.Shape
	out      *resultCache
}

var (
	_ gorgonia.SDOp            = reshapeOp{}
	_ gorgonia.UsePreallocDoer = reshapeOp{}
)

// Arity is 1.
func (op reshapeOp) Arity() int { return 1 }

// Type maps a tensor of from's rank to one of to's rank.
func (op reshapeOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: op.from.Dims(), Of: a}, gorgonia.TensorType{Dims: op.to.Dims(), Of: a})
}

// InferShape returns to.
func (op reshapeOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 1", op, len(in))
	}
	if s, ok := in[0].(tensor.Shape); !ok || !s.Eq(op.from) {
		return nil, fmt.Errorf("%v: input shape %v, want %v", op, in[0], op.from)
	}
	return op.to.Clone(), nil
}

// Do copies the input into the op's cached memory.
func (op reshapeOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo copies the input into prealloc.
func (op reshapeOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op reshapeOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d inputs, want 1", op, len(in))
	}
	x, err := convInput(op, in[0], 0, op.from.Dims())
	if err != nil {
		return nil, err
	}
	if !x.Shape().Eq(op.from) {
		return nil, fmt.Errorf("%v: input shape %v, want %v", op, x.Shape(), op.from)
	}
	y, err := convOutput(op, prealloc, op.out, x.Dtype(), op.to)
	if err != nil {
		return nil, err
	}
	switch yd := y.Data().(type) {
	case []float32:
		copy(yd, x.Data().([]float32))
	case []float64:
		copy(yd, x.Data().([]float64))
	}
	return y, nil
}

// ReturnsPtr is false: the result is a new value.
func (op reshapeOp) ReturnsPtr() bool { return false }

// CallsExtern is false: pure Go.
func (op reshapeOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the input is left untouched.
func (op reshapeOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op reshapeOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op reshapeOp) Hashcode() uint32 { return hashOf(op) }

func (op reshapeOp) String() string { return fmt.Sprintf("Reshape%v->%v", op.from, op.to) }

// DiffWRT says the op is differentiable in its input.
func (op reshapeOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff reshapes dL/dy back to the input's shape.
func (op reshapeOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff got %d inputs, want 1", op, len(inputs))
	}
	back := reshapeOp{from: op.to.Clone(), to: op.from.Clone(), out: new(resultCache)}
	dx, err := gorgonia.ApplyOp(place(grad.Graph(), back), grad)
	if err != nil {
		return nil, fmt.Errorf("%v: dL/dx: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}
