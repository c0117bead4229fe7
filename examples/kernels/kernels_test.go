package main

import (
	"bytes"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/plotting"
)

// ramp is an h x w image whose pixel (r, c) is c + 0.5*r*r: linear along rows,
// quadratic down the columns.
func ramp(h, w int) []float64 {
	img := make([]float64, h*w)
	for r := range h {
		for c := range w {
			img[r*w+c] = float64(c) + 0.5*float64(r*r)
		}
	}
	return img
}

func kernelIndex(t *testing.T, name string) int {
	t.Helper()
	for i, k := range kernels {
		if k.Name == name {
			return i
		}
	}
	t.Fatalf("no kernel %q", name)
	return -1
}

// On f(r, c) = c + r²/2 every kernel has a value worked out by hand at output (i, j),
// whose window is centred on input (i+1, j+1): f there is j+1 + (i+1)²/2, the
// horizontal differences are 1, the vertical second difference is 1.
func TestKernelsOnARamp(t *testing.T) {
	const h, w = 7, 9
	outs, err := applyKernels(ramp(h, w), h, w)
	if err != nil {
		t.Fatal(err)
	}
	centre := func(i, j int) float64 { return float64(j+1) + 0.5*float64((i+1)*(i+1)) }
	cases := []struct {
		name string
		want func(i, j int) float64
	}{
		{"identity", centre},
		// Mean over rows i..i+2 of r²/2 is ((i+1)² + 2/3)/2; the columns average to j+1.
		{"box blur", func(i, j int) float64 { return centre(i, j) + 1.0/3 }},
		// Weights 1/4, 1/2, 1/4 on r²/2: ((i+1)² + 1/2)/2.
		{"Gaussian blur", func(i, j int) float64 { return centre(i, j) + 0.25 }},
		// 5f - 4 neighbours = f - (second differences) = f - (0 + 1).
		{"sharpen", func(i, j int) float64 { return centre(i, j) - 1 }},
		// (1+2+1) · (f(c+1) - f(c-1)) = 4 · 2.
		{"Sobel x", func(int, int) float64 { return 8 }},
		// Each column gives (i+2)²/2 - i²/2 = 2(i+1), weighted 1+2+1 = 4.
		{"Sobel y", func(i, _ int) float64 { return 8 * float64(i+1) }},
		// f(r-1) + f(r+1) - 2f(r) = 1 down the columns, 0 along the rows.
		{"Laplacian 4", func(int, int) float64 { return 1 }},
		// Each of the 3 columns adds a vertical second difference of 1; the row terms cancel.
		{"Laplacian 8", func(int, int) float64 { return 3 }},
	}
	for ci, tc := range cases {
		out := outs[kernelIndex(t, tc.name)]
		if len(out) != (h-2)*(w-2) {
			t.Fatalf("case %d %s: %d values, want %d", ci, tc.name, len(out), (h-2)*(w-2))
		}
		for i := range h - 2 {
			for j := range w - 2 {
				got, want := out[i*(w-2)+j], tc.want(i, j)
				if math.Abs(got-want) > 1e-12 {
					t.Fatalf("case %d %s: output (%d,%d) = %v, want %v", ci, tc.name, i, j, got, want)
				}
			}
		}
	}
}

// The identity kernel returns the image without its one-pixel border, exactly.
func TestIdentityIsTheCroppedInput(t *testing.T) {
	const h, w = 6, 10
	img := make([]float64, h*w)
	for i := range img {
		img[i] = math.Sin(float64(i)) // arbitrary, not smooth
	}
	outs, err := applyKernels(img, h, w)
	if err != nil {
		t.Fatal(err)
	}
	id := outs[kernelIndex(t, "identity")]
	for r := 1; r < h-1; r++ {
		for c := 1; c < w-1; c++ {
			if got, want := id[(r-1)*(w-2)+c-1], img[r*w+c]; got != want {
				t.Fatalf("identity at input (%d,%d): %v, want %v", r, c, got, want)
			}
		}
	}
}

func TestKernelSums(t *testing.T) {
	want := map[string]float64{"identity": 1, "box blur": 1, "Gaussian blur": 1, "sharpen": 1,
		"Sobel x": 0, "Sobel y": 0, "Laplacian 4": 0, "Laplacian 8": 0}
	if len(kernels) != len(want) {
		t.Fatalf("%d kernels, want %d", len(kernels), len(want))
	}
	for i, k := range kernels {
		s := 0.0
		for _, v := range k.K {
			s += v
		}
		if w, ok := want[k.Name]; !ok || math.Abs(s-w) > 1e-15 {
			t.Errorf("case %d %s: sums to %v, want %v", i, k.Name, s, w)
		}
	}
}

func TestApplyKernelsErrors(t *testing.T) {
	for i, c := range []struct {
		n, h, w int
	}{{4, 2, 2}, {10, 3, 3}, {9, 3, 2}} {
		if _, err := applyKernels(make([]float64, c.n), c.h, c.w); err == nil {
			t.Errorf("case %d: %d pixels as %dx%d: no error", i, c.n, c.h, c.w)
		}
	}
}

// The picture decodes, has the size the layout asks for, and every output under its
// kernel.
func TestRender(t *testing.T) {
	const h, w = 12, 10
	img := stretch(ramp(h, w))
	path := filepath.Join(t.TempDir(), "k.png")
	outs, wPx, hPx, err := render(path, "test", img, h, w, "ramp")
	if err != nil {
		t.Fatal(err)
	}
	cfg := cmdtest.DecodePNG(t, path).Bounds().Size()
	rows, err := figureRows(img, h, w, "ramp", outs)
	if err != nil {
		t.Fatal(err)
	}
	ew, eh, err := plotting.FigureSize("test", rows)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.X != ew || cfg.Y != eh || wPx != ew || hPx != eh {
		t.Errorf("PNG %dx%d, render says %dx%d, layout %dx%d", cfg.X, cfg.Y, wPx, hPx, ew, eh)
	}
	// Rows 1 and 2 are equally wide, so the outputs line up under the kernels.
	w1, _, err := plotting.FigureSize("", rows[1:2])
	if err != nil {
		t.Fatal(err)
	}
	w2, _, err := plotting.FigureSize("", rows[2:3])
	if err != nil {
		t.Fatal(err)
	}
	if d := w1 - w2; d < -1 || d > 1 {
		t.Errorf("kernel row %d px, output row %d px: not aligned", w1, w2)
	}
	grid := rows[2][0].(*plotting.ImageGrid)
	for i, im := range grid.Images {
		lo, hi := valueRange(im.Pix)
		if lo != 0 || hi != 1 || im.W != w-2 || im.H != h-2 || !strings.HasPrefix(im.Title, kernels[i].Name+"\n") {
			t.Errorf("output %d: %dx%d, range [%v,%v], title %q", i, im.W, im.H, lo, hi, im.Title)
		}
	}
	kgrid := rows[1][0].(*plotting.HeatMapGrid)
	for i, m := range kgrid.Maps {
		if m.Title != kernels[i].Name || !m.ShowValues || m.Rows != 3 || m.Cols != 3 || m.Data[4] != kernels[i].K[4] {
			t.Errorf("kernel panel %d: %+v", i, m)
		}
	}
}

func TestStretch(t *testing.T) {
	got := stretch([]float64{-2, 0, 2})
	if got[0] != 0 || got[1] != 0.5 || got[2] != 1 {
		t.Errorf("stretch = %v", got)
	}
	if got := stretch([]float64{3, 3}); got[0] != 0.5 || got[1] != 0.5 {
		t.Errorf("stretch of a constant = %v, want grey", got)
	}
}

func TestExitCodes(t *testing.T) {
	s, err := dataset.NewSet(make([]uint8, 2*28*28), []uint8{1, 2}, 2, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	old := loadTest
	loadTest = func(string, io.Writer) (*dataset.Set, error) { return s, nil }
	defer func() { loadTest = old }()
	out := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"negative index", []string{"-index", "-1"}, 2, "-index -1: must be 0 or more"},
		{"index past the set", []string{"-index", "2", "-out", out}, 2, "-index 2: the test set has 2 images; choose 0..1"},
		{"unknown flag", []string{"-x"}, 2, "flag provided but not defined: -x"},
		{"stray argument", []string{"pic"}, 2, `unexpected argument "pic"`},
	}
	for i, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("case %d %s: exit %d, stderr %q; want %d and %q", i, c.name, code, stderr.String(), c.code, c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-index", "1", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote "+filepath.Join(out, "kernels.png")) ||
		!strings.Contains(stdout.String(), "test image 1 (pullover), 28 x 28") {
		t.Errorf("stdout %q", stdout.String())
	}

	loadTest = old
	stderr.Reset()
	if code := run([]string{"-data", t.TempDir()}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "Fashion-MNIST not found") {
		t.Errorf("missing data: exit %d, stderr %q", code, stderr.String())
	}
}

// On the real test image 0 (an ankle boot): the identity output is the image's centre
// and the picture is written.
func TestRealImage(t *testing.T) {
	dir := fashiontest.Dir(t)
	test, err := loadTest(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	px := test.Image(0)
	img := make([]float64, len(px))
	for i, v := range px {
		img[i] = float64(v) / 255
	}
	outs, err := applyKernels(img, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	id := outs[kernelIndex(t, "identity")]
	for r := 1; r < 27; r++ {
		for c := 1; c < 27; c++ {
			if id[(r-1)*26+c-1] != img[r*28+c] {
				t.Fatalf("identity at (%d,%d): %v, want %v", r, c, id[(r-1)*26+c-1], img[r*28+c])
			}
		}
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-data", dir, "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "test image 0 (ankle boot)") {
		t.Errorf("stdout %q", stdout.String())
	}
	if size := cmdtest.DecodePNG(t, filepath.Join(out, "kernels.png")).Bounds().Size(); size.X < 1000 || size.Y < 600 {
		t.Errorf("kernels.png is %v", size)
	}
}
