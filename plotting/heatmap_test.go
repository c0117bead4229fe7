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

func TestColorScale(t *testing.T) {
	cases := []struct {
		name      string
		lo, hi    float64
		wantLo    float64
		wantHi    float64
		diverging bool
	}{
		{"non-negative", 0, 3, 0, 3, false},
		{"both signs, symmetric about 0", -1, 2, -2, 2, true},
		{"both signs, wider below", -4, 1, -4, 4, true},
		{"all negative", -3, -1, -3, -1, false},
		{"constant", 5, 5, 2.5, 7.5, false},
		{"constant zero", 0, 0, 0, 1, false},
	}
	for i, c := range cases {
		s, err := newColorScale(c.lo, c.hi, paletteAuto)
		if err != nil {
			t.Fatalf("case %d (%s): %v", i, c.name, err)
		}
		if s.lo != c.wantLo || s.hi != c.wantHi || s.diverging != c.diverging {
			t.Errorf("case %d (%s): [%v, %v] diverging=%v, want [%v, %v] diverging=%v", i, c.name, s.lo, s.hi, s.diverging, c.wantLo, c.wantHi, c.diverging)
		}
	}
	for i, r := range [][2]float64{{math.NaN(), 1}, {0, math.Inf(1)}, {2, 1}} {
		if _, err := newColorScale(r[0], r[1], paletteAuto); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad range %d %v: got %v, want ErrInvalid", i, r, err)
		}
	}
}

func TestColorScaleColors(t *testing.T) {
	seq, err := newColorScale(0, 1, paletteAuto)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		got  color.Color
		want color.Color
	}{
		{"viridis low", seq.color(0), rgb(0x440154)},
		{"viridis high", seq.color(1), rgb(0xfde725)},
		{"viridis mid", seq.color(0.5), rgb(0x21918c)},
		{"beyond the top clamps", seq.color(math.Inf(1)), rgb(0xfde725)},
		{"below the bottom clamps", seq.color(-5), rgb(0x440154)},
		{"NaN is grey", seq.color(math.NaN()), colorNaN},
	}
	for i, c := range cases {
		if !near(c.got, c.want, 12) {
			t.Errorf("case %d (%s): %v, want about %v", i, c.name, c.got, c.want)
		}
	}
	div, err := newColorScale(-1, 1, paletteAuto)
	if err != nil {
		t.Fatal(err)
	}
	if l := luminance(div.color(0)); l < 0.7 {
		t.Errorf("diverging scale: 0 has luminance %.2f, want a light colour (>= 0.7)", l)
	}
	lo, hi := div.color(-1), div.color(1)
	if r, _, b, _ := lo.RGBA(); b <= r {
		t.Errorf("diverging scale: -1 is %v, want blue", lo)
	}
	if r, _, b, _ := hi.RGBA(); r <= b {
		t.Errorf("diverging scale: +1 is %v, want red", hi)
	}
	blues, err := newColorScale(0, 100, paletteBlues)
	if err != nil {
		t.Fatal(err)
	}
	if !near(blues.color(0), rgb(0xf7fbff), 12) || !near(blues.color(100), rgb(0x08306b), 12) {
		t.Errorf("blues: 0 is %v, 100 is %v; want white-ish and dark blue", blues.color(0), blues.color(100))
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {-4, "-4"}, {1, "1"}, {1.0 / 16, "0.06"}, {0.25, "0.25"},
		{-0.123, "-0.12"}, {-0.001, "0.00"}, {1.5, "1.5"}, {12.34, "12.3"},
		{123.4, "123"}, {math.NaN(), "NaN"}, {math.Inf(-1), "-Inf"},
	}
	for i, c := range cases {
		if got := formatValue(c.v); got != c.want {
			t.Errorf("case %d: formatValue(%v) = %q, want %q", i, c.v, got, c.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		target int
		want   string
	}{
		{1, 10, 6, "2 4 6 8 10"},
		{0.33, 0.97, 6, "0.4 0.5 0.6 0.7 0.8 0.9"},
		{-2, 2, 4, "-2 -1 0 1 2"},
		{0, 1, 4, "0.00 0.25 0.50 0.75 1.00"},
		{0, 2.5, 4, "0.0 0.5 1.0 1.5 2.0 2.5"},
		{0, 900, 4, "0 250 500 750"},
		{0, 25, 4, "0 5 10 15 20 25"},
		{1, 1, 4, ""},
	}
	for i, c := range cases {
		var labels []string
		for _, tk := range (niceTicks{Target: c.target}).Ticks(c.lo, c.hi) {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, " "); got != c.want {
			t.Errorf("case %d [%v, %v]: ticks %q, want %q", i, c.lo, c.hi, got, c.want)
		}
	}
}

func TestSaveHeatMapGridCells(t *testing.T) {
	// Two cells, 0 and 1, each 36 pt = 60 px square: viridis' two ends.
	dir := t.TempDir()
	path := filepath.Join(dir, "h.png")
	g := &HeatMapGrid{Maps: []HeatMap{{Data: []float64{0, 1}, Rows: 1, Cols: 2}}, CellSize: vg.Inch}
	if err := SaveFigure(path, "", [][]Panel{{g}}); err != nil {
		t.Fatal(err)
	}
	img := cmdtest.DecodePNG(t, path)
	w, h, err := FigureSize("", [][]Panel{{g}})
	if err != nil {
		t.Fatal(err)
	}
	checkSize(t, "heat map", img, w, h)
	for i, c := range []color.Color{rgb(0x440154), rgb(0xfde725)} {
		if n := countNear(img, c, 6); n < 3300 || n > 3900 {
			t.Errorf("cell %d: %d pixels of %v, want one 60x60 cell (plus the colour bar's end)", i, n, c)
		}
	}
}

func TestHeatMapGridSharesOneScale(t *testing.T) {
	g := &HeatMapGrid{Maps: []HeatMap{
		{Data: []float64{0, 1, 2, 3}, Rows: 2, Cols: 2},
		{Data: []float64{math.NaN(), math.Inf(1), 10, 4}, Rows: 2, Cols: 2},
	}}
	s, err := g.scale()
	if err != nil {
		t.Fatal(err)
	}
	if s.lo != 0 || s.hi != 10 || s.diverging {
		t.Errorf("scale [%v, %v] diverging=%v, want [0, 10] sequential (finite values of both maps)", s.lo, s.hi, s.diverging)
	}
	g.Min, g.Max = -1, 1
	if s, err = g.scale(); err != nil || s.lo != -1 || s.hi != 1 {
		t.Errorf("fixed scale: [%v, %v] err %v, want [-1, 1]", s.lo, s.hi, err)
	}
}

func TestHeatMapShowValuesDrawsText(t *testing.T) {
	// The same light map with and without values: the numbers add black
	// pixels on the light cells.
	counts := make([]int, 2)
	for i, show := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "v.png")
		m := HeatMap{Data: []float64{8, 9, 10, 10}, Rows: 2, Cols: 2, ShowValues: show}
		g := &HeatMapGrid{Maps: []HeatMap{m}, Min: 0, Max: 10}
		if err := SaveFigure(path, "", [][]Panel{{g}}); err != nil {
			t.Fatal(err)
		}
		counts[i] = countNear(cmdtest.DecodePNG(t, path), color.Black, 60)
	}
	if counts[1] < counts[0]+80 {
		t.Errorf("dark pixels without values %d, with values %d: want the numbers visible", counts[0], counts[1])
	}
}

func TestHeatMapGridErrors(t *testing.T) {
	cases := []struct {
		name    string
		g       HeatMapGrid
		message string
	}{
		{"no maps", HeatMapGrid{}, "no maps"},
		{"mismatch", HeatMapGrid{Maps: []HeatMap{{Data: []float64{1}, Rows: 2, Cols: 2, Title: "k"}}}, `heat map 0 ("k") is 2x2 = 4 cells but has 1 values`},
		{"zero rows", HeatMapGrid{Maps: []HeatMap{{Rows: 0, Cols: 2}}}, "is 0x2: rows and columns must be in 1..16384"},
		// Rows*Cols overflows to 0 = len(nil): caught by the size cap.
		{"absurd size", HeatMapGrid{Maps: []HeatMap{{Rows: 1 << 40, Cols: 1 << 40}}}, "must be in 1..16384"},
		{"negative cols", HeatMapGrid{Maps: []HeatMap{{Data: []float64{1}, Rows: 1, Cols: 1}}, Cols: -2}, "-2 columns"},
		{"bad fixed scale", HeatMapGrid{Maps: []HeatMap{{Data: []float64{1}, Rows: 1, Cols: 1}}, Min: 1, Max: 1}, "need finite Min < Max"},
	}
	for i, c := range cases {
		dir := t.TempDir()
		err := SaveFigure(filepath.Join(dir, "e.png"), "", [][]Panel{{&c.g}})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid containing %q", i, c.name, err, c.message)
		}
		checkNoTemp(t, dir)
	}
}
