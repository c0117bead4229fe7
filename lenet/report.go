package lenet

import (
	"fmt"
	"io"
	"math"
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

// SettleVariant fixes the variant of a checkpoint whose file may not name it (weights
// written by PyTorch: classic and modern have the same tensors). want is the caller's
// choice, "" for none. A file that names its variant keeps it, and a want that differs
// is ErrWrongVariant; a file that does not takes want, or Classic when want is "". It
// reports whether Classic was assumed that way.
func (ck *Checkpoint) SettleVariant(want Variant) (assumed bool, err error) {
	switch {
	case ck.Variant != "" && want != "" && want != ck.Variant:
		return false, fmt.Errorf("%w: the file holds %q, not %q", ErrWrongVariant, ck.Variant, want)
	case ck.Variant != "":
		return false, nil
	case want != "":
		ck.Variant = want
		return false, nil
	}
	ck.Variant = Classic
	return true, nil
}

// About describes the checkpoint for a heading: its variant, with a note when
// SettleVariant assumed it, and how it was trained (TrainedFor, or that the file holds
// weights only).
func (ck *Checkpoint) About(assumed bool) (variant, trained string) {
	variant, trained = string(ck.Variant), ck.TrainedFor()
	if assumed {
		variant += ", assumed: the file does not name its variant"
	}
	if ck.WeightsOnly {
		trained = "weights only, no training state"
	}
	return variant, trained
}
