package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

// options are the parsed flags.
type options struct {
	model, dataDir, save string
	variant              string // "" when -variant is not given
}

// newFlagSet declares the flags into o, and -variant into variant (parsed later).
func newFlagSet(o *options, variant *string) *flag.FlagSet {
	fs := cli.NewFlagSet("evaluate", "Usage: evaluate -model FILE [-data DIR] [-variant SPEC] [-save FILE]\n\n"+
		"Evaluates a network's weights on the test set of the data they were trained on\n"+
		"(Fashion-MNIST, or MNIST for a checkpoint of 'train -dataset mnist') and prints\n"+
		"the accuracy of every class, then \"test acc A\". FILE is a checkpoint written\n"+
		"by 'train -save' (safetensors, or the older LENETCKP format) or a safetensors\n"+
		"file with the PyTorch state_dict of the network's nn.Sequential alone (taken as\n"+
		"trained on Fashion-MNIST; 'describe -model SPEC' lists its tensors), in F32,\n"+
		"F64, F16 or BF16.\n\n"+
		"Networks that differ only in activations or pooling have the same tensors, so\n"+
		"the network cannot be read from the weights: it is the file's lenet.variant\n"+
		"metadata when it has one (every file written here does), else -variant, else\n"+
		"the classic LeNet.\n\n"+
		"Exit status: 0 on success, 2 on bad usage, 1 on any other failure.\n\nFlags:\n")
	fs.StringVar(&o.model, "model", "", "the weights: a checkpoint or a PyTorch state_dict as safetensors (required)")
	fs.StringVar(&o.dataDir, "data", "", dataset.DirFlagUsage)
	fs.StringVar(variant, "variant", "", "the network, a preset (classic, modern) or a spec, for a file that does not name it (default: the file's, else classic)")
	fs.StringVar(&o.save, "save", "", "also write the weights to this file as a safetensors checkpoint (converts a LENETCKP file, or F16/BF16/F64 weights to F32)")
	return fs
}

// parseFlags parses args; -h prints the usage to stdout and returns flag.ErrHelp.
// Every error is a *cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	var variant string
	if err := cli.Parse(newFlagSet(o, &variant), args, stdout); err != nil {
		return nil, err
	}
	if o.model == "" {
		return nil, cli.Usagef("-model is required: pass a checkpoint (train -save) or a PyTorch state_dict as safetensors")
	}
	if variant != "" {
		if _, err := lenet.ParseSpec(variant); err != nil {
			return nil, cli.Usagef("-variant: %w", err)
		}
		o.variant = variant
	}
	return o, nil
}

// run parses args, evaluates and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return runWith(args, stdout, stderr, loadTest)
}

// testLoader reads the test split of src from a folder ("" to search for it).
type testLoader func(dir string, src *dataset.Source, progress io.Writer) (*dataset.Set, error)

// runWith is run with the test set read by load.
func runWith(args []string, stdout, stderr io.Writer, load testLoader) int {
	return cli.Run("evaluate", args, stdout, stderr, parseFlags, func(o *options) error { return evaluate(o, load, stdout, stderr) })
}

// loadTest reads the test split of src from dir (searched for like cmd/train's -data
// when empty).
func loadTest(dir string, src *dataset.Source, progress io.Writer) (*dataset.Set, error) {
	return dataset.LoadTest(dataset.Options{Dir: dir, DirFlag: "-data", Source: src, Progress: progress})
}

// evaluate restores the checkpoint o.model into a LeNet, classifies the test split
// of the data set it was trained on (load reads it), writes -save's copy first, then
// prints the per-class accuracy and the test accuracy.
func evaluate(o *options, load testLoader, stdout, stderr io.Writer) error {
	ck, err := lenet.LoadCheckpoint(o.model)
	if err != nil {
		return fmt.Errorf("-model: %w", err)
	}
	assumed, err := ck.SettleModel(o.variant)
	if err != nil && o.variant == "" {
		return fmt.Errorf("-model %s: %w (the file does not name its network, so it was read as the classic LeNet; -variant names it)", o.model, err)
	}
	if err != nil {
		return fmt.Errorf("-variant %s: %s: %w", o.variant, o.model, err)
	}
	src, err := ck.Source()
	if err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	test, err := load(o.dataDir, src, stderr)
	if err != nil {
		return err
	}
	if test.Rows != lenet.Height || test.Cols != lenet.Width {
		return fmt.Errorf("test images are %dx%d; the network takes %dx%d", test.Rows, test.Cols, lenet.Height, lenet.Width)
	}
	spec, err := ck.Spec()
	if err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	c, err := lenet.New(lenet.Config{Spec: spec, BatchSize: 1})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := ck.Restore(c); err != nil {
		return fmt.Errorf("-model %s: %w", o.model, err)
	}
	counts, err := lenet.Confusion(c, test)
	if err != nil {
		return err
	}
	if o.save != "" {
		if err := ck.Save(o.save); err != nil {
			return fmt.Errorf("-save: %w", err)
		}
	}

	variant, trained := ck.About(assumed)
	if assumed {
		variant = strings.TrimSuffix(variant, ")") + "; -variant chooses)"
	}
	if src != dataset.FashionMNIST {
		trained += fmt.Sprintf("; on the %s test set", src)
	}
	fmt.Fprintf(stdout, "%s from %s, %s\n", variant, o.model, trained)
	if o.save != "" {
		fmt.Fprintf(stdout, "wrote %s\n", o.save)
	}
	names := src.LabelNames()
	if err := lenet.WritePerClass(stdout, counts, names[:]); err != nil {
		return err
	}
	acc, _ := lenet.ConfusionAccuracy(counts)
	fmt.Fprintf(stdout, "test acc %.4f\n", acc)
	return nil
}
