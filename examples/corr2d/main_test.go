package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRun checks every number the program prints against docs/chapter.md section 2.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
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
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
}
