package plotting

import (
	"errors"
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

// block is a Panel of one colour and a fixed size.
type block struct {
	w, h vg.Length
	c    color.Color
}

func (b block) Size() (w, h vg.Length, err error) { return b.w, b.h, nil }
func (b block) Draw(c draw.Canvas) error          { fillRect(c, c.Rectangle, b.c); return nil }

func TestSaveFigureLayout(t *testing.T) {
	red, green, blue := rgb(0xff0000), rgb(0x00ff00), rgb(0x0000ff)
	// Row 0: 72 pt red, 18 pt gap, 36 pt green; row 1 (16 pt lower): 36 pt blue.
	rows := [][]Panel{
		{block{72, 72, red}, block{36, 36, green}},
		{block{36, 36, blue}},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "f.png")
	if err := SaveFigure(path, "", rows); err != nil {
		t.Fatal(err)
	}
	img := cmdtest.DecodePNG(t, path)
	// Width 9 + 72 + 18 + 36 + 9 = 144 pt = 240 px;
	// height 9 + 72 + 16 + 36 + 9 = 142 pt = 236.67 -> 237 px.
	checkSize(t, "layout", img, 240, 237)
	cases := []struct {
		name string
		x, y int
		want color.Color
	}{
		{"red panel (top left)", 20, 20, red},
		{"green panel, top-aligned", 170, 20, green},
		{"below green: empty", 170, 100, color.White},
		{"blue panel, centred in row 1", 120, 200, blue},
		{"margin", 3, 3, color.White},
	}
	for i, c := range cases {
		if got := img.At(c.x, c.y); !near(got, c.want, 0) {
			t.Errorf("case %d (%s): pixel (%d, %d) is %v, want %v", i, c.name, c.x, c.y, got, c.want)
		}
	}
	for _, n := range []int{countNear(img, red, 0), countNear(img, green, 0), countNear(img, blue, 0)} {
		if n == 0 {
			t.Error("a panel is missing")
		}
	}
}

func TestSaveFigureTitleAddsHeight(t *testing.T) {
	rows := [][]Panel{{block{72, 72, color.Black}}}
	_, h0, err := FigureSize("", rows)
	if err != nil {
		t.Fatal(err)
	}
	_, h1, err := FigureSize("A title", rows)
	if err != nil {
		t.Fatal(err)
	}
	if h1 <= h0+20 {
		t.Errorf("height with title %d, without %d: want a 14-point line more", h1, h0)
	}
	w2, _, err := FigureSize("A very long title that is much wider than the only panel", rows)
	if err != nil {
		t.Fatal(err)
	}
	if w2 <= 300 {
		t.Errorf("a long title should widen the figure, got width %d", w2)
	}
}

func TestSaveFigureErrors(t *testing.T) {
	cases := []struct {
		name    string
		rows    [][]Panel
		message string
	}{
		{"no rows", nil, "no panels"},
		{"empty rows", [][]Panel{{}, {}}, "no panels"},
		{"nil panel", [][]Panel{{block{1, 1, color.Black}}, {nil}}, "row 1 panel 0 is nil"},
		{"bad panel", [][]Panel{{&BarChart{Mark: -1}}}, "plotting: figure row 0 panel 0: bar chart has no values: invalid plot input"},
		{"empty text", [][]Panel{{&Text{}}}, "text panel is empty"},
		{"nil plot", [][]Panel{{&PlotPanel{}}}, "nil plot"},
		{"zero size", [][]Panel{{block{0, 1, color.Black}}}, "both must be positive"},
	}
	for i, c := range cases {
		dir := t.TempDir()
		err := SaveFigure(filepath.Join(dir, "e.png"), "t", c.rows)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid containing %q", i, c.name, err, c.message)
		}
		checkNoTemp(t, dir)
	}
}

func TestTextAndPlotPanels(t *testing.T) {
	p := plot.New()
	p.Title.Text = "empty plot"
	rows := [][]Panel{
		{&Text{Text: "layer   output\nconv1   (1,6,28,28)", Mono: true}},
		{&PlotPanel{Plot: p, Width: 2 * vg.Inch, Height: vg.Inch}},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "tp.png")
	if err := SaveFigure(path, "", rows); err != nil {
		t.Fatal(err)
	}
	w, h, err := FigureSize("", rows)
	if err != nil {
		t.Fatal(err)
	}
	img := cmdtest.DecodePNG(t, path)
	checkSize(t, "text and plot", img, w, h)
	if countNear(img, color.Black, 60) < 200 {
		t.Error("the text and the plot should draw dark pixels")
	}
}
