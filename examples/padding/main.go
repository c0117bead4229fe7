// Command padding shows docs/chapter.md section 3: how padding and stride set the
// output size of a convolution. For each of the chapter's four cases on an 8x8 input (one channel in
// and out) it runs graph.Conv2D and prints the output shape next to the formula
//
//	floor((n - k + 2p) / s) + 1
//
// per dimension, with p pixels of padding on each side. `padding exercises` answers the
// section's exercises (see exercises.go).
package main

import (
	"fmt"
	"io"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/examplemain"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() { examplemain.Main("padding", run, exercises) }

// shapeCase is one row of the chapter's table.
type shapeCase struct {
	kernel, pad, stride [2]int
}

// cases are the chapter's four rows, on an 8x8 input.
var cases = []shapeCase{
	{[2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}},
	{[2]int{5, 3}, [2]int{2, 1}, [2]int{1, 1}},
	{[2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}},
	{[2]int{3, 5}, [2]int{0, 1}, [2]int{3, 4}},
}

const side = 8

// convShape runs one convolution of a random 8x8 image and returns its output's
// height and width.
func convShape(c shapeCase) (int, int, error) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, side, side), gorgonia.WithName("X"),
		gorgonia.WithInit(gorgonia.Uniform(0, 1)))
	k := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, c.kernel[0], c.kernel[1]), gorgonia.WithName("K"),
		gorgonia.WithInit(gorgonia.Uniform(-1, 1)))
	y, err := graph.Conv2D(x, k, c.pad, c.stride)
	if err != nil {
		return 0, 0, err
	}
	if err := exgraph.Run(g); err != nil {
		return 0, 0, err
	}
	s := y.Value().Shape()
	return s[2], s[3], nil
}

// run prints every case: the settings, the shape Conv2D produced and the formula's.
func run(w io.Writer) error {
	fmt.Fprintf(w, "input %dx%d, one channel in and out; output = floor((n - k + 2p) / s) + 1\n", side, side)
	for _, c := range cases {
		oh, ow, err := convShape(c)
		if err != nil {
			return fmt.Errorf("kernel %dx%d: %w", c.kernel[0], c.kernel[1], err)
		}
		fh := geom.OutputSize(side, c.kernel[0], c.pad[0], c.stride[0])
		fw := geom.OutputSize(side, c.kernel[1], c.pad[1], c.stride[1])
		fmt.Fprintf(w, "kernel %dx%d, padding (%d,%d), stride (%d,%d): Conv2D output %dx%d; formula floor((8-%d+2*%d)/%d)+1 = %d, floor((8-%d+2*%d)/%d)+1 = %d\n",
			c.kernel[0], c.kernel[1], c.pad[0], c.pad[1], c.stride[0], c.stride[1], oh, ow,
			c.kernel[0], c.pad[0], c.stride[0], fh, c.kernel[1], c.pad[1], c.stride[1], fw)
		if oh != fh || ow != fw {
			return fmt.Errorf("kernel %dx%d: Conv2D gave %dx%d but the formula %dx%d", c.kernel[0], c.kernel[1], oh, ow, fh, fw)
		}
	}
	_, err := fmt.Fprintln(w, "padding keeps the size; a stride of s divides it by about s")
	return err
}
