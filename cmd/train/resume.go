package main

import (
	"fmt"
	"strings"

	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

// loadResume reads the checkpoint of -resume and takes from it every setting the
// command line did not give; it records the given ones that differ in r.notes.
func (r *runner) loadResume() error {
	o := r.o
	ck, err := lenet.LoadCheckpoint(o.resume)
	if err != nil {
		return fmt.Errorf("-resume: %w", err)
	}
	if ck.WeightsOnly {
		return fmt.Errorf("-resume %s: the file holds weights only, no training state (PyTorch's, say); -resume takes a checkpoint written by -save", o.resume)
	}
	saved, err := ck.Spec()
	if err != nil {
		return fmt.Errorf("-resume %s: %w", o.resume, err)
	}
	if o.given["model"] && !lenet.SameNetwork(saved, o.model) {
		return fmt.Errorf("-resume %s: %w: it holds %s but -model is %s", o.resume, lenet.ErrWrongModel, saved.Model(), o.model.Model())
	}
	if ck.Seed == 0 {
		return fmt.Errorf("-resume %s: it was trained with seed 0, which this version reads as the default seed 1, so its shuffling cannot be continued exactly; start a new run", o.resume)
	}
	o.model = saved
	if !o.given["epochs"] {
		o.epochs = ck.Epochs
	} else if o.epochs < ck.Epoch {
		return cli.Usagef("-resume %s: it has already trained %d epochs, more than -epochs %d", o.resume, ck.Epoch, o.epochs)
	} else if o.epochs == ck.Epoch && ck.Examples > 0 {
		return cli.Usagef("-resume %s: it is inside epoch %d; pass -epochs %d or more", o.resume, ck.Epoch+1, ck.Epoch+1)
	}
	src, err := ck.Source()
	if err != nil {
		return fmt.Errorf("-resume %s: %w", o.resume, err)
	}
	adopt(r, "dataset", &o.source, src)
	adopt(r, "batch", &o.batch, ck.BatchSize)
	adopt(r, "seed", &o.seed, ck.Seed)
	adopt(r, "lr", &o.lr, ck.Optimizer.LR)
	if !o.given["limit"] { // compared in resumeState, once the data says what it gives
		o.limit = ck.TrainExamples // 0 (all) in version-1 checkpoints, which did not record it
	}
	if !o.given["save"] {
		// Keep saving where the run was saved: a second Ctrl-C then loses no more than
		// the first did.
		o.save, o.saveFromResume = o.resume, true
	}
	r.ck = ck
	return nil
}

// adopt sets *flag to the checkpoint's value unless the flag was given, and notes a
// given value that differs.
func adopt[T comparable](r *runner, name string, flag *T, saved T) {
	switch {
	case !r.o.given[name]:
		*flag = saved
	case *flag != saved:
		r.notes = append(r.notes, fmt.Sprintf("-%s %v (the checkpoint's: %v)", name, *flag, saved))
	}
}

// resumeState is where training starts from the checkpoint, once the training set
// (n examples) and the batch size are known, and the line saying so.
func (r *runner) resumeState(n int) (lenet.TrainState, string) {
	ck, o := r.ck, r.o
	st := ck.TrainState
	if ck.TrainExamples > 0 && n != ck.TrainExamples {
		r.notes = append(r.notes, fmt.Sprintf("-limit %d: %d training examples (the checkpoint's: %d)", o.limit, n, ck.TrainExamples))
	}
	where := fmt.Sprintf("after epoch %d", st.Epoch)
	switch {
	case st.Examples == ck.TrainExamples && st.Examples > 0:
		where = fmt.Sprintf("after the last batch of epoch %d, before its evaluation", st.Epoch+1)
	case st.Examples > 0:
		where = fmt.Sprintf("after %d of the %d examples of epoch %d", st.Examples, ck.TrainExamples, st.Epoch+1)
	case st.Epoch == o.epochs:
		where = fmt.Sprintf("after all %d epochs: writing the outputs only (pass -epochs greater than %d to train more)", st.Epoch, st.Epoch)
	}
	line := fmt.Sprintf("resuming from %s %s", o.resume, where)
	if st.Examples > 0 {
		switch {
		case (ck.TrainExamples > 0 && ck.TrainExamples != n) || ck.Seed != o.seed:
			// Another training set or seed shuffles the epoch otherwise: the examples done
			// are not a prefix of the new order.
			line += fmt.Sprintf("; with another training set or seed, epoch %d restarts from its first example (the weights keep what it taught them)", st.Epoch+1)
			st = st.RestartEpoch()
		case ck.BatchSize != o.batch && st.Examples < n:
			line += fmt.Sprintf("; with batch %d, epoch %d continues at example %d with one batch of %d", o.batch, st.Epoch+1, st.Examples, min(o.batch-st.Examples%o.batch, n-st.Examples))
		}
	}
	if len(r.notes) > 0 {
		line += "; given: " + strings.Join(r.notes, ", ")
	}
	return st, line
}
