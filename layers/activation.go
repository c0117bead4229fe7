package layers

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
)

// Flatten reshapes (n, d1, d2, ...) to (n, d1*d2*...), keeping the batch dimension.
// The zero value is ready to use.
type Flatten struct{}

// Forward flattens every dimension after the first.
func (Flatten) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkInput("layers: Flatten", x, nil, 0, ""); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() < 2 {
		return nil, fmt.Errorf("layers: Flatten: input has shape %v; want at least 2 dimensions (n, ...)", s)
	}
	y, err := nn.Flatten(x)
	if err != nil {
		return nil, fmt.Errorf("layers: Flatten: %w", err)
	}
	return y, nil
}

// Params is empty.
func (Flatten) Params() []*gorgonia.Node { return nil }

// String is "Flatten".
func (Flatten) String() string { return "Flatten" }

// ReLU is max(x, 0) element-wise, with PyTorch's gradient: dL/dy where x > 0, 0 where
// x <= 0. The zero value is ready to use: it is nn.ReLU, the project's op. With Ops
// nn.GorgoniaOps it is built from Gorgonia's primitives as x ⊙ (x > 0), the
// construction of Gorgonia's Rectify but with a strict comparison (Rectify's x >= 0
// would pass the gradient at x == 0, which LeNet meets wherever a window of the padded
// input is all zero); negative inputs then give -0, equal to 0 but printed "-0".
type ReLU struct {
	Ops nn.Ops
}

// Forward applies the rectifier.
func (l ReLU) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	return activate(l, x, l.Ops, nn.ReLU, gorgoniaReLU)
}

// Params is empty.
func (ReLU) Params() []*gorgonia.Node { return nil }

// String is "ReLU".
func (ReLU) String() string { return "ReLU" }

// Sigmoid is 1 / (1 + exp(-x)) element-wise. The zero value is ready to use: it is
// nn.Sigmoid, the project's op; with Ops nn.GorgoniaOps it is gorgonia.Sigmoid.
type Sigmoid struct {
	Ops nn.Ops
}

// Forward applies the logistic function.
func (l Sigmoid) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	return activate(l, x, l.Ops, nn.Sigmoid, gorgonia.Sigmoid)
}

// Params is empty.
func (Sigmoid) Params() []*gorgonia.Node { return nil }

// String is "Sigmoid".
func (Sigmoid) String() string { return "Sigmoid" }

// Tanh is the hyperbolic tangent element-wise. The zero value is ready to use: it is
// nn.Tanh, the project's op; with Ops nn.GorgoniaOps it is gorgonia.Tanh.
type Tanh struct {
	Ops nn.Ops
}

// Forward applies the hyperbolic tangent.
func (l Tanh) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	return activate(l, x, l.Ops, nn.Tanh, gorgonia.Tanh)
}

// Params is empty.
func (Tanh) Params() []*gorgonia.Node { return nil }

// String is "Tanh".
func (Tanh) String() string { return "Tanh" }

// gorgoniaReLU is x ⊙ (x > 0) from Gorgonia's primitives.
func gorgoniaReLU(x *gorgonia.Node) (*gorgonia.Node, error) {
	var zero *gorgonia.Node
	if x.Dtype() == tensor.Float64 {
		zero = gorgonia.NewConstant(float64(0))
	} else {
		zero = gorgonia.NewConstant(float32(0))
	}
	mask, err := gorgonia.Gt(x, zero, true)
	if err != nil {
		return nil, err
	}
	return gorgonia.HadamardProd(x, mask)
}

// activate checks the input of the activation layer l and applies fast (the project's
// op) or gorg (Gorgonia's primitives) as ops says.
func activate(l Layer, x *gorgonia.Node, ops nn.Ops, fast, gorg func(*gorgonia.Node) (*gorgonia.Node, error)) (*gorgonia.Node, error) {
	what := fmt.Sprintf("layers: %v", l)
	if ops != nn.FastOps && ops != nn.GorgoniaOps {
		return nil, fmt.Errorf("%s: unknown ops %v; use nn.FastOps or nn.GorgoniaOps", what, ops)
	}
	if err := checkInput(what, x, nil, 0, ""); err != nil {
		return nil, err
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, fmt.Errorf("%s: input has dtype %v; want float32 or float64", what, dt)
	}
	f := fast
	if ops == nn.GorgoniaOps {
		f = gorg
	}
	y, err := f(x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return y, nil
}
