//go:build !cuda

package opkit

import "gorgonia.org/gorgonia"

// CUDA reports whether this binary was built with the cuda tag.
const CUDA = false

// onGPU returns op unchanged: this build has no GPU versions.
func onGPU(op *Op) gorgonia.Op { return op }

// LoadKernels does nothing: this build has no kernels.
func LoadKernels() error { return nil }
