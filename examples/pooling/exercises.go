package main

import (
	"fmt"
	"io"
	"math"
	"slices"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/gradcheck"
)

// poolFunc builds a pooling of x (n, c, h, w) in x's graph.
type poolFunc func(x *gorgonia.Node) (*gorgonia.Node, error)

// perChannel applies a one-channel network f to every channel of x separately, as
// pooling does: x (n, c, h, w) is viewed as (n*c, 1, h, w) and back.
func perChannel(x *gorgonia.Node, f func(*gorgonia.Node) (*gorgonia.Node, error)) (*gorgonia.Node, error) {
	s := x.Shape()
	flat, err := gorgonia.Reshape(x, tensor.Shape{s[0] * s[1], 1, s[2], s[3]})
	if err != nil {
		return nil, err
	}
	y, err := f(flat)
	if err != nil {
		return nil, err
	}
	ys := y.Shape()
	return gorgonia.Reshape(y, tensor.Shape{s[0], s[1], ys[2], ys[3]})
}

// avgPoolConv is exercise 1: average pooling as a convolution with a kxk kernel of
// 1/k^2, applied to each channel (zero padding counted, like AvgPool2D).
func avgPoolConv(k, pad, stride int) poolFunc {
	return func(x *gorgonia.Node) (*gorgonia.Node, error) {
		ones := make([]float64, k*k)
		for i := range ones {
			ones[i] = 1 / float64(k*k)
		}
		kernel := exgraph.Node(x.Graph(), fmt.Sprintf("avg_kernel_%d_%d_%d", k, pad, stride), ones, 1, 1, k, k)
		return perChannel(x, func(x *gorgonia.Node) (*gorgonia.Node, error) {
			return graph.Conv2D(x, kernel, [2]int{pad, pad}, [2]int{stride, stride})
		})
	}
}

// reluMaxNet is exercise 3: max pooling of a kxk window from convolutions and ReLU
// only, by max(a, b) = a + relu(b - a) applied as a tree. Each ReLU layer takes, for
// every pair (a, b) of the values left, the channels a, -a and b - a, and for an odd
// value out a and -a; after the ReLU, a = relu(a) - relu(-a), so the next values are
// linear in the channels and the next layer's kernel is a 1x1 convolution. The first
// kernel is kxk with the pooling's stride and reads the window's pixels; the last is
// a 1x1 convolution to one channel.
type reluMaxNet struct {
	k, stride int
	kernels   [][]float64 // kernels[l] is (channels[l], inputs of layer l), row-major
	channels  []int       // channels of each ReLU layer
	final     []float64   // the last 1x1 kernel, over the last layer's channels
}

// newReluMaxNet works out the kernels for a kxk window.
func newReluMaxNet(k, stride int) reluMaxNet {
	net := reluMaxNet{k: k, stride: stride}
	n := k * k
	values := make([][]float64, n) // each value as coefficients over the current inputs
	for i := range values {
		values[i] = make([]float64, n)
		values[i][i] = 1
	}
	for len(values) > 1 {
		var rows, next [][]float64
		for i := 0; i < len(values); i += 2 {
			a := values[i]
			base := len(rows)
			rows = append(rows, a, scale(a, -1))
			if i+1 < len(values) {
				rows = append(rows, add(values[i+1], scale(a, -1)))
			}
			// The value after the ReLU: relu(a) - relu(-a) [+ relu(b - a)].
			v := append(make([]float64, base), 1, -1)
			if i+1 < len(values) {
				v = append(v, 1)
			}
			next = append(next, v)
		}
		c := len(rows)
		for i := range next { // pad every value to the layer's width
			next[i] = append(next[i], make([]float64, c-len(next[i]))...)
		}
		net.kernels = append(net.kernels, slices.Concat(rows...))
		net.channels = append(net.channels, c)
		values = next
	}
	net.final = values[0]
	return net
}

func scale(v []float64, s float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = s * x
	}
	return out
}

func add(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] + b[i]
	}
	return out
}

// pool builds the network on x (n, c, h, w), channel by channel, no padding.
func (net reluMaxNet) pool(x *gorgonia.Node) (*gorgonia.Node, error) {
	g := x.Graph()
	id := fmt.Sprintf("relumax_%d_%d", net.k, net.stride)
	return perChannel(x, func(y *gorgonia.Node) (*gorgonia.Node, error) {
		in := 1
		for l, kv := range net.kernels {
			var kernel *gorgonia.Node
			var err error
			if l == 0 {
				kernel = exgraph.Node(g, fmt.Sprintf("%s_k%d", id, l), kv, net.channels[l], 1, net.k, net.k)
				y, err = graph.Conv2D(y, kernel, [2]int{}, [2]int{net.stride, net.stride})
			} else {
				kernel = exgraph.Node(g, fmt.Sprintf("%s_k%d", id, l), kv, net.channels[l], in, 1, 1)
				y, err = graph.Conv2D(y, kernel, [2]int{}, [2]int{1, 1})
			}
			if err != nil {
				return nil, err
			}
			if y, err = nn.ReLU(y); err != nil {
				return nil, err
			}
			in = net.channels[l]
		}
		return graph.Conv2D(y, exgraph.Node(g, id+"_final", net.final, 1, in, 1, 1), [2]int{}, [2]int{1, 1})
	})
}

// valueAndGrad runs f on a copy of x and returns f(x) and the gradient of
// sum(w ⊙ f(x)) with respect to x, w fixed random weights.
func valueAndGrad(x *tensor.Dense, f poolFunc) (y, dx []float64, err error) {
	g := gorgonia.NewGraph()
	xn := gorgonia.NodeFromAny(g, x.Clone().(*tensor.Dense), gorgonia.WithName("x"))
	out, err := f(xn)
	if err != nil {
		return nil, nil, err
	}
	wn := gorgonia.NodeFromAny(g, gradcheck.Random(99, out.Shape().Clone()...), gorgonia.WithName("weights"))
	prod, err := gorgonia.HadamardProd(out, wn)
	if err != nil {
		return nil, nil, err
	}
	loss, err := gorgonia.Sum(prod)
	if err != nil {
		return nil, nil, err
	}
	grads, err := gorgonia.Grad(loss, xn)
	if err != nil {
		return nil, nil, err
	}
	var yv gorgonia.Value
	gorgonia.Read(out, &yv)
	if err := exgraph.Run(g); err != nil {
		return nil, nil, err
	}
	return append([]float64(nil), yv.Data().([]float64)...), append([]float64(nil), grads[0].Value().Data().([]float64)...), nil
}

// maxDiff is the largest |a[i] - b[i]|.
func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// compare checks a construction against the pooling op on a random input: values
// and gradients, and the construction's gradient against finite differences.
func compare(w io.Writer, name string, op, construction poolFunc, seed uint64) error {
	x := gradcheck.Random(seed, 2, 3, 7, 7)
	y1, g1, err := valueAndGrad(x, op)
	if err != nil {
		return err
	}
	y2, g2, err := valueAndGrad(x, construction)
	if err != nil {
		return err
	}
	if len(y1) != len(y2) {
		return fmt.Errorf("%s: %d outputs, the pooling op %d", name, len(y2), len(y1))
	}
	fd := gradcheck.Check([]*tensor.Dense{x}, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return construction(in[0])
	}, 1e-6, seed)
	fmt.Fprintf(w, "  %-34s %3d outputs: |values - op| <= %.0e, |gradient - op's| <= %.0e, finite differences: %s\n",
		name, len(y1), roundUp(maxDiff(y1, y2)), roundUp(maxDiff(g1, g2)), okOr(fd))
	return nil
}

// roundUp shows a tiny difference as its power of ten (0 stays 0), so that the output
// does not depend on the last bits of rounding.
func roundUp(d float64) float64 {
	if d == 0 {
		return 0
	}
	return math.Pow(10, math.Ceil(math.Log10(d)))
}

func okOr(err error) string {
	if err != nil {
		return "FAIL (" + err.Error() + ")"
	}
	return "ok"
}

// exercises answers the section's exercises whose answer is a computation.
func exercises(w io.Writer) error {
	fmt.Fprintln(w, "Exercise 1: average pooling as a convolution with a kxk kernel of 1/k^2, per channel,")
	fmt.Fprintln(w, "on a random (2, 3, 7, 7) input, against graph.AvgPool2D:")
	for i, c := range [][3]int{{2, 0, 2}, {3, 0, 2}, {3, 1, 2}} {
		k, p, s := c[0], c[1], c[2]
		op := func(x *gorgonia.Node) (*gorgonia.Node, error) {
			return graph.AvgPool2D(x, [2]int{k, k}, [2]int{p, p}, [2]int{s, s})
		}
		if err := compare(w, fmt.Sprintf("%dx%d, padding %d, stride %d:", k, k, p, s), op, avgPoolConv(k, p, s), uint64(i+1)); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exercise 2: max pooling is no convolution: a convolution is linear, max is not.")
	fmt.Fprintf(w, "  windows a = [1, 0], b = [0, 1]: max(a + b) = %g, max(a) + max(b) = %g\n\n", math.Max(1, 1), 2.0)
	fmt.Fprintln(w, "Exercise 3: max pooling from convolutions and ReLU, max(a, b) = a + relu(b - a), against graph.MaxPool2D:")
	for i, c := range [][2]int{{2, 2}, {3, 2}, {3, 3}} {
		k, s := c[0], c[1]
		net := newReluMaxNet(k, s)
		op := func(x *gorgonia.Node) (*gorgonia.Node, error) {
			return graph.MaxPool2D(x, [2]int{k, k}, [2]int{}, [2]int{s, s})
		}
		name := fmt.Sprintf("%dx%d, stride %d (%d ReLU layers):", k, k, s, len(net.channels))
		if err := compare(w, name, op, net.pool, uint64(10+i)); err != nil {
			return err
		}
	}
	for _, k := range []int{2, 3} {
		net := newReluMaxNet(k, k)
		fmt.Fprintf(w, "  a %dx%d window needs %d ReLU layers of %v channels (a %dx%d convolution, then 1x1 ones)\n",
			k, k, len(net.channels), net.channels, k, k)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exercise 4: a pooling layer costs c*oh*ow*kh*kw operations and has no parameters; LeNet's:")
	for _, p := range []struct{ c, n int }{{6, 28}, {16, 10}} {
		o := geom.OutputSize(p.n, 2, 0, 2)
		fmt.Fprintf(w, "  2x2 stride 2 on (%d, %d, %d): %d*%d*%d*2*2 = %d\n", p.c, p.n, p.n, p.c, o, o, p.c*o*o*4)
	}
	return nil
}
