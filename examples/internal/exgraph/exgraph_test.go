package exgraph

import (
	"math/rand/v2"
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

// Ints covers [-max, max] and nothing else, the same for both types and the same seed.
func TestInts(t *testing.T) {
	v := Ints[float64](rand.New(rand.NewPCG(1, 2)), 2000, 4)
	seen := map[float64]bool{}
	for _, x := range v {
		seen[x] = true
	}
	if len(v) != 2000 || len(seen) != 9 || slices.Min(v) != -4 || slices.Max(v) != 4 {
		t.Errorf("%d values, %d distinct, in [%v, %v]; want 2000 in all of [-4, 4]", len(v), len(seen), slices.Min(v), slices.Max(v))
	}
	w := Ints[float32](rand.New(rand.NewPCG(1, 2)), 2000, 4)
	for i := range v {
		if float64(w[i]) != v[i] {
			t.Fatalf("value %d: float32 %v, float64 %v", i, w[i], v[i])
		}
	}
}
