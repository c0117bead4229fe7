package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/plotting"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/internal/cli"
)

// kernel is a named 3x3 image kernel, row-major.
type kernel struct {
	Name string
	K    [9]float64
}

// kernels are docs/chapter.md section 2's common image kernels.
var kernels = []kernel{
	{"identity", [9]float64{0, 0, 0, 0, 1, 0, 0, 0, 0}},
	{"box blur", [9]float64{1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9}},
	{"Gaussian blur", [9]float64{1. / 16, 2. / 16, 1. / 16, 2. / 16, 4. / 16, 2. / 16, 1. / 16, 2. / 16, 1. / 16}},
	{"sharpen", [9]float64{0, -1, 0, -1, 5, -1, 0, -1, 0}},
	{"Sobel x", [9]float64{-1, 0, 1, -2, 0, 2, -1, 0, 1}},
	{"Sobel y", [9]float64{-1, -2, -1, 0, 0, 0, 1, 2, 1}},
	{"Laplacian 4", [9]float64{0, 1, 0, 1, -4, 1, 0, 1, 0}},
	{"Laplacian 8", [9]float64{1, 1, 1, 1, -8, 1, 1, 1, 1}},
}

// applyKernels correlates the h x w image with every kernel through graph.Corr2D, all
// in one graph, and returns the (h-2) x (w-2) outputs in the order of kernels.
func applyKernels(img []float64, h, w int) ([][]float64, error) {
	if h < 3 || w < 3 || len(img) != h*w {
		return nil, fmt.Errorf("image of %d pixels as %dx%d: need h*w pixels and both sides at least 3", len(img), h, w)
	}
	g := gorgonia.NewGraph()
	x := exgraph.Node(g, "image", append([]float64(nil), img...), h, w)
	ys := make([]*gorgonia.Node, len(kernels))
	for i, k := range kernels {
		kn := exgraph.Node(g, fmt.Sprintf("kernel_%d", i), append([]float64(nil), k.K[:]...), 3, 3)
		y, err := graph.Corr2D(x, kn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k.Name, err)
		}
		ys[i] = y
	}
	vals := make([]gorgonia.Value, len(ys))
	for i, y := range ys {
		gorgonia.Read(y, &vals[i])
	}
	m, err := device.NewMachine(g, device.CPU)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if err := m.RunAll(); err != nil {
		return nil, fmt.Errorf("running the kernels: %w", err)
	}
	outs := make([][]float64, len(ys))
	for i, v := range vals {
		d, ok := v.Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("%s: output holds %T", kernels[i].Name, v.Data())
		}
		outs[i] = append([]float64(nil), d...)
	}
	return outs, nil
}

func valueRange(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// stretch maps v linearly onto [0,1], its minimum to 0 and its maximum to 1; a constant
// v becomes 0.5.
func stretch(v []float64) []float64 {
	lo, hi := valueRange(v)
	out := make([]float64, len(v))
	for i, x := range v {
		if hi > lo {
			out[i] = (x - lo) / (hi - lo)
		} else {
			out[i] = 0.5
		}
	}
	return out
}

// spacer is an empty panel that pads a figure row.
type spacer struct{ w vg.Length }

func (s spacer) Size() (w, h vg.Length, err error) { return s.w, 1, nil }
func (spacer) Draw(draw.Canvas) error              { return nil }

// panelGap measures the gap SaveFigure leaves between two panels of a row.
func panelGap() (vg.Length, error) {
	one, _, err := plotting.FigureSize("", [][]plotting.Panel{{spacer{vg.Inch}}})
	if err != nil {
		return 0, err
	}
	two, _, err := plotting.FigureSize("", [][]plotting.Panel{{spacer{vg.Inch}, spacer{vg.Inch}}})
	if err != nil {
		return 0, err
	}
	return vg.Length(two-one)/plotting.DPI*vg.Inch - vg.Inch, nil
}

// cell is the side of every kernel and output picture; wide enough for the titles.
const cell = 1.15 * vg.Inch

// figureRows lays out the picture: the input and a note on top, then the kernels with
// their numbers, each above its output (stretched black to white, its range in its
// title).
func figureRows(img []float64, h, w int, inputTitle string, outs [][]float64) ([][]plotting.Panel, error) {
	maps := make([]plotting.HeatMap, len(kernels))
	images := make([]plotting.Image, len(kernels))
	for i, k := range kernels {
		maps[i] = plotting.HeatMap{Data: append([]float64(nil), k.K[:]...), Rows: 3, Cols: 3, Title: k.Name, ShowValues: true}
		lo, hi := valueRange(outs[i])
		images[i] = plotting.Image{Pix: stretch(outs[i]), W: w - 2, H: h - 2,
			Title: fmt.Sprintf("%s\n%.2f to %.2f", k.Name, lo, hi)}
	}
	kgrid := &plotting.HeatMapGrid{Maps: maps, Cols: len(maps), CellSize: cell,
		Title: "3 x 3 kernels (box blur: ones/9, Gaussian: (1 2 1)ᵀ(1 2 1)/16)"}
	ogrid := &plotting.ImageGrid{Images: images, Cols: len(images), CellSize: cell,
		Title: fmt.Sprintf("outputs: graph.Corr2D(image, kernel), %d x %d, each stretched from its min (black) to its max (white)", h-2, w-2)}
	note := &plotting.Text{Text: fmt.Sprintf("Valid cross-correlation, no padding:\n"+
		"a %d x %d image and a 3 x 3 kernel give %d x %d.\n\n"+
		"Blur kernels sum to 1 and keep the brightness.\n"+
		"Edge kernels (Sobel, Laplacian) sum to 0:\n"+
		"they answer only where the image changes.\n"+
		"Sobel x finds vertical edges, Sobel y horizontal ones.", h, w, h-2, w-2)}
	input := &plotting.ImageGrid{Images: []plotting.Image{{Pix: img, W: w, H: h, Title: inputTitle}}, CellSize: 1.4 * vg.Inch}

	// Pad the outputs' row to the kernels' width (the kernels have a colour bar) so that
	// both rows are centred alike and every output sits under its kernel.
	orow := []plotting.Panel{ogrid}
	kw, _, err := kgrid.Size()
	if err != nil {
		return nil, err
	}
	ow, _, err := ogrid.Size()
	if err != nil {
		return nil, err
	}
	gap, err := panelGap()
	if err != nil {
		return nil, err
	}
	if pad := kw - ow - gap; pad > 0 {
		orow = append(orow, spacer{pad})
	}
	return [][]plotting.Panel{{input, note}, {kgrid}, orow}, nil
}

// render applies the kernels to img and saves the figure to path; it returns the
// outputs and the picture's size in pixels.
func render(path, title string, img []float64, h, w int, inputTitle string) (outs [][]float64, wPx, hPx int, err error) {
	if outs, err = applyKernels(img, h, w); err != nil {
		return nil, 0, 0, err
	}
	rows, err := figureRows(img, h, w, inputTitle, outs)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := plotting.SaveFigure(path, title, rows); err != nil {
		return nil, 0, 0, err
	}
	wPx, hPx, err = plotting.FigureSize(title, rows)
	return outs, wPx, hPx, err
}

// loadTest reads the Fashion-MNIST test split from dir (searched for like cmd/train's
// -data when empty).
var loadTest = func(dir string, progress io.Writer) (*dataset.Set, error) {
	return dataset.LoadTest(dataset.Options{Dir: dir, DirFlag: "-data", Progress: progress})
}

// run parses args, draws the picture and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("kernels", "Usage: kernels [-index N] [-data DIR] [-out DIR]\n\n"+
		"Applies the common image kernels of the chapter to a Fashion-MNIST test image\n"+
		"with graph.Corr2D and writes DIR/kernels.png.\n\nFlags:\n")
	index := fs.Int("index", 0, "which test image to use, 0..9999")
	dataDir := fs.String("data", "", "folder holding the Fashion-MNIST files (default: searched for like cmd/train)")
	outDir := fs.String("out", "out", "folder for kernels.png")
	err := cli.Parse(fs, args, stdout)
	switch {
	case err != nil:
	case *index < 0:
		err = cli.AtLeast("-index", *index, 0)
	case *outDir == "":
		err = cli.Usagef("-out: must name a folder")
	default:
		err = draw1(*index, *dataDir, *outDir, stdout, stderr)
	}
	return cli.Exit(stderr, "kernels", err)
}

// draw1 loads test image index and draws the kernels' picture.
func draw1(index int, dataDir, outDir string, stdout, stderr io.Writer) error {
	test, err := loadTest(dataDir, stderr)
	if err != nil {
		return err
	}
	if index >= test.N {
		return cli.Usagef("-index %d: the test set has %d images; choose 0..%d", index, test.N, test.N-1)
	}
	px := test.Image(index)
	img := make([]float64, len(px))
	for i, v := range px {
		img[i] = float64(v) / 255
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	name := dataset.LabelNames[test.Label(index)]
	path := filepath.Join(outDir, "kernels.png")
	title := fmt.Sprintf("Common image kernels applied to Fashion-MNIST test image %d (%s)", index, name)
	outs, w, h, err := render(path, title, img, test.Rows, test.Cols, fmt.Sprintf("input: test image %d\n%s, %d x %d", index, name, test.Rows, test.Cols))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test image %d (%s), %d x %d, through graph.Corr2D with 3x3 kernels:\n", index, name, test.Rows, test.Cols)
	for i, k := range kernels {
		lo, hi := valueRange(outs[i])
		fmt.Fprintf(stdout, "  %-13s  output %d x %d, values %6.3f to %6.3f\n", k.Name, test.Rows-2, test.Cols-2, lo, hi)
	}
	fmt.Fprintf(stdout, "wrote %s (%d x %d pixels)\n", path, w, h)
	return nil
}
