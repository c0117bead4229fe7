//go:build !cuda

package device_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
)

// TestTryGPUWithoutCUDA: a build without the cuda tag has no device.GPU, so every request
// falls back to the device.CPU, like the textbook's try_gpu on a machine without one.
func TestTryGPUWithoutCUDA(t *testing.T) {
	if n := device.NumGPUs(); n != 0 {
		t.Fatalf("device.NumGPUs() = %d, want 0", n)
	}
	for _, i := range []int{-1, 0, 1, 7} {
		if d := device.TryGPU(i); d != device.CPU {
			t.Errorf("device.TryGPU(%d) = %v, want cpu", i, d)
		}
	}
}

func TestNewMachineGPUWithoutCUDA(t *testing.T) {
	_, err := device.NewMachine(gorgonia.NewGraph(), device.GPU(0))
	if !errors.Is(err, device.ErrNoCUDA) || !strings.Contains(err.Error(), "cuda:0") {
		t.Errorf("device.GPU(0) without CUDA: error %v, want device.ErrNoCUDA naming cuda:0", err)
	}
}

// Without the cuda tag, device.SetDevice records the device and builds the same (device.CPU) ops.
func TestSetDeviceWithoutCUDA(t *testing.T) {
	build := func(dev device.Device) string {
		g := gorgonia.NewGraph()
		device.SetDevice(g, dev)
		if got := device.DeviceOf(g); got != dev {
			t.Errorf("device.DeviceOf = %v, want %v", got, dev)
		}
		x := gorgonia.NewMatrix(g, gorgonia.Float32, gorgonia.WithShape(2, 3), gorgonia.WithName("x"))
		w := gorgonia.NewMatrix(g, gorgonia.Float32, gorgonia.WithShape(3, 4), gorgonia.WithName("w"))
		y, err := nn.Dense(x, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%T", y.Op())
	}
	if cpu, gpu := build(device.CPU), build(device.GPU(0)); cpu != gpu || cpu != "*opkit.Op" {
		t.Errorf("op types %s (cpu) and %s (gpu set), want the CPU op *opkit.Op for both", cpu, gpu)
	}
	g := gorgonia.NewGraph()
	device.SetDevice(g, device.GPU(0))
	device.SetDevice(g, device.CPU)
	if d := device.DeviceOf(g); d != device.CPU {
		t.Errorf("after device.SetDevice(device.CPU): %v", d)
	}
	device.SetDevice(nil, device.GPU(0)) // no panic
}
