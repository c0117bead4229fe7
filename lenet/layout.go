package lenet

import (
	"fmt"
	"slices"

	"github.com/d2l-go/convnets/layers"
)

// LayerKind says what a layer computes, for code that recomputes one unit of it by hand
// (an explorer's formula view).
type LayerKind string

// The layer kinds of LeNet.
const (
	KindConv    LayerKind = "conv"    // Σ window·kernel over the input channels + bias
	KindReLU    LayerKind = "relu"    // max(x, 0), elementwise
	KindSigmoid LayerKind = "sigmoid" // 1/(1+exp(−x)), elementwise
	KindMaxPool LayerKind = "maxpool" // the largest value of each window, per channel
	KindAvgPool LayerKind = "avgpool" // the mean of each window, per channel
	KindFlatten LayerKind = "flatten" // (1,C,H,W) to (1,C·H·W), row-major
	KindLinear  LayerKind = "linear"  // x W + b with W stored (in, out)
)

// LayerSpec describes one layer of a variant, in the order of Inspection.Layers: what it
// computes, its geometry and the names of its parameters (as in Classifier.Params and
// Inspection.Params).
type LayerSpec struct {
	Index  int       `json:"index"`
	Name   string    `json:"name"` // the layer's description, e.g. "Conv2d(1->6, 5x5, padding 2)"
	Kind   LayerKind `json:"kind"`
	Input  []int     `json:"input_shape"` // (1,1,28,28) for the first layer
	Output []int     `json:"shape"`
	// Kernel, Padding and Stride are (rows, columns) for convolution and pooling layers,
	// absent for the others.
	Kernel  []int `json:"kernel,omitempty"`
	Padding []int `json:"padding,omitempty"`
	Stride  []int `json:"stride,omitempty"`
	// Weight and Bias name the parameters of convolution and linear layers: a (Out, In,
	// kh, kw) or (in, out) weight and an (Out) or (1, Out, 1, 1) bias.
	Weight string `json:"weight,omitempty"`
	Bias   string `json:"bias,omitempty"`
}

// Layout returns the layers of variant v for a (1,1,28,28) input, one LayerSpec per
// entry of Inspection.Layers.
func Layout(v Variant) ([]LayerSpec, error) {
	net, err := summaryNet(v)
	if err != nil {
		return nil, err
	}
	rows := net.Summary()
	in := []int{1, 1, Height, Width}
	specs := make([]LayerSpec, len(rows))
	for i, l := range net.Layers() {
		s := LayerSpec{Index: i, Name: rows[i].Layer, Input: in, Output: slices.Clone([]int(rows[i].Shape))}
		if err := describeLayer(&s, l); err != nil {
			return nil, fmt.Errorf("lenet: Layout(%s): layer %d: %w", v, i, err)
		}
		specs[i] = s
		in = s.Output
	}
	return specs, nil
}

// describeLayer fills in s's kind, geometry and parameter names from l.
func describeLayer(s *LayerSpec, l layers.Layer) error {
	pool := func(k LayerKind, c layers.PoolConfig) {
		s.Kind, s.Kernel, s.Padding, s.Stride = k, c.Kernel[:], c.Padding[:], c.Stride[:]
	}
	switch l := l.(type) {
	case *layers.Conv2D:
		c := l.Config()
		s.Kind, s.Kernel, s.Padding, s.Stride = KindConv, c.Kernel[:], c.Padding[:], c.Stride[:]
		s.Weight = l.Weight().Name()
		if l.Bias() != nil {
			s.Bias = l.Bias().Name()
		}
	case *layers.Linear:
		s.Kind, s.Weight, s.Bias = KindLinear, l.Weight().Name(), l.Bias().Name()
	case *layers.MaxPool2D:
		pool(KindMaxPool, l.Config())
	case *layers.AvgPool2D:
		pool(KindAvgPool, l.Config())
	case layers.ReLU:
		s.Kind = KindReLU
	case layers.Sigmoid:
		s.Kind = KindSigmoid
	case layers.Flatten:
		s.Kind = KindFlatten
	default:
		return fmt.Errorf("no LayerKind for %v (%T)", l, l)
	}
	return nil
}
