package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ToHost returns a node holding a copy of x in host memory, for reading after a run:
// on the CPU a plain copy; in a graph set to a GPU (SetDevice) the op has no GPU
// version, so Gorgonia's machine copies x from the device before it. Pass the result
// to NewMachineFor as an output and read its Value after RunAll. x must be a float32
// or float64 tensor; ToHost is not differentiable (build it after gorgonia.Grad).
//
// It stands in for gorgonia.Read, which in a build with the cuda tag emits a "free" of
// a register that does not exist (the zero register is GPU 0's there, not the CPU's)
// and panics on a CPU machine.
func ToHost(x *gorgonia.Node) (out *gorgonia.Node, err error) {
	const name = "graph: ToHost"
	if x == nil {
		return nil, fmt.Errorf("%s: nil input", name)
	}
	if x.Shape().Dims() == 0 {
		return nil, fmt.Errorf("%s: %s is a scalar; pass it to NewMachineFor as an output and read its Value", name, x.Name())
	}
	defer recoverGorgonia(name, &err)
	if out, err = gorgonia.ApplyOp(hostCopyOp{dims: x.Shape().Dims(), out: new(resultCache)}, x); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// hostCopyOp copies a tensor; it runs on the CPU only.
type hostCopyOp struct {
	dims int
	out  *resultCache
}

// Arity is 1.
func (op hostCopyOp) Arity() int { return 1 }

// Type is a tensor to a tensor of the same rank and dtype.
func (op hostCopyOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

// InferShape returns the input's shape.
func (op hostCopyOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 1", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input shape %v", op, in[0])
	}
	return s.Clone(), nil
}

// Do copies the input into the op's cached memory.
func (op hostCopyOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d inputs, want 1", op, len(in))
	}
	x, err := convInput(op, in[0], 0, op.dims)
	if err != nil {
		return nil, err
	}
	y := op.out.dense(x.Dtype(), x.Shape())
	switch yd := y.Data().(type) {
	case []float32:
		copy(yd, x.Data().([]float32))
	case []float64:
		copy(yd, x.Data().([]float64))
	}
	return y, nil
}

// ReturnsPtr is false: the result is a new value.
func (op hostCopyOp) ReturnsPtr() bool { return false }

// CallsExtern is false: pure Go, on the host.
func (op hostCopyOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the input is left untouched.
func (op hostCopyOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description; every ToHost node is distinct.
func (op hostCopyOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.ToHost%p", op.out) }

// Hashcode hashes the description.
func (op hostCopyOp) Hashcode() uint32 { return hashOf(op) }

func (op hostCopyOp) String() string { return "ToHost" }
