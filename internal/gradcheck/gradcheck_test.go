package gradcheck

import (
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestCheckPassesForCorrectOps(t *testing.T) {
	cases := []struct {
		name string
		f    Func
	}{
		{"square", func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Square(in[0])
		}},
		{"matmul", func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Mul(in[0], in[1])
		}},
		{"sigmoid", func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Sigmoid(in[0])
		}},
	}
	for _, c := range cases {
		inputs := []*tensor.Dense{Random(1, 3, 4), Random(2, 4, 2)}
		if c.name != "matmul" {
			inputs = inputs[:1]
		}
		if err := Check(inputs, c.f, 1e-6, 7); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// Gorgonia v0.9.18's AveragePool2D has a backward pass that does not match its own
// forward pass (see GORGONIA.md); the checker must notice.
func TestCheckCatchesAWrongGradient(t *testing.T) {
	f := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return gorgonia.AveragePool2D(in[0], tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2})
	}
	err := Check([]*tensor.Dense{Random(3, 1, 1, 4, 6)}, f, 1e-6, 1)
	if err == nil || !strings.Contains(err.Error(), "finite difference") {
		t.Fatalf("want a gradient mismatch, got %v", err)
	}
}

func TestCheckRejectsFloat32(t *testing.T) {
	in := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2}))
	err := Check([]*tensor.Dense{in}, func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return in[0], nil }, 1e-6, 1)
	if err == nil || !strings.Contains(err.Error(), "use Float64") {
		t.Fatalf("got %v", err)
	}
}
