package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// Flatten reshapes x (n, d1, d2, ...) to (n, d1·d2·...), keeping the batch dimension, as
// gorgonia.Reshape would; its gradient reshapes back. Being an op of the project's own,
// it also has a GPU version, where Gorgonia's reshape would place itself on the GPU
// whatever the device of the rest of the graph.
func Flatten(x *gorgonia.Node) (*gorgonia.Node, error) {
	s := tensor.Shape{1, 1} // a nil x gets opkit's message
	if x != nil {
		s = x.Shape()
	}
	if s.Dims() < 2 {
		return nil, fmt.Errorf("graph: Flatten: x has shape %v; want at least 2 dimensions (n, ...)", s)
	}
	return opkit.Apply(reshape(s, tensor.Shape{s[0], tensor.Shape(s[1:]).TotalSize()}), x)
}

// reshape copies its operand, of shape from, into a result of shape to, with as many
// elements.
func reshape(from, to tensor.Shape) *opkit.OpSpec {
	from, to = from.Clone(), to.Clone()
	return &opkit.OpSpec{
		Name:    "Reshape",
		Params:  fmt.Sprintf("%v->%v", from, to),
		In:      []opkit.Input{{Name: "x", Rank: from.Dims()}},
		OutRank: to.Dims(),
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			if !s[0].Eq(from) {
				return nil, fmt.Errorf("x has shape %v, want %v", s[0], from)
			}
			return to.Clone(), nil
		},
		Forward: opkit.Copy,
		Grad: func(_ gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := opkit.Apply(reshape(to, from), dy)
			return gorgonia.Nodes{dx}, err
		},
		GPU: func([]tensor.Shape, tensor.Shape) opkit.Launch { return opkit.Launch{Copy: true} },
	}
}
