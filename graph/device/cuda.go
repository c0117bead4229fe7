//go:build cuda

package device

// CUDABuild reports whether this binary was built with the cuda tag.
const CUDABuild = true
