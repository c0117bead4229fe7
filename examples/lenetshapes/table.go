package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/layers"
	"github.com/d2l-go/convnets/lenet"
)

// variants are printed in this order.
var variants = lenet.Variants

// field is the receptive field of one layer's units.
type field struct {
	Size  [2]int // window side, rows and columns, in input pixels
	Jump  [2]int // distance in input pixels between neighbouring units
	Whole bool   // the unit sees the whole input (after a Linear layer)
}

// String is "5x5", or "28x28 (all)" for the whole image.
func (f field) String() string {
	s := fmt.Sprintf("%dx%d", f.Size[0], f.Size[1])
	if f.Whole {
		s += " (all)"
	}
	return s
}

// windowOf returns the kernel and stride of a layer that slides a window, and false for
// layers that act per unit.
func windowOf(l layers.Layer) (kernel, stride [2]int, ok bool) {
	switch l := l.(type) {
	case *layers.Conv2D:
		c := l.Config()
		return c.Kernel, c.Stride, true
	case *layers.MaxPool2D:
		c := l.Config()
		return c.Kernel, c.Stride, true
	case *layers.AvgPool2D:
		c := l.Config()
		return c.Kernel, c.Stride, true
	}
	return kernel, stride, false
}

// receptiveFields follows the window of one unit through the layers for an input of
// side in: after a window layer r += (k-1)*jump and jump *= stride; a Linear layer sees
// the whole input; activations and Flatten keep the field.
func receptiveFields(ls []layers.Layer, in [2]int) ([]field, error) {
	f := field{Size: [2]int{1, 1}, Jump: [2]int{1, 1}}
	out := make([]field, len(ls))
	for i, l := range ls {
		if k, s, ok := windowOf(l); ok {
			for d := range 2 {
				f.Size[d] += (k[d] - 1) * f.Jump[d]
				f.Jump[d] *= s[d]
			}
		} else {
			switch l.(type) {
			case *layers.Linear:
				f.Size, f.Whole = in, true
			case layers.ReLU, layers.Sigmoid, layers.Flatten:
			default:
				return nil, fmt.Errorf("layer %d (%v): unknown receptive field", i, l)
			}
		}
		if f.Size[0] >= in[0] && f.Size[1] >= in[1] {
			f.Size, f.Whole = in, true
		}
		out[i] = f
	}
	return out, nil
}

// row is one line of the table.
type row struct {
	Layer, Shape, Field string
	Params              int
	Formula             string // weight shape + bias count: "6x1x5x5 + 6"; empty without parameters
}

// rows builds variant v for one 28x28 image and describes every layer.
func rows(v lenet.Variant) ([]row, error) {
	g := gorgonia.NewGraph()
	net, err := lenet.NewNet(g, "", v, tensor.Float32, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, err
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, lenet.Height, lenet.Width), gorgonia.WithName("input"))
	if _, err := net.Forward(x); err != nil {
		return nil, err
	}
	ls := net.Layers()
	sum := net.Summary()
	fields, err := receptiveFields(ls, [2]int{lenet.Height, lenet.Width})
	if err != nil {
		return nil, err
	}
	out := []row{{Layer: "input", Shape: layers.FormatShape(x.Shape()), Field: "1x1"}}
	for i, l := range ls {
		r := row{Layer: sum[i].Layer, Shape: layers.FormatShape(sum[i].Shape), Field: fields[i].String()}
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
func writeTable(w io.Writer, v lenet.Variant) error {
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
	fmt.Fprintf(w, "LeNet (%s) for a (1,1,28,28) input\n", v)
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
