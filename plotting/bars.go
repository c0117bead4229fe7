package plotting

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarChart is a panel with one bar per value, each bar labelled with its
// value, for example the ten class probabilities of one image with the true
// class marked.
type BarChart struct {
	// Values are the bar heights; at least one, all finite.
	Values []float64
	// Names label the bars on the x axis; nil means "0", "1", ...;
	// otherwise there must be one per value.
	Names []string
	// Mark is the index of the bar drawn in orange (the true label), with
	// a legend saying "true label"; -1 marks none. Note that the zero value
	// marks bar 0.
	Mark int
	// MarkLabel is the legend's text for the marked bar; empty means
	// "true label".
	MarkLabel string
	// Title is printed above the chart; empty means none.
	Title string
	// YLabel labels the y axis; empty means none.
	YLabel string
	// Width and Height are the panel's size; 0 means 0.45 inch per bar
	// (4.5 inches at least) by 3.2 inches.
	Width, Height vg.Length
}

var _ Panel = (*BarChart)(nil)

// SaveBars writes a bar chart to path as a PNG, atomically: one bar per
// value, named by names (nil: the indices), each labelled with its value.
// The bar at index mark is orange and a legend calls it the true label;
// mark -1 marks none. Values all in [0, 1] (probabilities) get a y axis from
// 0 to 1.
//
// It returns an error wrapping ErrInvalid when there are no values, a value
// is not finite, names has the wrong length or mark is out of range.
func SaveBars(path string, values []float64, names []string, mark int, title string) error {
	return savePanel(path, &BarChart{Values: values, Names: names, Mark: mark, Title: title})
}

func (b *BarChart) validate() error {
	if len(b.Values) == 0 {
		return invalidf("bar chart has no values")
	}
	for i, v := range b.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return invalidf("bar chart value %d is %v: values must be finite", i, v)
		}
	}
	if b.Names != nil && len(b.Names) != len(b.Values) {
		return invalidf("bar chart has %d values but %d names: give one name per value, or nil", len(b.Values), len(b.Names))
	}
	if b.Mark < -1 || b.Mark >= len(b.Values) {
		return invalidf("bar chart mark %d is out of range: use -1 for none or an index below %d", b.Mark, len(b.Values))
	}
	if b.Width < 0 || b.Height < 0 {
		return invalidf("bar chart size %v x %v is negative", b.Width, b.Height)
	}
	return nil
}

// Size implements Panel.
func (b *BarChart) Size() (w, h vg.Length, err error) {
	if err := b.validate(); err != nil {
		return 0, 0, err
	}
	w, h = b.Width, b.Height
	if w == 0 {
		w = max(4.5*vg.Inch, vg.Length(len(b.Values))*0.45*vg.Inch)
	}
	if h == 0 {
		h = 3.2 * vg.Inch
	}
	return w, h, nil
}

func (b *BarChart) names() []string {
	if b.Names != nil {
		return b.Names
	}
	out := make([]string, len(b.Values))
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

// probabilities reports whether every value lies in [0, 1].
func probabilities(vs []float64) bool {
	for _, v := range vs {
		if v < 0 || v > 1 {
			return false
		}
	}
	return true
}

// Draw implements Panel.
func (b *BarChart) Draw(c draw.Canvas) error {
	if err := b.validate(); err != nil {
		return err
	}
	if b.Title != "" {
		sty := gridTitleStyle()
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y}, b.Title)
		c.Max.Y -= sty.Height(b.Title) + gridTitleGap
	}
	if b.Mark >= 0 {
		c.Max.Y -= b.drawLegend(c) + 4
	}
	p := b.newPlot(c)
	lo, hi, format := b.yRange()
	p.X.Min, p.X.Max = -0.5, float64(len(b.Values))-0.5
	p.Y.Min, p.Y.Max = lo, hi
	if err := b.addBars(p, c, lo >= 0, format); err != nil {
		return err
	}
	// Adding plotters may have widened the axes to their data; reset them.
	p.X.Min, p.X.Max = -0.5, float64(len(b.Values))-0.5
	p.Y.Min, p.Y.Max = lo, hi
	p.Draw(c)
	return nil
}

// newPlot returns the chart's empty plot for canvas c: the bars' names on the x axis
// (rotated when they do not fit under their bars) and horizontal grid lines.
func (b *BarChart) newPlot(c draw.Canvas) *plot.Plot {
	p := plot.New()
	styleSans(p)
	p.Y.Label.Text = b.YLabel
	p.Y.Tick.Marker = niceTicks{Target: 5}
	names := b.names()
	nominalX(p, c, names)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil // only horizontal lines
	grid.Horizontal.Color = colorFrame
	p.Add(grid)
	return p
}

// yRange returns the y axis range, from 0 or below to the values' maximum (1 for
// probabilities) with headroom for the value labels, and how to format a value.
func (b *BarChart) yRange() (lo, hi float64, format func(float64) string) {
	for _, v := range b.Values {
		lo, hi = min(lo, v), max(hi, v)
	}
	format = formatValue
	if probabilities(b.Values) {
		hi = 1
		format = func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	}
	if hi == lo {
		hi = lo + 1
	}
	span := hi - lo
	if hi > 0 {
		hi += 0.12 * span
	}
	if lo < 0 {
		lo -= 0.12 * span
	}
	return lo, hi, format
}

// nominalX names p's x positions 0, 1, ... by names, on canvas c, rotating the names
// by 45 degrees when one does not fit under its slot.
func nominalX(p *plot.Plot, c draw.Canvas, names []string) {
	p.NominalX(names...)
	p.X.Padding, p.Y.Padding = 0, 0
	slot := (c.Size().X - 50) / vg.Length(len(names))
	for _, n := range names {
		if p.X.Tick.Label.Width(n) > 0.95*slot {
			p.X.Tick.Label.Rotation = math.Pi / 4
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YTop
			break
		}
	}
}

// addBars adds one bar per value to p, whose axis ranges are set, with its value
// written above it (below a negative one); nonNegative lifts the labels off the bars.
func (b *BarChart) addBars(p *plot.Plot, c draw.Canvas, nonNegative bool, format func(float64) string) error {
	// The bar width is an absolute length in gonum: take 70% of a slot of
	// the data area.
	dataW := p.DataCanvas(c).Size().X
	width := max(1, 0.7*dataW/vg.Length(len(b.Values)))
	labels := plotter.XYLabels{}
	var styles []text.Style
	for i, v := range b.Values {
		bar, err := plotter.NewBarChart(plotter.Values{v}, width)
		if err != nil {
			return err
		}
		bar.XMin = float64(i)
		bar.Color = colorBar
		if i == b.Mark {
			bar.Color = colorBarMark
		}
		bar.LineStyle.Width = 0
		p.Add(bar)
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: v})
		labels.Labels = append(labels.Labels, format(v))
		sty := textStyle(sans(tickLabelSize-1, i == b.Mark), colorBlack)
		sty.YAlign = draw.YBottom
		if v < 0 {
			sty.YAlign = draw.YTop
		}
		styles = append(styles, sty)
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	l.TextStyle = styles
	if nonNegative {
		l.Offset = vg.Point{Y: 2} // a little air between a bar and its value
	}
	p.Add(l)
	return nil
}

// drawLegend draws "[orange box] true label" at the top right of c and
// returns the height it used.
func (b *BarChart) drawLegend(c draw.Canvas) vg.Length {
	label := b.MarkLabel
	if label == "" {
		label = "true label"
	}
	sty := textStyle(sans(legendSize, false), colorBlack)
	sty.XAlign = draw.XRight
	w, h := textSize(sty, label)
	x := c.Max.X - 4
	c.FillText(sty, vg.Point{X: x, Y: c.Max.Y}, label)
	box := vg.Length(9)
	bx := x - w - 4 - box
	by := c.Max.Y - (h+box)/2
	fillRect(c, vg.Rectangle{Min: vg.Point{X: bx, Y: by}, Max: vg.Point{X: bx + box, Y: by + box}}, colorBarMark)
	return h
}
