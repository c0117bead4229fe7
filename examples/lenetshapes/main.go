// Command lenetshapes prints LeNet's layer-by-layer table for one (1,1,28,28) image,
// classic and modern variants (docs/chapter.md sections 6 and 7): every layer's output
// shape, its receptive field and its parameter count.
//
// Usage:
//
//	go run ./examples/lenetshapes
//
// The receptive field is the side of the input window one output unit depends on. Going
// through the stack, a layer with kernel k and stride s grows it by (k-1) times the
// distance, in input pixels, between neighbouring units of its input ("jump"):
//
//	r_out = r_in + (k - 1) * j_in        j_out = j_in * s        (r = j = 1 at the input)
//
// Padding moves the window (near the border part of it lies in the zero padding) but
// does not change its size; activations and Flatten change neither. A Linear layer
// combines every unit, so it sees the whole 28x28 image. For LeNet: conv1 5x5,
// pool1 6x6, conv2 14x14, pool2 16x16, the Linear layers 28x28.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/d2l-go/convnets/internal/cli"
)

func main() {
	os.Exit(cli.NoArgs("lenetshapes", os.Args[1:], os.Stdout, os.Stderr, run))
}

// run prints the tables of both variants.
func run(w io.Writer) error {
	for i, v := range variants {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := writeTable(w, v); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "receptive field: the input window one unit sees; r += (k-1)*jump, jump *= stride per layer;")
	fmt.Fprintln(w, "padding shifts the window without growing it; a Linear layer sees the whole image.")
	return nil
}
