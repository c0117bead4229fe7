package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// RangeBars is a panel of grouped bars with their spread: for each group (a network,
// say) one bar per series (a program), as tall as the median of its measurements, with
// a whisker from their minimum to their maximum. Repeated timings are summarised this
// way because a single figure hides how much the rounds disagree.
type RangeBars struct {
	// Groups name the groups along the x axis; at least one.
	Groups []string
	// Series are the bars of each group, left to right, with a legend naming them; at
	// least one, at most len(rangeColors).
	Series []RangeSeries
	// Notes, when not nil, hold one line per group written above its bars (the ratio
	// of two series, for example); an empty note writes nothing.
	Notes []string
	// Title is printed above the chart; empty means none.
	Title string
	// YLabel labels the y axis; empty means none.
	YLabel string
	// Width and Height are the panel's size; 0 means 1.3 inch per group (6 inches at
	// least) by 3.6 inches.
	Width, Height vg.Length
}

// RangeSeries is one series of a RangeBars chart: per group, the minimum, median and
// maximum of its measurements, all finite, 0 <= Min <= Median <= Max.
type RangeSeries struct {
	Name             string
	Min, Median, Max []float64
}

var _ Panel = (*RangeBars)(nil)

// rangeColors are the series' colours, in order (matplotlib's tab:blue, tab:orange,
// tab:green).
var rangeColors = []color.Color{colorBar, colorBarMark, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}}

// SaveRangeBars writes a RangeBars chart to path as a PNG, atomically.
//
// It returns an error wrapping ErrInvalid when the chart is malformed (see RangeBars
// and RangeSeries).
func SaveRangeBars(path string, r *RangeBars) error {
	return savePanel(path, r)
}

func (r *RangeBars) validate() error {
	if len(r.Groups) == 0 {
		return invalidf("range bar chart has no groups")
	}
	if len(r.Series) == 0 || len(r.Series) > len(rangeColors) {
		return invalidf("range bar chart has %d series: give 1 to %d", len(r.Series), len(rangeColors))
	}
	if r.Notes != nil && len(r.Notes) != len(r.Groups) {
		return invalidf("range bar chart has %d groups but %d notes: give one note per group, or nil", len(r.Groups), len(r.Notes))
	}
	for _, s := range r.Series {
		if len(s.Min) != len(r.Groups) || len(s.Median) != len(r.Groups) || len(s.Max) != len(r.Groups) {
			return invalidf("range bar series %q has %d, %d and %d values for %d groups: give one min, median and max per group",
				s.Name, len(s.Min), len(s.Median), len(s.Max), len(r.Groups))
		}
		for g := range r.Groups {
			lo, mid, hi := s.Min[g], s.Median[g], s.Max[g]
			if !finite(lo) || !finite(mid) || !finite(hi) || lo < 0 || lo > mid || mid > hi {
				return invalidf("range bar series %q, group %q: min %v, median %v, max %v must be finite with 0 <= min <= median <= max",
					s.Name, r.Groups[g], lo, mid, hi)
			}
		}
	}
	if r.Width < 0 || r.Height < 0 {
		return invalidf("range bar chart size %v x %v is negative", r.Width, r.Height)
	}
	return nil
}

// twoLines breaks a name longer than 14 characters at the space nearest its middle, so
// that long group names stay level under their bars.
func twoLines(name string) string {
	if len(name) <= 14 {
		return name
	}
	best := -1
	for i, r := range name {
		if r == ' ' && (best < 0 || abs(i-len(name)/2) < abs(best-len(name)/2)) {
			best = i
		}
	}
	if best < 0 {
		return name
	}
	return name[:best] + "\n" + name[best+1:]
}

func abs(x int) int { return max(x, -x) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Size implements Panel.
func (r *RangeBars) Size() (w, h vg.Length, err error) {
	if err := r.validate(); err != nil {
		return 0, 0, err
	}
	w, h = r.Width, r.Height
	if w == 0 {
		w = max(6*vg.Inch, vg.Length(len(r.Groups))*1.3*vg.Inch)
	}
	if h == 0 {
		h = 3.6 * vg.Inch
	}
	return w, h, nil
}

// Draw implements Panel.
func (r *RangeBars) Draw(c draw.Canvas) error {
	if err := r.validate(); err != nil {
		return err
	}
	if r.Title != "" {
		sty := gridTitleStyle()
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y}, r.Title)
		c.Max.Y -= sty.Height(r.Title) + gridTitleGap
	}
	p := plot.New()
	styleSans(p)
	p.Y.Label.Text = r.YLabel
	p.Y.Tick.Marker = niceTicks{Target: 5}
	names := make([]string, len(r.Groups))
	for i, g := range r.Groups {
		names[i] = twoLines(g)
	}
	nominalX(p, c, names)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = colorFrame
	p.Add(grid)
	p.Legend.Top = true
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(6), -vg.Points(4)
	p.Legend.Padding = vg.Points(3)

	top := 0.0
	for _, s := range r.Series {
		for _, v := range s.Max {
			top = max(top, v)
		}
	}
	if top == 0 {
		top = 1
	}
	xmin, xmax := -0.5, float64(len(r.Groups))-0.5
	// Room above the tallest whisker for the notes and the legend.
	ymax := top * 1.3
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, 0, ymax

	slot := p.DataCanvas(c).Size().X / vg.Length(len(r.Groups))
	width := 0.8 * slot / vg.Length(len(r.Series))
	for i, s := range r.Series {
		bars, err := plotter.NewBarChart(plotter.Values(s.Median), width)
		if err != nil {
			return err
		}
		bars.Color = rangeColors[i]
		bars.LineStyle.Width = 0
		bars.Offset = (vg.Length(i) - vg.Length(len(r.Series)-1)/2) * width
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
		p.Add(&whiskers{s: s, offset: bars.Offset})
	}
	if r.Notes != nil {
		labels := plotter.XYLabels{}
		for g, note := range r.Notes {
			if note == "" {
				continue
			}
			hi := 0.0
			for _, s := range r.Series {
				hi = max(hi, s.Max[g])
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(g), Y: hi})
			labels.Labels = append(labels.Labels, note)
		}
		if len(labels.XYs) > 0 {
			l, err := plotter.NewLabels(labels)
			if err != nil {
				return err
			}
			sty := textStyle(sans(tickLabelSize, true), colorBlack)
			sty.YAlign = draw.YBottom
			for i := range l.TextStyle {
				l.TextStyle[i] = sty
			}
			l.Offset = vg.Point{Y: 3}
			p.Add(l)
		}
	}
	// Adding plotters may have widened the axes to their data; reset them.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, 0, ymax
	p.Draw(c)
	return nil
}

// whiskers draws a series' min-to-max line with short caps, centred on its bars.
type whiskers struct {
	s      RangeSeries
	offset vg.Length
}

// Plot implements plot.Plotter.
func (w *whiskers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: colorBlack, Width: vg.Points(1)}
	capHalf := vg.Points(3)
	for g := range w.s.Median {
		x := trX(float64(g)) + w.offset
		lo, hi := trY(w.s.Min[g]), trY(w.s.Max[g])
		c.StrokeLine2(sty, x, lo, x, hi)
		c.StrokeLine2(sty, x-capHalf, lo, x+capHalf, lo)
		c.StrokeLine2(sty, x-capHalf, hi, x+capHalf, hi)
	}
}
