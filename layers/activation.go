package layers

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
	y, err := gorgonia.Reshape(x, tensor.Shape{s[0], s.TotalSize() / s[0]})
	if err != nil {
		return nil, fmt.Errorf("layers: Flatten: %w", err)
	}
	return y, nil
}

// Params is empty.
func (Flatten) Params() []*gorgonia.Node { return nil }

// String is "Flatten".
func (Flatten) String() string { return "Flatten" }

// ReLU is max(x, 0) element-wise, on Gorgonia's Rectify. The zero value is ready to use.
// (Rectify multiplies by the mask x >= 0, so negative inputs give -0, which compares
// equal to 0 but prints as "-0".)
type ReLU struct{}

// Forward applies the rectifier.
func (ReLU) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkActivationInput("layers: ReLU", x); err != nil {
		return nil, err
	}
	y, err := gorgonia.Rectify(x)
	if err != nil {
		return nil, fmt.Errorf("layers: ReLU: %w", err)
	}
	return y, nil
}

// Params is empty.
func (ReLU) Params() []*gorgonia.Node { return nil }

// String is "ReLU".
func (ReLU) String() string { return "ReLU" }

// Sigmoid is 1 / (1 + exp(-x)) element-wise. The zero value is ready to use.
type Sigmoid struct{}

// Forward applies the logistic function.
func (Sigmoid) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkActivationInput("layers: Sigmoid", x); err != nil {
		return nil, err
	}
	y, err := gorgonia.Sigmoid(x)
	if err != nil {
		return nil, fmt.Errorf("layers: Sigmoid: %w", err)
	}
	return y, nil
}

// Params is empty.
func (Sigmoid) Params() []*gorgonia.Node { return nil }

// String is "Sigmoid".
func (Sigmoid) String() string { return "Sigmoid" }

func checkActivationInput(what string, x *gorgonia.Node) error {
	if err := checkInput(what, x, nil, 0, ""); err != nil {
		return err
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return fmt.Errorf("%s: input has dtype %v; want Float32 or Float64", what, dt)
	}
	return nil
}
