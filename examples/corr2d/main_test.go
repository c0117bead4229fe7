package main

import (
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
)

// TestRun checks every number the program prints against docs/chapter.md section 2.
func TestRun(t *testing.T) {
	out := cmdtest.Output(t, run)
	edgeRow := "[1, 1, 0, 0, 0, 0, 1, 1]"
	yRow := "[ 0,  1,  0,  0,  0, -1,  0]"
	zeroRow := "[0, 0, 0, 0, 0]"
	want := []string{
		"X =", "[[0, 1, 2],", " [3, 4, 5],", " [6, 7, 8]]",
		"K =", "[[0, 1],", " [2, 3]]",
		"corr2d(X, K) =", "[[19, 25],", " [37, 43]]",
		"",
		"edge detection: X (6x8), white (1) with a black (0) band in columns 2..5",
		"[" + edgeRow + ",", " " + edgeRow + ",", " " + edgeRow + ",", " " + edgeRow + ",", " " + edgeRow + ",", " " + edgeRow + "]",
		"K = [[1, -1]]; Y = corr2d(X, K) (6x7): 1 at a white-to-black edge, -1 at black-to-white",
		"[" + yRow + ",", " " + yRow + ",", " " + yRow + ",", " " + yRow + ",", " " + yRow + ",", " " + yRow + "]",
		"corr2d(X^T, K) (8x5) is all zeros: K only detects vertical edges",
		"[" + zeroRow + ",", " " + zeroRow + ",", " " + zeroRow + ",", " " + zeroRow + ",",
		" " + zeroRow + ",", " " + zeroRow + ",", " " + zeroRow + ",", " " + zeroRow + "]",
		"",
		"cross-correlation vs convolution: a convolution flips the kernel, K -> [[-1,  1]],",
		"and gives -Y here (checked: true). A learned kernel absorbs the flip, so deep",
		"learning frameworks compute cross-correlation and call it convolution.",
	}
	linestest.Equal(t, out, want)
}
