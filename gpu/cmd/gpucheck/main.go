// Command gpucheck compares LeNet's training step on a GPU with the same step on the
// CPU: the same graph (the GPU versions of the project's ops replace the CPU ones), the
// same initial weights, the same batches. It runs a few SGD steps on both and compares
// the loss, the logits, every parameter's gradient and the updated weights, then the
// evaluation logits of the test images, and exits 1 if any differs by more than -tol
// (relative to the largest magnitude of the quantity compared, at least 1).
//
// It needs a binary built with `make cuda` and an NVIDIA GPU; gpu/scripts/gpu-check.sh runs
// it on the GPU machine.
//
//	gpucheck -data DIR [-model classic|modern|SPEC] [-steps 3] [-tol 1e-4] [-bench 50]
//
// With -bench N it then times N training steps on the GPU and on the CPU at each batch
// size of -bench-batches, to show where the time of a step goes.
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

func main() {
	runtime.LockOSThread() // the CUDA context belongs to the thread that made it
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed flags.
type options struct {
	data       string
	variant    lenet.Spec
	steps      int
	batch      int
	tol        float64
	bench      int
	benchSizes []int
}

// parseFlags parses and checks args; -h prints the usage to stdout and returns
// flag.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	fs := cli.NewFlagSet("gpucheck", "Usage: gpucheck [-data DIR] [-model classic|modern|SPEC] [-steps N] [-tol T] [-bench N]\n\n"+
		"Compares LeNet's training step and evaluation on the GPU with the CPU's\n"+
		"(a binary built with `make cuda`, on a machine with an NVIDIA GPU).\n\nFlags:\n")
	data := fs.String("data", "", "Fashion-MNIST folder (default: the usual search)")
	model := fs.String("model", "classic", "the network: a preset (classic, modern) or a spec")
	steps := fs.Int("steps", 3, "SGD steps to compare")
	batch := fs.Int("batch", 256, "batch size")
	tol := fs.Float64("tol", 1e-4, "largest difference allowed, relative to the largest magnitude (at least 1)")
	bench := fs.Int("bench", 0, "then time this many training steps per batch size and device")
	benchBatches := fs.String("bench-batches", "64,256,1024", "batch sizes for -bench")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return nil, err
	}
	o := &options{data: *data, steps: *steps, batch: *batch, tol: *tol, bench: *bench}
	var err error
	if o.variant, err = lenet.ParseSpec(*model); err != nil {
		return nil, cli.Usagef("-model: %w", err)
	}
	if o.benchSizes, err = parseBatches(*benchBatches); err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	if !(o.tol > 0) || math.IsInf(o.tol, 0) {
		return nil, cli.Usagef("-tol %v: must be a positive number", o.tol)
	}
	if err := cli.First(cli.AtLeast("-steps", o.steps, 1), cli.AtLeast("-batch", o.batch, 1), cli.AtLeast("-bench", o.bench, 0)); err != nil {
		return nil, err
	}
	return o, nil
}

// run parses args, compares the GPU with the CPU and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("gpucheck", args, stdout, stderr, parseFlags, func(o *options) error { return check(o, stdout) })
}

// check compares a GPU Classifier with a CPU one, then times them with -bench.
func check(o *options, w io.Writer) error {
	if device.NumGPUs() == 0 {
		return errors.New("no CUDA device (build with `make cuda` and run on a machine with an NVIDIA GPU)")
	}
	train, test, err := dataset.Load(dataset.Options{Dir: o.data, DirFlag: "-data"})
	if err != nil {
		return err
	}
	cfg := lenet.Config{Spec: o.variant, BatchSize: o.batch, Seed: 1}
	cpu, err := lenet.New(cfg)
	if err != nil {
		return err
	}
	defer cpu.Close()
	cfg.Device = device.GPU(0)
	gpu, err := lenet.New(cfg)
	if err != nil {
		return err
	}
	defer gpu.Close()
	if err := compare(w, gpu, cpu, train, test, o.steps, o.tol); err != nil {
		return err
	}
	if o.bench > 0 {
		return timeSteps(w, train, o.variant, o.bench, o.benchSizes)
	}
	return nil
}

// comparison prints how far got is from want, quantity by quantity, and keeps the
// worst relative difference.
type comparison struct {
	w     io.Writer
	tol   float64
	worst float64
}

// add compares one quantity; the difference is relative to want's largest magnitude
// (at least 1).
func (c *comparison) add(what string, got, want []float32) {
	d, scale := maxDiff(got, want)
	rel := d / math.Max(1, scale)
	c.worst = math.Max(c.worst, rel)
	status := "ok"
	if !(rel <= c.tol) {
		status = "DIFFERS"
	}
	fmt.Fprintf(c.w, "  %-22s max |gpu-cpu| %.2e (largest |cpu| %.3g) %s\n", what, d, scale, status)
}

// compare trains gpu and cpu, which start from the same weights, on the same steps
// batches, comparing the loss, the gradients and the updated weights after each step,
// then their logits on (at most) the first 2000 test images. It fails when any
// differs by more than tol.
func compare(w io.Writer, gpu, cpu *lenet.Classifier, train, test *dataset.Set, steps int, tol float64) error {
	cmp := &comparison{w: w, tol: tol}
	it := train.Batches(cpu.BatchSize(), true, 7)
	lr := cpu.Spec().LearningRate()
	for s := 1; s <= steps && it.Next(); s++ {
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
		cmp.add("loss", []float32{float32(lg)}, []float32{float32(lc)})
		gg, gc := gpu.Gradients(), cpu.Gradients()
		for i, p := range cpu.Params() {
			cmp.add("d/d "+p.Name(), gg[i], gc[i])
		}
		for i, p := range cpu.Params() {
			cmp.add(p.Name()+" after step", gpu.Params()[i].Value().Data().([]float32), p.Value().Data().([]float32))
		}
	}
	n := min(2000, test.N)
	x := make([]float32, n*test.Rows*test.Cols)
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
	fmt.Fprintf(w, "evaluation, %d test images:\n", n)
	cmp.add("logits", lg, lc)
	if !(cmp.worst <= tol) {
		return fmt.Errorf("the GPU differs from the CPU by %.2e (tolerance %g)", cmp.worst, tol)
	}
	fmt.Fprintf(w, "PASS: GPU matches CPU within %.2e (tolerance %g)\n", cmp.worst, tol)
	return nil
}

// timeSteps prints the mean time of steps training steps (after 3 untimed ones) for
// each batch size and device.
func timeSteps(w io.Writer, train *dataset.Set, v lenet.Spec, steps int, sizes []int) error {
	for _, b := range sizes {
		for _, dev := range []device.Device{device.GPU(0), device.CPU} {
			c, err := lenet.New(lenet.Config{Spec: v, BatchSize: b, Seed: 1, Device: dev})
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
				if _, _, err := c.TrainBatch(it.Float32(), it.Labels(), v.LearningRate()); err != nil {
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
