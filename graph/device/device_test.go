package device_test

import (
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

func TestDeviceNames(t *testing.T) {
	cases := []struct {
		d     device.Device
		name  string
		gpu   bool
		index int
	}{
		{device.CPU, "cpu", false, 0},
		{device.Device{}, "cpu", false, 0},
		{device.GPU(0), "cuda:0", true, 0},
		{device.GPU(3), "cuda:3", true, 3},
	}
	for i, c := range cases {
		if c.d.String() != c.name || c.d.IsGPU() != c.gpu || c.d.Index() != c.index {
			t.Errorf("case %d: %q gpu=%v index=%d, want %q gpu=%v index=%d",
				i, c.d.String(), c.d.IsGPU(), c.d.Index(), c.name, c.gpu, c.index)
		}
	}
}

func TestNewMachine(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float64, 4, gorgonia.WithShape(1, 1, 4, 4), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Ones()))
	y, err := graph.AvgPool2D(x, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := optest.SumGrad(t, y, x)
	m, err := device.NewMachine(g, device.TryGPU(0), gorgonia.BindDualValues(x))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	if got := s.Value().Data().(float64); got != 4 {
		t.Errorf("sum of the pooled ones = %v, want 4", got)
	}
	gv, err := x.Grad()
	if err != nil {
		t.Fatalf("BindDualValues was not applied: %v", err)
	}
	for i, v := range gv.Data().([]float64) {
		if v != 0.25 {
			t.Fatalf("dx[%d] = %v, want 0.25", i, v)
		}
	}
}

func TestNewMachineErrors(t *testing.T) {
	if _, err := device.NewMachine(nil, device.CPU); err == nil || !strings.Contains(err.Error(), "nil graph") {
		t.Errorf("nil graph: error %v", err)
	}
	if _, err := device.NewMachine(gorgonia.NewGraph(), device.GPU(-1)); err == nil {
		t.Errorf("device.GPU(-1): no error")
	}
}

func TestSetWorkers(t *testing.T) {
	g := gorgonia.NewGraph()
	if n := device.WorkersOf(g); n != 0 {
		t.Errorf("a new graph has workers %d, want 0 (GOMAXPROCS)", n)
	}
	device.SetWorkers(g, 3)
	device.SetWorkers(g, 1)
	if n := device.WorkersOf(g); n != 1 {
		t.Errorf("after SetWorkers(g, 1): %d", n)
	}
	if n := device.WorkersOf(gorgonia.NewGraph()); n != 0 {
		t.Errorf("another graph has workers %d, want 0", n)
	}
	device.SetWorkers(g, -2)
	if n := device.WorkersOf(g); n != 0 {
		t.Errorf("after SetWorkers(g, -2): %d, want 0", n)
	}
	device.SetWorkers(nil, 1) // no panic
	if n := device.WorkersOf(nil); n != 0 {
		t.Errorf("WorkersOf(nil) = %d", n)
	}
}
