package opkit

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/pergraph"
)

// Apply checks nodes against spec (Check, then the shape rule) and returns the node of
// a new op computing spec on them, the GPU version of the op where the graph is placed
// on a GPU and spec has one; the op takes the graph's workers setting. Nothing is
// added to the graph when a check fails.
func Apply(spec *OpSpec, nodes ...*gorgonia.Node) (out *gorgonia.Node, err error) {
	if err := Check(spec.Name, spec.In, nodes...); err != nil {
		return nil, err
	}
	shapes := make([]tensor.Shape, len(nodes))
	for i, n := range nodes {
		shapes[i] = n.Shape()
	}
	if _, err := spec.Shape(shapes); err != nil {
		return nil, fmt.Errorf("graph: %s: %w", spec.Name, err)
	}
	defer Recover(spec.Name, &err)
	g := nodes[0].Graph()
	op := New(spec)
	op.workers = pergraph.Of(g).Workers
	if out, err = gorgonia.ApplyOp(place(g, op), nodes...); err != nil {
		return nil, fmt.Errorf("graph: %s: %w", spec.Name, err)
	}
	return out, nil
}

// Check returns an error naming the first node that does not fit its description in
// the function fn: a nil node, nodes of different graphs, a wrong rank, an empty
// dimension, a dtype other than float32 and float64, or dtypes that differ.
func Check(fn string, in []Input, nodes ...*gorgonia.Node) error {
	if len(nodes) != len(in) {
		return fmt.Errorf("graph: %s: want %d inputs, got %d", fn, len(in), len(nodes))
	}
	for i, n := range nodes {
		if n == nil {
			return fmt.Errorf("graph: %s: %s is a nil node", fn, in[i].Name)
		}
	}
	for i, n := range nodes[1:] {
		if n.Graph() != nodes[0].Graph() {
			return fmt.Errorf("graph: %s: %s and %s belong to different graphs; build every input in one graph", fn, in[0].Name, in[i+1].Name)
		}
	}
	for i, n := range nodes {
		s := n.Shape()
		if s.Dims() != in[i].Rank {
			return fmt.Errorf("graph: %s: %s must be %s, got shape %v (rank %d)", fn, in[i].Name, rankText(in[i]), s, s.Dims())
		}
		for _, d := range s {
			if d <= 0 {
				return fmt.Errorf("graph: %s: %s has an empty dimension: shape %v", fn, in[i].Name, s)
			}
		}
	}
	dts := make([]tensor.Dtype, len(nodes))
	for i, n := range nodes {
		var err error
		if dts[i], err = FloatDtype(n); err != nil {
			return fmt.Errorf("graph: %s: %s %w", fn, in[i].Name, err)
		}
	}
	for i, dt := range dts {
		if dt != dts[0] {
			return fmt.Errorf("graph: %s: dtypes differ: %s is %v, %s is %v; use one dtype for every input", fn, in[0].Name, dts[0], in[i].Name, dt)
		}
	}
	return nil
}

// FloatDtype returns n's dtype, or an error ("has dtype int; want float32 or float64")
// unless it is float32 or float64.
func FloatDtype(n *gorgonia.Node) (tensor.Dtype, error) {
	var dt tensor.Dtype
	switch t := n.Type().(type) {
	case gorgonia.TensorType:
		d, ok := t.Of.(tensor.Dtype)
		if !ok {
			return dt, fmt.Errorf("has no concrete dtype (type %v)", t)
		}
		dt = d
	case tensor.Dtype:
		dt = t
	default:
		return dt, fmt.Errorf("has no concrete dtype (type %v)", n.Type())
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return dt, fmt.Errorf("has dtype %v; want float32 or float64", dt)
	}
	return dt, nil
}

// Recover turns a panic raised inside Gorgonia while fn builds a node into an error
// stored in *err. Arguments are checked first, so this is a last line of defence.
func Recover(fn string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("graph: %s: gorgonia panicked while building the node: %v", fn, r)
	}
}
