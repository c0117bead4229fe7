// Command receptive shows the receptive-field arithmetic of docs/chapter.md section 2:
// the receptive field of an output is the input window that can affect it. Stacking
// stride-1 kh×kw layers grows it by k-1 per layer, so two 3x3 layers see 5x5 and three
// see 7x7, with fewer weights than one 5x5 (18 vs 25) or 7x7 (27 vs 49) kernel per
// channel pair.
//
// The field is computed by receptiveField and also measured: the gradient of one output
// of stacked graph.Corr2D layers with respect to the input is nonzero exactly on the
// window that output sees.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/cli"
	"gorgonia.org/gorgonia"
)

func main() {
	os.Exit(cli.NoArgs("receptive", os.Args[1:], os.Stdout, os.Stderr, run))
}

// window is a convolution or pooling layer along one dimension: kernel size and stride.
type window struct{ k, s int }

// receptiveField returns the side of the input window one output of the stacked layers
// sees. Layer l adds (k_l - 1) times the product of the strides before it:
//
//	r = 1 + Σ_l (k_l - 1) · s_1 · ... · s_(l-1)
func receptiveField(layers []window) int {
	r, jump := 1, 1
	for _, l := range layers {
		r += (l.k - 1) * jump
		jump *= l.s
	}
	return r
}

// stack returns n stride-1 layers with a k×k kernel.
func stack(n, k int) []window {
	ls := make([]window, n)
	for i := range ls {
		ls[i] = window{k: k, s: 1}
	}
	return ls
}

// measured builds n stacked 3x3 Corr2D layers (all-ones kernels) on an all-ones
// side×side input, and returns the height and width of the region where the gradient
// of the central output with respect to the input is nonzero.
func measured(n, side int) (int, int, error) {
	g := gorgonia.NewGraph()
	x := exgraph.Node(g, "X", ones(side*side), side, side)
	y := x
	for i := range n {
		k := exgraph.Node(g, fmt.Sprintf("K%d", i), ones(9), 3, 3)
		var err error
		if y, err = graph.Corr2D(y, k); err != nil {
			return 0, 0, fmt.Errorf("layer %d: %w", i+1, err)
		}
	}
	// Pick the central output with a one-hot mask and differentiate it.
	s := y.Shape()
	mask := make([]float64, s.TotalSize())
	mask[(s[0]/2)*s[1]+s[1]/2] = 1
	mn := exgraph.Node(g, "mask", mask, s...)
	picked, err := gorgonia.HadamardProd(y, mn)
	if err != nil {
		return 0, 0, err
	}
	out, err := gorgonia.Sum(picked)
	if err != nil {
		return 0, 0, err
	}
	if _, err := gorgonia.Grad(out, x); err != nil {
		return 0, 0, err
	}
	if err := exgraph.Run(g); err != nil {
		return 0, 0, err
	}
	d, err := x.Grad()
	if err != nil {
		return 0, 0, err
	}
	gd, ok := d.Data().([]float64)
	if !ok {
		return 0, 0, fmt.Errorf("unexpected gradient data %T", d.Data())
	}
	r0, r1, c0, c1 := side, -1, side, -1
	for i, v := range gd {
		if v != 0 {
			r, c := i/side, i%side
			r0, r1, c0, c1 = min(r0, r), max(r1, r), min(c0, c), max(c1, c)
		}
	}
	if r1 < 0 {
		return 0, 0, fmt.Errorf("the gradient is zero everywhere")
	}
	return r1 - r0 + 1, c1 - c0 + 1, nil
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// run prints the receptive fields and weight counts of 1, 2 and 3 stacked 3x3 layers,
// measured and computed, and LeNet's.
func run(w io.Writer) error {
	const k = 3
	fmt.Fprintf(w, "n stacked %dx%d convolutions, stride 1: receptive field 1 + n*(%d-1)\n", k, k, k)
	fmt.Fprintln(w, "(measured: where the gradient of one output with respect to the input is nonzero)")
	for n := 1; n <= 3; n++ {
		r := receptiveField(stack(n, k))
		mh, mw, err := measured(n, 11)
		if err != nil {
			return err
		}
		if mh != r || mw != r {
			return fmt.Errorf("%d layers: the gradient reaches %dx%d inputs, the formula says %dx%d", n, mh, mw, r, r)
		}
		fmt.Fprintf(w, "  %d x %dx%d: field %dx%d (measured %dx%d), %2d weights per channel pair; one %dx%d kernel: %2d\n",
			n, k, k, r, r, mh, mw, n*k*k, r, r, r*r)
	}
	lenet := []window{{5, 1}, {2, 2}, {5, 1}, {2, 2}}
	r := receptiveField(lenet)
	fmt.Fprintf(w, "with strides: after LeNet's conv 5x5, pool 2x2/2, conv 5x5, pool 2x2/2 each output sees %dx%d\n", r, r)
	fmt.Fprintln(w, "deeper stacks of small kernels see as far with fewer weights and more nonlinearities.")
	return nil
}
