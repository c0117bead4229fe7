package layers

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sequential runs its layers in order, like PyTorch's nn.Sequential, and remembers the
// output shape of every layer from the last Forward for Summary.
type Sequential struct {
	layers []Layer
	rows   []ShapeRow
}

// ShapeRow is one line of a shape summary: a layer's description and its output shape.
type ShapeRow struct {
	Layer  string
	Shape  tensor.Shape
	Output *gorgonia.Node // the layer's output node; read it with gorgonia.Read: a following in-place op (ReLU) may overwrite its value during a run
}

// NewSequential returns the layers as one Layer.
func NewSequential(layers ...Layer) *Sequential {
	return &Sequential{layers: append([]Layer(nil), layers...)}
}

// Layers returns the layers in order.
func (s *Sequential) Layers() []Layer { return append([]Layer(nil), s.layers...) }

// Forward runs every layer on the previous one's output and records the output shapes.
// An error names the failing layer by position and description.
func (s *Sequential) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	if x == nil {
		return nil, errors.New("layers: Sequential: nil input node")
	}
	rows := make([]ShapeRow, 0, len(s.layers))
	for i, l := range s.layers {
		if l == nil {
			return nil, fmt.Errorf("layers: Sequential: layer %d is nil", i)
		}
		y, err := l.Forward(x)
		if err != nil {
			return nil, fmt.Errorf("layers: Sequential: layer %d (%v) on input %v: %w", i, l, x.Shape(), err)
		}
		x = y
		rows = append(rows, ShapeRow{Layer: l.String(), Shape: x.Shape(), Output: x})
	}
	s.rows = rows
	return x, nil
}

// Params concatenates the layers' parameters in order.
func (s *Sequential) Params() []*gorgonia.Node {
	var ps []*gorgonia.Node
	for _, l := range s.layers {
		if l != nil {
			ps = append(ps, l.Params()...)
		}
	}
	return ps
}

// String is "Sequential(N layers)".
func (s *Sequential) String() string { return fmt.Sprintf("Sequential(%d layers)", len(s.layers)) }

// Summary returns each layer's description and output shape from the last Forward, or
// nil before the first.
func (s *Sequential) Summary() []ShapeRow { return append([]ShapeRow(nil), s.rows...) }

// WriteSummary writes the summary as an aligned table, one layer per line:
//
//	layer                          output shape
//	Conv2d(1->6, 5x5, padding 2)   (1,6,28,28)
//	ReLU                           (1,6,28,28)
//
// It returns an error before the first Forward.
func (s *Sequential) WriteSummary(w io.Writer) error {
	if s.rows == nil {
		return errors.New("layers: Sequential.WriteSummary: no shapes yet; call Forward first")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "layer\toutput shape")
	for _, r := range s.rows {
		fmt.Fprintf(tw, "%s\t%s\n", r.Layer, FormatShape(r.Shape))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("layers: Sequential.WriteSummary: %w", err)
	}
	return nil
}
