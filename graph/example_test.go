package graph_test

import (
	"fmt"

	"github.com/d2l-go/convnets/graph"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// run evaluates the graph on a TapeMachine.
func run(g *gorgonia.ExprGraph) error {
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	return m.RunAll()
}

// show runs the graph and prints y the way the textbook prints a tensor.
func show(g *gorgonia.ExprGraph, y *gorgonia.Node) {
	if err := run(g); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(graph.Format(y.Value()))
}

// The chapter's first cross-correlation: a 3x3 input and a 2x2 kernel.
func ExampleCorr2D() {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(3, 3),
		tensor.WithBacking([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8})), gorgonia.WithName("X"))
	k := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(2, 2),
		tensor.WithBacking([]float64{0, 1, 2, 3})), gorgonia.WithName("K"))
	y, err := graph.Corr2D(x, k)
	if err != nil {
		fmt.Println(err)
		return
	}
	show(g, y)
	// Output:
	// [[19, 25],
	//  [37, 43]]
}

// Im2col followed by a matrix product gives the same numbers.
func ExampleCorr2DMatMul() {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(3, 3),
		tensor.WithBacking([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8})), gorgonia.WithName("X"))
	k := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(2, 2),
		tensor.WithBacking([]float32{0, 1, 2, 3})), gorgonia.WithName("K"))
	y, err := graph.Corr2DMatMul(x, k)
	if err != nil {
		fmt.Println(err)
		return
	}
	show(g, y)
	// Output:
	// [[19, 25],
	//  [37, 43]]
}

// Two input channels, one kernel slice per channel, summed.
func ExampleCorr2DMultiIn() {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(2, 3, 3), tensor.WithBacking([]float64{
		0, 1, 2, 3, 4, 5, 6, 7, 8,
		1, 2, 3, 4, 5, 6, 7, 8, 9,
	})), gorgonia.WithName("X"))
	k := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(2, 2, 2), tensor.WithBacking([]float64{
		0, 1, 2, 3,
		1, 2, 3, 4,
	})), gorgonia.WithName("K"))
	y, err := graph.Corr2DMultiIn(x, k)
	if err != nil {
		fmt.Println(err)
		return
	}
	show(g, y)
	// Output:
	// [[ 56,  72],
	//  [104, 120]]
}

// Three output channels from the kernels K, K+1 and K+2 stacked into (3, 2, 2, 2).
func ExampleCorr2DMultiInOut() {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(2, 3, 3), tensor.WithBacking([]float64{
		0, 1, 2, 3, 4, 5, 6, 7, 8,
		1, 2, 3, 4, 5, 6, 7, 8, 9,
	})), gorgonia.WithName("X"))
	base := []float64{0, 1, 2, 3, 1, 2, 3, 4}
	var stacked []float64
	for add := range 3 {
		for _, v := range base {
			stacked = append(stacked, v+float64(add))
		}
	}
	k := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(3, 2, 2, 2), tensor.WithBacking(stacked)), gorgonia.WithName("K"))
	y, err := graph.Corr2DMultiInOut(x, k)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(y.Shape())
	show(g, y)
	// Output:
	// (3, 2, 2)
	// [[[ 56,  72],
	//   [104, 120]],
	//
	//  [[ 76, 100],
	//   [148, 172]],
	//
	//  [[ 96, 128],
	//   [192, 224]]]
}

// Stride-1 pooling of the chapter's 3x3 input with a 2x2 window, in every mode.
func ExamplePool2D() {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(3, 3),
		tensor.WithBacking([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8})), gorgonia.WithName("X"))
	modes := []graph.PoolMode{graph.Max, graph.Avg, graph.Min}
	ys := make([]*gorgonia.Node, len(modes))
	for i, mode := range modes {
		var err error
		if ys[i], err = graph.Pool2D(x, 2, 2, mode); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := run(g); err != nil {
		fmt.Println(err)
		return
	}
	for i, mode := range modes {
		fmt.Printf("%v:\n%s\n", mode, graph.Format(ys[i].Value()))
	}
	// Output:
	// max:
	// [[4, 5],
	//  [7, 8]]
	// avg:
	// [[2, 3],
	//  [5, 6]]
	// min:
	// [[0, 1],
	//  [3, 4]]
}

// Bad shapes come back as errors, never panics.
func ExampleCorr2D_kernelTooLarge() {
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(3, 3), gorgonia.WithName("X"))
	k := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(4, 2), gorgonia.WithName("K"))
	_, err := graph.Corr2D(x, k)
	fmt.Println(err)
	// Output:
	// graph: Corr2D: kernel 4x2 is larger than the input 3x3; the kernel must fit inside the input (pad the input first)
}
