// Package graph holds the differentiable operations of the "Convolutional Neural
// Networks" chapter of Dive into Deep Learning, written as Gorgonia ops and expressions:
// the ones a reader of the chapter studies. Three packages below it hold the rest:
//
//	graph/nn      the ops a network trains with: FusedConv2D, the activations, Dense,
//	              Flatten, SoftmaxCrossEntropy
//	graph/device  where and how a graph runs: Device, TryGPU, SetDevice, NewMachine,
//	              NewMachineFor, ToHost, the BLAS of Gorgonia's products
//	graph/geom    the geometry of sliding windows: OutputSize, the shape rules of
//	              convolution and pooling
//
// A program imports each of them for what it uses. Every op is made with the
// project's op kit, which gives all of them the same checks, messages, gradients for
// both of Gorgonia's machines, reuse of their results' memory, and GPU versions. The
// layers package builds networks from these functions; graph itself knows nothing of
// layers.
//
// Every function here is a verb: it takes nodes of a Gorgonia expression graph and
// returns a new node of the same graph (or an error). Nothing is computed until a
// machine runs the graph:
//
//	g := gorgonia.NewGraph()
//	x := gorgonia.NodeFromAny(g, xTensor, gorgonia.WithName("X"))
//	k := gorgonia.NodeFromAny(g, kTensor, gorgonia.WithName("K"))
//	y, err := graph.Corr2D(x, k)
//	...
//	m := gorgonia.NewTapeMachine(g)
//	defer m.Close()
//	err = m.RunAll()          // y.Value() now holds the result
//
// Give every input and parameter node a unique name: Gorgonia merges nodes of the same
// type, shape and name, and unnamed nodes all share the empty name, so two unnamed
// same-shaped inputs silently become one.
//
// # Cross-correlation (section 2)
//
// What deep learning calls convolution is cross-correlation: a kh×kw kernel slides over
// the input and each output is the sum of the window times the kernel,
//
//	x (h, w), k (kh, kw) -> y (h-kh+1, w-kw+1)
//	y[i, j] = Σ_a Σ_b x[i+a, j+b] · k[a, b]
//
// Corr2D is this operation as a custom Gorgonia op with its own backward pass (dL/dx is
// the "full" correlation of dL/dy with the kernel, dL/dk is Corr2D(x, dL/dy)). A true
// convolution would flip the kernel first; since the kernel is learned, the flip makes
// no difference to what a network can do. Corr2DMatMul computes the same numbers the
// way fast libraries do: im2col unrolls every window into a row of a matrix, and one
// matrix product with the flattened kernel gives all outputs.
//
// # Padding and stride (section 3)
//
// Along each dimension an input of size n, a kernel of size k, p zeros added on each
// side and a stride s give
//
//	floor((n - k + 2p) / s) + 1
//
// outputs (geom.OutputSize). Conv2D is PyTorch's conv2d without bias on 4-D batches,
// with any padding and stride.
//
// # Channels (section 4)
//
// With c input channels a kernel has one slice per channel and the results are summed;
// with co output channels there is one such kernel per output channel:
//
//	Corr2DMultiIn:     x (c, h, w), k (c, kh, kw)      -> (oh, ow)
//	Corr2DMultiInOut:  x (c, h, w), k (co, c, kh, kw)  -> (co, oh, ow)
//	Conv2D:            x (n, c, h, w), w (co, c, kh, kw) -> (n, co, oh, ow)
//
// A layer has one bias per output channel, and costs O(c·co·kh·kw·oh·ow) multiply-adds.
// A 1×1 kernel mixes channels only: it is a (co, c) matrix applied at every pixel.
//
// # Pooling (section 5)
//
// Pool2D is the chapter's own pool2d: stride 1, no padding, a ph×pw window reduced by
// Max, Avg or Min. MaxPool2D and AvgPool2D are PyTorch's max_pool2d and avg_pool2d on
// 4-D batches (padding, stride; the average divides by kh·kw, padding included). All
// are the project's own ops: Gorgonia v0.9.18's AveragePool2D is wrong. MaxPool2D and
// AvgPool2D compute 2x2 windows with stride 2 and no padding (LeNet's) by passes of
// their own, and other windows wholly inside the input without clipping, 3x3 and 2x2
// unrolled, maxima found without branches; float32 MaxPool2D on a CPU with AVX2 takes
// every window that no left or right padding clips eight at a time instead
// (pool_amd64.s), but 2x2 windows with stride 2 in rows of fewer than 8. Every path
// gives the general loop's bits.
//
// # Shapes, dtypes and devices
//
// Tensors of images are NCHW: (batch, channels, height, width), as in PyTorch; the
// chapter's single images and kernels drop the leading dimensions, (h, w) or (c, h, w).
// Every function works on float32 and float64; the inputs of one call must share the
// dtype. Package device chooses where a graph runs (device.TryGPU, device.NewMachine:
// the CPU unless the binary is built with the cuda tag and a GPU exists). Format prints
// a value the way the textbook prints tensors.
//
// # Errors
//
// Graph-building functions check their inputs before they build anything and return an
// error (never panic) for a nil node, nodes of different graphs, a wrong rank, an empty
// dimension, a kernel or window larger than the input, a non-positive window, a
// dtype other than float32 and float64, mismatched dtypes or channel counts. The
// messages start with "graph: " and the function's name, and say what was expected:
//
//	graph: Corr2D: kernel 4x2 is larger than the input 3x3; the kernel must fit inside the input (pad the input first)
//
// Where Gorgonia itself would panic on bad input, the argument is validated first.
//
// # Gradients
//
// Every differentiable function here is checked against central finite differences.
// The project's own ops (Corr2D and its gradient ops, im2col/col2im, Pool2D, MaxPool2D,
// AvgPool2D, and those of package nn) implement both of Gorgonia's differentiation
// interfaces from one gradient function: SymDiff, used by gorgonia.Grad and the
// TapeMachine, and DoDiff, used by the LispMachine. The project trains with the
// TapeMachine. Each op keeps its result's memory from one run to the next: a node's
// value stays valid until the node runs again (read values to keep with gorgonia.Read,
// which copies).
//
// Gorgonia v0.9.18 itself has gradient defects that these functions are built around
// (docs/gorgonia.md): its Concat's DoDiff is wrong for 1-D and 3-D inputs and for 1×1
// pieces, a one-element Slice comes back as a scalar value (and slicing that again
// panics at run time), and Grad applied to an expression that contains Grad's own output
// gives wrong second derivatives even for its built-in ops, so do not rely on nested
// Grad.
//
// # GPU
//
// In a binary built with the cuda tag (make cuda), device.SetDevice(g, device.GPU(0))
// makes the ops built in g afterwards the GPU versions of the project's ops: MaxPool2D,
// AvgPool2D and the ops of package nn, with their gradients. The chapter's own ops
// (Corr2D and its family, Pool2D) run on the host. See package device.
package graph
