package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/cli"
)

// The exercises of section 2 whose answer is a computation:
//
//  1. an image with a diagonal edge through K = [1, -1], its transpose, K transposed;
//  2. kernels designed by hand: first and second derivative, an integral, each
//     checked on sin sampled on a grid against the exact answer, and the smallest
//     kernel for a derivative of order d (d + 1 taps) checked on x^d.
//
// (Exercise 4, cross-correlation as a matrix product, is examples/convmatmul.)
func exercises(w io.Writer) error {
	return cli.Steps(w, diagonal, derivatives, orders)
}

// corr runs graph.Corr2D on float64 matrices and returns the result's values.
func corr(x []float64, xr, xc int, k []float64, kr, kc int) (*tensor.Dense, error) {
	g := gorgonia.NewGraph()
	xn := exgraph.Node(g, "X", x, xr, xc)
	kn := exgraph.Node(g, "K", k, kr, kc)
	y, err := graph.Corr2D(xn, kn)
	if err != nil {
		return nil, err
	}
	if err := exgraph.Run(g); err != nil {
		return nil, err
	}
	return y.Value().(*tensor.Dense), nil
}

// diagonal is exercise 1: X is white (1) on and above its diagonal, black (0) below.
func diagonal(w io.Writer) error {
	const n = 6
	x := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			x[i*n+j] = 1
		}
	}
	xt := transpose(x, n)
	cases := []struct {
		title string
		x     []float64
		k     []float64
		kr    int
	}{
		{"corr2d(X, K), K = [[1, -1]]: the edge is found along the diagonal, -1 where black turns white", x, []float64{1, -1}, 1},
		{"corr2d(X^T, K): the transposed edge runs the other way, +1 where white turns black", xt, []float64{1, -1}, 1},
		{"corr2d(X, K^T), K^T = [[1], [-1]]: a horizontal-edge detector finds the diagonal too, with +1", x, []float64{1, -1}, 2},
	}
	fmt.Fprintf(w, "Exercise 1: an image with a diagonal edge, X (6x6), 1 on and above the diagonal\n%s\n", graph.Format(tensor.New(tensor.WithShape(n, n), tensor.WithBacking(x))))
	for _, c := range cases {
		kr, kc := c.kr, 3-c.kr
		y, err := corr(c.x, n, n, c.k, kr, kc)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n%s\n", c.title, graph.Format(y))
	}
	fmt.Fprintln(w, "A diagonal edge changes along both rows and columns, so both [1, -1] and its")
	fmt.Fprintln(w, "transpose respond to it (the vertical edge of the chapter answers only to [1, -1]).")
	fmt.Fprintln(w)
	return nil
}

func transpose(x []float64, n int) []float64 {
	t := make([]float64, len(x))
	for i := range n {
		for j := range n {
			t[j*n+i] = x[i*n+j]
		}
	}
	return t
}

// derivatives is exercise 2: hand-made kernels on f = sin sampled with step h.
func derivatives(w io.Writer) error {
	const h, n = 0.1, 64
	f := make([]float64, n)
	for i := range f {
		f[i] = math.Sin(float64(i) * h)
	}
	kernels := []struct {
		name   string
		k      []float64
		exact  func(x float64) float64
		offset float64 // where output i sits, in steps from input i
		bound  float64 // the truncation error's bound
		boundS string
	}{
		{"first derivative, central difference [-1, 0, 1] / 2h", []float64{-1 / (2 * h), 0, 1 / (2 * h)}, math.Cos, 1, h * h / 6, "h^2/6"},
		{"second derivative [1, -2, 1] / h^2", []float64{1 / (h * h), -2 / (h * h), 1 / (h * h)}, func(x float64) float64 { return -math.Sin(x) }, 1, h * h / 12, "h^2/12"},
		{"integral over 4 steps, trapezoid h [1/2, 1, 1, 1, 1/2]", []float64{h / 2, h, h, h, h / 2}, func(x float64) float64 { return math.Cos(x) - math.Cos(x+4*h) }, 0, 4 * h * h * h / 12, "4h^3/12"},
	}
	fmt.Fprintf(w, "Exercise 2: kernels by hand, on f(x) = sin(x) sampled at x = 0, 0.1, ..., 6.3 (h = %g)\n", h)
	for _, kc := range kernels {
		y, err := corr(f, 1, n, kc.k, 1, len(kc.k))
		if err != nil {
			return err
		}
		worst := 0.0
		for i, v := range y.Data().([]float64) {
			worst = math.Max(worst, math.Abs(v-kc.exact((float64(i)+kc.offset)*h)))
		}
		fmt.Fprintf(w, "  %-58s max error %.2e <= %s = %.2e: %v\n", kc.name, worst, kc.boundS, kc.bound, worst <= kc.bound)
	}
	fmt.Fprintln(w, "  (exact answers: cos(x), -sin(x), and the integral of sin from x to x + 4h, cos(x) - cos(x + 4h))")
	fmt.Fprintln(w)
	return nil
}

// orders answers "the smallest kernel for a derivative of order d": d + 1 taps, the
// binomial coefficients with alternating signs, which turn x^d into the constant d!.
func orders(w io.Writer) error {
	fmt.Fprintln(w, "Smallest kernel for a derivative of order d: d + 1 taps (fewer cannot cancel 1, x, ..., x^(d-1)")
	fmt.Fprintln(w, "and keep x^d). The d-th difference kernel on x^d, x = 0..9, gives d! everywhere:")
	for d := 1; d <= 4; d++ {
		k := make([]float64, d+1)
		for i := range k {
			k[i] = binomial(d, i) * math.Pow(-1, float64(d-i))
		}
		x := make([]float64, 10)
		for i := range x {
			x[i] = math.Pow(float64(i), float64(d))
		}
		y, err := corr(x, 1, len(x), k, 1, len(k))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  d = %d, kernel %-20s -> %s\n", d, fmtRow(k), fmtRow(y.Data().([]float64)))
	}
	return nil
}

func binomial(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

func fmtRow(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%g", x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
