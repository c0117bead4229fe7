package plotting

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

func TestSaveBarsErrors(t *testing.T) {
	cases := []struct {
		name    string
		values  []float64
		names   []string
		mark    int
		message string
	}{
		{"no values", nil, nil, -1, "no values"},
		{"NaN", []float64{0.5, math.NaN()}, nil, -1, "value 1 is NaN"},
		{"Inf", []float64{math.Inf(1)}, nil, -1, "value 0 is +Inf"},
		{"names", []float64{0.5, 0.5}, []string{"a"}, -1, "2 values but 1 names"},
		{"mark too big", []float64{0.5, 0.5}, nil, 2, "mark 2 is out of range"},
		{"mark too small", []float64{0.5, 0.5}, nil, -2, "mark -2 is out of range"},
	}
	for i, c := range cases {
		dir := t.TempDir()
		err := SaveBars(filepath.Join(dir, "b.png"), c.values, c.names, c.mark, "")
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid containing %q", i, c.name, err, c.message)
		}
		checkNoTemp(t, dir)
	}
}

func TestSaveBarsMarksOneBar(t *testing.T) {
	probs := []float64{0.02, 0.01, 0.10, 0.03, 0.55, 0.0, 0.25, 0.0, 0.04, 0.0}
	names := []string{"t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"}
	for i, mark := range []int{-1, 6} {
		dir := t.TempDir()
		path := filepath.Join(dir, "bars.png")
		if err := SaveBars(path, probs, names, mark, "Probabilities"); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		img := cmdtest.DecodePNG(t, path)
		// 4.5 x 3.2 inches plus two 9-point margins.
		checkSize(t, "bars", img, 570, 414)
		orange := countNear(img, colorBarMark, 20)
		blue := countNear(img, colorBar, 20)
		if mark < 0 && orange != 0 {
			t.Errorf("case %d: no mark but %d orange pixels", i, orange)
		}
		// The marked bar (0.25 high) and the legend's box are orange.
		if mark >= 0 && orange < 1000 {
			t.Errorf("case %d: %d orange pixels, want the marked bar (>= 1000)", i, orange)
		}
		if blue < 2000 {
			t.Errorf("case %d: %d blue pixels, want the other bars (>= 2000)", i, blue)
		}
	}
}
