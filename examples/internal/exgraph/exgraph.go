// Package exgraph holds the steps the examples repeat around the op they show: drawing
// small integers to compute with exactly, putting known values into a graph, and
// running the graph once.
package exgraph

import (
	"math/rand/v2"

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

// Ints returns n integers drawn uniformly from [-max, max] by rng: values whose products
// and sums stay exact in float32 and float64, so two ways of computing them must agree
// to the last bit.
func Ints[T float32 | float64](rng *rand.Rand, n, max int) []T {
	v := make([]T, n)
	for i := range v {
		v[i] = T(rng.IntN(2*max+1) - max)
	}
	return v
}
