//go:build cuda

package graph

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"

	"gorgonia.org/cu"
	"gorgonia.org/gorgonia"
)

// CUDABuild reports whether this binary was built with the cuda tag.
const CUDABuild = true

// numGPUs is the number of CUDA devices the driver reports (0 on error).
func numGPUs() int {
	n, err := cu.NumDevices()
	if err != nil {
		return 0
	}
	return n
}

// kernelsPTX is cuda/kernels.cu compiled to PTX by `make cuda` (never committed).
//
//go:embed cudaptx/kernels.ptx
var kernelsPTX string

// ptxModule is the module name of the project's kernels in Gorgonia's CUDA library.
const ptxModule = "d2lconv"

var (
	registerOnce sync.Once
	registerErr  error
	entryRE      = regexp.MustCompile(`\.entry\s+([A-Za-z_][A-Za-z0-9_]*)`)
)

// registerKernels adds the project's kernels to Gorgonia's CUDA library, which every
// machine made afterwards loads. $CONVNETS_PTX names a PTX file to use instead of the
// one built into the binary (scripts/gpu-check.sh uses it for nvcc's).
func registerKernels() error {
	registerOnce.Do(func() {
		src := kernelsPTX
		if p := os.Getenv("CONVNETS_PTX"); p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				registerErr = fmt.Errorf("CONVNETS_PTX: %w", err)
				return
			}
			src = string(b)
		}
		var funcs []string
		for _, m := range entryRE.FindAllStringSubmatch(src, -1) {
			funcs = append(funcs, m[1])
		}
		if len(funcs) == 0 {
			registerErr = errors.New("the PTX holds no kernels: rebuild with `make cuda`")
			return
		}
		gorgonia.AddToStdLib(ptxModule, src, funcs)
	})
	return registerErr
}

// newTapeMachine returns a TapeMachine. Gorgonia runs every op with a CUDA version on
// device 0 (see SetDevice); the project's kernels are registered first.
func newTapeMachine(g *gorgonia.ExprGraph, dev Device, opts []gorgonia.VMOpt) (gorgonia.VM, error) {
	if dev.gpu {
		if err := registerKernels(); err != nil {
			return nil, fmt.Errorf("loading the CUDA kernels: %w", err)
		}
		if dev.index != 0 {
			return nil, fmt.Errorf("device %v: Gorgonia's machine runs on cuda:0 only", dev)
		}
	}
	return gorgonia.NewTapeMachine(g, opts...), nil
}
