package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/layers"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/plotting"
)

// input is one image to inspect: a test image or generated noise.
type input struct {
	name   string // "test image 42", "noise"
	tag    string // for the file name: "42", "noise"
	label  int    // -1 for noise
	pixels []float32
	names  [dataset.NumClasses]string // the data set's class names
}

// noiseSeed fixes the noise image, so that a comparison with noise can be repeated.
const noiseSeed = 1

// classIndex returns the first test image of the named class (one of names, or
// "sweater" for Fashion-MNIST's pullover) other than skip.
func classIndex(test *dataset.Set, names [dataset.NumClasses]string, name string, skip int) (int, bool) {
	if name == "sweater" {
		name = "pullover"
	}
	for c, n := range names {
		if n != name {
			continue
		}
		for i := range test.N {
			if test.Label(i) == c && i != skip {
				return i, true
			}
		}
	}
	return 0, false
}

// resolveInput reads -compare (or -class): a test image index, a class name, or
// "noise".
func resolveInput(test *dataset.Set, names [dataset.NumClasses]string, spec string, skip int) (input, error) {
	if spec == "noise" {
		rng := rand.New(rand.NewPCG(noiseSeed, 0))
		px := make([]float32, lenet.Height*lenet.Width)
		for i := range px {
			px[i] = rng.Float32()
		}
		return input{name: "uniform noise", tag: "noise", label: -1, pixels: px, names: names}, nil
	}
	i, err := strconv.Atoi(spec)
	if err != nil {
		var ok bool
		if i, ok = classIndex(test, names, spec, skip); !ok {
			return input{}, cli.Usagef("%q is neither a test image index, a class (%s) nor noise", spec, classList(names))
		}
	}
	if i < 0 || i >= test.N {
		return input{}, cli.Usagef("test image %d: the test set has %d images; choose 0..%d", i, test.N, test.N-1)
	}
	return input{name: fmt.Sprintf("test image %d", i), tag: strconv.Itoa(i), label: test.Label(i), pixels: pixels(test.Image(i)), names: names}, nil
}

// classList lists the class names a flag takes, with Fashion-MNIST's "sweater".
func classList(names [dataset.NumClasses]string) string {
	list := strings.Join(names[:], ", ")
	if names == dataset.LabelNames {
		list += ", sweater"
	}
	return list
}

// title is "test image 1 (pullover)", or the name alone for noise.
func (in input) title() string {
	if in.label < 0 {
		return in.name
	}
	return fmt.Sprintf("%s (%s)", in.name, in.names[in.label])
}

// comparePath is the picture's path for two inputs.
func comparePath(outDir string, a, b input) string {
	return filepath.Join(outDir, fmt.Sprintf("compare-%s-%s.png", a.tag, b.tag))
}

// describe is "test image 42 (dress): predicted t-shirt (p = 0.46)".
func (in input) describe(insp *lenet.Inspection) string {
	truth := "no class"
	if in.label >= 0 {
		truth = "true " + in.names[in.label]
	}
	return fmt.Sprintf("%s (%s): predicted %s (p = %.2f)", in.name, truth, in.names[insp.Predicted], insp.Probs[insp.Predicted])
}

// compare inspects two inputs with c, prints each layer's mean activation and the
// cosine similarity of the two inputs' activations, and draws them side by side.
func compare(c *lenet.Classifier, ck *lenet.Checkpoint, a, b input, outDir string, stdout io.Writer) error {
	ia, err := lenet.Inspect(c, a.pixels)
	if err != nil {
		return err
	}
	ib, err := lenet.Inspect(c, b.pixels)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s, %s\n", lenet.Title(ck.Model), ck.TrainedFor())
	fmt.Fprintf(stdout, "A: %s\nB: %s\n\n", a.describe(ia), b.describe(ib))
	fmt.Fprintf(stdout, "%-34s %8s %8s %8s\n", "layer output", "mean A", "mean B", "cos(A,B)")
	for i, la := range ia.Layers {
		lb := ib.Layers[i]
		if strings.HasPrefix(la.Layer, "Flatten") {
			continue
		}
		fmt.Fprintf(stdout, "%-34s %8.3f %8.3f %8.3f\n", layerName(ia, i), mean(la.Data), mean(lb.Data), cosine(la.Data, lb.Data))
	}
	rows, title, err := compareFigure(ia, ib, a, b)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	path := comparePath(outDir, a, b)
	if err := plotting.SaveFigure(path, title, rows); err != nil {
		return err
	}
	w, h, err := plotting.FigureSize(title, rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s (%d x %d pixels)\n", path, w, h)
	return nil
}

// layerName is "3 Conv2d(6->16, 5x5)": the layer's position and description.
func layerName(insp *lenet.Inspection, i int) string {
	return fmt.Sprintf("%2d %s", i, insp.Layers[i].Layer)
}

func mean(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s / float64(len(x))
}

// cosine is the cosine similarity of two activation vectors (0 when one is zero).
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// compareFigure lays out both inputs and their probabilities, then every convolution
// stage's maps after the activation and after the pooling, A left and B right, each
// layer on one colour scale for both inputs.
func compareFigure(ia, ib *lenet.Inspection, a, b input) ([][]plotting.Panel, string, error) {
	sa, err := stages(ia)
	if err != nil {
		return nil, "", err
	}
	sb, err := stages(ib)
	if err != nil {
		return nil, "", err
	}
	names := a.names[:]
	panel := func(in input, insp *lenet.Inspection, side string) []plotting.Panel {
		img := &plotting.ImageGrid{Title: side + ": " + in.name + " " + layers.FormatShape([]int{1, 1, lenet.Height, lenet.Width}), CellSize: 1.6 * vg.Inch,
			Images: []plotting.Image{{Pix: float64s(in.pixels), W: lenet.Width, H: lenet.Height,
				Title: "predicted: " + names[insp.Predicted], Highlight: in.label >= 0 && in.label != insp.Predicted}}}
		probs := &plotting.BarChart{Values: insp.Probs, Names: names, Mark: in.label, Title: side + ": class probabilities", YLabel: "probability"}
		return []plotting.Panel{img, probs}
	}
	rows := [][]plotting.Panel{append(panel(a, ia, "A"), panel(b, ib, "B")...)}
	for i := range sa {
		label := func(c int) string { return fmt.Sprint(c) }
		cols, cell := 8, 0.6*vg.Inch
		if sa[i].Act.Channels() <= 6 {
			cols, cell = 3, 0.9*vg.Inch
		}
		actA, actB := maps(sa[i].Act, label), maps(sb[i].Act, label)
		poolA, poolB := maps(sa[i].Pool, label), maps(sb[i].Pool, label)
		lo, hi := sharedScale(actA, actB, poolA, poolB)
		grid := func(m []plotting.HeatMap, side string, o lenet.LayerOutput, what string) *plotting.HeatMapGrid {
			return &plotting.HeatMapGrid{Maps: m, Cols: cols, Min: lo, Max: hi, CellSize: cell,
				Title: fmt.Sprintf("%s: %s after %s %s", side, sa[i].Name, what, shapeWords(o.Shape))}
		}
		rows = append(rows,
			[]plotting.Panel{grid(actA, "A", sa[i].Act, sa[i].Act.Layer), grid(actB, "B", sb[i].Act, sb[i].Act.Layer)},
			[]plotting.Panel{grid(poolA, "A", sa[i].Pool, poolName(sa[i].Pool.Layer)), grid(poolB, "B", sb[i].Pool, poolName(sb[i].Pool.Layer))})
	}
	title := fmt.Sprintf("%s: %s against %s, activations on shared colour scales", lenet.Title(ia.Model), a.title(), b.title())
	return rows, title, nil
}
