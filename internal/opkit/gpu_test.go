package opkit

import (
	"errors"
	"fmt"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/pergraph"
)

// fakeGPUOp marks the GPU version a fake GPU hook made.
type fakeGPUOp struct{ *Op }

// An op gets its GPU version from the registered hook exactly when its graph is placed
// on a GPU and its OpSpec has a launch; without a hook (a build without the cuda tag)
// every op stays the CPU op, there are no devices, and ReadyGPU refuses.
func TestGPUHook(t *testing.T) {
	defer func(old *GPU) { gpu = old }(gpu)
	withLaunch := axpy(3)
	withLaunch.GPU = func([]tensor.Shape, tensor.Shape) Launch { return Launch{Kernel: "axpy"} }
	errReady := errors.New("fake: not ready")
	fake := GPU{
		Version: func(op *Op) gorgonia.Op { return fakeGPUOp{op} },
		Devices: func() int { return 3 },
		Ready:   func(i int) error { return fmt.Errorf("device %d: %w", i, errReady) },
	}
	for _, c := range []struct {
		name    string
		hook    *GPU
		spec    *OpSpec
		place   pergraph.Place
		want    string // the op's type
		devices int
		ready   string
	}{
		{"no hook, GPU graph", nil, withLaunch, pergraph.Place{GPU: true}, "*opkit.Op", 0, "this binary has no GPU support"},
		{"hook, GPU graph", &fake, withLaunch, pergraph.Place{GPU: true}, "opkit.fakeGPUOp", 3, "device 1: fake: not ready"},
		{"hook, CPU graph", &fake, withLaunch, pergraph.Place{}, "*opkit.Op", 3, "device 1: fake: not ready"},
		{"hook, no launch", &fake, axpy(3), pergraph.Place{GPU: true, Index: 1}, "*opkit.Op", 3, "device 1: fake: not ready"},
	} {
		gpu = nil
		if c.hook != nil {
			SetGPU(*c.hook)
		}
		g := gorgonia.NewGraph()
		pergraph.Update(g, func(s *pergraph.Settings) { s.Place = c.place })
		x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 2), gorgonia.WithName("x"))
		z := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 2), gorgonia.WithName("z"))
		y, err := Apply(c.spec, x, z)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := fmt.Sprintf("%T", y.Op()); got != c.want {
			t.Errorf("%s: the node's op is %s, want %s", c.name, got, c.want)
		}
		if n := GPUDevices(); n != c.devices {
			t.Errorf("%s: GPUDevices() = %d, want %d", c.name, n, c.devices)
		}
		if err := ReadyGPU(1); err == nil || err.Error() != c.ready {
			t.Errorf("%s: ReadyGPU(1) = %v, want %q", c.name, err, c.ready)
		}
	}
}
