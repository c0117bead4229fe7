package plotting

import (
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Image is one grayscale picture of an image grid.
type Image struct {
	// Pix holds H rows of W values, row-major (row 0 is the top row).
	// When every value lies in [0, 1] (Fashion-MNIST after scaling) 0 is
	// black and 1 white; otherwise the image is stretched from its own
	// minimum (black) to its maximum (white), and a constant image is grey.
	// Values must be finite.
	Pix []float64
	// W and H are the width and height in pixels; both must be positive and
	// W*H must equal len(Pix).
	W, H int
	// Title is printed above the image; "\n" separates lines, for example
	// "true: coat\npred: shirt".
	Title string
	// Highlight marks the image, typically a wrong prediction: its title is
	// red and bold and a red frame surrounds it.
	Highlight bool
}

// ImageGrid is a panel of grayscale images in a grid, each with its title.
// Its zero value with Images set is ready to use.
type ImageGrid struct {
	// Images are drawn row by row; at least one is needed.
	Images []Image
	// Cols is the number of columns; 0 means min(len(Images), 10).
	Cols int
	// Title is printed above the grid; empty means none.
	Title string
	// CellSize is the length of each image's longer side; 0 means 1 inch
	// (120 pixels, a 28x28 image scaled by about 4).
	CellSize vg.Length
}

var _ Panel = (*ImageGrid)(nil)

// SaveImageGrid writes a grid of grayscale images with a title each to path
// as a PNG, atomically. cols is the number of columns (0: up to 10); title
// goes above the grid (empty: none). Images with Highlight set (wrong
// predictions, say) get a red title and frame. See Image for how values map
// to grey levels.
//
// It returns an error wrapping ErrInvalid, naming the image, when an image's
// size does not match its pixels, a value is not finite, there are no images
// or cols is negative.
func SaveImageGrid(path string, imgs []Image, cols int, title string) error {
	return savePanel(path, &ImageGrid{Images: imgs, Cols: cols, Title: title})
}

// Spacing inside grids of images and heat maps.
const (
	cellGapX     = vg.Length(8) // between columns
	cellGapY     = vg.Length(8) // between rows
	cellTitleGap = vg.Length(3) // between a cell's title and its picture
	gridTitleGap = vg.Length(8) // between a grid's title and its cells
)

// gridGeometry is the layout shared by image grids and heat-map grids.
type gridGeometry struct {
	cols, rows   int
	cellW, cellH vg.Length // a cell: its title and its picture box
	boxW, boxH   vg.Length // the picture box, under the cell title
	titleH       vg.Length // height of the cells' titles
	gridTitleH   vg.Length // height of the grid's title, with its gap
	w, h         vg.Length // the whole grid
}

// cellRect returns the picture box of cell i (row-major), inside c.
func (g gridGeometry) cellRect(c draw.Canvas, i int) vg.Rectangle {
	col, row := i%g.cols, i/g.cols
	x := c.Min.X + vg.Length(col)*(g.cellW+cellGapX) + (g.cellW-g.boxW)/2
	top := c.Max.Y - g.gridTitleH - vg.Length(row)*(g.cellH+cellGapY) - g.titleH
	if g.titleH > 0 {
		top -= cellTitleGap
	}
	return vg.Rectangle{Min: vg.Point{X: x, Y: top - g.boxH}, Max: vg.Point{X: x + g.boxW, Y: top}}
}

// cellTitlePoint returns where cell i's title hangs from (top centre).
func (g gridGeometry) cellTitlePoint(c draw.Canvas, i int) vg.Point {
	col, row := i%g.cols, i/g.cols
	x := c.Min.X + vg.Length(col)*(g.cellW+cellGapX) + g.cellW/2
	top := c.Max.Y - g.gridTitleH - vg.Length(row)*(g.cellH+cellGapY)
	return vg.Point{X: x, Y: top}
}

// newGridGeometry lays out n cells with pictures of boxW x boxH and the given
// cell titles under an optional grid title.
func newGridGeometry(n, cols int, boxW, boxH vg.Length, titles []string, titleStyle func(i int) text.Style, gridTitle string) gridGeometry {
	g := gridGeometry{cols: cols, boxW: boxW, boxH: boxH}
	if g.cols <= 0 {
		g.cols = min(n, 10)
	}
	g.cols = min(g.cols, n)
	g.rows = (n + g.cols - 1) / g.cols
	g.cellW = boxW
	for i, t := range titles {
		w, h := textSize(titleStyle(i), t)
		g.cellW = max(g.cellW, w)
		g.titleH = max(g.titleH, h)
	}
	g.cellH = g.titleH + boxH
	if g.titleH > 0 {
		g.cellH += cellTitleGap
	}
	g.w = vg.Length(g.cols)*g.cellW + vg.Length(g.cols-1)*cellGapX
	if gridTitle != "" {
		tw, th := textSize(gridTitleStyle(), gridTitle)
		g.w = max(g.w, tw)
		g.gridTitleH = th + gridTitleGap
	}
	g.h = g.gridTitleH + vg.Length(g.rows)*g.cellH + vg.Length(g.rows-1)*cellGapY
	return g
}

func gridTitleStyle() text.Style {
	return textStyle(sans(panelTitleSize, true), colorBlack)
}

// cellSize returns s, or the default of 1 inch.
func cellSize(s vg.Length) vg.Length {
	if s <= 0 {
		return vg.Inch
	}
	return s
}

func imageTitleStyle(im Image) text.Style {
	if im.Highlight {
		return textStyle(sans(cellTitleSize, true), colorHighlight)
	}
	return textStyle(sans(cellTitleSize, false), colorBlack)
}

// validateGrid checks what every grid of cells shares: n cells (items, "maps" or
// "images"), cols columns and the cell size, the grid called what in the messages.
func validateGrid(what, items string, n, cols int, cell vg.Length) error {
	switch {
	case n == 0:
		return invalidf("%s has no %s", what, items)
	case cols < 0:
		return invalidf("%s has %d columns: use 0 for automatic or a positive number", what, cols)
	case cell < 0:
		return invalidf("%s cell size %v is negative", what, cell)
	}
	return nil
}

func (g *ImageGrid) validate() error {
	if err := validateGrid("image grid", "images", len(g.Images), g.Cols, g.CellSize); err != nil {
		return err
	}
	for i, im := range g.Images {
		if im.W <= 0 || im.H <= 0 || im.W > maxPixels || im.H > maxPixels {
			return invalidf("image %d (%q) is %dx%d: width and height must be in 1..%d", i, im.Title, im.W, im.H, maxPixels)
		}
		if len(im.Pix) != im.W*im.H {
			return invalidf("image %d (%q) is %dx%d = %d pixels but has %d values", i, im.Title, im.W, im.H, im.W*im.H, len(im.Pix))
		}
		for j, v := range im.Pix {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return invalidf("image %d (%q) pixel %d (row %d, column %d) is %v: values must be finite", i, im.Title, j, j/im.W, j%im.W, v)
			}
		}
	}
	return nil
}

// geometry lays out the grid; the picture box is square, each image is
// fitted into it keeping its aspect ratio.
func (g *ImageGrid) geometry() gridGeometry {
	s := cellSize(g.CellSize)
	titles := make([]string, len(g.Images))
	for i, im := range g.Images {
		titles[i] = im.Title
	}
	return newGridGeometry(len(g.Images), g.Cols, s, s, titles,
		func(i int) text.Style { return imageTitleStyle(g.Images[i]) }, g.Title)
}

// Size implements Panel.
func (g *ImageGrid) Size() (w, h vg.Length, err error) {
	if err := g.validate(); err != nil {
		return 0, 0, err
	}
	geo := g.geometry()
	return geo.w, geo.h, nil
}

// Draw implements Panel.
func (g *ImageGrid) Draw(c draw.Canvas) error {
	if err := g.validate(); err != nil {
		return err
	}
	geo := g.geometry()
	if g.Title != "" {
		c.FillText(gridTitleStyle(), vg.Point{X: c.Center().X, Y: c.Max.Y}, g.Title)
	}
	dpi := canvasDPI(c)
	for i, im := range g.Images {
		box := geo.cellRect(c, i)
		// Fit the image into the box, keeping its aspect ratio.
		bw, bh := box.Size().X, box.Size().Y
		scale := min(bw/vg.Length(im.W), bh/vg.Length(im.H))
		iw, ih := scale*vg.Length(im.W), scale*vg.Length(im.H)
		r := vg.Rectangle{Min: vg.Point{X: box.Min.X + (bw-iw)/2, Y: box.Max.Y - ih}}
		r.Max = vg.Point{X: r.Min.X + iw, Y: r.Min.Y + ih}
		r = snap(r, dpi)
		c.DrawImage(r, upscale(grayImage(im), r, dpi))
		frame := draw.LineStyle{Color: colorFrame, Width: vg.Points(0.75)}
		if im.Highlight {
			frame = draw.LineStyle{Color: colorHighlight, Width: vg.Points(2.5)}
		}
		strokeRect(c, r, frame)
		if im.Title != "" {
			c.FillText(imageTitleStyle(im), geo.cellTitlePoint(c, i), im.Title)
		}
	}
	return nil
}

// grayRange returns the values drawn black and white (see Image.Pix).
func grayRange(pix []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo >= 0 && hi <= 1 {
		return 0, 1
	}
	return lo, hi
}

// grayImage converts an Image to an image.Gray of its own size.
func grayImage(im Image) *image.Gray {
	lo, hi := grayRange(im.Pix)
	out := image.NewGray(image.Rect(0, 0, im.W, im.H))
	for y := range im.H {
		for x := range im.W {
			v := 0.5
			if hi > lo {
				v = (im.Pix[y*im.W+x] - lo) / (hi - lo)
			}
			out.SetGray(x, y, color.Gray{Y: uint8(math.Round(255 * min(1, max(0, v))))})
		}
	}
	return out
}

// upscale resizes src to the pixel size of r by nearest neighbour, so that
// the canvas draws it without smoothing (gonum's raster canvas scales images
// bilinearly, which would blur a 28x28 picture).
func upscale(src image.Image, r vg.Rectangle, dpi float64) image.Image {
	tw := max(1, int(math.Round(r.Size().X.Dots(dpi))))
	th := max(1, int(math.Round(r.Size().Y.Dots(dpi))))
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		sy := b.Min.Y + y*b.Dy()/th
		for x := range tw {
			sx := b.Min.X + x*b.Dx()/tw
			out.Set(x, y, src.At(sx, sy))
		}
	}
	return out
}
