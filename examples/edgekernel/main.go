// Command edgekernel learns the edge-detection kernel [1, -1] from examples,
// docs/chapter.md section 2 ("Learning the kernel"):
//
//	X = ones(6, 8) with columns 2..5 set to 0
//	Y = corr2d(X, [[1, -1]])                      (1 at column 1, -1 at column 5)
//	a 1-in/1-out convolution with a (1, 2) kernel and no bias on X as (1, 1, 6, 8)
//	loss = sum((conv(X) - Y)^2), plain gradient descent, lr 3e-2, 10 epochs
//
// It prints the loss every 2 epochs and, last, the learned kernel. -seed picks the
// random (Xavier-uniform) initial kernel.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/internal/cli"
)

const (
	epochs       = 10
	learningRate = 3e-2
)

func main() {
	os.Exit(runArgs(os.Args[1:], os.Stdout, os.Stderr))
}

// runArgs parses the command line and runs; it returns the exit status.
func runArgs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("edgekernel", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed of the random initial kernel")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return cli.Exit(stderr, "edgekernel", err)
	}
	return cli.Exit(stderr, "edgekernel", run(stdout, *seed))
}

// edgeImage is the chapter's X: a 6x8 image of ones with a black band in columns 2..5.
func edgeImage() *tensor.Dense {
	x := make([]float32, 6*8)
	for i := range x {
		if c := i % 8; c < 2 || c > 5 {
			x[i] = 1
		}
	}
	return tensor.New(tensor.WithShape(6, 8), tensor.WithBacking(x))
}

// edgeTarget computes Y = corr2d(X, [[1, -1]]) with graph.Corr2D.
func edgeTarget(x *tensor.Dense) (*tensor.Dense, error) {
	g := gorgonia.NewGraph()
	xn := gorgonia.NodeFromAny(g, x.Clone().(*tensor.Dense), gorgonia.WithName("X"))
	k := exgraph.Node(g, "K", []float32{1, -1}, 1, 2)
	y, err := graph.Corr2D(xn, k)
	if err != nil {
		return nil, err
	}
	if err := exgraph.Run(g); err != nil {
		return nil, fmt.Errorf("computing Y: %w", err)
	}
	return y.Value().(*tensor.Dense).Clone().(*tensor.Dense), nil
}

// run trains the kernel from the initial values drawn with seed and writes the report
// to w.
func run(w io.Writer, seed uint64) error {
	x := edgeImage()
	y, err := edgeTarget(x)
	if err != nil {
		return err
	}
	if err := x.Reshape(1, 1, 6, 8); err != nil {
		return err
	}
	if err := y.Reshape(1, 1, 6, 7); err != nil {
		return err
	}

	g := gorgonia.NewGraph()
	conv, err := layers.NewConv2D(g, "conv2d", layers.Conv2DConfig{In: 1, Out: 1, Kernel: [2]int{1, 2}, NoBias: true},
		rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return err
	}
	xn := gorgonia.NodeFromAny(g, x, gorgonia.WithName("X"))
	yn := gorgonia.NodeFromAny(g, y, gorgonia.WithName("Y"))
	yhat, err := conv.Forward(xn)
	if err != nil {
		return err
	}
	diff, err := gorgonia.Sub(yhat, yn)
	if err != nil {
		return err
	}
	sq, err := gorgonia.Square(diff)
	if err != nil {
		return err
	}
	loss, err := gorgonia.Sum(sq)
	if err != nil {
		return err
	}
	if _, err := gorgonia.Grad(loss, conv.Params()...); err != nil {
		return fmt.Errorf("building the gradient: %w", err)
	}
	var lossVal gorgonia.Value
	gorgonia.Read(loss, &lossVal)

	m, err := device.NewMachine(g, device.CPU, gorgonia.BindDualValues(conv.Params()...))
	if err != nil {
		return err
	}
	defer m.Close()
	solver := gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(learningRate))
	for epoch := 1; epoch <= epochs; epoch++ {
		if err := m.RunAll(); err != nil {
			return fmt.Errorf("epoch %d: %w", epoch, err)
		}
		if err := solver.Step(gorgonia.NodesToValueGrads(conv.Params())); err != nil {
			return fmt.Errorf("epoch %d: gradient step: %w", epoch, err)
		}
		if epoch%2 == 0 {
			fmt.Fprintf(w, "epoch %d, loss %.3f\n", epoch, lossVal.Data().(float32))
		}
		m.Reset()
	}
	k := conv.Weight().Value().Data().([]float32)
	_, err = fmt.Fprintf(w, "learned kernel [[%.4f, %.4f]]\n", k[0], k[1])
	return err
}
