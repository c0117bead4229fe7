package device

import (
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// TestNewMachineForSkipsUnneededNodes: the machine computes the outputs and what they
// need (the read statement included) and leaves out a node nothing asked for, such as
// Grad's gradient with respect to the data.
func TestNewMachineForSkipsUnneededNodes(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, optest.Dense(tensor.Float64, optest.Arange(16, 0), 1, 1, 4, 4), gorgonia.WithName("x"))
	w := gorgonia.NodeFromAny(g, optest.Dense(tensor.Float64, []float64{1, 2, 3, 4}, 1, 1, 2, 2), gorgonia.WithName("w"))
	y, err := nn.FusedConv2D(x, w, nil, [2]int{}, [2]int{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	loss, grads := optest.SumGrad(t, y, w)
	var dx *gorgonia.Node // the dL/dx node Grad built for the data
	for _, n := range g.AllNodes() {
		if op, ok := n.Op().(*opkit.Op); ok && op.OpSpec().Name == "FusedConv2DGradX" {
			dx = n
		}
	}
	if dx == nil {
		t.Fatal("Grad built no dL/dx node; the test needs one")
	}
	var lossVal gorgonia.Value
	read := gorgonia.Read(loss, &lossVal)
	m, err := NewMachineFor([]*gorgonia.Node{read, grads[0]}, CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	// y = windows of arange(16) times (1,2,3,4): its sum is 300 + ... computed directly.
	var want float64
	for i := range 3 {
		for j := range 3 {
			a := float64(4*i + j)
			want += a*1 + (a+1)*2 + (a+4)*3 + (a+5)*4
		}
	}
	if got := lossVal.Data().(float64); got != want {
		t.Errorf("loss %v, want %v", got, want)
	}
	// dL/dw[u][v] is the sum of the 3x3 window of x at offset (u, v).
	dw := optest.Floats(t, grads[0].Value())
	for k, off := range []int{0, 1, 4, 5} {
		var s float64
		for i := range 3 {
			for j := range 3 {
				s += float64(4*i + j + off)
			}
		}
		if dw[k] != s {
			t.Errorf("dL/dw[%d] = %v, want %v", k, dw[k], s)
		}
	}
	if dx.Value() != nil {
		t.Errorf("dL/dx was computed (%v); NewMachineFor should have left it out", dx.Value())
	}
}

func TestNewMachineForErrors(t *testing.T) {
	g, other := gorgonia.NewGraph(), gorgonia.NewGraph()
	a := gorgonia.NewScalar(g, tensor.Float64, gorgonia.WithName("a"), gorgonia.WithValue(1.0))
	b := gorgonia.NewScalar(other, tensor.Float64, gorgonia.WithName("b"), gorgonia.WithValue(2.0))
	cases := []struct {
		name    string
		outputs []*gorgonia.Node
		dev     Device
		want    string
	}{
		{"none", nil, CPU, "graph: NewMachineFor: no outputs"},
		{"nil", []*gorgonia.Node{a, nil}, CPU, "graph: NewMachineFor: output 1 is nil"},
		{"graphs", []*gorgonia.Node{a, b}, CPU, "graph: NewMachineFor: output 1 (b) belongs to another graph"},
		{"gpu", []*gorgonia.Node{a}, GPU(0), "graph: NewMachine: device cuda:0"},
	}
	for i, c := range cases {
		m, err := NewMachineFor(c.outputs, c.dev)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d %s: error %v, want it to contain %q", i, c.name, err, c.want)
		}
		if m != nil {
			t.Errorf("case %d %s: a machine came back with the error", i, c.name)
		}
	}
}
