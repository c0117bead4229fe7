package optest

import (
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SumGrad and RunGraph on y = x²: the sum is Σx² and the gradient 2x; Loop runs the
// same graph in a benchmark, every run giving the same sum.
func TestSumGradRunGraphLoop(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, Dense(tensor.Float64, []float64{1, -2, 3}, 3), gorgonia.WithName("x"))
	y, err := gorgonia.Square(x)
	if err != nil {
		t.Fatal(err)
	}
	sum, grads := SumGrad(t, y, x)
	RunGraph(t, g)
	Close(t, "sum", Floats(t, sum.Value()), []float64{14}, 0)
	Close(t, "gradient", Floats(t, grads[0].Value()), []float64{2, -4, 6}, 0)

	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	res := testing.Benchmark(func(b *testing.B) { Loop(b, m) })
	if res.N < 1 {
		t.Errorf("Loop ran %d times", res.N)
	}
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	Close(t, "sum after the loop", Floats(t, sum.Value()), []float64{14}, 0)
}

// Unary and Binary hand the op their input nodes in order.
func TestUnaryBinary(t *testing.T) {
	a, b := Dense(tensor.Float64, []float64{1, 2}, 2), Dense(tensor.Float64, []float64{10, 20}, 2)
	got, _ := Run(t, Binary(gorgonia.Sub), a, b)
	Close(t, "a - b", got, []float64{-9, -18}, 0)
	got, _ = Run(t, Unary(gorgonia.Neg), a)
	Close(t, "-a", got, []float64{-1, -2}, 0)
}
