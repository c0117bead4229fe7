package device

import (
	"errors"
	"fmt"

	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/internal/opkit"
)

// NewMachineFor is NewMachine for the part of a graph that the outputs need: it compiles
// only the outputs and the nodes they depend on (gorgonia.CompileFunction), so that the
// machine skips everything else in the graph. Pass as outputs the nodes whose values the
// caller reads (the loss, the nodes returned by gorgonia.Read, the gradients that
// gorgonia.Grad returned for the parameters).
//
// gorgonia.Grad builds a gradient node for every differentiable input of every op on the
// path to the parameters, including inputs that are data: the first convolution's
// dL/dx (an im2col-sized product and a col2im per batch) is such a node, which
// NewTapeMachine on the whole graph computes and throws away at every step.
//
// The outputs must be non-nil nodes of one graph; dev and opts are those of NewMachine.
func NewMachineFor(outputs []*gorgonia.Node, dev Device, opts ...gorgonia.VMOpt) (vm gorgonia.VM, err error) {
	const op = "graph: NewMachineFor"
	if len(outputs) == 0 {
		return nil, errors.New(op + ": no outputs; pass the nodes whose values you read")
	}
	for i, n := range outputs {
		if n == nil {
			return nil, fmt.Errorf("%s: output %d is nil", op, i)
		}
		if n.Graph() != outputs[0].Graph() {
			return nil, fmt.Errorf("%s: output %d (%s) belongs to another graph than output 0", op, i, n.Name())
		}
	}
	g := outputs[0].Graph()
	if g == nil {
		return nil, errors.New(op + ": the outputs belong to no graph")
	}
	if dev.gpu {
		// gorgonia.CompileFunction leaves the program's GPU memory sizes unset, and a
		// CUDA machine made from it has no device to allocate on ("Unable to allocate
		// 24 bytes from GPU(0) | NoOp"): compile the whole graph for a GPU.
		return NewMachine(g, dev, opts...)
	}
	defer opkit.Recover("NewMachineFor", &err)
	inputs := g.ExactSubgraphRoots(outputs...).Inputs()
	prog, locMap, err := gorgonia.CompileFunction(g, inputs, outputs)
	if err != nil {
		return nil, fmt.Errorf("%s: compiling: %w", op, err)
	}
	return newMachine(g, dev, len(opts) == 0, append(opts[:len(opts):len(opts)], gorgonia.WithPrecompiled(prog, locMap))...)
}
