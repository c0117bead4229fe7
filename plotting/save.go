package plotting

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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
	return writeFileAtomic(path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
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

// writeFileAtomic writes a file through a temporary file in the same
// directory, then renames it over path, so that a reader (a person watching
// curves.png during training) never sees a half-written file. On any error the
// temporary file is removed and path is left as it was.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("plotting: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("plotting: write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("plotting: write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("plotting: write %s: %w", path, err)
	}
	// os.CreateTemp makes the file private (0600); a picture is for reading.
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("plotting: write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("plotting: write %s: %w", path, err)
	}
	return nil
}
