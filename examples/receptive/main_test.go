package main

import (
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
)

func TestReceptiveField(t *testing.T) {
	cases := []struct {
		name   string
		layers []window
		want   int
	}{
		{"no layer", nil, 1},
		{"one 3x3", stack(1, 3), 3},
		{"two 3x3", stack(2, 3), 5},
		{"three 3x3", stack(3, 3), 7},
		{"one 5x5", stack(1, 5), 5},
		{"1x1 adds nothing", stack(4, 1), 1},
		{"stride 2 then 3x3", []window{{2, 2}, {3, 1}}, 6},      // 1 + 1 + 2·2
		{"LeNet", []window{{5, 1}, {2, 2}, {5, 1}, {2, 2}}, 16}, // 1 + 4 + 1 + 8 + 2
	}
	for i, c := range cases {
		if got := receptiveField(c.layers); got != c.want {
			t.Errorf("case %d %s: %d, want %d", i, c.name, got, c.want)
		}
	}
}

// The gradient through n stacked 3x3 Corr2D layers reaches a (2n+1)x(2n+1) window.
func TestMeasured(t *testing.T) {
	for n := 1; n <= 4; n++ {
		h, w, err := measured(n, 13)
		if err != nil {
			t.Fatalf("%d layers: %v", n, err)
		}
		if h != 2*n+1 || w != 2*n+1 {
			t.Errorf("%d layers: %dx%d, want %dx%d", n, h, w, 2*n+1, 2*n+1)
		}
	}
}

// TestRun checks the printed fields and weight counts (docs/chapter.md section 2: 18
// vs 25, 27 vs 49).
func TestRun(t *testing.T) {
	out := cmdtest.Output(t, run)
	want := []string{
		"n stacked 3x3 convolutions, stride 1: receptive field 1 + n*(3-1)",
		"(measured: where the gradient of one output with respect to the input is nonzero)",
		"  1 x 3x3: field 3x3 (measured 3x3),  9 weights per channel pair; one 3x3 kernel:  9",
		"  2 x 3x3: field 5x5 (measured 5x5), 18 weights per channel pair; one 5x5 kernel: 25",
		"  3 x 3x3: field 7x7 (measured 7x7), 27 weights per channel pair; one 7x7 kernel: 49",
		"with strides: after LeNet's conv 5x5, pool 2x2/2, conv 5x5, pool 2x2/2 each output sees 16x16",
		"deeper stacks of small kernels see as far with fewer weights and more nonlinearities.",
	}
	linestest.Equal(t, out, want)
}
