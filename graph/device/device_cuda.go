//go:build cuda

package device

import (
	"fmt"
	"runtime"

	"gorgonia.org/cu"
	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/internal/opkit"
)

// numGPUs is the number of CUDA devices the driver reports (0 on error).
func numGPUs() int {
	n, err := cu.NumDevices()
	if err != nil {
		return 0
	}
	return n
}

// newTapeMachine returns a TapeMachine. Gorgonia runs every op with a CUDA version on
// device 0 (see SetDevice); the project's kernels are loaded first. Gorgonia's CUDA
// machines create their contexts on the calling thread and expect later calls from it,
// so a machine for a GPU locks the calling goroutine, which must also run it, to its
// OS thread.
func newTapeMachine(g *gorgonia.ExprGraph, dev Device, opts []gorgonia.VMOpt) (gorgonia.VM, error) {
	if dev.gpu {
		if err := opkit.LoadKernels(); err != nil {
			return nil, fmt.Errorf("loading the CUDA kernels: %w", err)
		}
		if dev.index != 0 {
			return nil, fmt.Errorf("device %v: Gorgonia's machine runs on cuda:0 only", dev)
		}
		runtime.LockOSThread()
	}
	return gorgonia.NewTapeMachine(g, opts...), nil
}
