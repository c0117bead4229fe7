package lenet

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/layers"
)

// Variant names a LeNet architecture.
type Variant string

// The variants.
const (
	// Classic is the chapter's LeNet: ReLU after the first convolution, sigmoid
	// elsewhere, average pooling.
	Classic Variant = "classic"
	// Modern is the usual exercise: ReLU everywhere and max pooling.
	Modern Variant = "modern"
)

// Variants lists every variant, in the order help texts show them.
var Variants = []Variant{Classic, Modern}

// ParseVariant returns the variant named s.
func ParseVariant(s string) (Variant, error) {
	for _, v := range Variants {
		if string(v) == s {
			return v, nil
		}
	}
	names := make([]string, len(Variants))
	for i, v := range Variants {
		names[i] = string(v)
	}
	return "", fmt.Errorf("unknown model %q: choose one of %s", s, strings.Join(names, ", "))
}

// DefaultLR is the learning rate the variant trains well with: the textbook's 0.9 for
// the classic network. ReLU units saturate less than sigmoids, so the modern variant
// takes smaller steps. A spec string gets its Spec's LearningRate.
func (v Variant) DefaultLR() float64 {
	s, err := SpecOf(v)
	if err != nil {
		return 0.9
	}
	return s.LearningRate()
}

// Image geometry and classes of Fashion-MNIST, the input LeNet is built for.
const (
	Height  = 28
	Width   = 28
	Classes = 10
)

// NewNet builds the layers of variant v in g, every parameter named with the prefix
// and initialised from rng (Xavier-uniform weights, zero biases). The layers use the
// project's fast ops (graph.ImplFast); NewNetOps chooses.
func NewNet(g *gorgonia.ExprGraph, prefix string, v Variant, dt tensor.Dtype, rng *rand.Rand) (*layers.Sequential, error) {
	return NewNetOps(g, prefix, v, dt, graph.ImplFast, rng)
}

// NewNetOps is NewNet with the convolutions and activations computed by ops: the
// project's own (graph.ImplFast) or the Gorgonia primitives they replace
// (graph.ImplGorgonia). The layers, the parameters, their names and their initial values
// do not depend on ops.
func NewNetOps(g *gorgonia.ExprGraph, prefix string, v Variant, dt tensor.Dtype, ops graph.Impl, rng *rand.Rand) (*layers.Sequential, error) {
	s, err := SpecOf(v)
	if err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	return NewNetSpec(g, prefix, s, dt, ops, rng)
}
