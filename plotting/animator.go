package plotting

import (
	"image/color"
	"math"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// AnimatorConfig sets up an Animator. Its zero value is valid: no title or
// labels, automatic axes, the default size, and as many unnamed series as
// the first Add gives.
type AnimatorConfig struct {
	// Title is printed above the plot; XLabel and YLabel label the axes
	// (d2l's train_ch6 uses XLabel "epoch"). Empty means none.
	Title, XLabel, YLabel string
	// Legend names the series, in the order Add takes their values. When
	// it is empty the first Add fixes the number of series and no legend
	// is drawn.
	Legend []string
	// XMin and XMax fix the x axis (d2l: 1 and the number of epochs); both
	// 0 means the range of the data. Points outside are clipped. Equal
	// values (a 1-epoch run) mean the data's range widened to include them.
	XMin, XMax float64
	// YMin and YMax fix the y axis; both 0 means the range of the finite
	// values with a 5% margin, as matplotlib does. Equal values mean that
	// range widened to include them.
	YMin, YMax float64
	// Width and Height are the PNG's size; 0 means 6 x 4.5 inches
	// (720 x 540 pixels at DPI).
	Width, Height vg.Length
}

// Animator mirrors d2l's Animator: several named series of values against x
// (the epoch, fractional for points recorded within an epoch), redrawn as a
// PNG whenever Save is called, so that a person can watch training.
//
// What is plotted:
//   - each series is a line through its points in the order they were
//     added, with the textbook's styles: blue solid, magenta dashed, green
//     dash-dot, red dotted, then other colours;
//   - a NaN value means "no point for this series at this x" (d2l's None):
//     the line joins the points on either side, so a test accuracy recorded
//     once per epoch is a line through the epochs while the training loss,
//     recorded five times per epoch, has five points per epoch;
//   - a point that is the only visible one of its line (the first point,
//     or the last point of the first epoch when XMin clips the others) is
//     drawn as a dot;
//   - +Inf or -Inf (a diverged run) breaks the line there and puts a
//     triangle in the series' colour on the top (+Inf) or bottom (-Inf)
//     edge of the axes at that x; the legend entry reads "NAME (diverged)".
//     The automatic y range ignores infinities, so the finite part of the
//     run stays readable. Huge finite values are plotted as they are.
//
// With a fixed x range the automatic y range covers the values whose x lies
// in it (all values if none does): lines leaving the axes are clipped.
//
// The legend is placed inside the axes, in the corner (or edge centre)
// that hides the fewest line points, like matplotlib's "best".
//
// An Animator is safe for concurrent use.
type Animator struct {
	mu     sync.Mutex
	cfg    AnimatorConfig
	cfgErr error
	n      int         // number of series; 0 until known
	xs     []float64   // x of every Add
	ys     [][]float64 // ys[s][i]: series s at xs[i]
}

// NewAnimator returns an Animator with no points. A bad configuration (a
// fixed range with min >= max, a negative size) is reported by every Add
// and Save.
func NewAnimator(cfg AnimatorConfig) *Animator {
	cfg.Legend = append([]string(nil), cfg.Legend...)
	a := &Animator{cfg: cfg, cfgErr: cfg.check(), n: len(cfg.Legend)}
	a.ys = make([][]float64, a.n)
	return a
}

func (cfg AnimatorConfig) check() error {
	if err := checkRange("x", cfg.XMin, cfg.XMax); err != nil {
		return err
	}
	if err := checkRange("y", cfg.YMin, cfg.YMax); err != nil {
		return err
	}
	if cfg.Width < 0 || cfg.Height < 0 {
		return invalidf("animator size %v x %v is negative: use 0 for the default", cfg.Width, cfg.Height)
	}
	return nil
}

// checkRange validates a fixed axis range (both 0: automatic).
func checkRange(axis string, lo, hi float64) error {
	if lo == 0 && hi == 0 {
		return nil
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi {
		return invalidf("animator %s range [%v, %v]: need finite min <= max, or both 0 for automatic", axis, lo, hi)
	}
	return nil
}

// Add records one value per series at x: ys[i] belongs to Legend[i]. x must
// be finite. A NaN value adds no point to its series; an infinite one marks
// the series as diverged at x (see Animator). The number of values must
// equal the number of legend entries (or, without a legend, the number the
// first Add gave); otherwise Add returns an error wrapping ErrInvalid and
// records nothing.
func (a *Animator) Add(x float64, ys ...float64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfgErr != nil {
		return a.cfgErr
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return invalidf("animator x value %v: x must be finite", x)
	}
	if a.n == 0 {
		if len(ys) == 0 {
			return invalidf("animator Add at x=%v got no values: give at least one", x)
		}
		a.n = len(ys)
		a.ys = make([][]float64, a.n)
	}
	if len(ys) != a.n {
		if len(a.cfg.Legend) > 0 {
			return invalidf("animator Add at x=%v got %d values for %d series %q: give one per legend entry, NaN for none", x, len(ys), a.n, a.cfg.Legend)
		}
		return invalidf("animator Add at x=%v got %d values, but the first Add gave %d: give one per series, NaN for none", x, len(ys), a.n)
	}
	a.xs = append(a.xs, x)
	for i, y := range ys {
		a.ys[i] = append(a.ys[i], y)
	}
	return nil
}

// Len returns the number of successful Add calls.
func (a *Animator) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.xs)
}

// Series returns a copy of the finite points of series i (NaN and infinite
// values left out), in the order they were added; nil when i is out of
// range. plotter.XYs is a plotter.XYer, so the result can go straight into
// other gonum plots or be checked by tests.
func (a *Animator) Series(i int) plotter.XYs {
	a.mu.Lock()
	defer a.mu.Unlock()
	if i < 0 || i >= len(a.ys) {
		return nil
	}
	var out plotter.XYs
	for j, y := range a.ys[i] {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			out = append(out, plotter.XY{X: a.xs[j], Y: y})
		}
	}
	return out
}

func (cfg AnimatorConfig) size() (w, h vg.Length) {
	w, h = cfg.Width, cfg.Height
	if w == 0 {
		w = 6 * vg.Inch
	}
	if h == 0 {
		h = 4.5 * vg.Inch
	}
	return w, h
}

// Save draws the series and writes the PNG to path atomically (a reader
// never sees a half-written file, and a failed save leaves path as it was).
// It can be called any number of times, for example at the end of every
// epoch. With no points yet it draws empty axes.
func (a *Animator) Save(path string) error {
	p, err := a.Plot()
	if err != nil {
		return err
	}
	w, h := a.cfg.size()
	return renderPNG(path, w, h, func(c draw.Canvas) error {
		p.Draw(plotMargins(c))
		return nil
	})
}

// seriesStyle is how one series is drawn.
type seriesStyle struct {
	color  color.Color
	dashes []vg.Length
}

// seriesStyles are d2l's fmts ('-', 'm--', 'g-.', 'r:') in matplotlib's
// colours, then more colours and dash patterns for further series.
var seriesStyles = []seriesStyle{
	{rgb(0x1f77b4), nil},                             // blue solid
	{rgb(0xbf00bf), []vg.Length{5.5, 2.4}},           // magenta dashed
	{rgb(0x008000), []vg.Length{9.6, 2.4, 1.5, 2.4}}, // green dash-dot
	{rgb(0xff0000), []vg.Length{1.5, 2.5}},           // red dotted
	{rgb(0xff7f0e), nil},                             // orange solid
	{rgb(0x8c564b), []vg.Length{5.5, 2.4}},           // brown dashed
	{rgb(0x17becf), []vg.Length{9.6, 2.4, 1.5, 2.4}}, // cyan dash-dot
	{rgb(0x7f7f7f), []vg.Length{1.5, 2.5}},           // grey dotted
	{rgb(0x9467bd), nil},                             // purple solid
	{rgb(0xbcbd22), []vg.Length{5.5, 2.4}},           // olive dashed
	{rgb(0xe377c2), []vg.Length{9.6, 2.4, 1.5, 2.4}}, // pink dash-dot
	{rgb(0x000000), []vg.Length{1.5, 2.5}},           // black dotted
}

// lineWidth is the width of every series' line (matplotlib's 1.5 points).
const lineWidth = vg.Length(1.5)

func style(i int) seriesStyle { return seriesStyles[i%len(seriesStyles)] }

func lineStyle(i int) draw.LineStyle {
	s := style(i)
	return draw.LineStyle{Color: s.color, Width: lineWidth, Dashes: s.dashes}
}

// Plot returns the gonum plot Save draws, for use in a composite figure
// (PlotPanel) or for further changes. It reflects the points added so far.
func (a *Animator) Plot() (*plot.Plot, error) {
	p, _, err := a.build()
	return p, err
}

// build makes the plot and returns its legend (nil without one).
func (a *Animator) build() (*plot.Plot, *legendBox, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfgErr != nil {
		return nil, nil, a.cfgErr
	}
	p := newAnimatorPlot(a.cfg)
	xmin, xmax := a.xAxisRange()
	ymin, ymax := a.yAxisRange()
	leg := &legendBox{}
	for s := range a.n {
		if err := a.addSeries(p, leg, s, xmin, xmax); err != nil {
			return nil, nil, err
		}
	}

	// Adding plotters widened the axes to their data; set the ranges.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	if len(leg.entries) == 0 {
		return p, nil, nil
	}
	p.Add(leg) // last, so that it is drawn over the lines
	return p, leg, nil
}

// newAnimatorPlot returns an empty plot with cfg's labels, the grid and the frame.
func newAnimatorPlot(cfg AnimatorConfig) *plot.Plot {
	p := plot.New()
	styleSans(p)
	p.Title.Text = cfg.Title
	p.X.Label.Text = cfg.XLabel
	p.Y.Label.Text = cfg.YLabel
	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: colorGrid, Width: vg.Points(0.6)}
	grid.Horizontal = grid.Vertical
	p.Add(grid, frame{})
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.LineStyle.Width, p.Y.LineStyle.Width = 0, 0 // the frame draws them
	p.X.Tick.Marker = niceTicks{Target: 6}
	p.Y.Tick.Marker = niceTicks{Target: 6}
	return p
}

// xAxisRange is the configured x range, or the data's (widened to XMin when XMin ==
// XMax names one value to include). The caller holds a.mu.
func (a *Animator) xAxisRange() (xmin, xmax float64) {
	cfg := a.cfg
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, x := range a.xs {
		xlo, xhi = min(xlo, x), max(xhi, x)
	}
	if cfg.XMin == cfg.XMax && cfg.XMin != 0 {
		xlo, xhi = min(xlo, cfg.XMin), max(xhi, cfg.XMax)
	}
	switch {
	case cfg.XMin < cfg.XMax:
		return cfg.XMin, cfg.XMax
	case math.IsInf(xlo, 0):
		return 0, 1
	case xlo == xhi:
		return xlo - 0.5, xhi + 0.5
	}
	return xlo, xhi
}

// yAxisRange is the configured y range, or the finite data's with matplotlib's 5%
// margin. The caller holds a.mu.
func (a *Animator) yAxisRange() (ymin, ymax float64) {
	cfg := a.cfg
	ylo, yhi, anyY := a.yRange()
	if anyY {
		m := 0.05 * (yhi - ylo)
		ylo, yhi = ylo-m, yhi+m
	}
	if cfg.YMin == cfg.YMax && cfg.YMin != 0 {
		ylo, yhi, anyY = min(ylo, cfg.YMin), max(yhi, cfg.YMax), true
	}
	switch {
	case cfg.YMin < cfg.YMax:
		return cfg.YMin, cfg.YMax
	case !anyY:
		return 0, 1
	case ylo == yhi:
		d := max(0.5, math.Abs(ylo)*0.1)
		return ylo - d, yhi + d
	}
	return ylo, yhi
}

// addSeries adds series s to p, as lines between its NaN gaps, dots where a lone point
// would not show as a line, and marks at the edge where it diverged, and its entry and
// line pieces to leg. The caller holds a.mu.
func (a *Animator) addSeries(p *plot.Plot, leg *legendBox, s int, xmin, xmax float64) error {
	sty := lineStyle(s)
	segs, divergedUp, divergedDown := splitSeries(a.xs, a.ys[s])
	for _, seg := range segs {
		if dot, ok := loneVisible(seg, xmin, xmax); ok {
			sc, err := plotter.NewScatter(plotter.XYs{dot})
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: 2.5, Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		if len(seg) == 1 {
			leg.lines = append(leg.lines, seg)
			continue
		}
		l, err := plotter.NewLine(seg)
		if err != nil {
			return err
		}
		l.LineStyle = sty
		p.Add(l)
		leg.lines = append(leg.lines, l.XYs)
	}
	diverged := len(divergedUp)+len(divergedDown) > 0
	if diverged {
		p.Add(&edgeMarks{up: divergedUp, down: divergedDown, color: sty.Color})
	}
	if s < len(a.cfg.Legend) {
		name := a.cfg.Legend[s]
		if diverged {
			name += " (diverged)"
		}
		leg.entries = append(leg.entries, legendEntry{name: name, style: sty})
	}
	return nil
}

// yRange returns the range of the finite values whose x lies in the fixed
// x range (all finite values when the x range is automatic or holds none).
// With d2l's XMin = 1, the first epoch's points at x < 1 are clipped away,
// and a high first loss would otherwise squash the rest of the plot.
func (a *Animator) yRange() (lo, hi float64, ok bool) {
	if a.cfg.XMin < a.cfg.XMax {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, ys := range a.ys {
			for j, y := range ys {
				if x := a.xs[j]; x < a.cfg.XMin || x > a.cfg.XMax || math.IsNaN(y) || math.IsInf(y, 0) {
					continue
				}
				lo, hi, ok = min(lo, y), max(hi, y), true
			}
		}
		if ok {
			return lo, hi, ok
		}
	}
	return finiteRange(a.ys...)
}

// loneVisible returns the point of seg that lies in [xmin, xmax] when it is
// the only one: a line through it would be invisible (a single point, or a
// line whose other points are clipped, as after d2l's first epoch with
// XMin = 1), so it is drawn as a dot.
func loneVisible(seg plotter.XYs, xmin, xmax float64) (plotter.XY, bool) {
	var found plotter.XY
	n := 0
	for _, p := range seg {
		if p.X >= xmin && p.X <= xmax {
			found = p
			n++
		}
	}
	return found, n == 1
}

// splitSeries splits one series into runs of finite points, broken at
// infinities (NaN values are skipped without breaking the run), and returns
// the x positions of +Inf and -Inf values.
func splitSeries(xs, ys []float64) (segs []plotter.XYs, up, down []float64) {
	var cur plotter.XYs
	flush := func() {
		if len(cur) > 0 {
			segs = append(segs, cur)
			cur = nil
		}
	}
	for i, y := range ys {
		switch {
		case math.IsNaN(y):
		case math.IsInf(y, 1):
			up = append(up, xs[i])
			flush()
		case math.IsInf(y, -1):
			down = append(down, xs[i])
			flush()
		default:
			cur = append(cur, plotter.XY{X: xs[i], Y: y})
		}
	}
	flush()
	return segs, up, down
}

// edgeMarks draws triangles on the top (up) or bottom (down) edge of the
// data area at the given x values: a diverged series.
type edgeMarks struct {
	up, down []float64
	color    color.Color
}

// Plot implements plot.Plotter.
func (m *edgeMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	const r = vg.Length(5)
	for _, x := range m.up {
		px := trX(x)
		if !c.ContainsX(px) {
			continue
		}
		y := c.Max.Y
		c.FillPolygon(m.color, []vg.Point{{X: px - r, Y: y - 1.6*r}, {X: px + r, Y: y - 1.6*r}, {X: px, Y: y}})
	}
	for _, x := range m.down {
		px := trX(x)
		if !c.ContainsX(px) {
			continue
		}
		y := c.Min.Y
		c.FillPolygon(m.color, []vg.Point{{X: px - r, Y: y + 1.6*r}, {X: px + r, Y: y + 1.6*r}, {X: px, Y: y}})
	}
}

// legendEntry is one line of the legend.
type legendEntry struct {
	name  string
	style draw.LineStyle
}

// legendBox is a plotter that draws the legend inside the data area, at
// the candidate position covering the fewest points of the lines.
type legendBox struct {
	entries []legendEntry
	lines   []plotter.XYs // the data the legend should avoid
}

// Legend geometry.
const (
	legendPad    = vg.Length(5)  // inside the box
	legendInset  = vg.Length(6)  // between the box and the axes
	legendSample = vg.Length(24) // length of a line sample
	legendGap    = vg.Length(6)  // between a sample and its text
	legendRowGap = vg.Length(2)
)

// size returns the legend box's size and its row height.
func (l *legendBox) size() (w, h, row vg.Length) {
	sty := textStyle(sans(legendSize, false), colorBlack)
	var tw vg.Length
	for _, e := range l.entries {
		tw = max(tw, sty.Width(e.name))
	}
	row = sty.Height("Mg")
	n := vg.Length(len(l.entries))
	w = 2*legendPad + legendSample + legendGap + tw
	h = 2*legendPad + n*row + (n-1)*legendRowGap
	return w, h, row
}

// Plot implements plot.Plotter.
func (l *legendBox) Plot(c draw.Canvas, p *plot.Plot) {
	w, h, row := l.size()
	r := l.best(c, p, w, h)
	fillRect(c, r, color.NRGBA{R: 255, G: 255, B: 255, A: 220})
	strokeRect(c, r, draw.LineStyle{Color: colorFrame, Width: vg.Points(0.8)})
	sty := textStyle(sans(legendSize, false), colorBlack)
	sty.XAlign = draw.XLeft
	sty.YAlign = draw.YCenter
	y := r.Max.Y - legendPad - row/2
	for _, e := range l.entries {
		x := r.Min.X + legendPad
		c.StrokeLine2(e.style, x, y, x+legendSample, y)
		c.FillText(sty, vg.Point{X: x + legendSample + legendGap, Y: y}, e.name)
		y -= row + legendRowGap
	}
}

// best returns the legend's rectangle: of matplotlib's nine candidate
// places (upper right, upper left, lower left, lower right, centre right,
// centre left, lower centre, upper centre, centre) the first that covers
// the fewest points sampled along the lines.
func (l *legendBox) best(c draw.Canvas, p *plot.Plot, w, h vg.Length) vg.Rectangle {
	trX, trY := p.Transforms(&c)
	var pts []vg.Point
	for _, xys := range l.lines {
		for i := 1; i < len(xys); i++ {
			a := vg.Point{X: trX(xys[i-1].X), Y: trY(xys[i-1].Y)}
			b := vg.Point{X: trX(xys[i].X), Y: trY(xys[i].Y)}
			const steps = 8
			for k := range steps {
				t := vg.Length(k) / steps
				pts = append(pts, vg.Point{X: a.X + t*(b.X-a.X), Y: a.Y + t*(b.Y-a.Y)})
			}
		}
		if n := len(xys); n > 0 {
			pts = append(pts, vg.Point{X: trX(xys[n-1].X), Y: trY(xys[n-1].Y)})
		}
	}
	left, right := c.Min.X+legendInset, c.Max.X-legendInset-w
	bottom, top := c.Min.Y+legendInset, c.Max.Y-legendInset-h
	cx, cy := (c.Min.X+c.Max.X-w)/2, (c.Min.Y+c.Max.Y-h)/2
	candidates := []vg.Point{
		{X: right, Y: top}, {X: left, Y: top}, {X: left, Y: bottom}, {X: right, Y: bottom},
		{X: right, Y: cy}, {X: left, Y: cy}, {X: cx, Y: bottom}, {X: cx, Y: top}, {X: cx, Y: cy},
	}
	var bestRect vg.Rectangle
	bestCount := -1
	for _, m := range candidates {
		r := vg.Rectangle{Min: m, Max: vg.Point{X: m.X + w, Y: m.Y + h}}
		count := 0
		for _, pt := range pts {
			if pt.X >= r.Min.X-2 && pt.X <= r.Max.X+2 && pt.Y >= r.Min.Y-2 && pt.Y <= r.Max.Y+2 {
				count++
			}
		}
		if bestCount < 0 || count < bestCount {
			bestRect, bestCount = r, count
		}
	}
	return bestRect
}

// frame draws a box around the data area (matplotlib's spines).
type frame struct{}

// Plot implements plot.Plotter.
func (frame) Plot(c draw.Canvas, _ *plot.Plot) {
	strokeRect(c, c.Rectangle, draw.LineStyle{Color: colorBlack, Width: vg.Points(0.8)})
}
