package plotting

import (
	"image/color"
	"math"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DPI is the resolution, in dots per inch, of every PNG this package
// writes. A figure of w x h inches is round(w*DPI) x round(h*DPI) pixels.
const DPI = 120

// Font sizes used throughout the package.
const (
	figureTitleSize = vg.Length(14)
	panelTitleSize  = vg.Length(12)
	axisLabelSize   = vg.Length(12)
	tickLabelSize   = vg.Length(10)
	legendSize      = vg.Length(10)
	cellTitleSize   = vg.Length(10)
)

// Colours shared by the figures (matplotlib's defaults, which the textbook's
// figures use).
var (
	colorBlack     = color.Black
	colorWhite     = color.White
	colorHighlight = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // tab:red
	colorGrid      = color.RGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff}
	colorFrame     = color.RGBA{R: 0xcc, G: 0xcc, B: 0xcc, A: 0xff}
	colorBar       = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // tab:blue
	colorBarMark   = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff} // tab:orange
	colorNaN       = color.RGBA{R: 0xbf, G: 0xbf, B: 0xbf, A: 0xff}
)

// sans returns the package's sans-serif font (Liberation Sans, bundled with
// gonum/plot) at the given size, bold when asked.
func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

// mono returns Liberation Mono at the given size.
func mono(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Mono", Size: size}
}

// textStyle returns a plain-text style, centred horizontally and hanging
// from its anchor point (YAlign = top).
func textStyle(f font.Font, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    f,
		XAlign:  draw.XCenter,
		YAlign:  draw.YTop,
		Handler: plot.DefaultTextHandler,
	}
}

// styleSans switches every text of a gonum plot to the package's sans-serif
// fonts and sizes. It does not touch plot.DefaultFont (a global shared with
// the rest of the program).
func styleSans(p *plot.Plot) {
	p.Title.TextStyle.Font = sans(panelTitleSize, true)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(axisLabelSize, false)
		a.Tick.Label.Font = sans(tickLabelSize, false)
		a.Label.Padding = vg.Points(4)
	}
	p.Legend.TextStyle.Font = sans(legendSize, false)
}

// textSize returns the width and height of a (possibly multi-line) text.
func textSize(sty text.Style, s string) (w, h vg.Length) {
	if s == "" {
		return 0, 0
	}
	return sty.Width(s), sty.Height(s)
}

// canvasDPI returns the resolution of the canvas behind c, or DPI when the
// canvas does not say.
func canvasDPI(c draw.Canvas) float64 {
	if d, ok := c.Canvas.(interface{ DPI() float64 }); ok && d.DPI() > 0 {
		return d.DPI()
	}
	return DPI
}

// snap rounds a rectangle to whole device pixels so that raster images
// drawn into it are not resampled across pixel boundaries (which would blur
// them).
func snap(r vg.Rectangle, dpi float64) vg.Rectangle {
	px := func(l vg.Length) vg.Length {
		return vg.Length(math.Round(l.Dots(dpi))) * vg.Inch / vg.Length(dpi)
	}
	out := vg.Rectangle{
		Min: vg.Point{X: px(r.Min.X), Y: px(r.Min.Y)},
		Max: vg.Point{X: px(r.Max.X), Y: px(r.Max.Y)},
	}
	if out.Max.X <= out.Min.X {
		out.Max.X = out.Min.X + vg.Inch/vg.Length(dpi)
	}
	if out.Max.Y <= out.Min.Y {
		out.Max.Y = out.Min.Y + vg.Inch/vg.Length(dpi)
	}
	return out
}

// pixels converts a length to whole pixels at the package's DPI, rounding
// like gonum's vgimg canvas does.
func pixels(l vg.Length) int {
	return int(l.Dots(DPI) + 0.5)
}

// wholePixels rounds a length up to a whole number of pixels at DPI.
func wholePixels(l vg.Length) vg.Length {
	return vg.Length(math.Ceil(l.Dots(DPI)-1e-9)) * vg.Inch / DPI
}

func strokeRect(c draw.Canvas, r vg.Rectangle, sty draw.LineStyle) {
	c.StrokeLines(sty, []vg.Point{
		r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min,
	})
}

func fillRect(c draw.Canvas, r vg.Rectangle, col color.Color) {
	c.SetColor(col)
	c.Fill(r.Path())
}

// luminance returns the relative luminance (0 dark .. 1 light) of a colour,
// used to pick black or white text on a coloured cell.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// contrastText returns black or white, whichever reads better on bg.
func contrastText(bg color.Color) color.Color {
	if luminance(bg) > 0.45 {
		return colorBlack
	}
	return colorWhite
}
