// Command channels shows docs/chapter.md section 4, "Multiple input and output
// channels":
//
//   - multi-input: the sum over channels of corr2d(X_c, K_c), [[56,72],[104,120]];
//   - multi-output: the kernels K, K+1, K+2 stacked into (3, 2, 2, 2) give a (3, 2, 2)
//     output, one channel per kernel;
//   - a 1x1 convolution is a fully connected layer at every pixel: it equals the
//     (c_o, c_i) kernel times the (c_i, h·w) input;
//   - the cost of a convolution layer, O(c_i·c_o·kh·kw·oh·ow), for LeNet's two layers,
//     and its parameters: c_o·c_i·kh·kw weights and one bias per OUTPUT channel.
//
// `channels exercises` answers the section's exercises (see exercises.go).
package main

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/examplemain"
	"gorgonia.org/gorgonia"
)

func main() { examplemain.Main("channels", run, exercises) }

// run prints the section's computations.
func run(w io.Writer) error { return cli.Steps(w, multiChannel, oneByOne, cost) }

// multiChannel prints the chapter's multi-input and multi-output examples.
func multiChannel(w io.Writer) error {
	g := gorgonia.NewGraph()
	x := exgraph.Node(g, "X", []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2, 3, 3)
	base := []float32{0, 1, 2, 3, 1, 2, 3, 4}
	k := exgraph.Node(g, "K", base, 2, 2, 2)
	var stacked []float32
	for add := range 3 {
		for _, v := range base {
			stacked = append(stacked, v+float32(add))
		}
	}
	k3 := exgraph.Node(g, "K3", stacked, 3, 2, 2, 2)
	in, err := graph.Corr2DMultiIn(x, k)
	if err != nil {
		return err
	}
	out, err := graph.Corr2DMultiInOut(x, k3)
	if err != nil {
		return err
	}
	if err := exgraph.Run(g); err != nil {
		return err
	}
	fmt.Fprintf(w, "multi-input: X %v, K %v; the sum over channels of corr2d(X[c], K[c]):\n%s\n", x.Shape(), k.Shape(), graph.Format(in.Value()))
	fmt.Fprintf(w, "multi-output: K = stack(K, K+1, K+2) %v; output %v, one channel per kernel:\n%s\n\n", k3.Shape(), out.Shape(), graph.Format(out.Value()))
	return nil
}

// oneByOne compares a 1x1 convolution with the matrix product it amounts to, on
// random small integers (so both are exact and must agree to the last bit).
func oneByOne(w io.Writer) error {
	const ci, co, h, wd = 3, 2, 3, 3
	rng := rand.New(rand.NewPCG(7, 7))
	g := gorgonia.NewGraph()
	xv, kv := exgraph.Ints[float32](rng, ci*h*wd, 4), exgraph.Ints[float32](rng, co*ci, 4)
	x := exgraph.Node(g, "X", xv, ci, h, wd)
	k := exgraph.Node(g, "K", kv, co, ci, 1, 1)
	conv, err := graph.Corr2DMultiInOut(x, k)
	if err != nil {
		return err
	}
	xm := exgraph.Node(g, "Xmat", append([]float32(nil), xv...), ci, h*wd)
	km := exgraph.Node(g, "Kmat", append([]float32(nil), kv...), co, ci)
	prod, err := gorgonia.Mul(km, xm)
	if err != nil {
		return err
	}
	if err := exgraph.Run(g); err != nil {
		return err
	}
	a, b := conv.Value().Data().([]float32), prod.Value().Data().([]float32)
	equal := len(a) == len(b)
	for i := 0; equal && i < len(a); i++ {
		equal = a[i] == b[i]
	}
	fmt.Fprintf(w, "1x1 convolution: X %v, K %v -> %v\n", x.Shape(), k.Shape(), conv.Shape())
	fmt.Fprintf(w, "equals K as a (%d, %d) matrix times X as a (%d, %d) matrix: %v\n\n", co, ci, ci, h*wd, equal)
	return nil
}

// layer is one convolution layer: channels, kernel side, padding and input side.
type layer struct {
	name            string
	ci, co, k, p, n int
}

// cost prints the multiply-adds and parameters of LeNet's two convolution layers.
func cost(w io.Writer) error {
	fmt.Fprintln(w, "cost of a convolution layer: O(ci * co * kh * kw * oh * ow) multiply-adds;")
	fmt.Fprintln(w, "parameters: co * ci * kh * kw weights and one bias per OUTPUT channel (co)")
	for _, l := range []layer{
		{"LeNet conv1", 1, 6, 5, 2, 28},
		{"LeNet conv2", 6, 16, 5, 0, 14},
	} {
		o := geom.OutputSize(l.n, l.k, l.p, 1)
		if o == 0 {
			return fmt.Errorf("%s: the kernel does not fit", l.name)
		}
		macs := l.ci * l.co * l.k * l.k * o * o
		fmt.Fprintf(w, "%s: %dx%d input, ci=%d, co=%d, %dx%d kernel, padding %d -> %dx%d output:\n",
			l.name, l.n, l.n, l.ci, l.co, l.k, l.k, l.p, o, o)
		fmt.Fprintf(w, "  %d*%d*%d*%d*%d*%d = %d multiply-adds per image; %d weights + %d biases\n",
			l.ci, l.co, l.k, l.k, o, o, macs, l.co*l.ci*l.k*l.k, l.co)
	}
	return nil
}
