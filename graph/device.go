package graph

import (
	"errors"
	"fmt"

	"gorgonia.org/gorgonia"
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
func NumGPUs() int { return numGPUs() }

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

// NewMachine returns a TapeMachine that runs g on dev, with Gorgonia's VM options opts
// (for example gorgonia.BindDualValues). Close it when done.
//
// A GPU device needs a binary built with the cuda tag (the error wraps ErrNoCUDA
// otherwise) and an existing device.
func NewMachine(g *gorgonia.ExprGraph, dev Device, opts ...gorgonia.VMOpt) (vm gorgonia.VM, err error) {
	if g == nil {
		return nil, errors.New("graph: NewMachine: nil graph")
	}
	if dev.gpu {
		if !CUDABuild {
			return nil, fmt.Errorf("graph: NewMachine: device %v: %w", dev, ErrNoCUDA)
		}
		if dev.index < 0 || dev.index >= NumGPUs() {
			return nil, fmt.Errorf("graph: NewMachine: device %v does not exist (%d CUDA devices)", dev, NumGPUs())
		}
	}
	defer recoverGorgonia("graph: NewMachine", &err)
	if vm, err = newTapeMachine(g, dev, opts); err != nil {
		return nil, fmt.Errorf("graph: NewMachine: %w", err)
	}
	return vm, nil
}
