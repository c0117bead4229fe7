package optest

import (
	"testing"

	"gorgonia.org/gorgonia"
)

// Unary is the op f as a Func of its one input node.
func Unary(f func(x *gorgonia.Node) (*gorgonia.Node, error)) Func {
	return func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f(in[0]) }
}

// Binary is the op f as a Func of its two input nodes.
func Binary(f func(a, b *gorgonia.Node) (*gorgonia.Node, error)) Func {
	return func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f(in[0], in[1]) }
}

// RunGraph computes every node of g once on a TapeMachine, failing tb on an error;
// the nodes keep their values.
func RunGraph(tb testing.TB, g *gorgonia.ExprGraph) {
	tb.Helper()
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		tb.Fatalf("running the graph: %v", err)
	}
}

// SumGrad adds sum(y) to y's graph and the gradient nodes of that sum with respect to
// wrt, failing tb on an error: the loss whose gradient a test works out by hand.
func SumGrad(tb testing.TB, y *gorgonia.Node, wrt ...*gorgonia.Node) (sum *gorgonia.Node, grads gorgonia.Nodes) {
	tb.Helper()
	sum, err := gorgonia.Sum(y)
	if err != nil {
		tb.Fatalf("summing: %v", err)
	}
	if grads, err = gorgonia.Grad(sum, wrt...); err != nil {
		tb.Fatalf("Grad: %v", err)
	}
	return sum, grads
}

// Loop runs m once per iteration of b.Loop, resetting it in between: the body of a
// benchmark of a built graph.
func Loop(b *testing.B, m gorgonia.VM) {
	b.Helper()
	for b.Loop() {
		if err := m.RunAll(); err != nil {
			b.Fatal(err)
		}
		m.Reset()
	}
}
