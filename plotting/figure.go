package plotting

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Panel is one part of a composite figure (see SaveFigure). The package's
// panels are ImageGrid, HeatMapGrid, BarChart, Confusion, Text and
// PlotPanel; any type with these two methods can join them.
type Panel interface {
	// Size returns the width and height the panel needs, or an error
	// (wrapping ErrInvalid) naming what is wrong with its data. Size is
	// called before anything is drawn, so a bad panel writes no file.
	Size() (w, h vg.Length, err error)
	// Draw draws the panel into c, whose rectangle has exactly the size
	// Size returned.
	Draw(c draw.Canvas) error
}

// Spacing of a composite figure.
const (
	figMargin = vg.Length(9)  // around the whole figure
	panelGapX = vg.Length(18) // between panels in a row
	panelGapY = vg.Length(16) // between rows
)

// placed is a panel with the rectangle it is drawn into.
type placed struct {
	panel    Panel
	row, col int
	rect     vg.Rectangle
}

// figureLayout is the result of laying out a figure.
type figureLayout struct {
	w, h   vg.Length
	title  vg.Rectangle // empty when there is no title
	panels []placed
}

// SaveFigure writes one PNG holding several panels, laid out in rows: the
// panels of a row sit side by side, top-aligned, and each row is centred
// under the optional figure title. The figure is as large as its panels
// need (each panel's Size), so nothing is clipped or scaled.
//
// For example, cmd/explain's picture of a network:
//
//	rows := [][]plotting.Panel{
//		{&plotting.ImageGrid{Images: []plotting.Image{input}}, &plotting.BarChart{...}},
//		{&plotting.HeatMapGrid{Title: "conv1 after ReLU", Maps: maps1, Cols: 6}},
//		{&plotting.HeatMapGrid{Title: "conv1 kernels", Maps: kernels, ShowValues: true}},
//	}
//	err := plotting.SaveFigure("explain.png", "Test image 0", rows)
//
// It returns an error wrapping ErrInvalid when there is no panel, a panel is
// nil or a panel's data is bad (naming the row and panel), and the I/O error
// when the file cannot be written; in every error case no file is left.
func SaveFigure(path, title string, rows [][]Panel) error {
	lay, err := layoutFigure(title, rows)
	if err != nil {
		return err
	}
	return renderPNG(path, lay.w, lay.h, func(c draw.Canvas) error {
		return drawFigure(c, title, lay)
	})
}

// FigureSize returns the size in pixels that SaveFigure would give the
// figure, or the error it would return for bad panels.
func FigureSize(title string, rows [][]Panel) (wPx, hPx int, err error) {
	lay, err := layoutFigure(title, rows)
	if err != nil {
		return 0, 0, err
	}
	return pixels(lay.w), pixels(lay.h), nil
}

func figureTitleStyle() text.Style {
	return textStyle(sans(figureTitleSize, true), colorBlack)
}

// layoutFigure computes the size of the figure and the place of every panel.
func layoutFigure(title string, rows [][]Panel) (figureLayout, error) {
	var lay figureLayout
	grid, err := sizePanels(rows)
	if err != nil {
		return lay, err
	}
	rowW, rowH, contentW, contentH := rowSizes(grid)
	var titleW, titleH vg.Length
	if title != "" {
		titleW, titleH = textSize(figureTitleStyle(), title)
		contentW = max(contentW, titleW)
		titleH += panelGapY / 2
	}
	lay.w = wholePixels(contentW + 2*figMargin)
	lay.h = wholePixels(contentH + titleH + 2*figMargin)

	// Place rows from the top down (y grows upwards in gonum/plot).
	top := lay.h - figMargin
	if title != "" {
		lay.title = vg.Rectangle{
			Min: vg.Point{X: figMargin, Y: top - titleH},
			Max: vg.Point{X: lay.w - figMargin, Y: top},
		}
		top -= titleH
	}
	for r, row := range grid {
		x := (lay.w - rowW[r]) / 2
		for i, s := range row {
			lay.panels = append(lay.panels, placed{
				panel: s.p,
				row:   s.row,
				col:   i,
				rect: vg.Rectangle{
					Min: vg.Point{X: x, Y: top - s.h},
					Max: vg.Point{X: x + s.w, Y: top},
				},
			})
			x += s.w + panelGapX
		}
		top -= rowH[r] + panelGapY
	}
	return lay, nil
}

// sizedPanel is a panel with its size and its row in the caller's rows.
type sizedPanel struct {
	p    Panel
	row  int // in rows, counting empty rows
	w, h vg.Length
}

// sizePanels asks every panel its size, dropping empty rows; it fails on a nil panel,
// a panel whose Size fails or is not positive, and a figure with no panels.
func sizePanels(rows [][]Panel) ([][]sizedPanel, error) {
	var grid [][]sizedPanel
	for r, row := range rows {
		var sr []sizedPanel
		for i, p := range row {
			if p == nil {
				return nil, invalidf("figure row %d panel %d is nil", r, i)
			}
			w, h, err := p.Size()
			if err != nil {
				return nil, &panelError{row: r, col: i, err: err}
			}
			if !(w > 0 && h > 0) {
				return nil, invalidf("figure row %d panel %d has size %v x %v: both must be positive", r, i, w, h)
			}
			sr = append(sr, sizedPanel{p, r, w, h})
		}
		if len(sr) > 0 {
			grid = append(grid, sr)
		}
	}
	if len(grid) == 0 {
		return nil, invalidf("figure has no panels")
	}
	return grid, nil
}

// rowSizes returns each row's width (its panels and the gaps between them) and height
// (its tallest panel), and the size of all the rows stacked with gaps.
func rowSizes(grid [][]sizedPanel) (rowW, rowH []vg.Length, contentW, contentH vg.Length) {
	rowW = make([]vg.Length, len(grid))
	rowH = make([]vg.Length, len(grid))
	for r, row := range grid {
		for i, s := range row {
			rowW[r] += s.w
			if i > 0 {
				rowW[r] += panelGapX
			}
			rowH[r] = max(rowH[r], s.h)
		}
		contentW = max(contentW, rowW[r])
		contentH += rowH[r]
		if r > 0 {
			contentH += panelGapY
		}
	}
	return rowW, rowH, contentW, contentH
}

// drawFigure draws a laid-out figure.
func drawFigure(c draw.Canvas, title string, lay figureLayout) error {
	if title != "" {
		c.FillText(figureTitleStyle(), vg.Point{X: c.Center().X, Y: lay.title.Max.Y}, title)
	}
	for _, p := range lay.panels {
		pc := draw.Canvas{Canvas: c.Canvas, Rectangle: p.rect}
		if err := p.panel.Draw(pc); err != nil {
			return &panelError{row: p.row, col: p.col, err: err}
		}
	}
	return nil
}

// panelError says which panel of a figure an error came from.
type panelError struct {
	row, col int
	err      error
}

// Error implements error: the position, then the panel's message.
func (e *panelError) Error() string {
	return fmt.Sprintf("plotting: figure row %d panel %d: %s", e.row, e.col, strings.TrimPrefix(e.err.Error(), "plotting: "))
}

// Unwrap returns the panel's error (errors.Is(err, ErrInvalid) sees it).
func (e *panelError) Unwrap() error { return e.err }

// savePanel writes a figure made of one panel; its errors are the panel's
// own, without the figure position.
func savePanel(path string, p Panel) error {
	if _, _, err := p.Size(); err != nil {
		return err
	}
	return SaveFigure(path, "", [][]Panel{{p}})
}

// Text is a panel of plain text, left-aligned: a caption, a note or, with
// Mono set, a table such as the network's shape summary.
type Text struct {
	// Text is the text; "\n" separates lines. It must not be empty.
	Text string
	// FontSize is the size of the font; 0 means 10 points.
	FontSize vg.Length
	// Mono selects a monospaced font, for tables.
	Mono bool
}

var _ Panel = (*Text)(nil)

func (t *Text) style() text.Style {
	size := t.FontSize
	if size <= 0 {
		size = 10
	}
	f := sans(size, false)
	if t.Mono {
		f = mono(size)
	}
	sty := textStyle(f, colorBlack)
	sty.XAlign = draw.XLeft
	return sty
}

// Size implements Panel.
func (t *Text) Size() (w, h vg.Length, err error) {
	if t.Text == "" {
		return 0, 0, invalidf("text panel is empty")
	}
	w, h = textSize(t.style(), t.Text)
	return w + 4, h + 4, nil
}

// Draw implements Panel.
func (t *Text) Draw(c draw.Canvas) error {
	c.FillText(t.style(), vg.Point{X: c.Min.X + 2, Y: c.Max.Y - 2}, t.Text)
	return nil
}

// PlotPanel puts any gonum plot in a figure, for example the training
// curves from Animator.Plot next to other panels.
type PlotPanel struct {
	// Plot is the plot to draw; it must not be nil.
	Plot *plot.Plot
	// Width and Height are the panel's size; 0 means 4 x 3 inches.
	Width, Height vg.Length
}

var _ Panel = (*PlotPanel)(nil)

// Size implements Panel.
func (p *PlotPanel) Size() (w, h vg.Length, err error) {
	if p.Plot == nil {
		return 0, 0, invalidf("plot panel has a nil plot")
	}
	w, h = p.Width, p.Height
	if w <= 0 {
		w = 4 * vg.Inch
	}
	if h <= 0 {
		h = 3 * vg.Inch
	}
	return w, h, nil
}

// Draw implements Panel.
func (p *PlotPanel) Draw(c draw.Canvas) error {
	p.Plot.Draw(plotMargins(c))
	return nil
}

// plotMargins leaves room around a gonum plot, which otherwise draws its
// axes' ends and last tick label right at the canvas' edge.
func plotMargins(c draw.Canvas) draw.Canvas {
	return draw.Crop(c, 4, -14, 4, -10)
}
