package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

// TestRun checks the printed im2col example and the equality checks exactly, the
// float comparison against the rounding bound, and that both timings are durations.
func TestRun(t *testing.T) {
	out := cmdtest.Output(t, run)
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	exact := map[int]string{
		0:  "im2col(X) for X = 0..8 as 3x3 and a 2x2 window: one row per window",
		1:  "[[0, 1, 3, 4],",
		2:  " [1, 2, 4, 5],",
		3:  " [3, 4, 6, 7],",
		4:  " [4, 5, 7, 8]]",
		5:  "im2col(X) · vec(K), K = [[0, 1], [2, 3]]: [19, 25, 37, 43]",
		6:  "reshaped to 2x2 (Corr2DMatMul):",
		7:  "[[19, 25],",
		8:  " [37, 43]]",
		9:  "equal to Corr2D: true",
		10: "",
		11: "random 256x256 integers in [-9, 9], float64: max |Corr2D - Corr2DMatMul| = 0",
		13: "(integers: every partial sum is exact; floats: BLAS adds each window in another order)",
		14: "",
		15: "timing: 256x256 input, 3x3 kernel, float32, fastest of 10 forward passes",
		18: "im2col copies every pixel into up to 9 rows; it pays off with many channels,",
		19: "where one large matrix product replaces many small loops.",
	}
	if len(got) != 20 {
		t.Fatalf("%d lines, want 20:\n%s", len(got), out)
	}
	for i, want := range exact {
		if got[i] != want {
			t.Errorf("line %d:\n got %q\nwant %q", i, got[i], want)
		}
	}
	// 9 products of numbers below 1 per output: the difference is a few float64 ulps.
	floatLine := regexp.MustCompile(`^random 256x256 floats in \[-1, 1\), float64: max \|Corr2D - Corr2DMatMul\| = (\S+)$`)
	m := floatLine.FindStringSubmatch(got[12])
	if m == nil {
		t.Fatalf("line 12: %q", got[12])
	}
	if d, err := strconv.ParseFloat(m[1], 64); err != nil || d > 9*9*0x1p-52 {
		t.Errorf("line 12: difference %q is not within 81 ulps (%v)", m[1], err)
	}
	timeLine := regexp.MustCompile(`^  (Corr2D \(direct loops\)|Corr2DMatMul \(im2col \+ gemv\)) +(\S+)$`)
	for i := 16; i <= 17; i++ {
		m := timeLine.FindStringSubmatch(got[i])
		if m == nil {
			t.Errorf("line %d: %q is not a timing line", i, got[i])
			continue
		}
		if d, err := time.ParseDuration(m[2]); err != nil || d <= 0 {
			t.Errorf("line %d: %q is not a positive duration (%v)", i, m[2], err)
		}
	}
}
