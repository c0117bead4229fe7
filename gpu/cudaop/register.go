//go:build cuda

package cudaop

import (
	"fmt"
	"runtime"

	"gorgonia.org/cu"

	"github.com/d2l-go/convnets/internal/opkit"
)

func init() {
	opkit.SetGPU(opkit.GPU{Version: version, Devices: devices, Ready: ready})
}

// devices is the number of CUDA devices the driver reports (0 on error).
func devices() int {
	n, err := cu.NumDevices()
	if err != nil {
		return 0
	}
	return n
}

// ready loads the project's kernels and readies device i for a TapeMachine. Gorgonia
// runs every op with a CUDA version on device 0, and its CUDA machines create their
// contexts on the calling thread and expect later calls from it, so ready locks the
// calling goroutine, which must also run the machine, to its OS thread.
func ready(i int) error {
	if err := LoadKernels(); err != nil {
		return fmt.Errorf("loading the CUDA kernels: %w", err)
	}
	if i != 0 {
		return fmt.Errorf("device cuda:%d: Gorgonia's machine runs on cuda:0 only", i)
	}
	runtime.LockOSThread()
	return nil
}
