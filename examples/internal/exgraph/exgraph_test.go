package exgraph

import (
	"slices"
	"testing"

	"gorgonia.org/gorgonia"
)

func TestNodeAndRun(t *testing.T) {
	g := gorgonia.NewGraph()
	a := Node(g, "a", []float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := Node(g, "b", []float64{1, 0, 0, 1, 1, 1}, 3, 2)
	if a.Name() != "a" || !slices.Equal([]int(a.Shape()), []int{2, 3}) {
		t.Fatalf("node %s has shape %v", a.Name(), a.Shape())
	}
	c, err := gorgonia.Mul(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Run(g); err != nil {
		t.Fatal(err)
	}
	if got := c.Value().Data().([]float64); !slices.Equal(got, []float64{4, 5, 10, 11}) {
		t.Errorf("a·b = %v, want [4 5 10 11]", got)
	}
	f := Node(g, "f", []float32{1.5}, 1)
	if f.Dtype().String() != "float32" {
		t.Errorf("float32 values give a %v node", f.Dtype())
	}
}
