package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/progress"
	"github.com/d2l-go/convnets/lenet"
)

// exitInterrupted is the exit status of a run stopped by Ctrl-C or SIGTERM.
const exitInterrupted = 130

// gcPercent is the garbage collector's target heap growth while training (Go's default
// is 100). The live heap is mostly pointer-free tensors (the data set, the layers'
// values), cheap to mark, so collecting at 25% growth costs no measurable time, and the
// resident memory stays within about a quarter of the live data instead of growing
// towards twice it over the first epochs.
const gcPercent = 25

// tuneGC applies gcPercent unless the GOGC environment variable chooses a setting.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// interruption is a run stopped by Ctrl-C or SIGTERM; its message says where, and
// exactly what was saved.
type interruption struct{ msg string }

func (e *interruption) Error() string { return e.msg }

// run parses args, trains, and returns the exit status; cancelling ctx (Ctrl-C) stops
// training after the current batch.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stdout)
	if err == nil {
		r := &runner{ctx: ctx, o: o, stdout: stdout, stderr: stderr}
		err = r.train()
	}
	if in := (*interruption)(nil); errors.As(err, &in) {
		fmt.Fprintf(stderr, "train: %s\n", in.msg)
		return exitInterrupted
	}
	return cli.Exit(stderr, "train", err)
}

// runner is one run of the command.
type runner struct {
	ctx            context.Context
	o              *options
	stdout, stderr io.Writer
	dev            device.Device
	ck             *lenet.Checkpoint // with -resume
	notes          []string          // given settings that differ from the checkpoint's
	trainSet, test *dataset.Set
	c              *lenet.Classifier
	start          lenet.TrainState
	outReady       bool // -out exists
	curvesSaved    bool // this run wrote curves.png
	tty            bool // stderr is a terminal: progress bars go there
	bar            *progressbar.ProgressBar
	live           *live // with -serve
}

// train does the work: everything that can fail before training (flags against the
// checkpoint, the output folders, the data) fails first.
func (r *runner) train() error {
	tuneGC()
	r.tty = cli.IsTerminal(r.stderr)
	var ln net.Listener // opened first: an address in use fails before any work
	var err error
	if r.o.serve != "" {
		if ln, err = explore.Listen(r.o.serve); err != nil {
			return fmt.Errorf("-serve: %w", err)
		}
		defer ln.Close()
	}
	if r.dev, err = chooseDevice(r.o.device); err != nil {
		return err
	}
	if r.o.resume != "" {
		if err := r.loadResume(); err != nil {
			return err
		}
	}
	if !r.o.given["lr"] && r.ck == nil {
		r.o.lr = r.o.model.LearningRate()
	}
	if err := checkOutputs(r.o); err != nil {
		return err
	}
	release, err := lockOutputs(r.o)
	if err != nil {
		return err
	}
	defer release()
	header, err := r.loadData()
	if err != nil {
		return err
	}
	r.c, err = lenet.New(lenet.Config{Spec: r.o.model, BatchSize: r.o.batch, Seed: r.o.seed, Device: r.dev, Ops: r.o.ops})
	if err != nil {
		return fmt.Errorf("-model %s, -batch %d: %w", r.o.model.Model(), r.o.batch, err)
	}
	defer r.c.Close()
	resumeLine := ""
	if r.ck != nil {
		if err := r.ck.Restore(r.c); err != nil {
			return fmt.Errorf("-resume %s: %w", r.o.resume, err)
		}
		r.start, resumeLine = r.resumeState(r.trainSet.N)
	}
	fmt.Fprintln(r.stdout, header)
	if err := lenet.WriteSummary(r.stdout, r.o.model); err != nil {
		return err
	}
	if resumeLine != "" {
		fmt.Fprintln(r.stdout, resumeLine)
	}
	if r.live, err = serveLive(r.ctx, ln, r.c, r.header(r.start), r.test, r.stdout); err != nil {
		return err
	}
	defer r.live.stop()
	res, err := lenet.Train(r.ctx, r.c, r.trainSet, r.test, r.trainConfig())
	if r.bar != nil {
		r.bar.Clear()
	}
	var diverged *lenet.DivergedError
	switch {
	case errors.As(err, &diverged):
		return fmt.Errorf("%w (-lr)", err)
	case err != nil:
		return err
	case res.Interrupted:
		return r.interrupted(res)
	}
	if err := r.finish(res); err != nil {
		return err
	}
	return r.live.finish(r.ctx, r.stderr)
}

func chooseDevice(name string) (device.Device, error) {
	switch name {
	case "cpu":
		return device.CPU, nil
	case "cuda":
		dev := device.TryGPU(0)
		if dev == device.CPU {
			return dev, errors.New("-device cuda: no CUDA device available (this binary was built without -tags cuda, or no GPU is present); build with 'make cuda' or use -device cpu")
		}
		return dev, nil
	}
	return device.TryGPU(0), nil
}

// loadData loads both splits (a download sees Ctrl-C), keeps -limit training images
// and caps -batch at their number. It returns the run's header line.
func (r *runner) loadData() (string, error) {
	var progress io.Writer
	if r.tty {
		progress = r.stderr
	}
	var err error
	r.trainSet, r.test, err = dataset.LoadContext(r.ctx, dataset.Options{Dir: r.o.dataDir, DirFlag: "-data", Source: r.o.source, Progress: progress})
	if err != nil && r.ctx.Err() != nil {
		return "", &interruption{"interrupted while loading the data; nothing was trained or saved"}
	}
	if err != nil {
		return "", err
	}
	r.trainSet = r.trainSet.Head(r.o.limit)
	batch := fmt.Sprint(r.o.batch)
	if r.o.batch > r.trainSet.N {
		// A larger batch would only pad every step with empty rows, in memory too.
		batch = fmt.Sprintf("%d (-batch %d is more than the training set)", r.trainSet.N, r.o.batch)
		r.o.batch = r.trainSet.N
	}
	header := fmt.Sprintf("%s on %s, %d training and %d test images, batch %s, lr %g",
		lenet.Title(r.o.model.Model()), r.dev, r.trainSet.N, r.test.N, batch, r.o.lr)
	if r.o.source != dataset.FashionMNIST {
		header += ", data " + r.o.source.String()
	}
	return header, nil
}

// trainConfig sets up lenet.Train with the hooks that print, draw and save.
func (r *runner) trainConfig() lenet.TrainConfig {
	o := r.o
	return lenet.TrainConfig{
		Epochs: o.epochs, LR: o.lr, Seed: o.seed, Start: r.start,
		OnBatch: func(b lenet.BatchInfo) {
			r.live.batch(b)
			r.progress(b)
		},
		OnPoint: r.live.point,
		OnEpoch: func(e lenet.EpochInfo, st lenet.TrainState) error {
			if r.bar != nil {
				r.bar.Finish()
				r.bar.Clear()
				r.bar = nil
			}
			speed := fmt.Sprintf("%.0f examples/sec", e.ExamplesPerSec)
			if e.Examples == 0 {
				speed = "evaluation only"
			}
			fmt.Fprintf(r.stdout, "epoch %2d/%d: loss %.3f, train acc %.3f, test acc %.3f (%s, %s)\n",
				e.Epoch, e.Epochs, e.TrainLoss, e.TrainAcc, e.TestAcc, speed, (e.TrainTime + e.EvalDur).Round(100*time.Millisecond))
			_, err := r.save(st)
			err = errors.Join(err, r.live.epoch(r.c, r.header(st)))
			// The evaluation and the pictures leave garbage that the next epoch's steps
			// would otherwise carry in the heap: hand it back once per epoch (a few ms),
			// which keeps the resident memory flat from epoch to epoch.
			debug.FreeOSMemory()
			return err
		},
	}
}

// progress draws the epoch's progress bar, on a terminal only.
func (r *runner) progress(b lenet.BatchInfo) {
	if !r.tty {
		return
	}
	if r.bar == nil {
		r.bar = progress.NewBar(r.stderr, b.Batches, fmt.Sprintf("epoch %d/%d", b.Epoch, r.o.epochs))
	}
	r.bar.Describe(fmt.Sprintf("epoch %d/%d loss %.3f %6.0f ex/s", b.Epoch, r.o.epochs, b.Loss, b.ExamplesPerSec))
	r.bar.Set(b.Batch)
}

// save writes the curves (when there is a point) and, with -save, the checkpoint of
// st; it returns what it wrote. Each is attempted whatever became of the other: a full
// disk under -out never costs the checkpoint. The error names what failed and what was
// saved.
func (r *runner) save(st lenet.TrainState) ([]string, error) {
	var saved, failed []string
	if len(st.History) > 0 {
		path, err := r.writeCurves(st.History)
		if err != nil {
			failed = append(failed, err.Error())
		} else {
			saved = append(saved, path)
		}
	}
	if r.o.save != "" {
		if err := lenet.Snapshot(r.c, r.header(st)).Save(r.o.save); err != nil {
			failed = append(failed, "-save: "+err.Error())
		} else {
			saved = append(saved, "the checkpoint "+r.o.save)
		}
	}
	if len(failed) == 0 {
		return saved, nil
	}
	msg := strings.Join(failed, "; ")
	if len(saved) > 0 {
		msg += " (saved " + strings.Join(saved, " and ") + ")"
	}
	return saved, errors.New(msg)
}

// writeCurves draws history into -out's curves.png and returns its path.
func (r *runner) writeCurves(history lenet.History) (string, error) {
	path, err := r.outPath("curves.png")
	if err == nil {
		err = saveCurves(path, curvesTitle(r.o.model, r.o.lr, r.o.source), history, r.o.epochs)
	}
	if err == nil {
		r.curvesSaved = true
	}
	return path, err
}

// header describes the run at state st, for a checkpoint.
func (r *runner) header(st lenet.TrainState) lenet.CheckpointHeader {
	return lenet.CheckpointHeader{Dataset: datasetName(r.o.source), Epochs: r.o.epochs, BatchSize: r.o.batch, Seed: r.o.seed, TrainExamples: r.trainSet.N,
		Optimizer: lenet.Optimizer{Name: "sgd", LR: r.o.lr}, TrainState: st}
}

// outPath is the path of name in -out, which it creates the first time: a run that
// writes nothing leaves no empty folder.
func (r *runner) outPath(name string) (string, error) {
	if !r.outReady {
		if err := os.MkdirAll(r.o.outDir, 0o755); err != nil {
			return "", fmt.Errorf("-out: %w", err)
		}
		r.outReady = true
	}
	return filepath.Join(r.o.outDir, name), nil
}

// interrupted saves what an interrupted run has to save and says exactly what. With
// -save the checkpoint is written even when this run trained nothing (Ctrl-C before
// the first batch): -resume then works after a Ctrl-C at any moment.
func (r *runner) interrupted(res *lenet.Result) error {
	st, n := res.State, r.trainSet.N
	where := fmt.Sprintf("in epoch %d after %d of %d examples", st.Epoch+1, st.Examples, n)
	switch {
	case st.Examples == 0 && st.Epoch == 0:
		where = "before the first batch"
	case st.Examples == 0:
		where = fmt.Sprintf("after epoch %d", st.Epoch)
	case st.Examples == n:
		where = fmt.Sprintf("during the evaluation of epoch %d", st.Epoch+1)
	}
	saved, err := r.save(st)
	if err != nil {
		if r.o.save != "" && slices.Contains(saved, "the checkpoint "+r.o.save) {
			return fmt.Errorf("interrupted %s, but saving failed: %w; continue with -resume %s", where, err, r.o.save)
		}
		return fmt.Errorf("interrupted %s, but saving failed: %w", where, err)
	}
	msg := "interrupted " + where + "; saved " + strings.Join(saved, " and ")
	switch {
	case r.o.save != "":
		msg += "; continue with -resume " + r.o.save
	case len(saved) == 0:
		msg = "interrupted " + where + "; nothing was saved (no curve point yet, and no -save)"
	default:
		msg += "; no checkpoint, as -save was not given"
	}
	return &interruption{msg}
}
