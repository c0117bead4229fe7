package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/layers"
	"github.com/d2l-go/convnets/lenet"
)

// variants are printed in this order.
var variants = []lenet.Spec{lenet.ClassicSpec(), lenet.ModernSpec()}

// fieldText is "5x5", or "28x28 (all)" for the whole image.
func fieldText(f [2]int64) string {
	s := fmt.Sprintf("%dx%d", f[0], f[1])
	if f == [2]int64{lenet.Height, lenet.Width} {
		s += " (all)"
	}
	return s
}

// row is one line of the table.
type row struct {
	Layer, Shape, Field string
	Params              int
	Formula             string // weight shape + bias count: "6x1x5x5 + 6"; empty without parameters
}

// rows builds network v for one 28x28 image and describes every layer: the shapes
// and parameters as the graph has them, the receptive fields from lenet.Describe.
func rows(v lenet.Spec) ([]row, error) {
	d, err := lenet.Describe(v)
	if err != nil {
		return nil, err
	}
	g := gorgonia.NewGraph()
	net, err := lenet.NewNet(g, "", v, tensor.Float32, nn.FastOps, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, err
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, lenet.Height, lenet.Width), gorgonia.WithName("input"))
	if _, err := net.Forward(x); err != nil {
		return nil, err
	}
	ls := net.Layers()
	sum := net.Summary()
	out := []row{{Layer: "input", Shape: layers.FormatShape(x.Shape()), Field: "1x1"}}
	for i, l := range ls {
		r := row{Layer: sum[i].Layer, Shape: layers.FormatShape(sum[i].Shape), Field: fieldText(d.Layers[i].ReceptiveField)}
		var terms []string
		for _, p := range l.Params() {
			r.Params += p.Shape().TotalSize()
			if strings.HasSuffix(p.Name(), ".bias") {
				terms = append(terms, fmt.Sprint(p.Shape().TotalSize())) // one per output
				continue
			}
			dims := make([]string, len(p.Shape()))
			for d, n := range p.Shape() {
				dims[d] = fmt.Sprint(n)
			}
			terms = append(terms, strings.Join(dims, "x"))
		}
		r.Formula = strings.Join(terms, " + ")
		out = append(out, r)
	}
	return out, nil
}

// writeTable prints variant v's table with aligned columns and a total.
func writeTable(w io.Writer, v lenet.Spec) error {
	rs, err := rows(v)
	if err != nil {
		return err
	}
	head := row{Layer: "layer", Shape: "output shape", Field: "receptive field"}
	wl, ws, wf, wp := len(head.Layer), len(head.Shape), len(head.Field), len("parameters")
	total := 0
	for _, r := range rs {
		wl, ws, wf = max(wl, len(r.Layer)), max(ws, len(r.Shape)), max(wf, len(r.Field))
		wp = max(wp, len(fmt.Sprint(r.Params)))
		total += r.Params
	}
	fmt.Fprintf(w, "%s for a (1,1,28,28) input\n", lenet.Title(v.Model()))
	fmt.Fprintf(w, "%-*s   %-*s   %-*s   %*s\n", wl, head.Layer, ws, head.Shape, wf, head.Field, wp, "parameters")
	for _, r := range rs {
		line := fmt.Sprintf("%-*s   %-*s   %-*s   %*d", wl, r.Layer, ws, r.Shape, wf, r.Field, wp, r.Params)
		if r.Formula != "" {
			line += " = " + r.Formula
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "%-*s   %*d\n", wl+ws+wf+6, "total", wp, total)
	return nil
}
