package plotting

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Confusion is a panel drawing a confusion matrix: Counts[i][j] is the
// number of examples of true class i predicted as class j. Rows (true
// classes) run down the y axis, columns (predicted classes) along the x
// axis, each cell shows its count on a white-to-blue colour scale with a
// colour bar, and the title gives the number of examples and the accuracy
// (the diagonal's share).
type Confusion struct {
	// Counts is an n x n matrix of non-negative counts, n >= 1.
	Counts [][]int
	// Names are the n class names, in the order of Counts.
	Names []string
	// Title is printed above the matrix; empty means "Confusion matrix
	// (N examples, accuracy A%)".
	Title string
	// CellSize is the side of one cell; 0 means 0.5 inch.
	CellSize vg.Length
}

var _ Panel = (*Confusion)(nil)

// SaveConfusion writes a confusion matrix to path as a PNG, atomically:
// counts[i][j] examples of true class names[i] were predicted as names[j].
// See Confusion for the picture.
//
// It returns an error wrapping ErrInvalid when counts is not square, its
// size differs from len(names), or a count is negative.
func SaveConfusion(path string, counts [][]int, names []string) error {
	return savePanel(path, &Confusion{Counts: counts, Names: names})
}

func (m *Confusion) validate() error {
	n := len(m.Counts)
	if n == 0 {
		return invalidf("confusion matrix is empty")
	}
	if len(m.Names) != n {
		return invalidf("confusion matrix has %d rows but %d class names: give one name per class", n, len(m.Names))
	}
	for i, row := range m.Counts {
		if len(row) != n {
			return invalidf("confusion matrix row %d (%q) has %d counts, want %d (the matrix must be square)", i, m.Names[i], len(row), n)
		}
		for j, v := range row {
			if v < 0 {
				return invalidf("confusion matrix count [%d][%d] (true %q, predicted %q) is %d: counts must not be negative", i, j, m.Names[i], m.Names[j], v)
			}
		}
	}
	if m.CellSize < 0 {
		return invalidf("confusion matrix cell size %v is negative", m.CellSize)
	}
	if px := pixels(vg.Length(n) * m.cellSize()); px > maxPixels {
		return invalidf("confusion matrix of %d classes would be %d pixels wide, more than %d: use a smaller CellSize", n, px, maxPixels)
	}
	return nil
}

// confusionGrid adapts counts to plotter.GridXYZ: column c is predicted
// class c at x = c, row r is true class n-1-r at y = r, so that the first
// class is on top.
type confusionGrid [][]int

// Dims implements plotter.GridXYZ.
func (g confusionGrid) Dims() (c, r int) { return len(g), len(g) }

// Z implements plotter.GridXYZ.
func (g confusionGrid) Z(c, r int) float64 { return float64(g[len(g)-1-r][c]) }

// X implements plotter.GridXYZ.
func (g confusionGrid) X(c int) float64 { return float64(c) }

// Y implements plotter.GridXYZ.
func (g confusionGrid) Y(r int) float64 { return float64(r) }

func (m *Confusion) title() string {
	if m.Title != "" {
		return m.Title
	}
	var total, correct int
	for i, row := range m.Counts {
		for j, v := range row {
			total += v
			if i == j {
				correct += v
			}
		}
	}
	if total == 0 {
		return "Confusion matrix (no examples)"
	}
	return fmt.Sprintf("Confusion matrix (%d examples, accuracy %.1f%%)", total, 100*float64(correct)/float64(total))
}

// scale checks the matrix (validate) and returns its colour scale: 0 (white) to the
// largest count (dark blue).
func (m *Confusion) scale() (colorScale, error) {
	if err := m.validate(); err != nil {
		return colorScale{}, err
	}
	hi := 0
	for _, row := range m.Counts {
		for _, v := range row {
			hi = max(hi, v)
		}
	}
	return newColorScale(0, math.Max(1, float64(hi)), paletteBlues)
}

// plot builds the gonum plot of the matrix (without the colour bar).
func (m *Confusion) plot(s colorScale) (*plot.Plot, error) {
	n := len(m.Counts)
	p := plot.New()
	styleSans(p)
	p.Title.Text = m.title()
	p.X.Label.Text = "predicted"
	p.Y.Label.Text = "true"
	p.NominalX(m.Names...)
	rev := make([]string, n)
	for i, name := range m.Names {
		rev[n-1-i] = name
	}
	p.NominalY(rev...)
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YTop

	hm := plotter.NewHeatMap(confusionGrid(m.Counts), s.cmap.Palette(256))
	hm.Min, hm.Max = s.lo, s.hi
	p.Add(hm)

	cell := m.cellSize()
	var labels plotter.XYLabels
	var styles []text.Style
	maxW := vg.Length(0)
	size := vg.Length(10)
	for ; size > 5; size -= 0.5 {
		sty := textStyle(sans(size, false), colorBlack)
		maxW = 0
		for _, row := range m.Counts {
			for _, v := range row {
				maxW = max(maxW, sty.Width(strconv.Itoa(v)))
			}
		}
		if maxW <= 0.9*cell {
			break
		}
	}
	for i, row := range m.Counts {
		for j, v := range row {
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
			labels.Labels = append(labels.Labels, strconv.Itoa(v))
			sty := textStyle(sans(size, i == j), contrastText(s.color(float64(v))))
			sty.YAlign = draw.YCenter
			styles = append(styles, sty)
		}
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	l.TextStyle = styles
	p.Add(l)
	// plotter.HeatMap skips a cell unless it lies inside the data area;
	// widen the range by a hair so that rounding never drops an edge cell.
	const eps = 1e-9
	p.X.Min, p.X.Max = -0.5-eps, float64(n)-0.5+eps
	p.Y.Min, p.Y.Max = -0.5-eps, float64(n)-0.5+eps
	return p, nil
}

func (m *Confusion) cellSize() vg.Length {
	if m.CellSize > 0 {
		return m.CellSize
	}
	return 0.5 * vg.Inch
}

// plotSize returns the size of the plot whose data area is n x n cells.
func (m *Confusion) plotSize(p *plot.Plot) (w, h vg.Length) {
	side := vg.Length(len(m.Counts)) * m.cellSize()
	w, h = side+2*vg.Inch, side+2*vg.Inch
	// The axes' room depends a little on the canvas; converge on it.
	for range 4 {
		dc := p.DataCanvas(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}})
		w += side - dc.Size().X
		h += side - dc.Size().Y
	}
	return w, h
}

// Size implements Panel.
func (m *Confusion) Size() (w, h vg.Length, err error) {
	s, err := m.scale()
	if err != nil {
		return 0, 0, err
	}
	p, err := m.plot(s)
	if err != nil {
		return 0, 0, err
	}
	w, h = m.plotSize(p)
	// The title is centred over the whole plot canvas; it may be wider.
	return max(w+s.barWidth(), p.Title.TextStyle.Width(p.Title.Text)), h, nil
}

// Draw implements Panel.
func (m *Confusion) Draw(c draw.Canvas) error {
	s, err := m.scale()
	if err != nil {
		return err
	}
	p, err := m.plot(s)
	if err != nil {
		return err
	}
	w, _ := m.plotSize(p)
	pc := c
	pc.Min.X += (c.Size().X - w - s.barWidth()) / 2
	pc.Max.X = pc.Min.X + w
	p.Draw(pc)
	dc := p.DataCanvas(pc)
	x := dc.Max.X + colorBarGap
	s.drawBar(c, vg.Rectangle{
		Min: vg.Point{X: x, Y: dc.Min.Y},
		Max: vg.Point{X: x + colorBarWidth, Y: dc.Max.Y},
	})
	return nil
}
