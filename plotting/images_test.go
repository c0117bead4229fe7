package plotting

import (
	"errors"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

func constImage(w, h int, v float64) Image {
	pix := make([]float64, w*h)
	for i := range pix {
		pix[i] = v
	}
	return Image{Pix: pix, W: w, H: h}
}

func TestSaveImageGridPixels(t *testing.T) {
	cases := []struct {
		name string
		img  Image
		want color.Color // the image's centre pixel
	}{
		{"white", constImage(28, 28, 1), color.White},
		{"black", constImage(28, 28, 0), color.Black},
		{"mid grey", constImage(28, 28, 0.5), color.Gray{Y: 128}},
		{"constant outside [0,1]", constImage(28, 28, 7), color.Gray{Y: 128}},
	}
	for i, c := range cases {
		dir := t.TempDir()
		path := filepath.Join(dir, "g.png")
		g := &ImageGrid{Images: []Image{c.img}, CellSize: vg.Inch}
		if err := SaveFigure(path, "", [][]Panel{{g}}); err != nil {
			t.Fatalf("case %d (%s): %v", i, c.name, err)
		}
		img := cmdtest.DecodePNG(t, path)
		// 9 pt margin + 1 inch cell + 9 pt margin = 150 px; the cell is
		// pixels 15..135, its centre 75.
		checkSize(t, c.name, img, 150, 150)
		if got := img.At(75, 75); !near(got, c.want, 1) {
			t.Errorf("case %d (%s): centre pixel %v, want %v", i, c.name, got, c.want)
		}
		if got := img.At(5, 5); !near(got, color.White, 0) {
			t.Errorf("case %d (%s): margin pixel %v, want white", i, c.name, got)
		}
	}
}

func TestGrayImageStretchesOutsideUnitRange(t *testing.T) {
	cases := []struct {
		pix  []float64
		want []uint8
	}{
		{[]float64{0, 0.5, 1, 0.25}, []uint8{0, 128, 255, 64}},      // [0,1] as is
		{[]float64{0.2, 0.4, 0.6, 0.8}, []uint8{51, 102, 153, 204}}, // not stretched
		{[]float64{0, 85, 170, 255}, []uint8{0, 85, 170, 255}},      // 0..255 stretched
		{[]float64{-1, 0, 1, 3}, []uint8{0, 64, 128, 255}},          // signed stretched
	}
	for i, c := range cases {
		g := grayImage(Image{Pix: c.pix, W: 2, H: 2})
		for j, w := range c.want {
			if got := g.Pix[j]; got != w {
				t.Errorf("case %d pixel %d: %d, want %d", i, j, got, w)
			}
		}
	}
}

func TestImageGridHighlightIsRed(t *testing.T) {
	for i, hl := range []bool{false, true} {
		im := constImage(28, 28, 0)
		im.Title = "true: coat\npred: shirt"
		im.Highlight = hl
		dir := t.TempDir()
		path := filepath.Join(dir, "h.png")
		if err := SaveImageGrid(path, []Image{im, constImage(28, 28, 1)}, 2, "Predictions"); err != nil {
			t.Fatal(err)
		}
		red := countNear(cmdtest.DecodePNG(t, path), colorHighlight, 30)
		if hl && red < 400 {
			t.Errorf("case %d: highlighted image has %d red pixels, want a red frame and title (>= 400)", i, red)
		}
		if !hl && red != 0 {
			t.Errorf("case %d: plain images have %d red pixels, want 0", i, red)
		}
	}
}

func TestImageGridSizeGrowsWithTitlesAndRows(t *testing.T) {
	one := constImage(28, 28, 0.5)
	titled := one
	titled.Title = "true: ankle boot\npredicted: sneaker"
	w1, h1, err := FigureSize("", [][]Panel{{&ImageGrid{Images: []Image{one, one, one}, Cols: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	w2, h2, err := FigureSize("", [][]Panel{{&ImageGrid{Images: []Image{one, one, one}, Cols: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	w3, h3, err := FigureSize("", [][]Panel{{&ImageGrid{Images: []Image{titled, one, one}, Cols: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	// 3 columns of 120 px + 2 gaps of 8 pt (13.3 px) + 2 margins of 15 px.
	if w1 != 417 || h1 != 150 {
		t.Errorf("3x1 grid: %dx%d, want 417x150", w1, h1)
	}
	if !(w2 < w1 && h2 > h1) {
		t.Errorf("2 columns (%dx%d) should be narrower and taller than 3 (%dx%d)", w2, h2, w1, h1)
	}
	if !(h3 > h1) {
		t.Errorf("a two-line title should add height: %d vs %d", h3, h1)
	}
	// "predicted: sneaker" at 10 pt is wider than the 1-inch image.
	if !(w3 > w1) {
		t.Errorf("a title wider than the image should widen the grid: %d vs %d", w3, w1)
	}
}

func TestImageGridErrors(t *testing.T) {
	good := constImage(2, 2, 0)
	nan := constImage(2, 2, 0)
	nan.Pix[3] = math.NaN()
	cases := []struct {
		name    string
		imgs    []Image
		cols    int
		message string
	}{
		{"no images", nil, 0, "no images"},
		{"negative cols", []Image{good}, -1, "-1 columns"},
		{"size mismatch", []Image{good, {Pix: []float64{1, 2, 3}, W: 2, H: 2, Title: "x"}}, 0, `image 1 ("x") is 2x2 = 4 pixels but has 3 values`},
		{"zero width", []Image{{W: 0, H: 2}}, 0, "is 0x2: width and height must be in 1..16384"},
		{"absurd size", []Image{{W: 1 << 40, H: 1 << 40}}, 0, "must be in 1..16384"},
		{"NaN pixel", []Image{nan}, 0, "pixel 3 (row 1, column 1) is NaN"},
	}
	for i, c := range cases {
		dir := t.TempDir()
		err := SaveImageGrid(filepath.Join(dir, "e.png"), c.imgs, c.cols, "")
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid containing %q", i, c.name, err, c.message)
		}
		checkNoTemp(t, dir)
	}
}
