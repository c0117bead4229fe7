package lenet

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WritePerClass writes the test accuracy of every class of a confusion matrix (see
// Confusion), one aligned line per class, with NaN as "n/a":
//
//	per-class test accuracy:
//	  t-shirt      0.732  (732 of 1000)
//	  trouser      0.889  (889 of 1000)
func WritePerClass(w io.Writer, counts [][]int, names []string) error {
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	acc := PerClassAccuracy(counts)
	if _, err := fmt.Fprintln(w, "per-class test accuracy:"); err != nil {
		return err
	}
	for i, row := range counts {
		total := 0
		for _, v := range row {
			total += v
		}
		a := "  n/a"
		if !math.IsNaN(acc[i]) {
			a = fmt.Sprintf("%.3f", acc[i])
		}
		name := fmt.Sprint(i)
		if i < len(names) {
			name = names[i]
		}
		if _, err := fmt.Fprintf(w, "  %-*s  %s  (%d of %d)\n", width, name, a, row[i], total); err != nil {
			return err
		}
	}
	return nil
}

// SettleModel fixes the network of a checkpoint whose file may not name it (weights
// written by PyTorch: the classic and modern LeNet have the same tensors, and any two
// networks that differ only in activations or pooling do too). want is the caller's
// choice, a preset or spec (ParseSpec), "" for none. A file that names its network
// keeps it, and a want that differs is ErrWrongModel; a file that does not takes want,
// or the classic LeNet when want is "", and its tensors are then read as that
// network's. It reports whether the classic LeNet was assumed that way.
func (ck *Checkpoint) SettleModel(want string) (assumed bool, err error) {
	var ws Spec
	if want != "" {
		if ws, err = ParseSpec(want); err != nil {
			return false, err
		}
	}
	if ck.Model != "" {
		if want != "" {
			have, err := ck.Spec()
			if err != nil {
				return false, err
			}
			if !SameNetwork(have, ws) {
				return false, fmt.Errorf("%w: the file holds %s, not %s", ErrWrongModel, have.Model(), ws.Model())
			}
		}
		return false, nil
	}
	if want == "" {
		ws, assumed = ClassicSpec(), true
	}
	if ck.unsettled != nil {
		if err := ck.readTensors(ck.unsettled, ws); err != nil {
			return false, err
		}
		ck.unsettled = nil
		if err := ck.validateWeights(); err != nil {
			return false, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	ck.Model, ck.assumed = ws.Model(), assumed
	return assumed, nil
}

// About describes the checkpoint for a heading: its network (Title), with a note when
// SettleModel assumed it, and how it was trained (TrainedFor, or that the file holds
// weights only).
func (ck *Checkpoint) About(assumed bool) (model, trained string) {
	model, trained = Title(ck.Model), ck.TrainedFor()
	if assumed {
		model = strings.TrimSuffix(model, ")") + ", assumed: the file does not name its network)"
	}
	if ck.WeightsOnly {
		trained = "weights only, no training state"
	}
	return model, trained
}
