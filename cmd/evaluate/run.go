package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

// options are the parsed flags.
type options struct {
	model, dataDir, save string
	variant              lenet.Variant // "" when -variant is not given
}

// newFlagSet declares the flags into o, and -variant into variant (parsed later).
func newFlagSet(o *options, variant *string) *flag.FlagSet {
	fs := cli.NewFlagSet("evaluate", "Usage: evaluate -model FILE [-data DIR] [-variant classic|modern] [-save FILE]\n\n"+
		"Evaluates LeNet weights on the test set of the data they were trained on\n"+
		"(Fashion-MNIST, or MNIST for a checkpoint of 'train -dataset mnist') and prints\n"+
		"the accuracy of every class, then \"test acc A\". FILE is a checkpoint written\n"+
		"by 'train -save' (safetensors, or the older LENETCKP format) or a safetensors\n"+
		"file with only the ten tensors of the d2l LeNet's PyTorch state_dict (taken as\n"+
		"trained on Fashion-MNIST): 0.weight (6,1,5,5), 0.bias, 3.weight (16,6,5,5),\n"+
		"3.bias, 7.weight (120,400), 7.bias, 9.weight (84,120), 9.bias, 11.weight\n"+
		"(10,84), 11.bias, in F32, F64, F16 or BF16.\n\n"+
		"Classic and modern LeNet have the same tensors, so the variant cannot be read\n"+
		"from the weights: it is the file's lenet.variant metadata when it has one (every\n"+
		"file written here does), else -variant, else classic.\n\n"+
		"Exit status: 0 on success, 2 on bad usage, 1 on any other failure.\n\nFlags:\n")
	fs.StringVar(&o.model, "model", "", "the weights: a checkpoint or a PyTorch state_dict as safetensors (required)")
	fs.StringVar(&o.dataDir, "data", "", dataset.DirFlagUsage)
	fs.StringVar(variant, "variant", "", "classic or modern, for a file that does not name its variant (default: the file's, else classic)")
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
		v, err := lenet.ParseVariant(variant)
		if err != nil {
			return nil, cli.Usagef("-variant: %w", err)
		}
		o.variant = v
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
	return dataset.LoadTest(dataset.Options{Dir: dir, Source: src, Progress: progress})
}

// evaluate restores the checkpoint o.model into a LeNet, classifies the test split
// of the data set it was trained on (load reads it), writes -save's copy first, then
// prints the per-class accuracy and the test accuracy.
func evaluate(o *options, load testLoader, stdout, stderr io.Writer) error {
	ck, err := lenet.LoadCheckpoint(o.model)
	if err != nil {
		return fmt.Errorf("-model: %w", err)
	}
	assumed, err := ck.SettleVariant(o.variant)
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
		return fmt.Errorf("test images are %dx%d; LeNet takes %dx%d", test.Rows, test.Cols, lenet.Height, lenet.Width)
	}
	c, err := lenet.New(lenet.Config{Variant: ck.Variant, BatchSize: 1})
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
		if err := save(ck, assumed, o.save); err != nil {
			return fmt.Errorf("-save: %w", err)
		}
	}

	variant, trained := ck.About(assumed)
	if assumed {
		variant += "; -variant chooses"
	}
	if src != dataset.FashionMNIST {
		trained += fmt.Sprintf("; on the %s test set", src)
	}
	fmt.Fprintf(stdout, "LeNet (%s) from %s, %s\n", variant, o.model, trained)
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

// save writes the checkpoint as safetensors, leaving out a variant that was only
// assumed: the new file should not claim more than the old one said.
func save(ck *lenet.Checkpoint, assumed bool, path string) error {
	out := *ck
	if assumed {
		out.Variant = ""
	}
	return out.Save(path)
}
