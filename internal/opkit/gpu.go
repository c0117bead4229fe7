package opkit

import (
	"errors"

	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/internal/pergraph"
)

// GPU is what a binary built with the cuda tag adds to the op kit. The GPU wing
// (gpu/cudaop) registers it with SetGPU from its init; the programs that run on a GPU
// import the wing in their cuda build only, so that no other build compiles or links
// CUDA code. Every field must be set.
type GPU struct {
	// Version returns the GPU version of op, whose OpSpec has a GPU launch: the same
	// type, shapes, hash and gradient, computed by the launch's kernel on the device.
	Version func(op *Op) gorgonia.Op
	// Devices returns the number of CUDA devices the driver reports, 0 on error.
	Devices func() int
	// Ready prepares CUDA device i for a machine that the calling goroutine makes and
	// runs, or says why that device cannot run one.
	Ready func(i int) error
}

// gpu is the registered GPU support: nil in a build without the cuda tag.
var gpu *GPU

// SetGPU registers g as the GPU support. The GPU wing calls it once, from its init.
func SetGPU(g GPU) { gpu = &g }

// errNoGPU is ReadyGPU's error in a binary without GPU support; graph/device refuses a
// GPU before it asks, with its own ErrNoCUDA.
var errNoGPU = errors.New("this binary has no GPU support")

// HasGPU reports whether the GPU wing has registered its support (SetGPU).
func HasGPU() bool { return gpu != nil }

// GPUDevices returns the number of CUDA devices: 0 in a binary without GPU support.
func GPUDevices() int {
	if gpu == nil {
		return 0
	}
	return gpu.Devices()
}

// ReadyGPU prepares CUDA device i for a machine that the calling goroutine makes and
// runs (see GPU.Ready).
func ReadyGPU(i int) error {
	if gpu == nil {
		return errNoGPU
	}
	return gpu.Ready(i)
}

// place returns op, or its GPU version when g is placed on a GPU (graph/device.SetDevice),
// op's OpSpec has a kernel and the binary has GPU support (SetGPU).
func place(g *gorgonia.ExprGraph, op *Op) gorgonia.Op {
	if op.spec.GPU == nil || gpu == nil || !pergraph.Of(g).Place.GPU {
		return op
	}
	return gpu.Version(op)
}
