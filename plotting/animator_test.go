package plotting

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

var trainLegend = []string{"train loss", "train acc", "test acc"}

// d2lRun fills an Animator like d2l's train_ch6: five train points per
// epoch and one test point at the end of each epoch, deterministic curves.
func d2lRun(t *testing.T, a *Animator, epochs int) {
	t.Helper()
	for ep := range epochs {
		for k := 1; k <= 5; k++ {
			x := float64(ep) + float64(k)/5
			loss := 0.38 + 1.9*math.Exp(-1.2*x) + 0.01*math.Sin(7*x)
			acc := 0.857 - 0.75*math.Exp(-1.3*x) + 0.005*math.Cos(5*x)
			if err := a.Add(x, loss, acc, math.NaN()); err != nil {
				t.Fatal(err)
			}
		}
		x := float64(ep + 1)
		if err := a.Add(x, math.NaN(), math.NaN(), 0.827-0.3*math.Exp(-0.9*x)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAnimatorRejectsWrongNumberOfValues(t *testing.T) {
	cases := []struct {
		name   string
		legend []string
		first  []float64 // a successful first Add, if any
		bad    []float64
	}{
		{"too few for the legend", trainLegend, nil, []float64{1, 2}},
		{"too many for the legend", trainLegend, nil, []float64{1, 2, 3, 4}},
		{"none", trainLegend, nil, nil},
		{"no legend, none", nil, nil, nil},
		{"no legend, differs from first Add", nil, []float64{1, 2}, []float64{1, 2, 3}},
	}
	for i, c := range cases {
		a := NewAnimator(AnimatorConfig{Legend: c.legend})
		want := 0
		if c.first != nil {
			if err := a.Add(0, c.first...); err != nil {
				t.Fatalf("case %d (%s): first Add: %v", i, c.name, err)
			}
			want = 1
		}
		err := a.Add(1, c.bad...)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid", i, c.name, err)
		}
		if a.Len() != want {
			t.Errorf("case %d (%s): Len = %d after a rejected Add, want %d", i, c.name, a.Len(), want)
		}
	}
}

func TestAnimatorErrorMessageNamesTheLegend(t *testing.T) {
	a := NewAnimator(AnimatorConfig{Legend: trainLegend})
	err := a.Add(1, 0.5)
	if err == nil || !strings.Contains(err.Error(), "got 1 values for 3 series") || !strings.Contains(err.Error(), "test acc") {
		t.Errorf("error %q should say 1 value for 3 series and name them", err)
	}
}

func TestAnimatorRejectsNonFiniteX(t *testing.T) {
	a := NewAnimator(AnimatorConfig{Legend: []string{"a"}})
	for i, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if err := a.Add(x, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: x=%v: got %v, want ErrInvalid", i, x, err)
		}
	}
}

func TestAnimatorBadConfig(t *testing.T) {
	cases := []AnimatorConfig{
		{XMin: 10, XMax: 1},
		{YMin: math.NaN(), YMax: 1},
		{XMin: 0, XMax: math.Inf(1)},
		{Width: -1},
	}
	for i, cfg := range cases {
		a := NewAnimator(cfg)
		if err := a.Add(1, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: Add: got %v, want ErrInvalid", i, err)
		}
		dir := t.TempDir()
		if err := a.Save(filepath.Join(dir, "c.png")); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: Save: got %v, want ErrInvalid", i, err)
		}
		checkNoTemp(t, dir)
	}
}

func TestAnimatorSeriesSkipsNaNAndInf(t *testing.T) {
	a := NewAnimator(AnimatorConfig{Legend: []string{"a", "b"}})
	adds := [][3]float64{
		{0.5, 1, math.NaN()},
		{1, math.NaN(), 0.7},
		{1.5, math.Inf(1), math.NaN()},
		{2, 3, 0.8},
	}
	for _, v := range adds {
		if err := a.Add(v[0], v[1], v[2]); err != nil {
			t.Fatal(err)
		}
	}
	if a.Len() != 4 {
		t.Errorf("Len = %d, want 4", a.Len())
	}
	want := []plotter.XYs{{{X: 0.5, Y: 1}, {X: 2, Y: 3}}, {{X: 1, Y: 0.7}, {X: 2, Y: 0.8}}}
	for s := range want {
		got := a.Series(s)
		var _ plotter.XYer = got
		if len(got) != len(want[s]) {
			t.Fatalf("series %d: %v, want %v", s, got, want[s])
		}
		for i := range got {
			if got[i] != want[s][i] {
				t.Errorf("series %d point %d: %v, want %v", s, i, got[i], want[s][i])
			}
		}
	}
	if a.Series(2) != nil || a.Series(-1) != nil {
		t.Error("Series out of range should be nil")
	}
}

func TestSplitSeries(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		ys       []float64
		segLens  []int
		up, down int
	}{
		{[]float64{1, 2, 3, 4}, []int{4}, 0, 0},
		{[]float64{1, nan, 3, nan}, []int{2}, 0, 0}, // NaN joins its neighbours
		{[]float64{1, 2, inf, 4, 5}, []int{2, 2}, 1, 0},
		{[]float64{1, -inf, 3}, []int{1, 1}, 0, 1},
		{[]float64{nan, nan}, nil, 0, 0},
		{[]float64{inf, inf}, nil, 2, 0},
	}
	for i, c := range cases {
		xs := make([]float64, len(c.ys))
		for j := range xs {
			xs[j] = float64(j)
		}
		segs, up, down := splitSeries(xs, c.ys)
		var lens []int
		for _, s := range segs {
			lens = append(lens, len(s))
		}
		if len(lens) != len(c.segLens) || len(up) != c.up || len(down) != c.down {
			t.Errorf("case %d: segments %v up %v down %v, want lengths %v, %d up, %d down", i, lens, up, down, c.segLens, c.up, c.down)
			continue
		}
		for j := range lens {
			if lens[j] != c.segLens[j] {
				t.Errorf("case %d: segment %d has %d points, want %d", i, j, lens[j], c.segLens[j])
			}
		}
	}
}

func TestAnimatorSaveDefaultSizeAndColours(t *testing.T) {
	a := NewAnimator(AnimatorConfig{XLabel: "epoch", XMin: 1, XMax: 10, Legend: trainLegend})
	d2lRun(t, a, 10)
	dir := t.TempDir()
	path := filepath.Join(dir, "curves.png")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	checkNoTemp(t, dir, "curves.png")
	img := cmdtest.DecodePNG(t, path)
	checkSize(t, "curves", img, 720, 540) // 6 x 4.5 in at 120 dpi
	for s, name := range trainLegend {
		if n := countNear(img, style(s).color, 40); n < 150 {
			t.Errorf("series %d (%s): %d pixels of its colour, want a visible line (>= 150)", s, name, n)
		}
	}
}

func TestAnimatorAllNaNSeriesDrawsNothing(t *testing.T) {
	a := NewAnimator(AnimatorConfig{Legend: []string{"a", "b"}, Width: 4 * vg.Inch, Height: 3 * vg.Inch})
	for i := range 10 {
		if err := a.Add(float64(i), float64(i), math.NaN()); err != nil {
			t.Fatal(err)
		}
	}
	p, err := a.Plot()
	if err != nil {
		t.Fatal(err)
	}
	// Only the legend's sample line of series b may be green: no data.
	dir := t.TempDir()
	path := filepath.Join(dir, "nan.png")
	if err := renderPNG(path, 4*vg.Inch, 3*vg.Inch, func(c draw.Canvas) error { p.Draw(c); return nil }); err != nil {
		t.Fatal(err)
	}
	img := cmdtest.DecodePNG(t, path)
	checkSize(t, "nan", img, 480, 360)
	if n := countNear(img, style(1).color, 40); n > 120 {
		t.Errorf("all-NaN series: %d pixels of its colour, want only its legend sample (<= 120)", n)
	}
}

func TestAnimatorDivergedRun(t *testing.T) {
	a := NewAnimator(AnimatorConfig{Legend: []string{"loss"}})
	for i, y := range []float64{2, 1.5, 1.2, math.Inf(1), math.Inf(1)} {
		if err := a.Add(float64(i+1), y); err != nil {
			t.Fatal(err)
		}
	}
	p, leg, err := a.build()
	if err != nil {
		t.Fatal(err)
	}
	// The automatic y range ignores the infinities: 1.2..2 with 5% margin.
	if math.Abs(p.Y.Min-1.16) > 1e-9 || math.Abs(p.Y.Max-2.04) > 1e-9 {
		t.Errorf("y range [%v, %v], want [1.16, 2.04]", p.Y.Min, p.Y.Max)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "diverged.png")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	img := cmdtest.DecodePNG(t, path)
	// Triangles at the top edge: blue pixels in the top band of the axes.
	blueTop := 0
	for y := 0; y < 60; y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if near(img.At(x, y), style(0).color, 30) {
				blueTop++
			}
		}
	}
	if blueTop < 20 {
		t.Errorf("diverged markers: %d series-coloured pixels near the top, want >= 20", blueTop)
	}
	// The legend says so.
	if leg == nil || len(leg.entries) != 1 || leg.entries[0].name != "loss (diverged)" {
		t.Errorf(`legend %+v should read "loss (diverged)"`, leg)
	}
}

func TestAnimatorRanges(t *testing.T) {
	cases := []struct {
		name                   string
		cfg                    AnimatorConfig
		xs, ys                 []float64
		xmin, xmax, ymin, ymax float64
	}{
		{"auto", AnimatorConfig{}, []float64{1, 3}, []float64{0, 10}, 1, 3, -0.5, 10.5},
		{"fixed", AnimatorConfig{XMin: 1, XMax: 10, YMin: 0, YMax: 1}, []float64{2, 3}, []float64{0.2, 0.3}, 1, 10, 0, 1},
		// Points left of XMin (d2l's first epoch) do not stretch the y axis.
		{"clipped x", AnimatorConfig{XMin: 1, XMax: 3}, []float64{0.2, 1, 3}, []float64{100, 1, 2}, 1, 3, 0.95, 2.05},
		// One epoch: XMin == XMax widens the data range to include it.
		{"one epoch", AnimatorConfig{XMin: 1, XMax: 1}, []float64{0.2, 0.6}, []float64{1, 2}, 0.2, 1, 0.95, 2.05},
		{"single point", AnimatorConfig{}, []float64{2}, []float64{5}, 1.5, 2.5, 4.5, 5.5},
		{"no points", AnimatorConfig{}, nil, nil, 0, 1, 0, 1},
	}
	for i, c := range cases {
		c.cfg.Legend = []string{"s"}
		a := NewAnimator(c.cfg)
		for j := range c.xs {
			if err := a.Add(c.xs[j], c.ys[j]); err != nil {
				t.Fatal(err)
			}
		}
		p, err := a.Plot()
		if err != nil {
			t.Fatalf("case %d (%s): %v", i, c.name, err)
		}
		got := []float64{p.X.Min, p.X.Max, p.Y.Min, p.Y.Max}
		want := []float64{c.xmin, c.xmax, c.ymin, c.ymax}
		for k := range got {
			if math.Abs(got[k]-want[k]) > 1e-9 {
				t.Errorf("case %d (%s): ranges %v, want %v", i, c.name, got, want)
				break
			}
		}
	}
}

func TestLegendAvoidsTheData(t *testing.T) {
	// A line through the upper right corner pushes the legend elsewhere.
	l := &legendBox{
		entries: []legendEntry{{name: "a", style: lineStyle(0)}},
		lines:   []plotter.XYs{{{X: 0.5, Y: 0.95}, {X: 1, Y: 0.95}}},
	}
	a := NewAnimator(AnimatorConfig{XMin: 0, XMax: 1, YMin: 0, YMax: 1})
	if err := a.Add(0, 0); err != nil { // fixes one series
		t.Fatal(err)
	}
	p, err := a.Plot()
	if err != nil {
		t.Fatal(err)
	}
	c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 400, Y: 300}}}
	w, h, _ := l.size()
	r := l.best(c, p, w, h)
	if r.Max.X > 390 && r.Max.Y > 290 {
		t.Errorf("legend at %v covers the line in the upper right", r)
	}
	if r.Min.X != legendInset || r.Max.Y != 300-legendInset {
		t.Errorf("legend at %v, want upper left (the next candidate)", r)
	}
}

func TestAnimatorConcurrentUse(t *testing.T) {
	a := NewAnimator(AnimatorConfig{Legend: []string{"a"}})
	dir := t.TempDir()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if err := a.Add(float64(g*100+i), float64(i)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Save(filepath.Join(dir, "c.png")); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if a.Len() != 100 {
		t.Errorf("Len = %d, want 100", a.Len())
	}
	checkNoTemp(t, dir, "c.png")
}
