package plotting

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

// tinyGrid is a valid one-image panel.
func tinyGrid() *ImageGrid {
	return &ImageGrid{Images: []Image{{Pix: []float64{0, 1, 1, 0}, W: 2, H: 2}}, CellSize: vg.Inch}
}

func TestSaveIntoMissingDirectoryFailsAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "x.png")
	err := SaveFigure(path, "", [][]Panel{{tinyGrid()}})
	if err == nil {
		t.Fatal("SaveFigure into a missing directory: got nil error")
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Errorf("error %v does not wrap a *fs.PathError", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file exists after a failed save: %v", err)
	}
	checkNoTemp(t, dir)
}

func TestSaveLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "grid.png")
	for i := range 2 { // the second save replaces the first
		if err := SaveFigure(path, "", [][]Panel{{tinyGrid()}}); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	checkNoTemp(t, dir, "grid.png")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o644 {
		t.Errorf("file mode %v, want 0644", perm)
	}
	// 1 inch cell + 2 x 9 pt margin = 90 pt = 1.25 in = 150 px.
	checkSize(t, "grid", cmdtest.DecodePNG(t, path), 150, 150)
}

func TestSaveOverDirectoryFailsAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "taken")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := SaveFigure(target, "", [][]Panel{{tinyGrid()}}); err == nil {
		t.Fatal("saving over a directory: got nil error")
	}
	checkNoTemp(t, dir, "taken")
}

func TestFailedSaveKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.png")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := &ImageGrid{Images: []Image{{Pix: []float64{1}, W: 2, H: 2}}}
	err := SaveFigure(path, "", [][]Panel{{bad}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad panel: got %v, want ErrInvalid", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old file changed to %q", b)
	}
	checkNoTemp(t, dir, "keep.png")
}

// A drawing error creates no file, not even a temporary one.
func TestDrawErrorWritesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.png")
	boom := errors.New("boom")
	err := renderPNG(path, vg.Inch, vg.Inch, func(draw.Canvas) error {
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the drawing's error", err)
	}
	checkNoTemp(t, dir)
}

// panicky is a Panel whose Draw panics, standing in for a gonum/plot bug.
type panicky struct{}

func (panicky) Size() (w, h vg.Length, err error) { return vg.Inch, vg.Inch, nil }
func (panicky) Draw(draw.Canvas) error            { panic("bug") }

func TestDrawPanicBecomesError(t *testing.T) {
	dir := t.TempDir()
	err := SaveFigure(filepath.Join(dir, "p.png"), "", [][]Panel{{panicky{}}})
	if !errors.Is(err, ErrDraw) {
		t.Fatalf("got %v, want ErrDraw", err)
	}
	checkNoTemp(t, dir)
}

func TestRenderRejectsBadSizes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		path string
		w, h vg.Length
	}{
		{"empty path", "", vg.Inch, vg.Inch},
		{"zero width", filepath.Join(dir, "a.png"), 0, vg.Inch},
		{"too big", filepath.Join(dir, "b.png"), 200 * vg.Inch, vg.Inch},
	}
	for i, c := range cases {
		err := renderPNG(c.path, c.w, c.h, func(draw.Canvas) error { return nil })
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d (%s): got %v, want ErrInvalid", i, c.name, err)
		}
	}
	checkNoTemp(t, dir)
}
