//go:build cuda

package device

// The GPU wing: its init registers the op kit's GPU support (opkit.SetGPU), which
// NumGPUs, NewMachine and SetDevice use.
import _ "github.com/d2l-go/convnets/gpu/cudaop"

// CUDABuild reports whether this binary was built with the cuda tag.
const CUDABuild = true
