//go:build !cuda

package device

import "gorgonia.org/gorgonia"

// numGPUs is 0: this build has no CUDA support.
func numGPUs() int { return 0 }

// newTapeMachine returns a CPU TapeMachine; dev is always the CPU in this build.
func newTapeMachine(g *gorgonia.ExprGraph, _ Device, opts []gorgonia.VMOpt) (gorgonia.VM, error) {
	return gorgonia.NewTapeMachine(g, opts...), nil
}
