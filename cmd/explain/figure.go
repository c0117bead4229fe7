package main

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/d2l-go/convnets/layers"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/plotting"
)

// stage is one convolution block of the network: the layer outputs after its
// activation and after its pooling, drawn with one shared colour scale.
type stage struct {
	Name      string // "conv1"
	Conv      lenet.LayerOutput
	Act, Pool lenet.LayerOutput
	ActGrid   *plotting.HeatMapGrid
	PoolGrid  *plotting.HeatMapGrid
}

// figure is the picture of one inspection, panel by panel.
type figure struct {
	Title   string
	Input   *plotting.ImageGrid
	Probs   *plotting.BarChart
	Summary *plotting.Text
	Stages  []stage
	Kernels *plotting.HeatMapGrid // the first convolution's kernels
}

// rows lays the panels out: input, probabilities and shape summary on top; then conv1's
// feature maps and kernels; then every further stage.
func (f *figure) rows() [][]plotting.Panel {
	rows := [][]plotting.Panel{{f.Input, f.Probs, f.Summary}}
	for i, s := range f.Stages {
		row := []plotting.Panel{s.ActGrid, s.PoolGrid}
		if i == 0 {
			row = append(row, f.Kernels)
		}
		rows = append(rows, row)
	}
	return rows
}

// stages finds the convolution blocks of an inspection: every Conv2d layer followed by
// an activation and a pooling layer, all with (1, C, H, W) outputs.
func stages(insp *lenet.Inspection) ([]stage, error) {
	var out []stage
	L := insp.Layers
	for i, l := range L {
		if !strings.HasPrefix(l.Layer, "Conv2d") {
			continue
		}
		if i+2 >= len(L) || !strings.Contains(L[i+2].Layer, "Pool") {
			return nil, fmt.Errorf("layer %d (%s) is not followed by an activation and a pooling layer", i, l.Layer)
		}
		for _, o := range L[i : i+3] {
			if o.Channels() == 0 {
				return nil, fmt.Errorf("layer %d (%s) has shape %v; want (1, C, H, W)", o.Index, o.Layer, o.Shape)
			}
		}
		out = append(out, stage{Name: fmt.Sprintf("conv%d", len(out)+1), Conv: l, Act: L[i+1], Pool: L[i+2]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the network has no convolution layer")
	}
	return out, nil
}

// maps turns every channel of a (1, C, H, W) output into a heat map titled by label(c).
func maps(o lenet.LayerOutput, label func(c int) string) []plotting.HeatMap {
	h, w := o.Shape[2], o.Shape[3]
	ms := make([]plotting.HeatMap, o.Channels())
	for c := range ms {
		ms[c] = plotting.HeatMap{Data: float64s(o.FeatureMap(c)), Rows: h, Cols: w, Title: label(c)}
	}
	return ms
}

func float64s(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// sharedScale returns the range of every value in the maps, or 0, 0 (the plotting
// package's "automatic") when they are all equal.
func sharedScale(groups ...[]plotting.HeatMap) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, g := range groups {
		for _, m := range g {
			for _, v := range m.Data {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if !(lo < hi) {
		return 0, 0
	}
	return lo, hi
}

// poolName describes a pooling layer in words: "avg pooling 2x2" from
// "AvgPool 2x2 stride 2".
func poolName(desc string) string {
	kind, rest, _ := strings.Cut(desc, " ")
	size, _, _ := strings.Cut(rest, " ")
	return strings.ToLower(strings.TrimSuffix(kind, "Pool")) + " pooling " + size
}

// shapeWords writes (1, C, H, W) as "C x H x W".
func shapeWords(s []int) string {
	parts := make([]string, 0, len(s)-1)
	for _, d := range s[1:] {
		parts = append(parts, fmt.Sprint(d))
	}
	return strings.Join(parts, " x ")
}

// fixed2 formats v with two decimals, without the "-0.00" of a tiny negative value.
func fixed2(v float64) string {
	if math.Abs(v) < 0.005 {
		v = 0
	}
	return fmt.Sprintf("%.2f", v)
}

// buildFigure lays out the picture of insp for test image index with its true label.
func buildFigure(insp *lenet.Inspection, index, label int, h lenet.CheckpointHeader, summary string) (*figure, error) {
	if label < 0 || label >= lenet.Classes {
		return nil, fmt.Errorf("label %d is outside 0..%d", label, lenet.Classes-1)
	}
	src, err := h.Source()
	if err != nil {
		return nil, err
	}
	all := src.LabelNames()
	names := all[:]
	pred := insp.Predicted
	f := &figure{}
	verdict := "right"
	if pred != label {
		verdict = "wrong"
	}
	f.Title = fmt.Sprintf("%s, %s) on test image %d: true %s, predicted %s (p = %.2f, %s)",
		strings.TrimSuffix(lenet.Title(insp.Model), ")"), h.TrainedFor(), index, names[label], names[pred], insp.Probs[pred], verdict)

	f.Input = &plotting.ImageGrid{
		Title:    "input " + layers.FormatShape([]int{1, 1, lenet.Height, lenet.Width}),
		CellSize: 1.6 * vg.Inch,
		Images: []plotting.Image{{
			Pix: float64s(insp.Input), W: lenet.Width, H: lenet.Height,
			Title:     fmt.Sprintf("test image %d\ntrue: %s\npredicted: %s", index, names[label], names[pred]),
			Highlight: pred != label,
		}},
	}
	f.Probs = &plotting.BarChart{
		Values: insp.Probs, Names: names, Mark: label,
		Title: "class probabilities (softmax of the logits)", YLabel: "probability",
	}
	f.Summary = &plotting.Text{Text: "shape summary for one image\n\n" + strings.TrimRight(summary, "\n"), Mono: true, FontSize: 10}

	if f.Stages, err = stages(insp); err != nil {
		return nil, err
	}
	for i := range f.Stages {
		s := &f.Stages[i]
		label := func(c int) string { return fmt.Sprint(c) }
		cols, cell := 8, 0.8*vg.Inch
		if s.Act.Channels() <= 6 {
			label = func(c int) string { return fmt.Sprintf("channel %d", c) }
			cols, cell = 3, 0
		}
		act, pool := maps(s.Act, label), maps(s.Pool, label)
		lo, hi := sharedScale(act, pool)
		s.ActGrid = &plotting.HeatMapGrid{Maps: act, Cols: cols, Min: lo, Max: hi, CellSize: cell,
			Title: fmt.Sprintf("%s after %s: %s", s.Name, s.Act.Layer, shapeWords(s.Act.Shape))}
		s.PoolGrid = &plotting.HeatMapGrid{Maps: pool, Cols: cols, Min: lo, Max: hi, CellSize: cell,
			Title: fmt.Sprintf("%s after %s: %s", s.Name, poolName(s.Pool.Layer), shapeWords(s.Pool.Shape))}
	}

	w, ok := insp.Param("conv1.weight")
	if !ok || len(w.Shape) != 4 || w.Shape[1] != 1 {
		return nil, fmt.Errorf("the inspection has no (C, 1, kh, kw) conv1.weight")
	}
	b, _ := insp.Param("conv1.bias")
	co, kh, kw := w.Shape[0], w.Shape[2], w.Shape[3]
	kernels := make([]plotting.HeatMap, co)
	for c := range kernels {
		title := fmt.Sprintf("kernel %d", c)
		if len(b.Data) == co {
			title += ", bias " + fixed2(float64(b.Data[c]))
		}
		kernels[c] = plotting.HeatMap{Data: float64s(w.Data[c*kh*kw : (c+1)*kh*kw]), Rows: kh, Cols: kw, Title: title, ShowValues: true}
	}
	f.Kernels = &plotting.HeatMapGrid{Maps: kernels, Cols: 3,
		Title: fmt.Sprintf("conv1's learned kernels (%d x %d)", kh, kw)}
	return f, nil
}
