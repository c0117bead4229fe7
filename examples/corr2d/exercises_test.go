package main

import (
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
)

// TestExercises checks the answers: the diagonal edge found by [1, -1], by it on the
// transposed image and by its transpose; every hand-made kernel within its truncation
// bound on sin; the d-th difference of x^d equal to d! (golden file, every line).
func TestExercises(t *testing.T) {
	out := cmdtest.Output(t, exercises)
	linestest.File(t, out, "testdata/exercises.txt")
	linestest.Contains(t, "output", out, "h^2/6 = 1.67e-03: true", "h^2/12 = 8.33e-04: true", "4h^3/12 = 3.33e-04: true",
		"[24, 24, 24, 24, 24, 24]")
}
