// Package exgraph holds the two steps every example repeats around the op it shows:
// putting known values into a graph, and running the graph once.
package exgraph

import (
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Node returns a node of g called name that holds vals (not copied) in the given shape.
func Node[T float32 | float64](g *gorgonia.ExprGraph, name string, vals []T, shape ...int) *gorgonia.Node {
	return gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals)), gorgonia.WithName(name))
}

// Run computes every node of g once on a TapeMachine; the nodes keep their values.
func Run(g *gorgonia.ExprGraph) error {
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	return m.RunAll()
}
