package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/plotting"
)

// confusionFile is the name of the confusion-matrix picture in the output folder.
const confusionFile = "confusion.png"

// writeConfusion classifies the test set, draws its confusion matrix to
// OUT/confusion.png (counts, a colour scale, the class names on both axes) and prints
// the test accuracy of every class, one aligned line per class:
//
//	per-class test accuracy:
//	  t-shirt      0.732  (732 of 1000)
//	  trouser      0.889  (889 of 1000)
//	  ...
func writeConfusion(outDir string, c *lenet.Classifier, test *dataset.Set, names []string, stdout io.Writer) error {
	counts, err := lenet.Confusion(c, test)
	if err != nil {
		return err
	}
	if err := plotting.SaveConfusion(filepath.Join(outDir, confusionFile), counts, names); err != nil {
		return err
	}
	return printPerClass(stdout, counts, names)
}

// printPerClass writes the per-class accuracy table of a confusion matrix.
func printPerClass(w io.Writer, counts [][]int, names []string) error {
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	acc := lenet.PerClassAccuracy(counts)
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
		if _, err := fmt.Fprintf(w, "  %-*s  %s  (%d of %d)\n", width, names[i], a, row[i], total); err != nil {
			return err
		}
	}
	return nil
}
