// Package nn holds the operations a network trains with, beyond the chapter's own:
// FusedConv2D (convolution and bias in one op), the element-wise activations (ReLU,
// Sigmoid, ...), Dense, Flatten and SoftmaxCrossEntropy. Each is an op of the project's
// own, with its gradient, its checks and, where gpu/kernels/kernels.cu has a kernel for
// it, a GPU version; each is checked against finite differences and, where one exists,
// against the Gorgonia primitives it replaces (Ops chooses between the two in the
// layers package).
//
// An element-wise activation is the least code an op can be: its forward function, its
// gradient written in terms of its output, and a test that hands both to the op harness
// (see relu.go or sigmoid.go).
//
// Every function is a verb like those of package graph: it takes nodes of a Gorgonia
// expression graph and returns a new node of the same graph, or an error (never a
// panic) starting with "graph: " and the function's name. Tensors of images are NCHW.
//
// # Speed
//
// Training LeNet spends its time in a few operations, which this package computes with
// ops of its own:
//
//	FusedConv2D  convolution and bias in one op. With stride 1, per group of images: the
//	             "wide" im2col (one contiguous copy per kernel offset, on the padded
//	             grid), one product by the project's GEMM (internal/gemm), rows
//	             copied into the NCHW output; backward, dL/dw = dY·colsᵀ, dL/dx by
//	             Wᵀ·dY and a vectorised col2im, dL/db a sum; images shared out over goroutines,
//	             scratch buffers reused. Other strides im2col per image.
//	ReLU         max(x, 0), gradient from the output (one pass each way, no branches)
//	Sigmoid      1/(1+exp(-x)) with a float32 exponential, gradient y(1-y) from the output
//	Tanh         a float32 tanh (an odd polynomial near 0, the exponential beyond, within
//	             2 ulp), gradient 1-y² from the output
//	Dense        x·w + b by the project's GEMM, with a GPU version
//
// ReLU, Sigmoid, Tanh and their gradients compute eight float32 values at a time on a
// CPU with AVX2 (vector_amd64.s), the same operations in the same order as their Go
// loops, so the same bits. (graph.AvgPool2D and graph.MaxPool2D have direct paths of
// their own for the windows inside the input.)
// The ops share their work out over the graph's workers (device.SetWorkers). Each op
// keeps its result's memory from one run to the next, so a training step allocates next
// to nothing: a node's value stays valid until the node runs again (read values to keep
// with gorgonia.Read, which copies).
package nn
