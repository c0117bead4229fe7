package device

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// ToHost returns a node holding a copy of x in host memory, for reading after a run:
// on the CPU a plain copy; in a graph set to a GPU (SetDevice) the op has no GPU
// version, so Gorgonia's machine copies x from the device before it. Pass the result
// to NewMachineFor as an output and read its Value after RunAll. x must be a float32
// or float64 tensor; the copy's gradient is the identity. Every ToHost node is distinct,
// so two copies of one node are never merged.
//
// It stands in for gorgonia.Read, which in a build with the cuda tag emits a "free" of
// a register that does not exist (the zero register is GPU 0's there, not the CPU's)
// and panics on a CPU machine.
func ToHost(x *gorgonia.Node) (*gorgonia.Node, error) {
	dims := 1
	if x != nil {
		if dims = x.Shape().Dims(); dims == 0 {
			return nil, fmt.Errorf("graph: ToHost: %s is a scalar; pass it to NewMachineFor as an output and read its Value", x.Name())
		}
	}
	return opkit.Apply(&opkit.OpSpec{
		Name:    "ToHost",
		In:      []opkit.Input{{Name: "x", Rank: dims}},
		OutRank: dims,
		Shape:   func(s []tensor.Shape) (tensor.Shape, error) { return s[0].Clone(), nil },
		Forward: opkit.Copy,
		Grad: func(_ gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			return gorgonia.Nodes{dy}, nil
		},
		Unique: true,
	}, x)
}
