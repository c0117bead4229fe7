package device

import (
	"errors"
	"fmt"

	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/pergraph"
)

// Device is where a graph runs: the CPU or one CUDA GPU. The zero value is the CPU.
type Device struct {
	gpu   bool
	index int
}

// CPU is the host processor, the device every build can use.
var CPU = Device{}

// GPU returns CUDA device i (i >= 0). It does not check that the device exists or that
// the binary was built with CUDA support; NewMachine does. Use TryGPU to fall back to
// the CPU instead.
func GPU(i int) Device { return Device{gpu: true, index: i} }

// TryGPU is the textbook's try_gpu: GPU i when the binary was built with the cuda tag and
// the device exists, else the CPU. In a build without the cuda tag it always returns CPU.
func TryGPU(i int) Device {
	if i >= 0 && i < NumGPUs() {
		return GPU(i)
	}
	return CPU
}

// NumGPUs is the number of CUDA devices this binary can use: 0 without the cuda build tag.
func NumGPUs() int { return opkit.GPUDevices() }

// IsGPU reports whether d is a CUDA device.
func (d Device) IsGPU() bool { return d.gpu }

// Index is the CUDA device number, 0 for the CPU.
func (d Device) Index() int { return d.index }

// String is "cpu" or "cuda:i", the names PyTorch prints.
func (d Device) String() string {
	if d.gpu {
		return fmt.Sprintf("cuda:%d", d.index)
	}
	return "cpu"
}

// ErrNoCUDA is returned by NewMachine for a GPU device in a binary built without the
// cuda build tag.
var ErrNoCUDA = errors.New("this binary was built without CUDA support (build with -tags cuda)")

// ErrNoGPUWing is NewMachine's error for a GPU device in a binary built with the cuda
// tag whose program does not link the GPU wing.
var ErrNoGPUWing = errors.New(`this cuda build has no GPU ops: its main package must import _ "github.com/d2l-go/convnets/gpu/cudaop"`)

// NewMachine returns a TapeMachine that runs g on dev, with Gorgonia's VM options opts
// (for example gorgonia.BindDualValues). Close it when done.
//
// A CPU machine made without options runs its tape on the goroutine that calls RunAll,
// where Gorgonia's own RunAll starts a goroutine for it and waits (docs/gorgonia.md,
// TapeMachine.RunAll): the same values, faster when several machines run at once.
//
// A GPU device needs a binary built with the cuda tag (the error wraps ErrNoCUDA
// otherwise) and an existing device.
func NewMachine(g *gorgonia.ExprGraph, dev Device, opts ...gorgonia.VMOpt) (vm gorgonia.VM, err error) {
	return newMachine(g, dev, len(opts) == 0, opts...)
}

// newMachine is NewMachine; plain says that opts hold no option of the caller's (at
// most one that only hands over a compiled program), so that the machine may run its
// tape on the caller's goroutine.
func newMachine(g *gorgonia.ExprGraph, dev Device, plain bool, opts ...gorgonia.VMOpt) (vm gorgonia.VM, err error) {
	if g == nil {
		return nil, errors.New("graph: NewMachine: nil graph")
	}
	if dev.gpu {
		if !CUDABuild {
			return nil, fmt.Errorf("graph: NewMachine: device %v: %w", dev, ErrNoCUDA)
		}
		if !opkit.HasGPU() {
			return nil, fmt.Errorf("graph: NewMachine: device %v: %w", dev, ErrNoGPUWing)
		}
		if dev.index < 0 || dev.index >= NumGPUs() {
			return nil, fmt.Errorf("graph: NewMachine: device %v does not exist (%d CUDA devices)", dev, NumGPUs())
		}
	}
	defer opkit.Recover("NewMachine", &err)
	if dev.gpu {
		// The GPU wing (gpu/cudaop) loads the kernels and locks this goroutine, which
		// must also run the machine, to its OS thread, as Gorgonia's CUDA machines need.
		if err := opkit.ReadyGPU(dev.index); err != nil {
			return nil, fmt.Errorf("graph: NewMachine: %w", err)
		}
	}
	vm = gorgonia.NewTapeMachine(g, opts...)
	if plain && !dev.gpu {
		vm = onCaller(vm)
	}
	return vm, nil
}

// SetDevice says that the project's ops built in g from now on (and the gradient ops
// that gorgonia.Grad builds from them) are to run on dev. Gorgonia decides where an op
// runs from its type alone (an op with a CUDA implementation runs on the GPU), so the
// choice is made when the graph is built, not when the machine is made: in a binary
// built with the cuda tag, the ops of a graph set to a GPU are the GPU versions of the
// same ops (same inputs, outputs and gradients; see the package doc, "GPU"), and every
// other graph keeps the CPU versions. Without the cuda tag SetDevice records the device
// and changes nothing else. Call it right after gorgonia.NewGraph.
//
// The record lasts as long as g: it does not keep g alive.
func SetDevice(g *gorgonia.ExprGraph, dev Device) {
	pergraph.Update(g, func(s *pergraph.Settings) { s.Place = pergraph.Place{GPU: dev.gpu, Index: dev.index} })
}

// SetWorkers says how many goroutines each of the project's ops built in g from now on
// (and the gradient ops that gorgonia.Grad builds from them) may use for one run: n >= 1,
// or n <= 0 for the default, GOMAXPROCS as it is when the op runs. Call it right after
// gorgonia.NewGraph. The record lasts as long as g: it does not keep g alive.
//
// With n = 1 every op runs on the goroutine of the machine that runs it. That is what a
// caller wants that runs several machines at once, one per core (lenet's classifier runs
// each shard of a batch on a machine of its own): the ops then do not compete with the
// other machines for the cores, and the result of every op is the same whatever the
// number of cores. With n > 1 the ops that sum partial results (the filter and bias
// gradients of nn.FusedConv2D, nn.Dense's weight gradient) may round differently for
// different n.
func SetWorkers(g *gorgonia.ExprGraph, n int) {
	pergraph.Update(g, func(s *pergraph.Settings) { s.Workers = max(n, 0) })
}

// WorkersOf returns the setting SetWorkers gave g: 0 (GOMAXPROCS) if none was.
func WorkersOf(g *gorgonia.ExprGraph) int { return pergraph.Of(g).Workers }

// DeviceOf returns the device given to SetDevice for g: the CPU if none was.
func DeviceOf(g *gorgonia.ExprGraph) Device {
	p := pergraph.Of(g).Place
	return Device{gpu: p.GPU, index: p.Index}
}
