package opkit

import (
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A run after the first allocates nothing: the result's memory and header (or scalar),
// the arguments and the shape rule's answer are the last run's.
func TestRunsDoNotAllocate(t *testing.T) {
	op, scalarIn := New(axpy(2)), New(axpy(1))
	dot := New(&Spec{
		Name:  "Dot",
		In:    []Input{{Name: "x", Rank: 1}, {Name: "y", Rank: 1}},
		Shape: func([]tensor.Shape) (tensor.Shape, error) { return tensor.ScalarShape(), nil },
		Forward: Floats(
			func(a Args[float32]) { a.Out[0] = a.In[0][0]*a.In[1][0] + a.In[0][1]*a.In[1][1] },
			func(a Args[float64]) { a.Out[0] = a.In[0][0]*a.In[1][0] + a.In[0][1]*a.In[1][1] }),
	})
	x, z := value([]float64{1, 2, 3, 4}, 2, 2), value([]float64{10, 20, 30, 40}, 2, 2)
	x32 := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	v, three := value([]float64{1, 2}, 2), gorgonia.NewF64(3)
	pre := value(make([]float64, 4), 2, 2)
	for _, r := range []struct {
		name string
		run  func() (gorgonia.Value, error)
	}{
		{"float64", func() (gorgonia.Value, error) { return op.Do(x, z) }},
		{"float32", func() (gorgonia.Value, error) { return op.Do(x32, x32) }},
		{"scalar operands", func() (gorgonia.Value, error) { return scalarIn.Do(three, three) }},
		{"scalar result", func() (gorgonia.Value, error) { return dot.Do(v, v) }},
		{"preallocated", func() (gorgonia.Value, error) { return op.UsePreallocDo(pre, x, z) }},
	} {
		if _, err := r.run(); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if n := testing.AllocsPerRun(20, func() { _, _ = r.run() }); n != 0 {
			t.Errorf("%s: %v allocations per run after the first, want 0", r.name, n)
		}
	}
	if y, err := dot.Do(v, v); err != nil || *y.(*gorgonia.F64) != 5 {
		t.Errorf("Dot = %v, %v; want 5", y, err)
	}
	// Operands of a new shape get a result of that shape; the old shape comes back.
	for _, c := range []struct {
		a, b  gorgonia.Value
		shape tensor.Shape
		last  float64
	}{{value([]float64{1, 2}, 1, 2), value([]float64{1, 2}, 1, 2), tensor.Shape{1, 2}, 6}, {x, z, tensor.Shape{2, 2}, 48}} {
		y, err := op.Do(c.a, c.b)
		if d, ok := y.(*tensor.Dense); err != nil || !ok || !d.Shape().Eq(c.shape) || d.Float64s()[d.Size()-1] != c.last {
			t.Errorf("Do on %v values: %v, %v; want a %v result ending in %v", c.shape, y, err, c.shape, c.last)
		}
	}
}
