//go:build cuda

package cudaop

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"

	"gorgonia.org/gorgonia"
)

// kernelsPTX is gpu/kernels/kernels.cu compiled to PTX by `make cuda` (never committed).
//
//go:embed ptx/kernels.ptx
var kernelsPTX string

// ptxModule is the module name of the project's kernels in Gorgonia's CUDA library.
const ptxModule = "d2lconv"

var (
	loadOnce sync.Once
	loadErr  error
	entryRE  = regexp.MustCompile(`\.entry\s+([A-Za-z_][A-Za-z0-9_]*)`)
)

// LoadKernels adds the project's kernels to Gorgonia's CUDA library, which every
// machine made afterwards loads; device.NewMachine calls it before it makes a machine
// for a GPU. It does the work once. $CONVNETS_PTX names a PTX file to use instead of
// the one built into the binary (gpu/scripts/gpu-check.sh uses it for nvcc's).
func LoadKernels() error {
	loadOnce.Do(func() {
		src := kernelsPTX
		if p := os.Getenv("CONVNETS_PTX"); p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				loadErr = fmt.Errorf("CONVNETS_PTX: %w", err)
				return
			}
			src = string(b)
		}
		var funcs []string
		for _, m := range entryRE.FindAllStringSubmatch(src, -1) {
			funcs = append(funcs, m[1])
		}
		if len(funcs) == 0 {
			loadErr = errors.New("the PTX holds no kernels: rebuild with `make cuda`")
			return
		}
		gorgonia.AddToStdLib(ptxModule, src, funcs)
	})
	return loadErr
}
