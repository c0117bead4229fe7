package plotting

import (
	"errors"
	"fmt"
	"io"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/d2l-go/convnets/internal/atomicfile"
)

// ErrInvalid is wrapped by every error about bad input: wrong lengths or
// sizes, a non-finite x value, a mark index out of range, an empty figure.
// Test for it with errors.Is. I/O failures are not ErrInvalid: they wrap the
// operating system's error (errors.Is(err, fs.ErrNotExist) works).
var ErrInvalid = errors.New("invalid plot input")

// ErrDraw is wrapped by the error returned when gonum/plot panics while
// drawing, which only a bug (here or in gonum/plot) should cause: input is
// validated before drawing starts.
var ErrDraw = errors.New("drawing failed")

// maxPixels caps each side of a figure, so that a huge grid fails with a
// clear error instead of allocating gigabytes.
const maxPixels = 16384

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("plotting: %s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}

// renderPNG draws a w x h figure with fn and writes it to path as a PNG,
// atomically. Drawing happens in memory first: a drawing error never creates
// a file.
func renderPNG(path string, w, h vg.Length, fn func(c draw.Canvas) error) error {
	if path == "" {
		return invalidf("empty output path")
	}
	if !(w > 0 && h > 0) {
		return invalidf("figure size %v x %v: both must be positive", w, h)
	}
	if pw, ph := pixels(w), pixels(h); pw > maxPixels || ph > maxPixels {
		return invalidf("figure would be %d x %d pixels, more than %d per side: use fewer panels or smaller cells", pw, ph, maxPixels)
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	if err := drawSafely(draw.New(img), fn); err != nil {
		return err
	}
	if err := atomicfile.Write(path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	}); err != nil {
		return fmt.Errorf("plotting: %w", err)
	}
	return nil
}

// drawSafely runs fn, turning a panic from gonum/plot into an error wrapping
// ErrDraw. This is the only place the package recovers from panics.
func drawSafely(c draw.Canvas, fn func(c draw.Canvas) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plotting: %w: %v", ErrDraw, r)
		}
	}()
	return fn(c)
}
