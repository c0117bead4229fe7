package graph

import (
	"sync"

	"gorgonia.org/gorgonia"
)

// placements records the device of each graph given to SetDevice.
var placements sync.Map // *gorgonia.ExprGraph → Device

// SetDevice says that the project's ops built in g from now on (and the gradient ops
// that gorgonia.Grad builds from them) are to run on dev. Gorgonia decides where an op
// runs from its type alone (an op with a CUDA implementation runs on the GPU), so the
// choice is made when the graph is built, not when the machine is made: in a binary
// built with the cuda tag, the ops of a graph set to a GPU are the GPU versions of the
// same ops (same inputs, outputs and gradients; see the package doc, "GPU"), and every
// other graph keeps the CPU versions. Without the cuda tag SetDevice records the device
// and changes nothing else. Call it right after gorgonia.NewGraph.
func SetDevice(g *gorgonia.ExprGraph, dev Device) {
	if g == nil {
		return
	}
	if dev == CPU {
		placements.Delete(g)
		return
	}
	placements.Store(g, dev)
}

// DeviceOf returns the device given to SetDevice for g: the CPU if none was.
func DeviceOf(g *gorgonia.ExprGraph) Device {
	if d, ok := placements.Load(g); ok {
		return d.(Device)
	}
	return CPU
}

// place returns op, or its GPU version when g is set to a GPU and this build has one.
func place(g *gorgonia.ExprGraph, op gorgonia.Op) gorgonia.Op {
	if g == nil || !DeviceOf(g).gpu {
		return op
	}
	return onGPU(op)
}
