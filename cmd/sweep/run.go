package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/progress"
	"github.com/d2l-go/convnets/lenet"
)

// exitInterrupted is the exit status after Ctrl-C.
const exitInterrupted = 130

// options are the parsed flags.
type options struct {
	outDir, dataDir    string
	epochs, limit      int
	batch              int
	seed               uint64
	variants           []lenet.Spec
	source             *dataset.Source
	noVerify, listOnly bool
}

const usageText = `Usage: sweep [flags]

Trains LeNet variants one after the other on the same data and seed and writes
DIR/sweep.md (one row per variant), DIR/sweep.png (test accuracy per epoch) and
DIR/sweep.json, rewritten after every variant.

Flags:
`

func parseFlags(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	fs := cli.NewFlagSet("sweep", usageText)
	var variants, source string
	fs.StringVar(&o.outDir, "out", "out/sweep", "folder for sweep.md, sweep.png and sweep.json")
	fs.IntVar(&o.epochs, "epochs", 0, "epochs per variant (default: each variant's own, 10 unless its spec says epochsN)")
	fs.IntVar(&o.limit, "limit", 0, "train on the first N training images (0 = all)")
	fs.IntVar(&o.batch, "batch", 256, "mini-batch size")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the weight initialisation and the shuffling, the same for every variant")
	fs.StringVar(&variants, "variants", "", "comma-separated built-in names (see -list), NAME=SPEC or SPEC entries, or @FILE.json; default: every built-in variant")
	fs.StringVar(&source, "dataset", "fashion-mnist", "the data: fashion-mnist or mnist")
	fs.StringVar(&o.dataDir, "data", "", "folder holding the four IDX files (only that folder is searched); default: the data set's usual places, then a download")
	fs.BoolVar(&o.noVerify, "no-verify", false, "skip the SHA-256 check of the four files (other IDX data under the same names)")
	fs.BoolVar(&o.listOnly, "list", false, "print the built-in variants and exit")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return nil, err
	}
	switch {
	case o.epochs < 0:
		return nil, cli.Usagef("-epochs %d: must be 0 (each variant's own) or positive", o.epochs)
	case o.limit < 0:
		return nil, cli.Usagef("-limit %d: must be 0 (all) or positive", o.limit)
	case o.batch < 1:
		return nil, cli.Usagef("-batch %d: must be at least 1", o.batch)
	case o.outDir == "":
		return nil, cli.Usagef("-out: must name a folder")
	}
	var err error
	if o.source, err = dataset.ParseSource(source); err != nil {
		return nil, cli.Usagef("-dataset: %w", err)
	}
	o.variants = defaultVariants()
	if variants != "" {
		if o.variants, err = parseVariants(variants); err != nil {
			return nil, cli.Usagef("-variants: %w", err)
		}
	}
	return o, nil
}

// run parses args, sweeps, and returns the exit status; cancelling ctx (Ctrl-C)
// stops the variant in training, keeping the finished ones.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stdout)
	if err != nil {
		return cli.Exit(stderr, "sweep", err)
	}
	if o.listOnly {
		for _, s := range o.variants {
			fmt.Fprintf(stdout, "%-22s %s\n", s.Label(), s)
		}
		return cli.ExitOK
	}
	done, err := sweep(ctx, o, stdout, stderr)
	if err == nil && done < len(o.variants) {
		fmt.Fprintf(stderr, "sweep: interrupted; the %d finished variants are in %s\n", done, filepath.Join(o.outDir, "sweep.md"))
		return exitInterrupted
	}
	return cli.Exit(stderr, "sweep", err)
}

// sweep trains every variant and rewrites the report after each; it returns how
// many variants finished.
func sweep(ctx context.Context, o *options, stdout, stderr io.Writer) (int, error) {
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return 0, fmt.Errorf("-out: %w", err)
	}
	var dlProgress io.Writer
	if cli.IsTerminal(stderr) {
		dlProgress = stderr
	}
	train, test, err := dataset.LoadContext(ctx, dataset.Options{Dir: o.dataDir, DirFlag: "-data", Source: o.source, SkipVerify: o.noVerify, Progress: dlProgress})
	if err != nil {
		return 0, err
	}
	train = train.Head(o.limit)
	rep := &report{source: o.source.String(), trainN: train.N, testN: test.N, batch: o.batch, seed: o.seed, date: time.Now()}
	fmt.Fprintf(stdout, "%d LeNet variants on %s: %d training and %d test images, batch %d, seed %d\n",
		len(o.variants), o.source, train.N, test.N, o.batch, o.seed)
	for i, s := range o.variants {
		if ctx.Err() != nil {
			return i, nil
		}
		r, err := trainVariant(ctx, o, s, fmt.Sprintf("[%d/%d] %s", i+1, len(o.variants), s.Label()), train, test, stdout, stderr)
		if err != nil {
			return i, fmt.Errorf("variant %s: %w", s.Label(), err)
		}
		if r == nil { // interrupted
			return i, nil
		}
		rep.rows = append(rep.rows, *r)
		if err := rep.save(o.outDir); err != nil {
			return i, err
		}
		debug.FreeOSMemory() // the variant's graphs are garbage now
	}
	fmt.Fprintf(stdout, "wrote %s, %s and %s\n", filepath.Join(o.outDir, "sweep.md"), filepath.Join(o.outDir, "sweep.png"), filepath.Join(o.outDir, "sweep.json"))
	return len(o.variants), nil
}

// trainVariant trains one spec and returns its row, or nil when ctx was cancelled.
// A diverged run is a row too: a learning rate too large is an answer of the sweep.
func trainVariant(ctx context.Context, o *options, s lenet.Spec, title string, train, test *dataset.Set, stdout, stderr io.Writer) (*row, error) {
	epochs := s.EpochCount()
	if o.epochs > 0 {
		epochs = o.epochs
	}
	d, err := lenet.Describe(s)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "%s: %s, %d parameters, %d epochs\n", title, s, d.Params, epochs)
	c, err := lenet.New(lenet.Config{Spec: s, BatchSize: o.batch, Seed: o.seed})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	r := &row{Name: s.Label(), Spec: s.String(), Params: int(d.Params), Epochs: epochs}
	tty := cli.IsTerminal(stderr)
	var bar *progressbar.ProgressBar
	cfg := lenet.TrainConfig{Epochs: epochs, LR: s.LearningRate(), Seed: o.seed,
		OnBatch: func(b lenet.BatchInfo) {
			if !tty {
				return
			}
			if b.Batch == 1 {
				bar = progress.NewBar(stderr, b.Batches, title)
			}
			bar.Describe(fmt.Sprintf("%s epoch %d/%d loss %.3f %5.0f ex/s", title, b.Epoch, epochs, b.Loss, b.ExamplesPerSec))
			bar.Add(1)
		},
		OnEpoch: func(e lenet.EpochInfo, _ lenet.TrainState) error {
			if bar != nil {
				bar.Finish()
				bar = nil
			}
			r.TestAccs = append(r.TestAccs, e.TestAcc)
			fmt.Fprintf(stdout, "  epoch %2d/%d: loss %.3f, train acc %.3f, test acc %.3f (%.0f examples/sec)\n",
				e.Epoch, epochs, e.TrainLoss, e.TrainAcc, e.TestAcc, e.ExamplesPerSec)
			return nil
		},
	}
	res, err := lenet.Train(ctx, c, train, test, cfg)
	if bar != nil {
		bar.Clear()
	}
	var div *lenet.DivergedError
	switch {
	case errors.As(err, &div):
		r.Diverged = div.Epoch
		fmt.Fprintf(stdout, "  diverged at epoch %d, batch %d (loss %v)\n", div.Epoch, div.Batch, div.Loss)
		return r, nil
	case err != nil:
		return nil, err
	case res.Interrupted:
		return nil, nil
	}
	r.Loss, r.TrainAcc, r.TestAcc, r.ExamplesPerSec = res.TrainLoss, res.TrainAcc, res.TestAcc, res.ExamplesPerSec
	fmt.Fprintf(stdout, "  %s: loss %.3f, train acc %.3f, test acc %.3f, %.0f examples/sec\n", s.Label(), r.Loss, r.TrainAcc, r.TestAcc, r.ExamplesPerSec)
	return r, nil
}
