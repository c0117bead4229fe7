// Command lenetbench measures LeNet training throughput: examples per second over
// training steps only (after a warm-up), and the process's peak resident memory. It is
// what `make bench` runs; scripts/bench_torch.py does the same work in PyTorch for
// `make bench-compare`.
//
//	go run ./cmd/lenetbench [-batch 256] [-steps 40] [-warmup 5] [-model classic] [-ops fast]
//
// It prints one line: `go <examples/sec> examples/sec, peak RSS <MiB> MiB`. Like
// cmd/train it sets the garbage collector's target to 25% unless GOGC is set.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

func main() {
	// Gorgonia's own float32 products (the primitives of -ops gorgonia) by the project's
	// GEMM.
	graph.UseBLAS()
	if os.Getenv("GOGC") == "" {
		// As cmd/train does: the live heap is pointer-free tensors, cheap to mark, so a
		// 25% growth target costs no measurable time and keeps the RSS near the live data.
		debug.SetGCPercent(25)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed flags.
type options struct {
	batch, steps, warmup int
	variant              lenet.Variant
	ops                  graph.Impl
	data, cpuprofile     string
}

// parseFlags parses and checks args; -h prints the usage to stdout and returns
// flag.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	fs := flag.NewFlagSet("lenetbench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: lenetbench [-batch N] [-steps N] [-warmup N] [-model classic|modern] [-ops fast|gorgonia]\n\n"+
			"Prints LeNet's training throughput (examples/sec over the timed steps) and the\n"+
			"process's peak resident memory.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	o := &options{}
	fs.IntVar(&o.batch, "batch", 256, "mini-batch size")
	fs.IntVar(&o.steps, "steps", 40, "timed training steps")
	fs.IntVar(&o.warmup, "warmup", 5, "untimed training steps first")
	model := fs.String("model", "classic", "network variant: classic or modern")
	opsName := fs.String("ops", "fast", "how the convolutions and activations are computed: fast (the project's own ops) or gorgonia (Gorgonia's primitives)")
	fs.StringVar(&o.data, "data", "", "Fashion-MNIST folder (default: the usual search)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the timed steps to this file")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return nil, err
	}
	var err error
	if o.variant, err = lenet.ParseVariant(*model); err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	if o.ops, err = graph.ParseImpl(*opsName); err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	if err := cli.First(cli.AtLeast("-batch", o.batch, 1), cli.AtLeast("-steps", o.steps, 1), cli.AtLeast("-warmup", o.warmup, 0)); err != nil {
		return nil, err
	}
	return o, nil
}

// run parses args, measures and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("lenetbench", args, stdout, stderr, parseFlags, func(o *options) error { return bench(o, stdout) })
}

// bench trains o.warmup steps, then o.steps timed ones, and prints the throughput and
// the peak RSS.
func bench(o *options, stdout io.Writer) error {
	train, _, err := dataset.Load(dataset.Options{Dir: o.data})
	if err != nil {
		return err
	}
	c, err := lenet.New(lenet.Config{Variant: o.variant, BatchSize: o.batch, Seed: 1, Ops: o.ops})
	if err != nil {
		return err
	}
	defer c.Close()
	it := train.Batches(o.batch, true, 1)
	step := func() error {
		if !it.Next() {
			it.Reset(2)
			it.Next()
		}
		_, _, err := c.TrainBatch(it.Float32(), it.Labels(), o.variant.DefaultLR())
		return err
	}
	for range o.warmup {
		if err := step(); err != nil {
			return err
		}
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var elapsed time.Duration
	examples := 0
	for range o.steps {
		start := time.Now()
		if err := step(); err != nil {
			return err
		}
		elapsed += time.Since(start)
		examples += it.Len()
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "go %.1f examples/sec, peak RSS %.0f MiB\n", float64(examples)/elapsed.Seconds(), float64(ru.Maxrss)/1024)
	return nil
}
