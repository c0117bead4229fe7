// Command convmatmul shows docs/chapter.md section 2's "convolution as matrix
// multiplication": every kh×kw window of X is unrolled into one row of a matrix
// (im2col), the matrix times the flattened kernel gives every output at once, and a
// reshape restores the 2-D layout. It prints the unrolled 3x3 example, checks that
// graph.Corr2DMatMul equals graph.Corr2D (exactly on the example and on random
// integers; up to rounding on random floats) and times both on a 256x256 input with a
// 3x3 kernel. For steadier numbers run the benchmarks:
//
//	go test -run XXX -bench Corr2D ./graph
package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/cli"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Timing settings: the input side, and how many forward passes to time (the fastest
// counts).
const (
	side  = 256
	ksize = 3
	reps  = 10
)

func main() {
	os.Exit(cli.NoArgs("convmatmul", os.Args[1:], os.Stdout, os.Stderr, run))
}

// run prints the example, the equality checks and the timings.
func run(w io.Writer) error { return cli.Steps(w, unrolled, equality, timing) }

// unrolled prints im2col of the chapter's 3x3 X for a 2x2 window, the product with
// vec(K), and Corr2DMatMul's result.
func unrolled(w io.Writer) error {
	g := gorgonia.NewGraph()
	x := exgraph.Node(g, "X", []float32{0, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 3)
	k := exgraph.Node(g, "K", []float32{0, 1, 2, 3}, 2, 2)
	// Gorgonia's Im2Col works on (n, c, h, w) batches; graph's tests check that it
	// unrolls exactly like Corr2DMatMul's own im2col.
	x4, err := gorgonia.Reshape(x, tensor.Shape{1, 1, 3, 3})
	if err != nil {
		return err
	}
	cols4, err := gorgonia.Im2Col(x4, tensor.Shape{2, 2}, tensor.Shape{0, 0}, tensor.Shape{1, 1}, tensor.Shape{1, 1})
	if err != nil {
		return fmt.Errorf("im2col: %w", err)
	}
	cols, err := gorgonia.Reshape(cols4, tensor.Shape{4, 4})
	if err != nil {
		return err
	}
	kv, err := gorgonia.Reshape(k, tensor.Shape{4})
	if err != nil {
		return err
	}
	prod, err := gorgonia.Mul(cols, kv)
	if err != nil {
		return fmt.Errorf("matrix product: %w", err)
	}
	y, same, err := methodsDiff(g, x, k)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "im2col(X) for X = 0..8 as 3x3 and a 2x2 window: one row per window\n%s\n", graph.Format(cols.Value()))
	fmt.Fprintf(w, "im2col(X) · vec(K), K = [[0, 1], [2, 3]]: %s\n", graph.Format(prod.Value()))
	fmt.Fprintf(w, "reshaped to 2x2 (Corr2DMatMul):\n%s\n", graph.Format(y.Value()))
	fmt.Fprintf(w, "equal to Corr2D: %v\n\n", same == 0)
	return nil
}

// methodsDiff adds Corr2D and Corr2DMatMul of x and k to g, runs g and returns
// Corr2DMatMul's node and the largest |Corr2D - Corr2DMatMul|.
func methodsDiff(g *gorgonia.ExprGraph, x, k *gorgonia.Node) (*gorgonia.Node, float64, error) {
	direct, err := graph.Corr2D(x, k)
	if err != nil {
		return nil, 0, err
	}
	mm, err := graph.Corr2DMatMul(x, k)
	if err != nil {
		return nil, 0, err
	}
	if err := exgraph.Run(g); err != nil {
		return nil, 0, err
	}
	d, err := maxAbsDiff(direct.Value(), mm.Value())
	return mm, d, err
}

// equality compares the two methods on random 256x256 inputs: small integers, where
// every partial sum is exact and the results must be identical, and floats in [-1, 1),
// where BLAS's summation order may change the last bits.
func equality(w io.Writer) error {
	rng := rand.New(rand.NewPCG(1, 2))
	ints := func(n int) []float64 { return exgraph.Ints[float64](rng, n, 9) }
	floats := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.Float64()*2 - 1
		}
		return v
	}
	for _, c := range []struct {
		name string
		gen  func(int) []float64
	}{{"integers in [-9, 9]", ints}, {"floats in [-1, 1)", floats}} {
		g := gorgonia.NewGraph()
		x := exgraph.Node(g, "X", c.gen(side*side), side, side)
		k := exgraph.Node(g, "K", c.gen(ksize*ksize), ksize, ksize)
		_, d, err := methodsDiff(g, x, k)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "random %dx%d %s, float64: max |Corr2D - Corr2DMatMul| = %.2g\n", side, side, c.name, d)
	}
	fmt.Fprintln(w, "(integers: every partial sum is exact; floats: BLAS adds each window in another order)")
	fmt.Fprintln(w)
	return nil
}

// timing prints the fastest of reps forward passes of each method, float32.
func timing(w io.Writer) error {
	fmt.Fprintf(w, "timing: %dx%d input, %dx%d kernel, float32, fastest of %d forward passes\n", side, side, ksize, ksize, reps)
	rng := rand.New(rand.NewPCG(3, 4))
	xs := make([]float32, side*side)
	for i := range xs {
		xs[i] = rng.Float32()
	}
	for _, c := range []struct {
		name  string
		build func(x, k *gorgonia.Node) (*gorgonia.Node, error)
	}{{"Corr2D (direct loops)", graph.Corr2D}, {"Corr2DMatMul (im2col + gemv)", graph.Corr2DMatMul}} {
		g := gorgonia.NewGraph()
		x := exgraph.Node(g, "X", append([]float32(nil), xs...), side, side)
		k := exgraph.Node(g, "K", []float32{1, 0, -1, 2, 0, -2, 1, 0, -1}, ksize, ksize)
		if _, err := c.build(x, k); err != nil {
			return err
		}
		best, err := fastest(g)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Fprintf(w, "  %-30s %v\n", c.name, best)
	}
	fmt.Fprintf(w, "im2col copies every pixel into up to %d rows; it pays off with many channels,\n", ksize*ksize)
	fmt.Fprintln(w, "where one large matrix product replaces many small loops.")
	return nil
}

// fastest runs g reps times after one warm-up run and returns the shortest run.
func fastest(g *gorgonia.ExprGraph) (time.Duration, error) {
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	best := time.Duration(math.MaxInt64)
	for i := -1; i < reps; i++ {
		start := time.Now()
		if err := m.RunAll(); err != nil {
			return 0, err
		}
		if d := time.Since(start); i >= 0 && d < best {
			best = d
		}
		m.Reset()
	}
	return best.Round(time.Microsecond), nil
}

// maxAbsDiff returns max |a - b| over two values of the same size.
func maxAbsDiff(a, b gorgonia.Value) (float64, error) {
	af, err := floats(a)
	if err != nil {
		return 0, err
	}
	bf, err := floats(b)
	if err != nil {
		return 0, err
	}
	if len(af) != len(bf) {
		return 0, fmt.Errorf("comparing %d values with %d", len(af), len(bf))
	}
	var d float64
	for i := range af {
		d = math.Max(d, math.Abs(af[i]-bf[i]))
	}
	return d, nil
}

func floats(v gorgonia.Value) ([]float64, error) {
	switch d := v.Data().(type) {
	case []float64:
		return d, nil
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected data %T", v.Data())
}
