// Command lenetbench measures what a user of cmd/train waits for: LeNet trained on
// Fashion-MNIST by lenet.Train, whole epochs of it (shuffling, batch assembly, the SGD
// steps, the loss and accuracy bookkeeping), timed by the wall clock from the start of
// each epoch to the end of its last batch. The evaluation on the test set after each
// epoch runs, as in cmd/train, but is not timed. It is what `make bench` runs, and the
// project's side of `make bench-compare` (scripts/bench_torch.py is PyTorch's).
//
//	lenetbench [-epochs 1] [-batch 256] [-model classic] [-ops fast] [-gemm auto] [-shards N] [-limit N] [-data DIR]
//
// It prints one line of space-separated names and values, the same names as
// bench_torch.py's, so that scripts read both alike:
//
//	go examples/sec 14563.2 seconds 4.120 examples 60000 loss 1.2340 train_acc 0.5120 test_acc 0.6340 peak_rss_mib 105 threads 2 cpu_seconds 8.050 gemm avx2-fma
//
// threads is GOMAXPROCS; cpu_seconds the CPU time (user and system, all threads) the
// process spent over the same timed spans as seconds, a measure of the work done that
// other programs on the machine disturb far less than the wall clock; gemm the matrix-product micro-kernel (internal/gemm; -gemm picks
// another of those the CPU runs, all of which give the same results to the bit). Like cmd/train it sets the garbage collector's target to 25%
// unless GOGC is set. Bad flags exit 2, other failures 1, each with one line on stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/gemm"
	"github.com/d2l-go/convnets/lenet"
)

func main() {
	// Gorgonia's own float32 products (the primitives of -ops gorgonia) by the project's
	// GEMM, as in cmd/train.
	device.UseBLAS()
	if os.Getenv("GOGC") == "" {
		// As cmd/train does: the live heap is pointer-free tensors, cheap to mark, so a
		// 25% growth target costs no measurable time and keeps the RSS near the live data.
		debug.SetGCPercent(25)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed flags.
type options struct {
	epochs, batch, limit, shards int
	variant                      lenet.Spec
	ops                          nn.Ops
	data, cpuprofile, gemmKernel string
	seed                         uint64
}

// parseFlags parses and checks args; -h prints the usage to stdout and returns
// flag.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	fs := flag.NewFlagSet("lenetbench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: lenetbench [-epochs N] [-batch N] [-model classic|modern|SPEC] [-ops fast|gorgonia] [-gemm KERNEL] [-shards N] [-limit N]\n\n"+
			"Times whole epochs of LeNet training on Fashion-MNIST through lenet.Train and prints\n"+
			"one line: examples/sec, seconds, examples, loss, accuracies, peak RSS, threads.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	o := &options{}
	fs.IntVar(&o.epochs, "epochs", 1, "timed training epochs")
	fs.IntVar(&o.batch, "batch", 256, "mini-batch size, at most the training set's (a larger one is cut to it)")
	fs.IntVar(&o.limit, "limit", 0, "use only the first N training images (0 = all 60000)")
	fs.IntVar(&o.shards, "shards", 0, "cut each batch into this many parts (0: the default, see lenet.Config.Shards)")
	model := fs.String("model", "classic", "the network: a preset (classic, modern) or a spec")
	opsName := fs.String("ops", "fast", "how the convolutions and activations are computed: fast (the project's own ops) or gorgonia (Gorgonia's primitives)")
	fs.StringVar(&o.gemmKernel, "gemm", "auto", "matrix-product micro-kernel: auto (the fastest) or one of "+strings.Join(gemm.Kernels(), ", "))
	fs.StringVar(&o.data, "data", "", dataset.DirFlagUsage)
	fs.Uint64Var(&o.seed, "seed", 1, "seed for the weight initialisation and the shuffling")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the training to this file")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return nil, err
	}
	var err error
	if o.variant, err = lenet.ParseSpec(*model); err != nil {
		return nil, cli.Usagef("-model: %w", err)
	}
	if o.ops, err = nn.ParseOps(*opsName); err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	if err := gemm.SetKernel(o.gemmKernel); err != nil {
		return nil, &cli.UsageError{Err: fmt.Errorf("-gemm: %w", err)}
	}
	if err := cli.First(cli.AtLeast("-epochs", o.epochs, 1), cli.AtLeast("-batch", o.batch, 1),
		cli.AtLeast("-limit", o.limit, 0), cli.AtLeast("-shards", o.shards, 0)); err != nil {
		return nil, err
	}
	return o, nil
}

// run parses args, measures and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("lenetbench", args, stdout, stderr, parseFlags, func(o *options) error { return bench(o, stdout) })
}

// result is one run's measurement.
type result struct {
	examples int
	train    time.Duration // wall time of the epochs' training loops, evaluation excluded
	cpu      time.Duration // the process's CPU time over the same spans
	last     lenet.EpochInfo
}

// bench trains o.epochs epochs and prints the line.
func bench(o *options, stdout io.Writer) error {
	train, test, err := dataset.Load(dataset.Options{Dir: o.data, DirFlag: "-data"})
	if err != nil {
		return err
	}
	train = train.Head(o.limit)
	// As in cmd/train: a larger batch would only pad every step with empty rows, in
	// memory too (-batch 100000000 would ask for about 20 GB).
	o.batch = min(o.batch, train.N)
	c, err := lenet.New(lenet.Config{Spec: o.variant, BatchSize: o.batch, Seed: o.seed, Ops: o.ops, Shards: o.shards})
	if err != nil {
		return err
	}
	defer c.Close()
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
	r, err := measure(c, train, test, o)
	if err != nil {
		return err
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("reading the peak RSS: %w", err)
	}
	s := r.train.Seconds()
	_, err = fmt.Fprintf(stdout, "go examples/sec %.1f seconds %.3f examples %d loss %.4f train_acc %.4f test_acc %.4f peak_rss_mib %.0f threads %d cpu_seconds %.3f gemm %s\n",
		float64(r.examples)/s, s, r.examples, r.last.TrainLoss, r.last.TrainAcc, r.last.TestAcc,
		float64(ru.Maxrss)/1024, runtime.GOMAXPROCS(0), r.cpu.Seconds(), gemm.Kernel())
	return err
}

// measure trains c for o.epochs epochs through lenet.Train and times each epoch's
// training loop: from the epoch's start (Train's call, or the end of the previous epoch's
// evaluation) to the end of its last batch.
func measure(c *lenet.Classifier, train, test *dataset.Set, o *options) (*result, error) {
	r := &result{}
	start, cpuStart := time.Now(), cpuTime()
	cfg := lenet.TrainConfig{
		Epochs: o.epochs,
		Seed:   o.seed,
		OnBatch: func(b lenet.BatchInfo) {
			r.examples += b.Examples
			if b.Batch == b.Batches {
				r.train += time.Since(start)
				r.cpu += cpuTime() - cpuStart
			}
		},
		OnEpoch: func(e lenet.EpochInfo, _ lenet.TrainState) error {
			r.last = e
			start, cpuStart = time.Now(), cpuTime()
			return nil
		},
	}
	if _, err := lenet.Train(context.Background(), c, train, test, cfg); err != nil {
		return nil, err
	}
	return r, nil
}

// cpuTime is the CPU time, user and system, the process has used so far (0 if the
// system does not say).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
