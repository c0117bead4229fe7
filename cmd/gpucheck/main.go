// Command gpucheck compares LeNet's training step on a GPU with the same step on the
// CPU: the same graph (the GPU versions of the project's ops replace the CPU ones), the
// same initial weights, the same batches. It runs a few SGD steps on both and compares
// the loss, the logits, every parameter's gradient and the updated weights, then the
// evaluation logits of the test images, and exits 1 if any differs by more than -tol
// (relative to the largest magnitude of the quantity compared, at least 1).
//
// It needs a binary built with `make cuda` and an NVIDIA GPU; scripts/gpu-check.sh runs
// it on the GPU machine.
//
//	gpucheck -data DIR [-model classic|modern] [-steps 3] [-tol 1e-4] [-bench 50]
//
// With -bench N it then times N training steps on the GPU and on the CPU at each batch
// size of -bench-batches, to show where the time of a step goes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

func main() {
	runtime.LockOSThread() // the CUDA context belongs to the thread that made it
	os.Exit(cli.Exit(os.Stderr, "gpucheck", run(os.Args[1:], os.Stdout)))
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("gpucheck", flag.ContinueOnError)
	data := fs.String("data", "", "Fashion-MNIST folder (default: the usual search)")
	model := fs.String("model", "classic", "network variant: classic or modern")
	steps := fs.Int("steps", 3, "SGD steps to compare")
	batch := fs.Int("batch", 256, "batch size")
	tol := fs.Float64("tol", 1e-4, "largest difference allowed, relative to the largest magnitude (at least 1)")
	bench := fs.Int("bench", 0, "then time this many training steps per batch size and device")
	benchBatches := fs.String("bench-batches", "64,256,1024", "batch sizes for -bench")
	if err := cli.Parse(fs, args, w); err != nil {
		return err
	}
	v, err := lenet.ParseVariant(*model)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	sizes, err := parseBatches(*benchBatches)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	if graph.NumGPUs() == 0 {
		return errors.New("no CUDA device (build with `make cuda` and run on a machine with an NVIDIA GPU)")
	}
	train, test, err := dataset.Load(dataset.Options{Dir: *data})
	if err != nil {
		return err
	}
	cfg := lenet.Config{Variant: v, BatchSize: *batch, Seed: 1}
	cpu, err := lenet.New(cfg)
	if err != nil {
		return err
	}
	defer cpu.Close()
	cfg.Device = graph.GPU(0)
	gpu, err := lenet.New(cfg)
	if err != nil {
		return err
	}
	defer gpu.Close()

	worst := 0.0
	check := func(what string, got, want []float32) {
		d, scale := maxDiff(got, want)
		rel := d / math.Max(1, scale)
		worst = math.Max(worst, rel)
		status := "ok"
		if !(rel <= *tol) {
			status = "DIFFERS"
		}
		fmt.Fprintf(w, "  %-22s max |gpu-cpu| %.2e (largest |cpu| %.3g) %s\n", what, d, scale, status)
	}
	it := train.Batches(*batch, true, 7)
	lr := v.DefaultLR()
	for s := 1; s <= *steps && it.Next(); s++ {
		x, labels := it.Float32(), it.Labels()
		t0 := time.Now()
		lc, cc, err := cpu.TrainBatch(x, labels, lr)
		if err != nil {
			return fmt.Errorf("cpu step %d: %w", s, err)
		}
		tc := time.Since(t0)
		t0 = time.Now()
		lg, cg, err := gpu.TrainBatch(x, labels, lr)
		if err != nil {
			return fmt.Errorf("gpu step %d: %w", s, err)
		}
		tg := time.Since(t0)
		fmt.Fprintf(w, "step %d: loss cpu %.6f gpu %.6f, correct cpu %d gpu %d (cpu %v, gpu %v)\n", s, lc, lg, cc, cg, tc.Round(time.Microsecond), tg.Round(time.Microsecond))
		check("loss", []float32{float32(lg)}, []float32{float32(lc)})
		gg, gc := gpu.Gradients(), cpu.Gradients()
		for i, p := range cpu.Params() {
			check("d/d "+p.Name(), gg[i], gc[i])
		}
		for i, p := range cpu.Params() {
			check(p.Name()+" after step", gpu.Params()[i].Value().Data().([]float32), p.Value().Data().([]float32))
		}
	}
	px := test.Rows * test.Cols
	x := make([]float32, 2000*px)
	for i := range x {
		x[i] = float32(test.Images[i]) / 255
	}
	lc, err := cpu.Logits(nil, x)
	if err != nil {
		return err
	}
	lg, err := gpu.Logits(nil, x)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "evaluation, 2000 test images:")
	check("logits", lg, lc)
	if !(worst <= *tol) {
		return fmt.Errorf("the GPU differs from the CPU by %.2e (tolerance %g)", worst, *tol)
	}
	fmt.Fprintf(w, "PASS: GPU matches CPU within %.2e (tolerance %g)\n", worst, *tol)
	if *bench > 0 {
		return timeSteps(w, train, v, *bench, sizes)
	}
	return nil
}

// timeSteps prints the mean time of steps training steps (after 3 untimed ones) for
// each batch size and device.
func timeSteps(w io.Writer, train *dataset.Set, v lenet.Variant, steps int, sizes []int) error {
	for _, b := range sizes {
		for _, dev := range []graph.Device{graph.GPU(0), graph.CPU} {
			c, err := lenet.New(lenet.Config{Variant: v, BatchSize: b, Seed: 1, Device: dev})
			if err != nil {
				return err
			}
			it := train.Batches(b, true, 1)
			var t0 time.Time
			for s := -3; s < steps; s++ {
				if s == 0 {
					t0 = time.Now()
				}
				if !it.Next() {
					it.Reset(uint64(s))
					it.Next()
				}
				if _, _, err := c.TrainBatch(it.Float32(), it.Labels(), v.DefaultLR()); err != nil {
					c.Close()
					return err
				}
			}
			d := time.Since(t0) / time.Duration(steps)
			c.Close()
			fmt.Fprintf(w, "bench: batch %4d on %-6v %8.3f ms/step %9.0f examples/sec\n", b, dev, float64(d.Microseconds())/1000, float64(b)/d.Seconds())
		}
	}
	return nil
}

// parseBatches reads a comma-separated list of batch sizes.
func parseBatches(list string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(list, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || b < 1 {
			return nil, fmt.Errorf("-bench-batches: %q is not a batch size", f)
		}
		sizes = append(sizes, b)
	}
	return sizes, nil
}

// maxDiff returns the largest |a[i]-b[i]| and the largest |b[i]|; a NaN or a length
// mismatch gives +Inf.
func maxDiff(a, b []float32) (d, scale float64) {
	if len(a) != len(b) {
		return math.Inf(1), 0
	}
	for i := range a {
		x := math.Abs(float64(a[i]) - float64(b[i]))
		if x != x {
			x = math.Inf(1)
		}
		d = math.Max(d, x)
		scale = math.Max(scale, math.Abs(float64(b[i])))
	}
	return d, scale
}
