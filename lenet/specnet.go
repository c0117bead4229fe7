package lenet

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/layers"
)

// NewNetSpec builds the layers of s in g, every parameter named with the prefix
// (conv1, conv2, ..., fc1, fc2, ...) and initialised from rng, the convolutions and
// activations computed by ops. The parameters are drawn layer by layer in network
// order, so a preset's name and its spec string build the same initial weights.
func NewNetSpec(g *gorgonia.ExprGraph, prefix string, s Spec, dt tensor.Dtype, ops graph.Impl, rng *rand.Rand) (*layers.Sequential, error) {
	s = s.withDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var ls []layers.Layer
	var weights []*gorgonia.Node
	in := 1
	for i, c := range s.Convs {
		conv, err := layers.NewConv2D(g, fmt.Sprintf("%sconv%d", prefix, i+1), layers.Conv2DConfig{
			In: in, Out: c.Out, Kernel: [2]int{c.Kernel, c.Kernel}, Padding: [2]int{c.Padding, c.Padding}, Dtype: dt, Ops: ops}, rng)
		if err != nil {
			return nil, err
		}
		ls = append(ls, conv, activationLayer(c.Act, ops))
		weights = append(weights, conv.Weight())
		if c.Pool != NoPool {
			pool, err := poolLayer(c)
			if err != nil {
				return nil, err
			}
			ls = append(ls, pool)
		}
		in = c.Out
	}
	ls = append(ls, layers.Flatten{})
	in = flatWidth(s)
	widths := append([]DenseSpec(nil), s.Dense...)
	widths = append(widths, DenseSpec{Width: Classes})
	for j, d := range widths {
		fc, err := layers.NewLinear(g, fmt.Sprintf("%sfc%d", prefix, j+1), in, d.Width, dt, rng)
		if err != nil {
			return nil, err
		}
		ls = append(ls, fc)
		weights = append(weights, fc.Weight())
		if j < len(s.Dense) {
			ls = append(ls, activationLayer(d.Act, ops))
		}
		in = d.Width
	}
	if s.Init == Kaiming {
		for _, w := range weights {
			kaimingUniform(w, rng)
		}
	}
	return layers.NewSequential(ls...), nil
}

func activationLayer(a Activation, ops graph.Impl) layers.Layer {
	if a == Sigmoid {
		return layers.Sigmoid{Ops: ops}
	}
	return layers.ReLU{Ops: ops}
}

func poolLayer(c ConvSpec) (layers.Layer, error) {
	cfg := layers.PoolConfig{Kernel: [2]int{c.PoolSize, c.PoolSize}, Stride: [2]int{c.PoolStride, c.PoolStride}}
	if c.Pool == MaxPool {
		return layers.NewMaxPool2D(cfg)
	}
	return layers.NewAvgPool2D(cfg)
}

// flatWidth is the length of the flattened output of the convolution blocks.
func flatWidth(s Spec) int {
	h, w := Height, Width
	for _, c := range s.Convs {
		h, w = h-c.Kernel+2*c.Padding+1, w-c.Kernel+2*c.Padding+1
		if c.Pool != NoPool {
			h, w = (h-c.PoolSize)/c.PoolStride+1, (w-c.PoolSize)/c.PoolStride+1
		}
	}
	return s.Convs[len(s.Convs)-1].Out * h * w
}

// kaimingUniform redraws a weight from U(-a, a), a = sqrt(6 / fan_in). A convolution
// weight is (out, in, kh, kw), fan_in = in*kh*kw; a dense weight is stored (in, out),
// fan_in = in.
func kaimingUniform(w *gorgonia.Node, rng *rand.Rand) {
	s := w.Shape()
	fanIn := s[0]
	if len(s) == 4 {
		fanIn = s[1] * s[2] * s[3]
	}
	a := math.Sqrt(6 / float64(fanIn))
	switch d := w.Value().Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32((rng.Float64()*2 - 1) * a)
		}
	case []float64:
		for i := range d {
			d[i] = (rng.Float64()*2 - 1) * a
		}
	}
}
