package plotting

import (
	"math"
	"strconv"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatMap is one matrix of values drawn as coloured cells: a feature map
// (one channel of a layer's output) or a kernel.
type HeatMap struct {
	// Data holds Rows rows of Cols values, row-major (row 0 is drawn on
	// top, like an image). NaN cells are grey; infinities take the colour
	// of the scale's nearer end and are left out when the scale is chosen.
	Data []float64
	// Rows and Cols are the matrix's size; both must be positive and
	// Rows*Cols must equal len(Data).
	Rows, Cols int
	// Title is printed above the map ("channel 3", "Sobel x"); "\n"
	// separates lines.
	Title string
	// ShowValues prints each cell's value in it (for small matrices such as
	// kernels), in black or white, whichever reads better on the cell.
	ShowValues bool
}

// HeatMapGrid is a panel of heat maps that share one colour scale, shown by
// a colour bar on the right: the feature maps of one layer, or a layer's
// kernels. Its zero value with Maps set is ready to use.
//
// The scale runs from the smallest to the largest finite value of all the
// maps (unless Min and Max fix it). A range holding both negative and
// positive values uses a diverging blue-white-red map, symmetric about 0 so
// that 0 is white; any other range uses viridis (dark purple low, yellow
// high), as matplotlib does by default.
type HeatMapGrid struct {
	// Maps are drawn row by row; at least one is needed.
	Maps []HeatMap
	// Cols is the number of columns; 0 means min(len(Maps), 10).
	Cols int
	// Title is printed above the grid; empty means none.
	Title string
	// CellSize is the length of each map's longer side. 0 means 1 inch,
	// or 0.32 inch per matrix cell when values are shown, if that is more.
	CellSize vg.Length
	// Min and Max fix the colour scale; when both are 0 it comes from the
	// data. Values beyond them take the colour of the nearer end.
	Min, Max float64
}

var _ Panel = (*HeatMapGrid)(nil)

// SaveHeatMapGrid writes heat maps sharing one colour scale, with a colour
// bar, to path as a PNG, atomically. cols is the number of columns (0: up to
// 10), title goes above the grid (empty: none). See HeatMapGrid for the
// colour scale.
//
// It returns an error wrapping ErrInvalid, naming the map, when a map's size
// does not match its data, there are no maps or cols is negative.
func SaveHeatMapGrid(path string, maps []HeatMap, cols int, title string) error {
	return savePanel(path, &HeatMapGrid{Maps: maps, Cols: cols, Title: title})
}

// validate checks the grid's settings and every map.
func (g *HeatMapGrid) validate() error {
	if err := validateGrid("heat map grid", "maps", len(g.Maps), g.Cols, g.CellSize); err != nil {
		return err
	}
	if math.IsNaN(g.Min) || math.IsNaN(g.Max) || math.IsInf(g.Min, 0) || math.IsInf(g.Max, 0) ||
		(g.Min != 0 || g.Max != 0) && !(g.Min < g.Max) {
		return invalidf("heat map grid scale [%v, %v]: need finite Min < Max, or both 0 for automatic", g.Min, g.Max)
	}
	for i, m := range g.Maps {
		if m.Rows <= 0 || m.Cols <= 0 || m.Rows > maxPixels || m.Cols > maxPixels {
			return invalidf("heat map %d (%q) is %dx%d: rows and columns must be in 1..%d", i, m.Title, m.Rows, m.Cols, maxPixels)
		}
		if len(m.Data) != m.Rows*m.Cols {
			return invalidf("heat map %d (%q) is %dx%d = %d cells but has %d values", i, m.Title, m.Rows, m.Cols, m.Rows*m.Cols, len(m.Data))
		}
	}
	return nil
}

// scale checks the grid (validate) and returns its colour scale: Min to Max, or else
// the range of the maps' finite values.
func (g *HeatMapGrid) scale() (colorScale, error) {
	if err := g.validate(); err != nil {
		return colorScale{}, err
	}
	if g.Min != 0 || g.Max != 0 {
		return newColorScale(g.Min, g.Max, paletteAuto)
	}
	data := make([][]float64, len(g.Maps))
	for i, m := range g.Maps {
		data[i] = m.Data
	}
	lo, hi, ok := finiteRange(data...)
	if !ok {
		lo, hi = 0, 1
	}
	return newColorScale(lo, hi, paletteAuto)
}

// boxSize returns the size of the square box each map is fitted into.
func (g *HeatMapGrid) boxSize() vg.Length {
	if g.CellSize > 0 {
		return g.CellSize
	}
	s := vg.Inch
	for _, m := range g.Maps {
		if m.ShowValues {
			s = max(s, vg.Length(max(m.Rows, m.Cols))*0.32*vg.Inch)
		}
	}
	return s
}

func mapTitleStyle() text.Style {
	return textStyle(sans(cellTitleSize, false), colorBlack)
}

// geometry lays out the maps (the colour bar is added on the right).
func (g *HeatMapGrid) geometry() gridGeometry {
	s := g.boxSize()
	titles := make([]string, len(g.Maps))
	for i, m := range g.Maps {
		titles[i] = m.Title
	}
	return newGridGeometry(len(g.Maps), g.Cols, s, s, titles,
		func(int) text.Style { return mapTitleStyle() }, "")
}

// Size implements Panel.
func (g *HeatMapGrid) Size() (w, h vg.Length, err error) {
	s, err := g.scale()
	if err != nil {
		return 0, 0, err
	}
	geo := g.geometry()
	w, h = geo.w+s.barWidth(), geo.h
	if g.Title != "" {
		tw, th := textSize(gridTitleStyle(), g.Title)
		w = max(w, tw)
		h += th + gridTitleGap
	}
	return w, h, nil
}

// Draw implements Panel.
func (g *HeatMapGrid) Draw(c draw.Canvas) error {
	s, err := g.scale()
	if err != nil {
		return err
	}
	if g.Title != "" {
		c.FillText(gridTitleStyle(), vg.Point{X: c.Center().X, Y: c.Max.Y}, g.Title)
		_, th := textSize(gridTitleStyle(), g.Title)
		c.Max.Y -= th + gridTitleGap
	}
	geo := g.geometry()
	// Centre the maps and their colour bar horizontally.
	c.Min.X += (c.Size().X - geo.w - s.barWidth()) / 2
	dpi := canvasDPI(c)
	var barTop, barBottom vg.Length
	for i, m := range g.Maps {
		r := fitBox(geo.cellRect(c, i), m.Cols, m.Rows, dpi)
		if i == 0 {
			barTop, barBottom = r.Max.Y, r.Min.Y
		}
		barTop, barBottom = max(barTop, r.Max.Y), min(barBottom, r.Min.Y)
		c.DrawImage(r, upscale(s.gridImage(m.Data, m.Rows, m.Cols), r, dpi))
		strokeRect(c, r, draw.LineStyle{Color: colorFrame, Width: vg.Points(0.75)})
		if m.ShowValues {
			drawCellValues(c, r, m, s)
		}
		if m.Title != "" {
			c.FillText(mapTitleStyle(), geo.cellTitlePoint(c, i), m.Title)
		}
	}
	x := c.Min.X + geo.w + colorBarGap
	s.drawBar(c, vg.Rectangle{
		Min: vg.Point{X: x, Y: barBottom},
		Max: vg.Point{X: x + colorBarWidth, Y: barTop},
	})
	return nil
}

// fitBox returns the largest rectangle of square cells (cols x rows) that
// fits in box, centred horizontally and at the top, on whole pixels.
func fitBox(box vg.Rectangle, cols, rows int, dpi float64) vg.Rectangle {
	bw, bh := box.Size().X, box.Size().Y
	cell := min(bw/vg.Length(cols), bh/vg.Length(rows))
	w, h := cell*vg.Length(cols), cell*vg.Length(rows)
	r := vg.Rectangle{Min: vg.Point{X: box.Min.X + (bw-w)/2, Y: box.Max.Y - h}}
	r.Max = vg.Point{X: r.Min.X + w, Y: r.Min.Y + h}
	return snap(r, dpi)
}

// formatValue formats a cell value compactly: integers as integers, others
// with two decimals below 1, one below 100.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == math.Trunc(v) && a < 1e6, a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s := strconv.FormatFloat(v, 'f', 2, 64)
		if s == "-0.00" {
			s = "0.00"
		}
		return s
	}
}

// drawCellValues prints every value of m in its cell of r, in a font that
// fits the cells (10 points at most, 5 at least).
func drawCellValues(c draw.Canvas, r vg.Rectangle, m HeatMap, s colorScale) {
	cw := r.Size().X / vg.Length(m.Cols)
	ch := r.Size().Y / vg.Length(m.Rows)
	labels := make([]string, len(m.Data))
	for i, v := range m.Data {
		labels[i] = formatValue(v)
	}
	size := vg.Length(10)
	for ; size > 5; size -= 0.5 {
		sty := textStyle(sans(size, false), colorBlack)
		fits := true
		for _, l := range labels {
			if w, h := textSize(sty, l); w > 0.92*cw || h > 0.8*ch {
				fits = false
				break
			}
		}
		if fits {
			break
		}
	}
	for i, l := range labels {
		row, col := i/m.Cols, i%m.Cols
		sty := textStyle(sans(size, false), contrastText(s.color(m.Data[i])))
		sty.YAlign = draw.YCenter
		pt := vg.Point{
			X: r.Min.X + (vg.Length(col)+0.5)*cw,
			Y: r.Max.Y - (vg.Length(row)+0.5)*ch,
		}
		c.FillText(sty, pt, l)
	}
}
