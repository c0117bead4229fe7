package main

import (
	"io"
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
	return lenet.WritePerClass(stdout, counts, names)
}
