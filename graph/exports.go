package graph

import (
	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
)

// The names of packages device and nn that a program built on the chapter's ops needs,
// kept here so that one import serves: where a graph runs, and the loss and the choice
// of ops a trainer makes. Each is documented in its own package.

// Device is where a graph runs: device.Device.
type Device = device.Device

// CPU is the host processor: device.CPU.
var CPU = device.CPU

// CUDABuild reports whether this binary was built with the cuda tag.
const CUDABuild = device.CUDABuild

// ErrNoCUDA is device.ErrNoCUDA.
var ErrNoCUDA = device.ErrNoCUDA

// GPU returns CUDA device i: device.GPU.
func GPU(i int) Device { return device.GPU(i) }

// TryGPU is the textbook's try_gpu: device.TryGPU.
func TryGPU(i int) Device { return device.TryGPU(i) }

// NumGPUs is the number of CUDA devices this binary can use: device.NumGPUs.
func NumGPUs() int { return device.NumGPUs() }

// SetDevice says where the ops built in g from now on run: device.SetDevice.
func SetDevice(g *gorgonia.ExprGraph, dev Device) { device.SetDevice(g, dev) }

// SetWorkers says how many goroutines the ops built in g from now on may use:
// device.SetWorkers.
func SetWorkers(g *gorgonia.ExprGraph, n int) { device.SetWorkers(g, n) }

// WorkersOf returns the setting SetWorkers gave g: device.WorkersOf.
func WorkersOf(g *gorgonia.ExprGraph) int { return device.WorkersOf(g) }

// DeviceOf returns the device given to SetDevice for g: device.DeviceOf.
func DeviceOf(g *gorgonia.ExprGraph) Device { return device.DeviceOf(g) }

// NewMachine returns a TapeMachine that runs g on dev: device.NewMachine.
func NewMachine(g *gorgonia.ExprGraph, dev Device, opts ...gorgonia.VMOpt) (gorgonia.VM, error) {
	return device.NewMachine(g, dev, opts...)
}

// NewMachineFor is NewMachine for the part of a graph the outputs need:
// device.NewMachineFor.
func NewMachineFor(outputs []*gorgonia.Node, dev Device, opts ...gorgonia.VMOpt) (gorgonia.VM, error) {
	return device.NewMachineFor(outputs, dev, opts...)
}

// ToHost returns a node holding a host copy of x: device.ToHost.
func ToHost(x *gorgonia.Node) (*gorgonia.Node, error) { return device.ToHost(x) }

// UseBLAS makes the project's BLAS Gorgonia's, for every graph: device.UseBLAS.
func UseBLAS() { device.UseBLAS() }

// SoftmaxCrossEntropy is the weighted softmax cross-entropy of a batch of logits:
// nn.SoftmaxCrossEntropy.
func SoftmaxCrossEntropy(logits, targets, weights *gorgonia.Node) (*gorgonia.Node, error) {
	return nn.SoftmaxCrossEntropy(logits, targets, weights)
}

// Impl selects the project's ops or Gorgonia's primitives: nn.Impl.
type Impl = nn.Impl

// The implementations: nn.ImplFast and nn.ImplGorgonia.
const (
	ImplFast     = nn.ImplFast
	ImplGorgonia = nn.ImplGorgonia
)

// Impls lists every implementation: nn.Impls.
var Impls = nn.Impls

// ParseImpl returns the implementation named s: nn.ParseImpl.
func ParseImpl(s string) (Impl, error) { return nn.ParseImpl(s) }
