package graph

import (
	"fmt"
	"hash"

	"gorgonia.org/gorgonia"
)

// ToHost returns a node holding a copy of x in host memory, for reading after a run:
// on the CPU a plain copy; in a graph set to a GPU (SetDevice) the op has no GPU
// version, so Gorgonia's machine copies x from the device before it. Pass the result
// to NewMachineFor as an output and read its Value after RunAll. x must be a float32
// or float64 tensor; the copy's gradient is the identity.
//
// It stands in for gorgonia.Read, which in a build with the cuda tag emits a "free" of
// a register that does not exist (the zero register is GPU 0's there, not the CPU's)
// and panics on a CPU machine.
func ToHost(x *gorgonia.Node) (out *gorgonia.Node, err error) {
	const name = "graph: ToHost"
	if x == nil {
		return nil, fmt.Errorf("%s: nil input", name)
	}
	s := x.Shape()
	if s.Dims() == 0 {
		return nil, fmt.Errorf("%s: %s is a scalar; pass it to NewMachineFor as an output and read its Value", name, x.Name())
	}
	op := hostCopyOp{reshapeOp{from: s.Clone(), to: s.Clone(), out: new(resultCache)}}
	defer recoverGorgonia(name, &err)
	if out, err = gorgonia.ApplyOp(op, x); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// hostCopyOp is a reshape to the same shape, that is a copy, of a type of its own:
// onGPU has no GPU version of it, so it always runs on the host.
type hostCopyOp struct{ reshapeOp }

// WriteHash makes every ToHost node distinct, so that two copies of one node are not
// merged.
func (op hostCopyOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.ToHost%p", op.out) }

// Hashcode hashes the description.
func (op hostCopyOp) Hashcode() uint32 { return hashOf(op) }

func (op hostCopyOp) String() string { return "ToHost" }
