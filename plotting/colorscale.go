package plotting

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Control colours of matplotlib's viridis (its 11 samples at 0, 0.1, ..., 1),
// interpolated by gonum's moreland.NewLuminance. Viridis' lightness grows
// monotonically, which NewLuminance requires.
var viridisControls = []color.Color{
	rgb(0x440154), rgb(0x482475), rgb(0x414487), rgb(0x355f8d),
	rgb(0x2a788e), rgb(0x21918c), rgb(0x22a884), rgb(0x44bf70),
	rgb(0x7ad151), rgb(0xbddf26), rgb(0xfde725),
}

// Control colours of ColorBrewer's "Blues", darkest first (so that their
// lightness grows); the colour map is reversed so that large counts are dark.
var bluesControls = []color.Color{
	rgb(0x08306b), rgb(0x08519c), rgb(0x2171b5), rgb(0x4292c6),
	rgb(0x6baed6), rgb(0x9ecae1), rgb(0xc6dbef), rgb(0xdeebf7), rgb(0xf7fbff),
}

// rgb turns 0xRRGGBB into an opaque colour.
func rgb(hex uint32) color.Color {
	return color.RGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

// paletteKind selects a colour map.
type paletteKind int

const (
	paletteAuto    paletteKind = iota // diverging when the range straddles 0, else viridis
	paletteViridis                    // sequential, dark purple (low) to yellow (high)
	paletteBlues                      // sequential, white (low) to dark blue (high)
)

// colorScale maps values to colours over [lo, hi].
type colorScale struct {
	lo, hi    float64
	diverging bool
	cmap      palette.ColorMap
}

// finiteRange returns the smallest and largest finite values, and false when
// there is none.
func finiteRange(vals ...[]float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, vs := range vals {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			lo, hi = min(lo, v), max(hi, v)
			ok = true
		}
	}
	return lo, hi, ok
}

// newColorScale builds the colour scale for data in [lo, hi]. With
// paletteAuto, a range with negative and positive values gets a diverging
// blue-white-red map symmetric about 0 (so that 0 is white: kernels,
// pre-activations), any other range the sequential viridis map. A range of
// one value is widened (to [0, 1] for 0, else by half the value's size on
// either side) so that the map is defined.
func newColorScale(lo, hi float64, kind paletteKind) (colorScale, error) {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi {
		return colorScale{}, invalidf("colour scale [%v, %v]: need finite min <= max", lo, hi)
	}
	s := colorScale{lo: lo, hi: hi}
	if kind == paletteAuto && lo < 0 && hi > 0 {
		m := max(-lo, hi)
		s.lo, s.hi, s.diverging = -m, m, true
		cm := moreland.SmoothBlueRed()
		cm.SetMin(s.lo)
		cm.SetMax(s.hi)
		s.cmap = cm
		return s, nil
	}
	if s.lo == s.hi {
		if s.lo == 0 {
			s.hi = 1
		} else {
			d := math.Abs(s.lo) / 2
			s.lo, s.hi = s.lo-d, s.hi+d
		}
	}
	controls := viridisControls
	if kind == paletteBlues {
		controls = bluesControls
	}
	cm, err := moreland.NewLuminance(controls)
	if err != nil {
		return colorScale{}, fmt.Errorf("plotting: colour map: %w", err)
	}
	cm.SetMin(s.lo)
	cm.SetMax(s.hi)
	if kind == paletteBlues {
		s.cmap = palette.Reverse(cm)
	} else {
		s.cmap = cm
	}
	return s, nil
}

// color returns the colour of v: NaN is grey, values beyond the range
// (including infinities) take the colour of the nearest end.
func (s colorScale) color(v float64) color.Color {
	if math.IsNaN(v) {
		return colorNaN
	}
	v = min(s.hi, max(s.lo, v))
	c, err := s.cmap.At(v)
	if err != nil {
		// At only fails outside [lo, hi], which the clamp above excludes.
		return colorNaN
	}
	return c
}

// gridImage renders rows x cols values (row-major, row 0 on top) as an
// image of one pixel per value.
func (s colorScale) gridImage(data []float64, rows, cols int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, cols, rows))
	for r := range rows {
		for c := range cols {
			img.Set(c, r, s.color(data[r*cols+c]))
		}
	}
	return img
}

// Colour bar geometry.
const (
	colorBarGap   = vg.Length(10) // between the pictures and the bar
	colorBarWidth = vg.Length(11)
	colorBarTick  = vg.Length(3)
	colorBarLabel = vg.Length(3) // between a tick and its label
)

func (s colorScale) ticks() []plot.Tick {
	return niceTicks{Target: 4}.Ticks(s.lo, s.hi)
}

func colorBarLabelStyle() text.Style {
	sty := textStyle(sans(tickLabelSize-1, false), colorBlack)
	sty.XAlign = draw.XLeft
	sty.YAlign = draw.YCenter
	return sty
}

// barWidth returns the width a colour bar needs beside the pictures,
// including the gap before it and its labels.
func (s colorScale) barWidth() vg.Length {
	var lw vg.Length
	sty := colorBarLabelStyle()
	for _, t := range s.ticks() {
		lw = max(lw, sty.Width(t.Label))
	}
	return colorBarGap + colorBarWidth + colorBarTick + colorBarLabel + lw
}

// drawBar draws a vertical colour bar filling r (low values at the bottom)
// with its ticks and labels on the right.
func (s colorScale) drawBar(c draw.Canvas, r vg.Rectangle) {
	dpi := canvasDPI(c)
	r = snap(r, dpi)
	n := max(2, int(math.Round(r.Size().Y.Dots(dpi))))
	img := image.NewRGBA(image.Rect(0, 0, 1, n))
	for i := range n {
		v := s.hi - (s.hi-s.lo)*(float64(i)+0.5)/float64(n)
		img.Set(0, i, s.color(v))
	}
	c.DrawImage(r, upscale(img, r, dpi))
	line := draw.LineStyle{Color: colorBlack, Width: vg.Points(0.6)}
	strokeRect(c, r, line)
	sty := colorBarLabelStyle()
	for _, t := range s.ticks() {
		y := r.Min.Y + vg.Length((t.Value-s.lo)/(s.hi-s.lo))*r.Size().Y
		c.StrokeLine2(line, r.Max.X, y, r.Max.X+colorBarTick, y)
		c.FillText(sty, vg.Point{X: r.Max.X + colorBarTick + colorBarLabel, Y: y}, t.Label)
	}
}
