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
	os.Exit(cli.Exit(os.Stderr, "lenetbench", run(os.Args[1:], os.Stdout)))
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lenetbench", flag.ContinueOnError)
	batch := fs.Int("batch", 256, "mini-batch size")
	steps := fs.Int("steps", 40, "timed training steps")
	warmup := fs.Int("warmup", 5, "untimed training steps first")
	model := fs.String("model", "classic", "network variant: classic or modern")
	opsName := fs.String("ops", "fast", "how the convolutions and activations are computed: fast (the project's own ops) or gorgonia (Gorgonia's primitives)")
	data := fs.String("data", "", "Fashion-MNIST folder (default: the usual search)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return err
	}
	v, err := lenet.ParseVariant(*model)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	ops, err := graph.ParseImpl(*opsName)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	if *batch < 1 || *steps < 1 || *warmup < 0 {
		return cli.Usagef("-batch, -steps must be positive and -warmup non-negative")
	}
	if os.Getenv("GOGC") == "" {
		// As cmd/train does: the live heap is pointer-free tensors, cheap to mark, so a
		// 25% growth target costs no measurable time and keeps the RSS near the live data.
		debug.SetGCPercent(25)
	}
	train, _, err := dataset.Load(dataset.Options{Dir: *data})
	if err != nil {
		return err
	}
	c, err := lenet.New(lenet.Config{Variant: v, BatchSize: *batch, Seed: 1, Ops: ops})
	if err != nil {
		return err
	}
	defer c.Close()
	it := train.Batches(*batch, true, 1)
	step := func() error {
		if !it.Next() {
			it.Reset(2)
			it.Next()
		}
		_, _, err := c.TrainBatch(it.Float32(), it.Labels(), v.DefaultLR())
		return err
	}
	for i := 0; i < *warmup; i++ {
		if err := step(); err != nil {
			return err
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var elapsed time.Duration
	examples := 0
	for i := 0; i < *steps; i++ {
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
