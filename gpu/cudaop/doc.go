// Package cudaop runs the project's ops on a CUDA GPU: in a binary built with the cuda
// tag it registers the op kit's GPU support (opkit.SetGPU), which graph/device links in
// that build. An op of a graph placed on a GPU (device.SetDevice) becomes its GPU
// version: the same type, shapes, hash and gradient, plus CUDADo, which runs the
// kernel its OpSpec's opkit.Launch names (gpu/kernels/kernels.cu, compiled to PTX by
// `make cuda` and embedded) on the device memory Gorgonia's TapeMachine hands it.
//
// Without the cuda tag the package is empty, and nothing imports it.
package cudaop
