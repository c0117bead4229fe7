package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

// defaultModels are the checkpoints tried, in order, without -model: where the docs'
// cmd/train -save command writes one, then where it did before checkpoints were safetensors.
var defaultModels = []string{"out/lenet.safetensors", "out/lenet.ckpt"}

// defaultModelsText names defaultModels for messages: "A (or B)".
func defaultModelsText() string {
	return defaultModels[0] + " (or " + defaultModels[1] + ")"
}

// quick is the model trained when there is no checkpoint: the chapter's network, long
// enough to get most test images right (about 0.75 after 2 epochs), short enough to
// wait for.
var quick = quickConfig{Model: lenet.Classic, Epochs: 2, Seed: 1}

// quickConfig says what quick model to train.
type quickConfig struct {
	Model  string // a preset or spec (lenet.ParseSpec)
	Epochs int
	Limit  int // training images, 0 for all
	Seed   uint64
}

// options are the parsed flags.
type options struct {
	model, addr, dataDir, runsDir string
	export                        string // -export DIR: write the static folder instead of serving
}

// defaultRunsDir is where the runs started from the page are kept without -runs.
const defaultRunsDir = "out/runs"

// newFlagSet declares the flags into o.
func newFlagSet(o *options) *flag.FlagSet {
	fs := cli.NewFlagSet("explore", fmt.Sprintf("Usage: explore [-model FILE] [-addr HOST:PORT] [-data DIR] [-runs DIR] [-export DIR]\n\n"+
		"Serves a CNN explorer: every layer's feature maps for any input, and for any\n"+
		"unit the window, kernels, products, sum and activation that make its value;\n"+
		"and a designer that describes, trains, compares and exports networks.\n"+
		"Without -model it uses %s,\nor else trains a quick model first.\n\n"+
		"Exit status: 0 when stopped with Ctrl-C, 2 on bad usage, 1 on any other failure.\n\nFlags:\n", defaultModelsText()))
	fs.StringVar(&o.model, "model", "", "checkpoint written by cmd/train -save, or PyTorch's LeNet state_dict as safetensors\n(default "+defaultModelsText()+" if it exists, else a quick model trained at start)")
	fs.StringVar(&o.addr, "addr", explore.DefaultAddr, "address to listen on; the default serves this machine only")
	fs.StringVar(&o.dataDir, "data", "", dataset.DirFlagUsage)
	fs.StringVar(&o.export, "export", "", "write the explorer as a static folder to this folder instead of serving it: the page,\nthe network built for WebAssembly, the weights and a slice of the data (docs/site.md)")
	fs.StringVar(&o.runsDir, "runs", defaultRunsDir, "folder where the runs trained from the page are kept (each a checkpoint and a JSON file), read back at start")
	return fs
}

// parseFlags parses args; -h prints the usage to stdout and returns flag.ErrHelp.
// Every error is a *cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	return cli.ParseOptions(args, stdout, newFlagSet, func(o *options) error {
		if o.addr == "" {
			return cli.Usagef("-addr: must be HOST:PORT, e.g. %s", explore.DefaultAddr)
		}
		if o.runsDir == "" {
			return cli.Usagef("-runs: must name a folder, e.g. %s", defaultRunsDir)
		}
		return nil
	})
}

// run parses args, serves until ctx is done, and returns the exit status. Every
// failure is one line on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Run("explore", args, stdout, stderr, parseFlags, func(o *options) error {
		if o.export != "" {
			return export(ctx, o, stdout, stderr)
		}
		return serve(ctx, o, stdout, stderr)
	})
}

// serve loads or trains the model, then serves the explorer until ctx is done.
func serve(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	ln, err := explore.Listen(o.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	defer ln.Close()
	ck, source, err := chooseModel(o.model, stdout)
	if err != nil {
		return err
	}
	train, test, err := loadForModel(ctx, ck, o.dataDir, stderr)
	if err != nil || ctx.Err() != nil {
		return err // nil after Ctrl-C during a download: stopped, as asked
	}
	progress := io.Writer(nil)
	if cli.IsTerminal(stderr) {
		progress = stderr
	}
	if ck == nil {
		fmt.Fprintf(stdout, "no -model and no %s: training a quick model first (%s LeNet, %s on %d images);\n"+
			"for a better one: go run ./cmd/train -save %s\n", defaultModelsText(), quick.Model, epochs(quick.Epochs), train.Head(quick.Limit).N, defaultModels[0])
		start := time.Now()
		if ck, err = trainQuick(ctx, quick, train, test, progress); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		_, _, acc := ck.History.Last()
		fmt.Fprintf(stdout, "trained in %.1f s: test accuracy %.3f\n", time.Since(start).Seconds(), acc)
		source = fmt.Sprintf("a quick model trained at start-up (%s)", epochs(quick.Epochs))
	}
	srv, err := explore.New(explore.Config{Weights: ck, Test: test, Source: source, Train: train, RunsDir: o.runsDir,
		Logf: func(format string, args ...any) { fmt.Fprintf(stderr, "explore: "+format+"\n", args...) }})
	if err != nil {
		return err
	}
	defer srv.Close()
	_, trained := ck.About(false)
	fmt.Fprintf(stdout, "CNN explorer (%s, %s) at %s  (Ctrl-C to stop)\n", lenet.Title(ck.Model), trained, explore.URL(ln))
	return srv.Serve(ctx, ln)
}

// chooseModel loads -model, else the first of defaultModels that exists; a nil
// checkpoint means neither: train a quick one. Weights that do not name their variant
// (PyTorch's) are taken as classic, and the first line says so.
func chooseModel(path string, stdout io.Writer) (*lenet.Checkpoint, string, error) {
	ck, source, err := loadModel(path, stdout)
	if ck == nil || err != nil {
		return nil, "", err
	}
	assumed, err := ck.SettleModel("")
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", source, err)
	}
	if assumed {
		model, _ := ck.About(assumed)
		fmt.Fprintf(stdout, "%s: %s\n", source, model)
	}
	return ck, source, nil
}

// loadModel loads -model, else the first of defaultModels that exists (nil when none
// does).
func loadModel(path string, stdout io.Writer) (*lenet.Checkpoint, string, error) {
	if path != "" {
		ck, err := lenet.LoadCheckpoint(path)
		if err != nil {
			return nil, "", fmt.Errorf("-model: %w", err)
		}
		return ck, path, nil
	}
	for _, path := range defaultModels {
		ck, err := lenet.LoadCheckpoint(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("%w (pass -model FILE to use another checkpoint)", err)
		}
		fmt.Fprintf(stdout, "using %s (pass -model FILE for another checkpoint)\n", path)
		return ck, path, nil
	}
	return nil, "", nil
}

// loadForModel loads the data set ck was trained on (Fashion-MNIST for a quick model,
// ck nil), with a progress line on a terminal. After Ctrl-C during a download it
// returns nil sets and no error.
func loadForModel(ctx context.Context, ck *lenet.Checkpoint, dir string, stderr io.Writer) (train, test *dataset.Set, err error) {
	progress := io.Writer(nil)
	if cli.IsTerminal(stderr) {
		progress = stderr
	}
	src := dataset.FashionMNIST // the quick model's
	if ck != nil {
		if src, err = ck.Source(); err != nil {
			return nil, nil, err
		}
	}
	train, test, err = loadData(ctx, src, dir, progress)
	if ctx.Err() != nil {
		return nil, nil, nil
	}
	return train, test, err
}

// loadData reads src's training and test splits (the page trains on the first); ctx
// cancels a download.
func loadData(ctx context.Context, src *dataset.Source, dir string, progress io.Writer) (train, test *dataset.Set, err error) {
	return dataset.LoadContext(ctx, dataset.Options{Source: src, Dir: dir, DirFlag: "-data", Progress: progress})
}

// trainQuick trains a model as q says and returns its weights and history; a cancelled
// ctx stops it early with what it has. progress, when not nil, gets a one-line counter.
func trainQuick(ctx context.Context, q quickConfig, train, test *dataset.Set, progress io.Writer) (*lenet.Checkpoint, error) {
	spec, err := lenet.ParseSpec(q.Model)
	if err != nil {
		return nil, err
	}
	c, err := lenet.New(lenet.Config{Spec: spec, Seed: q.Seed})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	cfg := lenet.TrainConfig{Epochs: q.Epochs, Seed: q.Seed}
	if progress != nil {
		cfg.OnBatch = func(b lenet.BatchInfo) {
			fmt.Fprintf(progress, "\r\033[Kepoch %d/%d, batch %d/%d, loss %.3f", b.Epoch, q.Epochs, b.Batch, b.Batches, b.Loss)
			if b.Batch == b.Batches {
				fmt.Fprint(progress, "\r\033[K") // the evaluation follows; the line goes
			}
		}
	}
	train = train.Head(q.Limit)
	res, err := lenet.Train(ctx, c, train, test, cfg)
	if err != nil {
		return nil, err
	}
	return lenet.Snapshot(c, lenet.CheckpointHeader{Epochs: q.Epochs, BatchSize: c.BatchSize(), Seed: q.Seed, TrainExamples: train.N,
		Optimizer: lenet.Optimizer{Name: "sgd", LR: spec.LearningRate()}, TrainState: res.State}), nil
}

// epochs writes "1 epoch", "2 epochs".
func epochs(n int) string {
	if n == 1 {
		return "1 epoch"
	}
	return fmt.Sprintf("%d epochs", n)
}
