// Package device chooses where and how a Gorgonia graph runs: the CPU or a CUDA GPU
// (Device, TryGPU, SetDevice), on how many goroutines each op (SetWorkers), the
// TapeMachine that runs it (NewMachine, and NewMachineFor for the part of a graph some
// outputs need), reading results back from the device (ToHost), and the BLAS of
// Gorgonia's own matrix products (UseBLAS).
//
// # GPU
//
// In a binary built with the cuda tag (make cuda), SetDevice(g, GPU(0)) makes the ops
// built in g afterwards the GPU versions of the project's ops: graph.MaxPool2D and
// graph.AvgPool2D, nn.FusedConv2D, nn.ReLU, nn.Sigmoid, nn.Dense and nn.Flatten, with
// their gradients. Each is the CPU op (same type signature, shapes, hash and gradient
// graph) plus CUDADo, which launches a kernel of gpu/kernels/kernels.cu on the device
// memory Gorgonia's TapeMachine hands it; Gorgonia runs every op with CUDADo on device
// 0. nn.SoftmaxCrossEntropy, the ops without a kernel and their gradients stay on the
// host. Read results back with ToHost (gorgonia.Read is broken in CUDA builds), and
// make the machine with NewMachine or NewMachineFor on the same device. The CPU ops are
// the ones the tests check against finite differences; gpu/scripts/gpu-check.sh checks
// the GPU versions against them on a real device. The GPU versions are the GPU wing's
// (gpu/cudaop): a program that runs on the GPU links it, in its cuda build only, with
//
//	import _ "github.com/d2l-go/convnets/gpu/cudaop"
//
// (cmd/train and gpu/cmd/gpucheck do), so that this package, below the wing, does not
// import it. Without the cuda tag SetDevice only records the device, and NewMachine
// refuses a GPU with ErrNoCUDA; a cuda build without the wing refuses it with
// ErrNoGPUWing.
package device
