// Command pooling prints every pooling case of docs/chapter.md section 5:
//
//   - the chapter's pool2d (graph.Pool2D: stride 1, no padding), max and average, on
//     X = [[0,1,2],[3,4,5],[6,7,8]] with a 2x2 window;
//   - framework pooling (layers.MaxPool2D, default stride = window) on arange(16) as
//     (1,1,4,4): 3x3; 3x3 with padding 1 and stride 2; a (2,3) window with stride (2,3)
//     and padding (0,1);
//   - pooling per channel: X and X+1 concatenated into (1,2,4,4);
//   - min pooling, equal to -maxpool(-X), and why it is rarely useful after a ReLU.
//
// `pooling exercises` answers the section's exercises (see exercises.go).
package main

import (
	"fmt"
	"io"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/examplemain"
	"github.com/d2l-go/convnets/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() { examplemain.Main("pooling", run, exercises) }

// arange returns 0, 1, ..., n-1 as a float32 tensor of the given shape.
func arange(shape ...int) *tensor.Dense {
	n := tensor.Shape(shape).TotalSize()
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

// eval builds f on a node holding x in a fresh graph, runs it and formats the result.
func eval(x *tensor.Dense, f func(x *gorgonia.Node) (*gorgonia.Node, error)) (string, error) {
	g := gorgonia.NewGraph()
	xn := gorgonia.NodeFromAny(g, x.Clone().(*tensor.Dense), gorgonia.WithName("X"))
	y, err := f(xn)
	if err != nil {
		return "", err
	}
	if err := exgraph.Run(g); err != nil {
		return "", err
	}
	return graph.Format(y.Value()), nil
}

// pool2d is the chapter's pool2d(X, (ph, pw), mode).
func pool2d(ph, pw int, mode graph.PoolMode) func(*gorgonia.Node) (*gorgonia.Node, error) {
	return func(x *gorgonia.Node) (*gorgonia.Node, error) { return graph.Pool2D(x, ph, pw, mode) }
}

// negated returns -f(-x).
func negated(f func(*gorgonia.Node) (*gorgonia.Node, error)) func(*gorgonia.Node) (*gorgonia.Node, error) {
	return func(x *gorgonia.Node) (*gorgonia.Node, error) {
		nx, err := gorgonia.Neg(x)
		if err != nil {
			return nil, err
		}
		y, err := f(nx)
		if err != nil {
			return nil, err
		}
		return gorgonia.Neg(y)
	}
}

// addOne concatenates x and x+1 along the channels.
func addOne(x *gorgonia.Node) (*gorgonia.Node, error) {
	one := gorgonia.NewScalar(x.Graph(), tensor.Float32, gorgonia.WithName("one"), gorgonia.WithValue(float32(1)))
	x1, err := gorgonia.Add(x, one)
	if err != nil {
		return nil, err
	}
	return gorgonia.Concat(1, x, x1)
}

type step struct {
	title string
	x     *tensor.Dense
	f     func(*gorgonia.Node) (*gorgonia.Node, error)
}

func run(w io.Writer) error {
	x3 := arange(3, 3)
	x16 := arange(1, 1, 4, 4)
	pool := func(cfg layers.PoolConfig) func(*gorgonia.Node) (*gorgonia.Node, error) {
		return func(x *gorgonia.Node) (*gorgonia.Node, error) {
			l, err := layers.NewMaxPool2D(cfg)
			if err != nil {
				return nil, err
			}
			return l.Forward(x)
		}
	}
	pool3p1s2 := pool(layers.PoolConfig{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}, Stride: [2]int{2, 2}})
	// R = relu(X - 4), computed here: Gorgonia's Rectify returns -0 for negative
	// inputs, which would print as "-0" (docs/gorgonia.md, Rectify).
	r := arange(3, 3)
	for i, v := range r.Data().([]float32) {
		r.Data().([]float32)[i] = max(v-4, 0)
	}
	steps := []step{
		{"X", x3, func(x *gorgonia.Node) (*gorgonia.Node, error) { return x, nil }},
		{"pool2d(X, (2, 2), max)", x3, pool2d(2, 2, graph.Max)},
		{"pool2d(X, (2, 2), avg)", x3, pool2d(2, 2, graph.Avg)},
		{"X = arange(16) as (1,1,4,4)", x16, func(x *gorgonia.Node) (*gorgonia.Node, error) { return x, nil }},
		{"MaxPool2d(3) (stride defaults to the window)", x16, pool(layers.PoolConfig{Kernel: [2]int{3, 3}})},
		{"MaxPool2d(3, padding=1, stride=2)", x16, pool3p1s2},
		{"MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))", x16,
			pool(layers.PoolConfig{Kernel: [2]int{2, 3}, Padding: [2]int{0, 1}, Stride: [2]int{2, 3}})},
		{"X = cat(X, X + 1) along channels, shape (1,2,4,4)", x16, addOne},
		{"MaxPool2d(3, padding=1, stride=2) per channel, shape (1,2,2,2)", x16, func(x *gorgonia.Node) (*gorgonia.Node, error) {
			xx, err := addOne(x)
			if err != nil {
				return nil, err
			}
			return pool3p1s2(xx)
		}},
		{"min pooling: pool2d(X, (2, 2), min)", x3, pool2d(2, 2, graph.Min)},
		{"-pool2d(-X, (2, 2), max)", x3, negated(pool2d(2, 2, graph.Max))},
		{"-MaxPool2d(2)(-arange(16))", x16, negated(pool(layers.PoolConfig{Kernel: [2]int{2, 2}}))},
		{"after a ReLU most minima are 0: R = relu(X - 4)", r, func(x *gorgonia.Node) (*gorgonia.Node, error) { return x, nil }},
		{"pool2d(R, (2, 2), min)", r, pool2d(2, 2, graph.Min)},
	}
	for _, s := range steps {
		out, err := eval(s.x, s.f)
		if err != nil {
			return fmt.Errorf("%s: %w", s.title, err)
		}
		if _, err := fmt.Fprintf(w, "%s:\n%s\n", s.title, out); err != nil {
			return err
		}
	}
	return nil
}
