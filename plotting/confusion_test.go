package plotting

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

func TestSaveConfusionErrors(t *testing.T) {
	names3 := []string{"a", "b", "c"}
	cases := []struct {
		name    string
		counts  [][]int
		names   []string
		message string
	}{
		{"empty", nil, nil, "empty"},
		{"fewer names", [][]int{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, []string{"a", "b"}, "3 rows but 2 class names"},
		{"more names", [][]int{{1, 0}, {0, 1}}, names3, "2 rows but 3 class names"},
		{"short row", [][]int{{1, 0, 0}, {0, 1}, {0, 0, 1}}, names3, `row 1 ("b") has 2 counts, want 3`},
		{"long row", [][]int{{1, 0, 0, 4}, {0, 1, 0}, {0, 0, 1}}, names3, `row 0 ("a") has 4 counts, want 3`},
		{"negative", [][]int{{1, 0, 0}, {0, 1, -2}, {0, 0, 1}}, names3, `count [1][2] (true "b", predicted "c") is -2`},
	}
	big := make([][]int, 400)
	bigNames := make([]string, 400)
	for i := range big {
		big[i] = make([]int, 400)
	}
	cases = append(cases, struct {
		name    string
		counts  [][]int
		names   []string
		message string
	}{"too many classes", big, bigNames, "400 classes would be 24000 pixels wide"})
	for i, c := range cases {
		dir := t.TempDir()
		err := SaveConfusion(filepath.Join(dir, "c.png"), c.counts, c.names)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid containing %q", i, c.name, err, c.message)
		}
		checkNoTemp(t, dir)
	}
}

func TestConfusionTitle(t *testing.T) {
	cases := []struct {
		counts [][]int
		want   string
	}{
		{[][]int{{3, 1}, {0, 4}}, "Confusion matrix (8 examples, accuracy 87.5%)"},
		{[][]int{{0, 0}, {0, 0}}, "Confusion matrix (no examples)"},
	}
	for i, c := range cases {
		m := &Confusion{Counts: c.counts, Names: []string{"a", "b"}}
		if got := m.title(); got != c.want {
			t.Errorf("case %d: title %q, want %q", i, got, c.want)
		}
	}
}

func TestConfusionGridOrientation(t *testing.T) {
	// Row 0 (the first true class) is drawn on top: grid row n-1.
	g := confusionGrid{{1, 2}, {3, 4}}
	if c, r := g.Dims(); c != 2 || r != 2 {
		t.Fatalf("Dims = %d, %d", c, r)
	}
	cases := []struct {
		c, r int
		want float64
	}{{0, 1, 1}, {1, 1, 2}, {0, 0, 3}, {1, 0, 4}}
	for i, k := range cases {
		if got := g.Z(k.c, k.r); got != k.want {
			t.Errorf("case %d: Z(%d, %d) = %v, want %v", i, k.c, k.r, got, k.want)
		}
	}
}

func TestSaveConfusionPicture(t *testing.T) {
	names := []string{"t-shirt", "trouser", "pullover"}
	counts := [][]int{{90, 5, 5}, {2, 97, 1}, {10, 0, 90}}
	dir := t.TempDir()
	path := filepath.Join(dir, "confusion.png")
	if err := SaveConfusion(path, counts, names); err != nil {
		t.Fatal(err)
	}
	checkNoTemp(t, dir, "confusion.png")
	img := cmdtest.DecodePNG(t, path)
	w, h, err := FigureSize("", [][]Panel{{&Confusion{Counts: counts, Names: names}}})
	if err != nil {
		t.Fatal(err)
	}
	checkSize(t, "confusion", img, w, h)
	// The largest count (97) is the darkest blue: one 0.5-inch cell,
	// 60x60 px, less its number, plus the top of the colour bar.
	if n := countNear(img, rgb(0x08306b), 10); n < 2800 {
		t.Errorf("%d pixels of the darkest blue, want a full cell (>= 2800)", n)
	}
}
