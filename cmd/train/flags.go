package main

import (
	"flag"
	"io"
	"math"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

// options are the parsed flags.
type options struct {
	epochs, batch, limit int
	lr                   float64
	model                lenet.Spec
	ops                  nn.Ops
	device               string
	dataDir, outDir      string
	seed                 uint64
	save, resume         string
	saveFromResume       bool            // -save is -resume's file, not given
	serve                string          // -serve's address; never taken from a checkpoint
	dataset              string          // -dataset's name
	source               *dataset.Source // the data set it names
	// given holds the names of the flags set on the command line: with -resume, the
	// others come from the checkpoint.
	given map[string]bool
}

// newFlagSet declares every flag into o; model and ops receive the names that
// parseFlags checks.
func newFlagSet(o *options, model, ops *string) *flag.FlagSet {
	fs := cli.NewFlagSet("train", "Usage: train [flags]\n\nTrains LeNet on Fashion-MNIST (or MNIST, -dataset mnist) and writes curves.png,\n"+
		"predictions.png, confusion.png and metrics.json to -out. With -resume, -epochs, -batch,\n"+
		"-lr, -seed, -limit and -dataset default to the checkpoint's, and the run ends exactly where the\n"+
		"interrupted one would have.\n\nExit status: 0 on success, 2 on bad usage, 130 when interrupted, 1 on any other failure.\n\nFlags:\n")
	fs.IntVar(&o.epochs, "epochs", 10, "train until this many epochs are done, counting resumed ones (with -resume: the checkpoint's target)")
	fs.IntVar(&o.batch, "batch", 256, "mini-batch size, at most the training set's (with -resume: the checkpoint's)")
	// -lr's default depends on -model (and on -resume's checkpoint), so the flag's own
	// default is 0, "not set", which keeps flag's "(default 0.9)" out of the help.
	fs.Float64Var(&o.lr, "lr", 0, "SGD learning rate (default the spec's lr token, else 0.9 for a network with a sigmoid or tanh\nand 0.1 for one without: 0.9 for classic, 0.1 for modern; with -resume, the checkpoint's)")
	fs.StringVar(model, "model", "classic", "the network: classic (the chapter's LeNet), modern (ReLU + max pooling) or a spec such as\nconv8k3p1-relu-max2-conv16k3-relu-max2-dense64-relu-lr0.1 (see 'describe -h'); with -resume, the checkpoint's")
	fs.StringVar(ops, "ops", "fast", "how the convolutions and activations are computed: fast (the project's own ops) or gorgonia (Gorgonia's primitives)")
	fs.StringVar(&o.device, "device", "auto", "where to train: auto (a GPU when built with -tags cuda and present), cpu or cuda")
	fs.StringVar(&o.dataset, "dataset", "fashion-mnist", "the data: fashion-mnist (the chapter's) or mnist (the original digits); with -resume, the checkpoint's")
	fs.StringVar(&o.dataDir, "data", "", dataset.DirFlagUsage+";\nwith -dataset mnist: $MNIST_DIR, ./data/mnist, the user cache, then a download")
	fs.StringVar(&o.outDir, "out", "out", "folder for curves.png, predictions.png, confusion.png and metrics.json")
	fs.IntVar(&o.limit, "limit", 0, "use only the first N training images (0 = all 60000; with -resume, the checkpoint's)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed for the weight initialisation and the shuffling (with -resume: the checkpoint's)")
	fs.StringVar(&o.save, "save", "", "write a checkpoint to this file after every epoch and on Ctrl-C (its folder must exist);\nwith -resume, the file resumed from unless given (-save '' saves none)")
	fs.StringVar(&o.resume, "resume", "", "continue the run saved in this checkpoint")
	fs.StringVar(&o.serve, "serve", "", "serve the LeNet explorer at this address while training, e.g. 127.0.0.1:8080:\nthe curves as they grow, the network after every epoch; it stays up after training until Ctrl-C")
	return fs
}

// parseFlags parses args; -h prints the usage to stdout and returns flag.ErrHelp. Every
// error is a *cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	var model, ops string
	fs := newFlagSet(o, &model, &ops)
	if err := cli.Parse(fs, args, stdout); err != nil {
		return nil, err
	}
	o.given = cli.Given(fs)
	var err error
	if o.model, err = lenet.ParseSpec(model); err != nil {
		return nil, cli.Usagef("-model: %w", err)
	}
	if !o.given["epochs"] && o.model.Epochs > 0 {
		o.epochs = o.model.Epochs
	}
	if o.ops, err = nn.ParseOps(ops); err != nil {
		return nil, cli.Usagef("-ops: %w", err)
	}
	if o.source, err = dataset.ParseSource(o.dataset); err != nil {
		return nil, cli.Usagef("-dataset: %w", err)
	}
	switch {
	case o.epochs < 1:
		return nil, cli.Usagef("-epochs %d: must be at least 1", o.epochs)
	case o.seed < 1:
		return nil, cli.Usagef("-seed %d: seeds start at 1", o.seed)
	case o.batch < 1:
		return nil, cli.Usagef("-batch %d: must be at least 1", o.batch)
	case o.limit < 0:
		return nil, cli.Usagef("-limit %d: must be 0 (all) or positive", o.limit)
	case o.given["lr"] && (!(o.lr > 0) || math.IsInf(o.lr, 0)):
		return nil, cli.Usagef("-lr %v: must be a positive number", o.lr)
	case o.outDir == "":
		return nil, cli.Usagef("-out: must name a folder")
	case o.serve != "" && device.CUDABuild:
		return nil, cli.Usagef("-serve: %w", explore.ErrCUDABuild)
	}
	switch o.device {
	case "auto", "cpu", "cuda":
	default:
		return nil, cli.Usagef("-device %q: choose auto, cpu or cuda", o.device)
	}
	return o, nil
}
