package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/plotting"
)

// options are the parsed flags.
type options struct {
	model          string
	index          int
	class, compare string
	outDir         string
	dataDir        string
}

// newFlagSet declares the flags into o.
func newFlagSet(o *options) *flag.FlagSet {
	fs := cli.NewFlagSet("explain", "Usage: explain -model FILE [-index N | -class NAME] [-compare N|NAME|noise] [-out DIR] [-data DIR]\n\n"+
		"Runs Fashion-MNIST test image N through the LeNet saved in FILE (cmd/train -save)\n"+
		"and writes DIR/explain-N.png: the input, every convolution layer's feature maps\n"+
		"after activation and pooling, the first layer's kernels and the class\n"+
		"probabilities. Prints the layer-by-layer shape summary. With -compare, draws\n"+
		"two inputs side by side on shared colour scales (DIR/compare-N-M.png) and\n"+
		"prints each layer's mean activation for both and their cosine similarity.\n\n"+
		"Exit status: 0 on success, 2 on bad usage, 1 on any other failure.\n\nFlags:\n")
	fs.StringVar(&o.model, "model", "", "checkpoint file written by cmd/train -save (required)")
	fs.IntVar(&o.index, "index", 0, "which test image to explain, 0..9999")
	fs.StringVar(&o.class, "class", "", "explain the first test image of this class instead of -index (e.g. pullover, or sweater)")
	fs.StringVar(&o.compare, "compare", "", "a second input to draw beside the first: a test image index, a class name (its first test image), or noise")
	fs.StringVar(&o.outDir, "out", "out", "folder for explain-N.png")
	fs.StringVar(&o.dataDir, "data", "", dataset.DirFlagUsage)
	return fs
}

// parseFlags parses args; -h prints the usage to stdout and returns flag.ErrHelp.
// Every error is a *cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	return cli.ParseOptions(args, stdout, newFlagSet, func(o *options) error {
		switch {
		case o.model == "":
			return cli.Usagef("-model is required: pass the checkpoint written by cmd/train -save")
		case o.index < 0:
			return cli.AtLeast("-index", o.index, 0)
		case o.class != "" && o.index != 0:
			return cli.Usagef("-class and -index both choose the image; give one")
		case o.outDir == "":
			return cli.Usagef("-out: must name a folder")
		}
		return nil
	})
}

// run parses args, writes the picture and returns the exit status. Every failure is
// one line on stderr.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("explain", args, stdout, stderr, parseFlags, func(o *options) error { return explain(o, stdout, stderr) })
}

// loadTest reads the test split of src from dir (searched for like cmd/train's -data
// when empty). Tests replace it with a generated set.
var loadTest = func(src *dataset.Source, dir string, progress io.Writer) (*dataset.Set, error) {
	return dataset.LoadTest(dataset.Options{Source: src, Dir: dir, DirFlag: "-data", Progress: progress})
}

// outputPath is the picture's path for test image index.
func outputPath(outDir string, index int) string {
	return filepath.Join(outDir, fmt.Sprintf("explain-%d.png", index))
}

// explain restores the checkpoint o.model, runs test image o.index through it and
// writes the picture; a missing image is bad usage.
func explain(o *options, stdout, stderr io.Writer) error {
	ck, err := lenet.LoadCheckpoint(o.model)
	if err != nil {
		return fmt.Errorf("-model: %w", err)
	}
	assumed, err := ck.SettleModel("") // PyTorch's weights may not name their network
	if err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	spec, err := ck.Spec()
	if err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	src, err := ck.Source() // the images and class names of the data set it was trained on
	if err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	names := src.LabelNames()
	test, err := loadTest(src, o.dataDir, stderr)
	if err != nil {
		return err
	}
	if o.class != "" {
		var ok bool
		if o.index, ok = classIndex(test, names, o.class, -1); !ok {
			return cli.Usagef("-class %q: no test image of that class (classes: %s)", o.class, classList(names))
		}
	}
	if o.index >= test.N {
		return cli.Usagef("-index %d: the test set has %d images; choose 0..%d", o.index, test.N, test.N-1)
	}
	if test.Rows != lenet.Height || test.Cols != lenet.Width {
		return fmt.Errorf("test images are %dx%d; the network takes %dx%d", test.Rows, test.Cols, lenet.Height, lenet.Width)
	}
	c, err := lenet.New(lenet.Config{Spec: spec, BatchSize: 1, EvalBatch: 1})
	if err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	defer c.Close()
	if err := ck.Restore(c); err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	if o.compare != "" {
		a, _ := resolveInput(test, names, strconv.Itoa(o.index), -1)
		b, err := resolveInput(test, names, o.compare, o.index)
		if err != nil {
			return fmt.Errorf("-compare: %w", err)
		}
		return compare(c, ck, a, b, o.outDir, stdout)
	}
	insp, err := lenet.Inspect(c, pixels(test.Image(o.index)))
	if err != nil {
		return err
	}
	var summary bytes.Buffer
	if err := lenet.WriteSummary(&summary, spec); err != nil {
		return err
	}
	label := test.Label(o.index)
	fig, err := buildFigure(insp, o.index, label, ck.CheckpointHeader, summary.String())
	if err != nil {
		return err
	}

	model, trained := ck.About(assumed)
	fmt.Fprintf(stdout, "%s from %s, %s\n", model, o.model, trained)
	fmt.Fprintf(stdout, "test image %d: true %s, predicted %s (p = %.2f)\n\n", o.index,
		names[label], names[insp.Predicted], insp.Probs[insp.Predicted])
	fmt.Fprint(stdout, summary.String())

	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	path := outputPath(o.outDir, o.index)
	rows := fig.rows()
	if err := plotting.SaveFigure(path, fig.Title, rows); err != nil {
		return err
	}
	w, h, err := plotting.FigureSize(fig.Title, rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s (%d x %d pixels)\n", path, w, h)
	return nil
}

// pixels scales uint8 pixels to [0,1], as the trainer does.
func pixels(px []uint8) []float32 {
	x := make([]float32, len(px))
	for i, v := range px {
		x[i] = float32(v) / 255
	}
	return x
}
