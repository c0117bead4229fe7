package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/internal/runlock"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/plotting"
)

// checkOutputs makes sure, before any data is read or any batch trained, that -out and
// -save can be written, without creating anything, and removes the temporary files
// that killed runs left in their folders (and in -resume's).
func checkOutputs(o *options) error {
	if err := checkFolder(o.outDir, true); err != nil {
		return fmt.Errorf("-out %s: %w", o.outDir, err)
	}
	if o.resume != "" {
		atomicfile.RemoveStale(filepath.Dir(o.resume))
	}
	if o.save == "" {
		return nil
	}
	flag := "-save " + o.save
	if o.saveFromResume {
		flag += " (the file resumed from, where the run keeps saving; -save FILE saves elsewhere, -save '' nowhere)"
	}
	if st, err := os.Stat(o.save); err == nil && st.IsDir() {
		return fmt.Errorf("%s: is a folder; name the checkpoint file", flag)
	}
	if err := checkFolder(filepath.Dir(o.save), false); err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	// The checkpoint is written through a temporary file whose name is longer than its
	// own: a name over the file system's limit fails here, not at the first save.
	f, err := atomicfile.CreateTemp(filepath.Dir(o.save), filepath.Base(o.save))
	if err != nil {
		return fmt.Errorf("%s: cannot create the checkpoint's temporary file: %w", flag, pathCause(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// lockOutputs takes the locks of -save and -out (see internal/runlock), so that a second
// run writing either is refused with the first's process id; release gives them back.
func lockOutputs(o *options) (release func(), err error) {
	var locks []*runlock.Lock
	release = func() {
		for _, l := range locks {
			l.Release()
		}
	}
	targets := []struct{ flag, path, what string }{{"-out", o.outDir, "folder"}}
	if o.save != "" {
		targets = append(targets, struct{ flag, path, what string }{"-save", o.save, "file"})
	}
	for _, t := range targets {
		if err := os.MkdirAll(filepath.Dir(filepath.Clean(t.path)), 0o755); err != nil {
			release()
			return nil, fmt.Errorf("%s %s: %w", t.flag, t.path, err)
		}
		l, err := runlock.Acquire(t.path)
		if err != nil {
			release()
			if held := (*runlock.HeldError)(nil); errors.As(err, &held) {
				return nil, fmt.Errorf("%s %s: %w; wait for it to end or choose another %s", t.flag, t.path, err, t.what)
			}
			return nil, fmt.Errorf("%s %s: %w", t.flag, t.path, err)
		}
		locks = append(locks, l)
	}
	return release, nil
}

// pathCause is the cause of a *fs.PathError, whose path means nothing to the user (a
// probe's name).
func pathCause(err error) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkFolder checks that files can be created in dir by creating and removing one.
// When dir does not exist and mayCreate, the nearest folder above it that exists is
// checked instead: the run creates dir when it first writes there.
func checkFolder(dir string, mayCreate bool) error {
	probe := dir
	for {
		st, err := os.Stat(probe)
		if err == nil && !st.IsDir() {
			return fmt.Errorf("%s is not a folder", probe)
		}
		if err == nil {
			break
		}
		// ENOTDIR: a file stands where a folder above would be, found on the way up.
		missing := errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
		if missing && !mayCreate {
			return fmt.Errorf("folder %s does not exist", probe)
		}
		if !missing || filepath.Dir(probe) == probe {
			return err
		}
		probe = filepath.Dir(probe)
	}
	f, err := atomicfile.CreateTemp(probe, "write-check")
	if err != nil {
		return fmt.Errorf("cannot create files in %s: %w", probe, pathCause(err))
	}
	f.Close()
	os.Remove(f.Name())
	atomicfile.RemoveStale(probe)
	return nil
}

// finish writes the outputs of a finished run and prints the textbook's closing lines;
// Ctrl-C between two outputs stops it with a message naming those written and not.
func (r *runner) finish(res *lenet.Result) error {
	out, err := r.outPath("")
	if err != nil {
		return err
	}
	names := r.o.source.LabelNames()
	type step struct {
		name  string
		write func() error
	}
	var steps []step
	if !r.curvesSaved && len(res.State.History) > 0 {
		// No epoch ended in this run (a finished run resumed): the curves are drawn
		// here, so that a new -out gets them too.
		steps = append(steps, step{"curves.png", func() error { _, err := r.writeCurves(res.State.History); return err }})
	}
	steps = append(steps,
		step{"metrics.json", func() error { return writeMetrics(filepath.Join(out, "metrics.json"), r, res) }},
		step{"predictions.png", func() error {
			return writePredictions(filepath.Join(out, "predictions.png"), r.c, r.test, names[:])
		}},
		step{confusionFile, func() error { return writeConfusion(out, r.c, r.test, names[:], r.stdout) }},
	)
	var done []string
	for i, s := range steps {
		if r.ctx.Err() != nil {
			var left []string
			for _, s := range steps[i:] {
				left = append(left, s.name)
			}
			return r.outputsInterrupted(done, left)
		}
		if err := s.write(); err != nil {
			return err
		}
		done = append(done, s.name)
	}
	if r.ctx.Err() != nil {
		return r.outputsInterrupted(done, nil)
	}
	// The textbook's two closing lines come last, so they are the run's final words.
	fmt.Fprintf(r.stdout, "loss %.3f, train acc %.3f, test acc %.3f\n", res.TrainLoss, res.TrainAcc, res.TestAcc)
	if res.Examples == 0 {
		fmt.Fprintf(r.stdout, "no training steps in this run, on %s\n", r.dev)
	} else {
		fmt.Fprintf(r.stdout, "%.1f examples/sec on %s\n", res.ExamplesPerSec, r.dev)
	}
	return nil
}

// outputsInterrupted describes a Ctrl-C after the last epoch.
func (r *runner) outputsInterrupted(done, left []string) error {
	if len(left) == 0 {
		return &interruption{fmt.Sprintf("interrupted after the last epoch (%d) and every output in %s was written: the run is complete", r.o.epochs, r.o.outDir)}
	}
	msg := fmt.Sprintf("interrupted after the last epoch (%d); in %s, wrote %s, not %s", r.o.epochs, r.o.outDir, list(done), strings.Join(left, ", "))
	if r.o.save != "" {
		msg += fmt.Sprintf("; -resume %s writes them without training", r.o.save)
	}
	return &interruption{msg}
}

// list joins names, or says "nothing".
func list(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

// curvesTitle names the run in the curves picture, so the pictures of two runs can be
// told apart: "LeNet (classic, lr 0.9) on Fashion-MNIST".
func curvesTitle(s lenet.Spec, lr float64, src *dataset.Source) string {
	return fmt.Sprintf("%s, lr %g) on %s", strings.TrimSuffix(lenet.Title(s.Model()), ")"), lr, src)
}

func saveCurves(path, title string, h lenet.History, epochs int) error {
	a := plotting.NewAnimator(plotting.AnimatorConfig{
		Title: title, XLabel: "epoch",
		Legend: []string{"train loss", "train acc", "test acc"},
		XMin:   1, XMax: float64(epochs),
	})
	for _, p := range h {
		l, tr, te := p.Values()
		if err := a.Add(p.Epoch, l, tr, te); err != nil {
			return err
		}
	}
	return a.Save(path)
}

// metrics is the layout of metrics.json.
type metrics struct {
	Variant        string        `json:"variant"`           // the network (lenet.Spec.Model)
	Dataset        string        `json:"dataset,omitempty"` // absent for Fashion-MNIST
	Device         string        `json:"device"`
	Epochs         int           `json:"epochs"`
	BatchSize      int           `json:"batch_size"`
	LR             float64       `json:"lr"`
	Seed           uint64        `json:"seed"`
	TrainExamples  int           `json:"train_examples"`
	TrainLoss      float64       `json:"train_loss"`
	TrainAcc       float64       `json:"train_acc"`
	TestAcc        float64       `json:"test_acc"`
	ExamplesPerSec float64       `json:"examples_per_sec,omitempty"` // absent when this run trained nothing
	Points         lenet.History `json:"points"`
}

func writeMetrics(path string, r *runner, res *lenet.Result) error {
	o := r.o
	m := metrics{Variant: o.model.Model(), Dataset: datasetName(o.source), Device: r.dev.String(), Epochs: res.State.Epoch, BatchSize: o.batch, LR: o.lr, Seed: o.seed,
		TrainExamples: r.trainSet.N, TrainLoss: res.TrainLoss, TrainAcc: res.TrainAcc, TestAcc: res.TestAcc, Points: res.State.History}
	if res.Examples > 0 {
		m.ExamplesPerSec = res.ExamplesPerSec
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// writePredictions draws the first 18 test images with their true and predicted labels.
func writePredictions(path string, c *lenet.Classifier, test *dataset.Set, names []string) error {
	sample := test.Head(18)
	pred, err := lenet.Predict(c, sample)
	if err != nil {
		return err
	}
	imgs := make([]plotting.Image, sample.N)
	for i := range imgs {
		px := sample.Image(i)
		pix := make([]float64, len(px))
		for j, v := range px {
			pix[j] = float64(v) / 255
		}
		t, p := names[sample.Labels[i]], names[pred[i]]
		imgs[i] = plotting.Image{Pix: pix, W: sample.Cols, H: sample.Rows, Title: "true: " + t + "\npred: " + p, Highlight: t != p}
	}
	return plotting.SaveImageGrid(path, imgs, 6, "Test images: true and predicted labels (wrong in red)")
}

// datasetName is the data set's name for metrics.json and checkpoints, empty for
// Fashion-MNIST so that those files of a Fashion-MNIST run keep their layout.
func datasetName(src *dataset.Source) string {
	if src == dataset.FashionMNIST {
		return ""
	}
	return src.Name()
}
