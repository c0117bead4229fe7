package layers

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
)

// Linear is PyTorch's nn.Linear on a batch of rows,
//
//	y = x W + b     x (n, in), W (in, out), b (out), y (n, out)
//
// (W is stored as (in, out), the transpose of PyTorch's (out, in) layout, so the forward
// pass is a plain matrix product.)
type Linear struct {
	name    string
	in, out int
	weight  *gorgonia.Node
	bias    *gorgonia.Node
}

// NewLinear adds NAME.weight, (in, out) Xavier-uniform from rng, and NAME.bias, (out)
// zeros, to g. dtype zero means Float32.
func NewLinear(g *gorgonia.ExprGraph, name string, in, out int, dtype tensor.Dtype, rng *rand.Rand) (*Linear, error) {
	what := fmt.Sprintf("layers: NewLinear %q", name)
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("%s: %d inputs and %d outputs; both must be at least 1", what, in, out)
	}
	dt, err := checkNewLayer(what, g, name, dtype, rng, "weight", "bias")
	if err != nil {
		return nil, err
	}
	w := newTensor(dt, in, out)
	if err := XavierUniform(w, in, out, rng); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &Linear{
		name: name, in: in, out: out,
		weight: newParam(g, name, "weight", w),
		bias:   newParam(g, name, "bias", newTensor(dt, out)),
	}, nil
}

// Forward returns x W + b for x of shape (n, in), computed by nn.Dense (one op, with
// a GPU version).
func (l *Linear) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	what := "layers: Linear " + l.name
	if err := checkInput(what, x, l.weight, 2, fmt.Sprintf("(n, %d); put a Flatten before it", l.in)); err != nil {
		return nil, err
	}
	if f := x.Shape()[1]; f != l.in {
		return nil, fmt.Errorf("%s: input has %d features (shape %v); the layer takes %d", what, f, x.Shape(), l.in)
	}
	y, err := nn.Dense(x, l.weight, l.bias)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return y, nil
}

// Params returns the weight and the bias.
func (l *Linear) Params() []*gorgonia.Node { return []*gorgonia.Node{l.weight, l.bias} }

// Weight is the (in, out) weight node.
func (l *Linear) Weight() *gorgonia.Node { return l.weight }

// Bias is the (out) bias node.
func (l *Linear) Bias() *gorgonia.Node { return l.bias }

// String is "Linear in->out".
func (l *Linear) String() string { return fmt.Sprintf("Linear %d->%d", l.in, l.out) }
