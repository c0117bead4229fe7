package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/graph/nn"
)

// exercises answers the section's exercises whose answer is a computation:
// exercise 1, two kernels in a row are one larger kernel; exercises 2 to 4, the
// operation count and memory of a multi-channel and a 1x1 convolution, set against
// a timed run; the effect of doubling the channels or the padding.
func exercises(w io.Writer) error {
	if err := twoKernels(w); err != nil {
		return err
	}
	return costs(w, timeConv)
}

// randoms returns n values uniform in [-1, 1).
func randoms(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.Float64()*2 - 1
	}
	return v
}

// corrChain computes corr2d(corr2d(X, A), B) and corr2d(X, A*B) with A*B the full
// convolution of the two kernels, in one graph.
func corrChain(x, a, b, ab []float64, n, ka, kb int) (twice, once []float64, err error) {
	g := gorgonia.NewGraph()
	mk := func(name string, v []float64, s int) *gorgonia.Node { return exgraph.Node(g, name, v, s, s) }
	xn := mk("X", x, n)
	y1, err := graph.Corr2D(xn, mk("A", a, ka))
	if err != nil {
		return nil, nil, err
	}
	y2, err := graph.Corr2D(y1, mk("B", b, kb))
	if err != nil {
		return nil, nil, err
	}
	y3, err := graph.Corr2D(xn, mk("AB", ab, ka+kb-1))
	if err != nil {
		return nil, nil, err
	}
	if err := exgraph.Run(g); err != nil {
		return nil, nil, err
	}
	return y2.Value().Data().([]float64), y3.Value().Data().([]float64), nil
}

// twoKernels is exercise 1: corr2d(corr2d(X, A), B) = corr2d(X, K) with
// K[c] = Σ_{a+b=c} A[a]·B[b], a (k1+k2-1) x (k1+k2-1) kernel.
func twoKernels(w io.Writer) error {
	const n, ka, kb = 8, 3, 2
	rng := rand.New(rand.NewPCG(5, 5))
	x, a, b := randoms(rng, n*n), randoms(rng, ka*ka), randoms(rng, kb*kb)
	k := ka + kb - 1
	ab := make([]float64, k*k)
	for i := range ka {
		for j := range ka {
			for u := range kb {
				for v := range kb {
					ab[(i+u)*k+j+v] += a[i*ka+j] * b[u*kb+v]
				}
			}
		}
	}
	twice, once, err := corrChain(x, a, b, ab, n, ka, kb)
	if err != nil {
		return err
	}
	diff := 0.0
	for i := range twice {
		diff = math.Max(diff, math.Abs(twice[i]-once[i]))
	}
	fmt.Fprintln(w, "Exercise 1: a 3x3 kernel A, then a 2x2 kernel B, without a non-linearity between, on a random 8x8 X")
	fmt.Fprintf(w, "  corr2d(corr2d(X, A), B) and corr2d(X, K), K = A * B (%dx%d, K[c] = sum over a+b=c of A[a]B[b]):\n", k, k)
	fmt.Fprintf(w, "  both %dx%d, largest difference %.1e: one %dx%d convolution (k1 + k2 - 1).\n", n-k+1, n-k+1, diff, k, k)
	fmt.Fprintln(w, "  The converse fails in general: K has 16 free values, A and B together 13.")
	fmt.Fprintln(w)
	return nil
}

// convCase is a convolution of a batch: shapes, padding, stride 1.
type convCase struct {
	name                string
	n, ci, co, h, k, p  int
	oh                  int
	macs                int // forward multiply-adds
	in, weights, out    int // floats
	im2col              int // floats of the unfolded input the backward pass reuses
	backward            int // multiply-adds of dX and dW
	forwardB, backwardB int // bytes held, float32
}

func newConvCase(name string, n, ci, co, h, k, p int) convCase {
	c := convCase{name: name, n: n, ci: ci, co: co, h: h, k: k, p: p}
	c.oh = geom.OutputSize(h, k, p, 1)
	c.macs = n * co * ci * k * k * c.oh * c.oh
	c.in, c.weights, c.out = n*ci*h*h, co*ci*k*k, n*co*c.oh*c.oh
	if k > 1 || p > 0 {
		c.im2col = n * ci * k * k * c.oh * c.oh
	}
	c.backward = 2 * c.macs
	c.forwardB = 4 * (c.in + c.weights + c.out + c.im2col)
	c.backwardB = c.forwardB + 4*(c.in+c.weights+c.out) // the three gradients
	return c
}

// timer times one forward pass of a case; the minimum over rounds is used.
type timer func(c convCase, rounds int) (time.Duration, error)

// timeConv times nn.FusedConv2D (the convolution LeNet trains with) on random
// float32 values.
func timeConv(c convCase, rounds int) (time.Duration, error) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(c.n, c.ci, c.h, c.h), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Uniform(-1, 1)))
	k := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(c.co, c.ci, c.k, c.k), gorgonia.WithName("w"), gorgonia.WithInit(gorgonia.Uniform(-1, 1)))
	if _, err := nn.FusedConv2D(x, k, nil, [2]int{c.p, c.p}, [2]int{1, 1}); err != nil {
		return 0, err
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	best := time.Duration(math.MaxInt64)
	for range rounds + 1 { // the first run allocates
		m.Reset()
		start := time.Now()
		if err := m.RunAll(); err != nil {
			return 0, err
		}
		best = min(best, time.Since(start))
	}
	return best, nil
}

// costs is exercises 2 to 4 on a 3x3 and a 1x1 convolution of the same batch.
func costs(w io.Writer, clock timer) error {
	cases := []convCase{
		newConvCase("3x3, padding 1", 16, 16, 32, 32, 3, 1),
		newConvCase("1x1", 16, 16, 32, 32, 1, 0),
		newConvCase("3x3, ci and co doubled", 16, 32, 64, 32, 3, 1),
		newConvCase("3x3, padding doubled to 2", 16, 16, 32, 32, 3, 2),
	}
	fmt.Fprintln(w, "Exercises 2-4: cost of a convolution, input (n, ci, h, w) = (16, 16, 32, 32), co = 32, stride 1")
	fmt.Fprintln(w, "  forward multiply-adds n*co*ci*kh*kw*oh*ow; backward (dX and dW) twice that;")
	fmt.Fprintln(w, "  memory (float32): input + weights + output (+ the unfolded input of a kxk kernel), backward adds their gradients")
	for _, c := range cases {
		fmt.Fprintf(w, "  %-26s output %dx%d: %11d forward, %11d backward multiply-adds; %5.1f MiB forward, %5.1f MiB backward\n",
			c.name, c.oh, c.oh, c.macs, c.backward, mib(c.forwardB), mib(c.backwardB))
	}
	a, b := cases[0], cases[1]
	fmt.Fprintf(w, "  3x3 / 1x1 multiply-adds: %.2f (kh*kw); ci and co doubled: %.2f (4); padding doubled: %.3f ((34/32)^2)\n",
		float64(a.macs)/float64(b.macs), float64(cases[2].macs)/float64(a.macs), float64(cases[3].macs)/float64(a.macs))
	ta, err := clock(a, 5)
	if err != nil {
		return err
	}
	tb, err := clock(b, 5)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  timed (nn.FusedConv2D, best of 5 forward passes): 3x3 %v, 1x1 %v, ratio %.1f against %.0f counted;\n",
		ta.Round(10*time.Microsecond), tb.Round(10*time.Microsecond), float64(ta)/float64(tb), float64(a.macs)/float64(b.macs))
	fmt.Fprintln(w, "  the 1x1 convolution is a plain matrix product; the 3x3 one also unfolds its input (im2col),")
	fmt.Fprintln(w, "  so the times follow the counts only roughly (and vary with the machine's load).")
	return nil
}

func mib(b int) float64 { return float64(b) / (1 << 20) }
