package lenet

import (
	"errors"
	"fmt"
	"math"

	"github.com/d2l-go/convnets/dataset"
)

// Confusion returns the Classes x Classes confusion matrix of c on s: counts[i][j] is
// the number of examples of true class i that c predicts as class j. Its entries sum to
// s.N and its diagonal sum divided by s.N is Evaluate's accuracy.
func Confusion(c *Classifier, s *dataset.Set) ([][]int, error) {
	if c == nil {
		return nil, errors.New("lenet: Confusion: nil Classifier")
	}
	if s == nil || s.N == 0 {
		return nil, errors.New("lenet: Confusion: empty set")
	}
	if s.Rows != Height || s.Cols != Width {
		return nil, fmt.Errorf("lenet: Confusion: images are %dx%d; the network takes %dx%d", s.Rows, s.Cols, Height, Width)
	}
	if len(s.Labels) != s.N {
		return nil, fmt.Errorf("lenet: Confusion: %d labels for %d images", len(s.Labels), s.N)
	}
	pred, err := Predict(c, s)
	if err != nil {
		return nil, fmt.Errorf("lenet: Confusion: %w", err)
	}
	return ConfusionOf(s.Labels, pred)
}

// ConfusionOf counts predictions against labels: counts[labels[i]][pred[i]]++.
// Both must have the same length and hold classes in 0..Classes-1.
func ConfusionOf(labels []uint8, pred []int) ([][]int, error) {
	if len(labels) != len(pred) {
		return nil, fmt.Errorf("lenet: ConfusionOf: %d labels but %d predictions", len(labels), len(pred))
	}
	counts := make([][]int, Classes)
	for i := range counts {
		counts[i] = make([]int, Classes)
	}
	for i, l := range labels {
		p := pred[i]
		if int(l) >= Classes || p < 0 || p >= Classes {
			return nil, fmt.Errorf("lenet: ConfusionOf: example %d has label %d and prediction %d; both must be in 0..%d", i, l, p, Classes-1)
		}
		counts[l][p]++
	}
	return counts, nil
}

// PerClassAccuracy returns, for each true class (row) of a confusion matrix, the share
// of its examples predicted correctly:
//
//	acc[i] = counts[i][i] / Σ_j counts[i][j]
//
// A class without examples gets NaN.
func PerClassAccuracy(counts [][]int) []float64 {
	acc := make([]float64, len(counts))
	for i, row := range counts {
		n := 0
		for _, v := range row {
			n += v
		}
		if n == 0 || i >= len(row) {
			acc[i] = math.NaN()
			continue
		}
		acc[i] = float64(row[i]) / float64(n)
	}
	return acc
}

// ConfusionAccuracy returns the overall accuracy of a confusion matrix, its diagonal
// sum over its total, and the total; NaN for an empty matrix.
func ConfusionAccuracy(counts [][]int) (acc float64, n int) {
	diag := 0
	for i, row := range counts {
		for j, v := range row {
			n += v
			if i == j {
				diag += v
			}
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(diag) / float64(n), n
}
