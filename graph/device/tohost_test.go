package device_test

import (
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
)

func TestToHostCopies(t *testing.T) {
	g := gorgonia.NewGraph()
	v := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(2, 3), gorgonia.WithName("x"), gorgonia.WithValue(v))
	y, err := nn.Sigmoid(x)
	if err != nil {
		t.Fatal(err)
	}
	h, err := device.ToHost(y)
	if err != nil {
		t.Fatal(err)
	}
	m, err := device.NewMachineFor([]*gorgonia.Node{h}, device.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	got, want := h.Value().Data().([]float32), y.Value().Data().([]float32)
	if !h.Shape().Eq(tensor.Shape{2, 3}) || len(got) != 6 {
		t.Fatalf("ToHost: shape %v, %d values", h.Shape(), len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if &got[0] == &want[0] {
		t.Error("ToHost shares the memory of its input; want a copy")
	}
}

func TestToHostErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	s := gorgonia.NewScalar(g, tensor.Float32, gorgonia.WithName("loss"))
	if _, err := device.ToHost(s); err == nil || !strings.Contains(err.Error(), "loss is a scalar") {
		t.Errorf("scalar: error %v", err)
	}
	if _, err := device.ToHost(nil); err == nil || !strings.Contains(err.Error(), "graph: ToHost: x is a nil node") {
		t.Errorf("nil: error %v", err)
	}
}
