//go:build !cuda

package device

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
)

// TestTryGPUWithoutCUDA: a build without the cuda tag has no GPU, so every request
// falls back to the CPU, like the textbook's try_gpu on a machine without one.
func TestTryGPUWithoutCUDA(t *testing.T) {
	if n := NumGPUs(); n != 0 {
		t.Fatalf("NumGPUs() = %d, want 0", n)
	}
	for _, i := range []int{-1, 0, 1, 7} {
		if d := TryGPU(i); d != CPU {
			t.Errorf("TryGPU(%d) = %v, want cpu", i, d)
		}
	}
}

func TestNewMachineGPUWithoutCUDA(t *testing.T) {
	_, err := NewMachine(gorgonia.NewGraph(), GPU(0))
	if !errors.Is(err, ErrNoCUDA) || !strings.Contains(err.Error(), "cuda:0") {
		t.Errorf("GPU(0) without CUDA: error %v, want ErrNoCUDA naming cuda:0", err)
	}
}

// Without the cuda tag, SetDevice records the device and builds the same (CPU) ops.
func TestSetDeviceWithoutCUDA(t *testing.T) {
	build := func(dev Device) string {
		g := gorgonia.NewGraph()
		SetDevice(g, dev)
		if got := DeviceOf(g); got != dev {
			t.Errorf("DeviceOf = %v, want %v", got, dev)
		}
		x := gorgonia.NewMatrix(g, gorgonia.Float32, gorgonia.WithShape(2, 3), gorgonia.WithName("x"))
		w := gorgonia.NewMatrix(g, gorgonia.Float32, gorgonia.WithShape(3, 4), gorgonia.WithName("w"))
		y, err := Dense(x, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%T", y.Op())
	}
	if cpu, gpu := build(CPU), build(GPU(0)); cpu != gpu || cpu != "graph.denseOp" {
		t.Errorf("op types %s (cpu) and %s (gpu set), want graph.denseOp for both", cpu, gpu)
	}
	g := gorgonia.NewGraph()
	SetDevice(g, GPU(0))
	SetDevice(g, CPU)
	if d := DeviceOf(g); d != CPU {
		t.Errorf("after SetDevice(CPU): %v", d)
	}
	SetDevice(nil, GPU(0)) // no panic
}
