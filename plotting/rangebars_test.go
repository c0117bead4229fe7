package plotting

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

func TestSaveRangeBarsErrors(t *testing.T) {
	ok := RangeSeries{Name: "go", Min: []float64{1}, Median: []float64{2}, Max: []float64{3}}
	cases := []struct {
		name    string
		chart   RangeBars
		message string
	}{
		{"no groups", RangeBars{Series: []RangeSeries{ok}}, "no groups"},
		{"no series", RangeBars{Groups: []string{"a"}}, "0 series: give 1 to 3"},
		{"too many series", RangeBars{Groups: []string{"a"}, Series: []RangeSeries{ok, ok, ok, ok}}, "4 series: give 1 to 3"},
		{"notes", RangeBars{Groups: []string{"a"}, Series: []RangeSeries{ok}, Notes: []string{"x", "y"}}, "1 groups but 2 notes"},
		{"lengths", RangeBars{Groups: []string{"a", "b"}, Series: []RangeSeries{ok}}, `series "go" has 1, 1 and 1 values for 2 groups`},
		{"order", RangeBars{Groups: []string{"a"}, Series: []RangeSeries{{Name: "py", Min: []float64{3}, Median: []float64{2}, Max: []float64{4}}}},
			`series "py", group "a": min 3, median 2, max 4 must be finite with 0 <= min <= median <= max`},
		{"NaN", RangeBars{Groups: []string{"a"}, Series: []RangeSeries{{Name: "py", Min: []float64{1}, Median: []float64{math.NaN()}, Max: []float64{4}}}}, "median NaN"},
		{"negative", RangeBars{Groups: []string{"a"}, Series: []RangeSeries{{Name: "py", Min: []float64{-1}, Median: []float64{0}, Max: []float64{4}}}}, "min -1"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		err := SaveRangeBars(filepath.Join(dir, "r.png"), &c.chart)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: got %v, want ErrInvalid containing %q", c.name, err, c.message)
		}
		checkNoTemp(t, dir)
	}
}

// TestSaveRangeBarsHeights: each bar's area is in proportion to its median (the bars
// share a width), so a 3:1 pair of medians paints about three times as many blue as
// orange pixels.
func TestSaveRangeBarsHeights(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.png")
	chart := &RangeBars{
		Groups: []string{"classic"},
		Series: []RangeSeries{
			{Name: "project", Min: []float64{29000}, Median: []float64{30000}, Max: []float64{31000}},
			{Name: "PyTorch", Min: []float64{9000}, Median: []float64{10000}, Max: []float64{11000}},
		},
		Notes:  []string{"3.00x"},
		Title:  "examples/sec",
		YLabel: "examples/sec",
	}
	if err := SaveRangeBars(path, chart); err != nil {
		t.Fatal(err)
	}
	img := cmdtest.DecodePNG(t, path)
	// 6 x 3.6 inches plus two 9-point margins.
	checkSize(t, "range bars", img, 750, 462)
	blue, orange := countNear(img, colorBar, 20), countNear(img, colorBarMark, 20)
	if orange < 1000 {
		t.Fatalf("%d orange pixels: the PyTorch bar is missing", orange)
	}
	if r := float64(blue) / float64(orange); math.Abs(r-3) > 0.3 {
		t.Errorf("blue / orange pixels = %d / %d = %.2f, want about 3 (the ratio of the medians)", blue, orange, r)
	}
}

func TestTwoLines(t *testing.T) {
	cases := []struct{ in, want string }{
		{"classic", "classic"},
		{"3x3 kernels", "3x3 kernels"},
		{"wide convolutions", "wide\nconvolutions"},
		{"tanh, padded max pooling", "tanh, padded\nmax pooling"},
		{"averylongnamewithnospace", "averylongnamewithnospace"},
	}
	for _, c := range cases {
		if got := twoLines(c.in); got != c.want {
			t.Errorf("twoLines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
