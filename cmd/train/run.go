package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/plotting"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// options are the parsed flags.
type options struct {
	epochs, batch, limit int
	lr                   float64
	lrSet, modelSet      bool
	model                lenet.Variant
	ops                  graph.Impl
	device               string
	dataDir, outDir      string
	seed                 uint64
	save, resume         string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: train [flags]\n\nTrains LeNet on Fashion-MNIST and writes curves.png, predictions.png,\nconfusion.png and metrics.json to -out.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var model, ops string
	fs.IntVar(&o.epochs, "epochs", 10, "train until this many epochs are done (counting resumed ones)")
	fs.IntVar(&o.batch, "batch", 256, "mini-batch size")
	// -lr's default depends on -model (and on -resume's checkpoint), so the flag's own
	// default is 0, "not set", which keeps flag's "(default 0.9)" out of the help.
	fs.Float64Var(&o.lr, "lr", 0, "SGD learning rate (default 0.9 for classic, 0.1 for modern; with -resume, the checkpoint's)")
	fs.StringVar(&model, "model", "classic", "network variant: classic (the chapter's) or modern (ReLU + max pooling)")
	fs.StringVar(&ops, "ops", "fast", "how the convolutions and activations are computed: fast (the project's own ops) or gorgonia (Gorgonia's primitives)")
	fs.StringVar(&o.device, "device", "auto", "where to train: auto (a GPU when built with -tags cuda and present), cpu or cuda")
	fs.StringVar(&o.dataDir, "data", "", "folder holding the four Fashion-MNIST files (only that folder is searched);\ndefault: $FASHION_MNIST_DIR, ./data/fashion-mnist, the user cache, /usr/share/datasets/fashion-mnist, then a download")
	fs.StringVar(&o.outDir, "out", "out", "folder for curves.png, predictions.png, confusion.png and metrics.json")
	fs.IntVar(&o.limit, "limit", 0, "use only the first N training images (0 = all 60000)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed for the weight initialisation and the shuffling")
	fs.StringVar(&o.save, "save", "", "write a checkpoint to this file after every epoch (and on Ctrl-C)")
	fs.StringVar(&o.resume, "resume", "", "continue training from this checkpoint")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "lr":
			o.lrSet = true
		case "model":
			o.modelSet = true
		}
	})
	var err error
	if o.model, err = lenet.ParseVariant(model); err != nil {
		return nil, fmt.Errorf("-model: %w", err)
	}
	if o.ops, err = graph.ParseImpl(ops); err != nil {
		return nil, fmt.Errorf("-ops: %w", err)
	}
	switch {
	case o.epochs < 1:
		return nil, fmt.Errorf("-epochs %d: must be at least 1", o.epochs)
	case o.batch < 1:
		return nil, fmt.Errorf("-batch %d: must be at least 1", o.batch)
	case o.limit < 0:
		return nil, fmt.Errorf("-limit %d: must be 0 (all) or positive", o.limit)
	case o.lrSet && (!(o.lr > 0) || math.IsInf(o.lr, 0)):
		return nil, fmt.Errorf("-lr %v: must be a positive number", o.lr)
	case o.outDir == "":
		return nil, errors.New("-out: must name a folder")
	}
	switch o.device {
	case "auto", "cpu", "cuda":
	default:
		return nil, fmt.Errorf("-device %q: choose auto, cpu or cuda", o.device)
	}
	return o, nil
}

// gcPercent is the garbage collector's target heap growth while training (Go's default
// is 100). The live heap is mostly pointer-free tensors (the data set, the layers'
// values), cheap to mark, so collecting at 25% growth costs no measurable time, and the
// resident memory stays within about a quarter of the live data instead of growing
// towards twice it over the first epochs.
const gcPercent = 25

// tuneGC applies gcPercent unless the GOGC environment variable chooses a setting.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// usageError marks errors that exit with status 2.
type usageError struct{ error }

// run parses args, trains, and returns the exit status; cancelling ctx (Ctrl-C) stops
// training after the current batch.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "train: %v\nRun 'train -h' for the flags.\n", err)
		return exitUsage
	}
	interrupted, err := train(ctx, o, stdout, stderr)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "train: %v\n", err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "train: %v\n", err)
		return exitFailure
	case interrupted:
		fmt.Fprintln(stderr, "train: interrupted; curves and checkpoint saved")
		return exitInterrupted
	}
	return exitOK
}

func chooseDevice(name string) (graph.Device, error) {
	switch name {
	case "cpu":
		return graph.CPU, nil
	case "cuda":
		dev := graph.TryGPU(0)
		if dev == graph.CPU {
			return dev, errors.New("-device cuda: no CUDA device available (this binary was built without -tags cuda, or no GPU is present); build with 'make cuda' or use -device cpu")
		}
		return dev, nil
	}
	return graph.TryGPU(0), nil
}

// train does the work; it reports whether it was interrupted.
func train(ctx context.Context, o *options, stdout, stderr io.Writer) (bool, error) {
	tuneGC()
	dev, err := chooseDevice(o.device)
	if err != nil {
		return false, err
	}
	var ck *lenet.Checkpoint
	if o.resume != "" {
		if ck, err = lenet.LoadCheckpoint(o.resume); err != nil {
			return false, fmt.Errorf("-resume: %w", err)
		}
		if o.modelSet && ck.Variant != o.model {
			return false, fmt.Errorf("-resume %s: %w: it holds %q but -model is %q", o.resume, lenet.ErrWrongVariant, ck.Variant, o.model)
		}
		o.model = ck.Variant
		if ck.Epoch >= o.epochs {
			return false, usageError{fmt.Errorf("-resume %s: it has already trained %d epochs; pass -epochs greater than %d", o.resume, ck.Epoch, ck.Epoch)}
		}
		if !o.lrSet {
			o.lr = ck.Optimizer.LR
		}
	}
	if !o.lrSet && ck == nil {
		o.lr = o.model.DefaultLR()
	}

	progress := io.Writer(nil)
	tty := isTerminal(stderr)
	if tty {
		progress = stderr
	}
	trainSet, testSet, err := dataset.Load(dataset.Options{Dir: o.dataDir, Progress: progress})
	if err != nil {
		return false, err
	}
	trainSet = trainSet.Head(o.limit)

	c, err := lenet.New(lenet.Config{Variant: o.model, BatchSize: o.batch, Seed: o.seed, Device: dev, Ops: o.ops})
	if err != nil {
		return false, err
	}
	defer c.Close()
	start := 0
	var history lenet.History
	if ck != nil {
		if err := ck.Restore(c); err != nil {
			return false, fmt.Errorf("-resume %s: %w", o.resume, err)
		}
		start, history = ck.Epoch, ck.History
	}
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return false, fmt.Errorf("-out: %w", err)
	}

	fmt.Fprintf(stdout, "LeNet (%s) on %s, %d training and %d test images, batch %d, lr %g\n",
		o.model, dev, trainSet.N, testSet.N, o.batch, o.lr)
	if err := lenet.WriteSummary(stdout, o.model); err != nil {
		return false, err
	}
	if start > 0 {
		fmt.Fprintf(stdout, "resuming after epoch %d from %s\n", start, o.resume)
	}

	curvesPath := filepath.Join(o.outDir, "curves.png")
	saveAll := func(h lenet.History, epoch int) error {
		if len(h) > 0 {
			if err := saveCurves(curvesPath, curvesTitle(o.model, o.lr), h, o.epochs); err != nil {
				return err
			}
		}
		if o.save != "" {
			snap := lenet.Snapshot(c, lenet.CheckpointHeader{Epoch: epoch, Epochs: o.epochs, BatchSize: o.batch, Seed: o.seed,
				Optimizer: lenet.Optimizer{Name: "sgd", LR: o.lr}, History: h})
			if err := snap.Save(o.save); err != nil {
				return fmt.Errorf("-save: %w", err)
			}
		}
		return nil
	}

	var bar *progressbar.ProgressBar
	cfg := lenet.TrainConfig{
		Epochs: o.epochs, LR: o.lr, Seed: o.seed, StartEpoch: start, History: history,
		OnBatch: func(b lenet.BatchInfo) {
			if !tty {
				return
			}
			if b.Batch == 1 {
				bar = newBar(stderr, b.Batches, fmt.Sprintf("epoch %d/%d", b.Epoch, o.epochs))
			}
			bar.Describe(fmt.Sprintf("epoch %d/%d loss %.3f %6.0f ex/s", b.Epoch, o.epochs, b.Loss, b.ExamplesPerSec))
			bar.Add(1)
		},
		OnEpoch: func(e lenet.EpochInfo, h lenet.History) error {
			if bar != nil {
				bar.Finish()
				bar.Clear()
				bar = nil
			}
			fmt.Fprintf(stdout, "epoch %2d/%d: loss %.3f, train acc %.3f, test acc %.3f (%.0f examples/sec, %s)\n",
				e.Epoch, e.Epochs, e.TrainLoss, e.TrainAcc, e.TestAcc, e.ExamplesPerSec, (e.TrainTime + e.EvalDur).Round(100*time.Millisecond))
			err := saveAll(h, e.Epoch)
			// The evaluation and the pictures leave garbage that the next epoch's steps
			// would otherwise carry in the heap: hand it back once per epoch (a few ms),
			// which keeps the resident memory flat from epoch to epoch.
			debug.FreeOSMemory()
			return err
		},
	}
	res, err := lenet.Train(ctx, c, trainSet, testSet, cfg)
	if bar != nil {
		bar.Clear()
	}
	if err != nil {
		if res != nil && len(res.History) > 0 {
			_ = saveCurves(curvesPath, curvesTitle(o.model, o.lr), res.History, o.epochs)
		}
		return false, err
	}
	if res.Interrupted {
		if len(res.History) == 0 && o.save == "" {
			return true, nil
		}
		return true, saveAll(res.History, res.Epochs)
	}
	if err := writeMetrics(filepath.Join(o.outDir, "metrics.json"), o, dev, trainSet.N, res); err != nil {
		return false, err
	}
	if err := writePredictions(o.outDir, c, testSet, stdout); err != nil {
		return false, err
	}
	if err := writeConfusion(o.outDir, c, testSet, stdout); err != nil {
		return false, err
	}
	// The textbook's two closing lines come last, so they are the run's final words.
	fmt.Fprintf(stdout, "loss %.3f, train acc %.3f, test acc %.3f\n", res.TrainLoss, res.TrainAcc, res.TestAcc)
	fmt.Fprintf(stdout, "%.1f examples/sec on %s\n", res.ExamplesPerSec, dev)
	return false, nil
}

func newBar(w io.Writer, n int, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// isTerminal reports whether w is a terminal (progress bars only go there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// curvesTitle names the run in the curves picture, so the pictures of two runs can be
// told apart: "LeNet (classic, lr 0.9) on Fashion-MNIST".
func curvesTitle(v lenet.Variant, lr float64) string {
	return fmt.Sprintf("LeNet (%s, lr %g) on Fashion-MNIST", v, lr)
}

func saveCurves(path, title string, h lenet.History, epochs int) error {
	a := plotting.NewAnimator(plotting.AnimatorConfig{
		Title: title, XLabel: "epoch",
		Legend: []string{"train loss", "train acc", "test acc"},
		XMin:   1, XMax: float64(epochs),
	})
	for _, p := range h {
		l, tr, te := p.Values()
		if err := a.Add(p.Epoch, l, tr, te); err != nil {
			return err
		}
	}
	return a.Save(path)
}

// metrics is the layout of metrics.json.
type metrics struct {
	Variant        lenet.Variant `json:"variant"`
	Device         string        `json:"device"`
	Epochs         int           `json:"epochs"`
	BatchSize      int           `json:"batch_size"`
	LR             float64       `json:"lr"`
	Seed           uint64        `json:"seed"`
	TrainExamples  int           `json:"train_examples"`
	TrainLoss      float64       `json:"train_loss"`
	TrainAcc       float64       `json:"train_acc"`
	TestAcc        float64       `json:"test_acc"`
	ExamplesPerSec float64       `json:"examples_per_sec"`
	Points         lenet.History `json:"points"`
}

func writeMetrics(path string, o *options, dev graph.Device, n int, res *lenet.Result) error {
	m := metrics{Variant: o.model, Device: dev.String(), Epochs: res.Epochs, BatchSize: o.batch, LR: o.lr, Seed: o.seed, TrainExamples: n,
		TrainLoss: res.TrainLoss, TrainAcc: res.TrainAcc, TestAcc: res.TestAcc, ExamplesPerSec: res.ExamplesPerSec, Points: res.History}
	return lenet.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// writePredictions draws the first 18 test images with their true and predicted labels.
func writePredictions(outDir string, c *lenet.Classifier, test *dataset.Set, stdout io.Writer) error {
	sample := test.Head(18)
	pred, err := lenet.Predict(c, sample)
	if err != nil {
		return err
	}
	imgs := make([]plotting.Image, sample.N)
	for i := range imgs {
		px := sample.Image(i)
		pix := make([]float64, len(px))
		for j, v := range px {
			pix[j] = float64(v) / 255
		}
		t, p := dataset.LabelNames[sample.Labels[i]], dataset.LabelNames[pred[i]]
		imgs[i] = plotting.Image{Pix: pix, W: sample.Cols, H: sample.Rows, Title: "true: " + t + "\npred: " + p, Highlight: t != p}
	}
	return plotting.SaveImageGrid(filepath.Join(outDir, "predictions.png"), imgs, 6, "Test images: true and predicted labels (wrong in red)")
}
