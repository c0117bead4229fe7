package lenet

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/layers"
)

// NewNet builds the modules of s (see Describe) in g, the convolutions and
// activations computed by ops: the project's own (nn.FastOps) or the Gorgonia
// primitives they replace (nn.GorgoniaOps); the layers, their parameters and
// initial values do not depend on ops. Every parameter is named with the prefix and
// its layer's place among its kind (conv1, conv2, ..., fc1, fc2, ...; see
// ParamNames), and drawn from rng layer by layer in network order, so a preset's name
// and its spec string build the same initial weights.
func NewNet(g *gorgonia.ExprGraph, prefix string, s Spec, dt tensor.Dtype, ops nn.Ops, rng *rand.Rand) (*layers.Sequential, error) {
	s = s.orClassic()
	d, err := Describe(s)
	if err != nil {
		return nil, err
	}
	names := paramLayerNames(d)
	var ls []layers.Layer
	var weights []*gorgonia.Node
	for i, m := range d.Layers {
		l, err := buildLayer(g, prefix+names[i], m, dt, ops, rng)
		if err != nil {
			return nil, fmt.Errorf("layer %d %s: %w", i, m.Layer.Token(), err)
		}
		if ps := l.Params(); len(ps) > 0 {
			weights = append(weights, ps[0])
		}
		ls = append(ls, l)
	}
	if s.Init == Kaiming {
		for _, w := range weights {
			kaimingUniform(w, rng)
		}
	}
	return layers.NewSequential(ls...), nil
}

// buildLayer makes the layer one module describes; name is for its parameters.
func buildLayer(g *gorgonia.ExprGraph, name string, m LayerInfo, dt tensor.Dtype, ops nn.Ops, rng *rand.Rand) (layers.Layer, error) {
	l := m.Layer
	pool := layers.PoolConfig{Kernel: l.Kernel, Padding: l.Padding, Stride: l.Stride}
	switch l.Kind {
	case KindConv:
		return asLayer(layers.NewConv2D(g, name, layers.Conv2DConfig{
			In: m.Input[0], Out: l.Out, Kernel: l.Kernel, Padding: l.Padding, Stride: l.Stride, Dtype: dt, Ops: ops}, rng))
	case KindLinear:
		return asLayer(layers.NewLinear(g, name, m.Input[0], l.Out, dt, rng))
	case KindMaxPool:
		return asLayer(layers.NewMaxPool2D(pool))
	case KindAvgPool:
		return asLayer(layers.NewAvgPool2D(pool))
	case KindFlatten:
		return layers.Flatten{}, nil
	}
	if a, ok := activationOf(l.Kind); ok {
		return a.layer(ops), nil
	}
	return nil, fmt.Errorf("no layer for kind %q", l.Kind)
}

// asLayer turns a constructor's typed result into a Layer, keeping a nil interface on
// error.
func asLayer[L layers.Layer](l L, err error) (layers.Layer, error) {
	if err != nil {
		return nil, err
	}
	return l, nil
}

// paramLayerNames names the modules that have parameters: convN for the Nth
// convolution, fcN for the Nth dense layer, "" for the others.
func paramLayerNames(d *Description) []string {
	names := make([]string, len(d.Layers))
	convs, fcs := 0, 0
	for i, m := range d.Layers {
		switch m.Kind {
		case KindConv:
			convs++
			names[i] = fmt.Sprintf("conv%d", convs)
		case KindLinear:
			fcs++
			names[i] = fmt.Sprintf("fc%d", fcs)
		}
	}
	return names
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
