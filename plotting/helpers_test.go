package plotting

import (
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

func checkSize(t *testing.T, name string, img image.Image, w, h int) {
	t.Helper()
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: image is %dx%d pixels, want %dx%d", name, b.Dx(), b.Dy(), w, h)
	}
}

// near reports whether two colours differ by at most tol (0..255) in every
// channel.
func near(a, b color.Color, tol int) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool {
		v := int(x>>8) - int(y>>8)
		return v <= tol && v >= -tol
	}
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}

// countNear counts the pixels of img within tol of c.
func countNear(img image.Image, c color.Color, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), c, tol) {
				n++
			}
		}
	}
	return n
}

// checkNoTemp fails if dir holds anything but the named files (a leftover
// temporary file, say).
func checkNoTemp(t *testing.T, dir string, want ...string) {
	t.Helper()
	if got := cmdtest.DirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory %s holds %q, want exactly %q", filepath.Base(dir), got, want)
	}
}
