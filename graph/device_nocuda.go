//go:build !cuda

package graph

import "gorgonia.org/gorgonia"

// CUDABuild reports whether this binary was built with the cuda tag.
const CUDABuild = false

// numGPUs is 0: this build has no CUDA support.
func numGPUs() int { return 0 }

// newTapeMachine returns a CPU TapeMachine; dev is always the CPU in this build.
func newTapeMachine(g *gorgonia.ExprGraph, _ Device, opts []gorgonia.VMOpt) (gorgonia.VM, error) {
	return gorgonia.NewTapeMachine(g, opts...), nil
}

// onGPU returns op unchanged: this build has no GPU versions.
func onGPU(op gorgonia.Op) gorgonia.Op { return op }
