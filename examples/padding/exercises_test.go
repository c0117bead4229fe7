package main

import (
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
)

// TestExercises checks every printed shape against floor((n - k + 2p) / s) + 1 worked by
// hand, the aliasing of a 3000 Hz tone to 1000 Hz (4000 - 3000) at half of 8 kHz and
// its damping by [1/2, 1/2] to |cos(3π/8)| = 0.38, and the 1/s^2 cost of a stride.
func TestExercises(t *testing.T) {
	want := []string{
		"Exercise 2: other padding and stride combinations on the 8x8 input",
		"  kernel 2x2, padding (0,0), stride (2,2): Conv2D 4x4, formula 4x4",
		"  kernel 5x5, padding (2,2), stride (3,3): Conv2D 3x3, formula 3x3",
		"  kernel 4x4, padding (1,1), stride (1,1): Conv2D 7x7, formula 7x7",
		"  kernel 1x1, padding (0,0), stride (3,3): Conv2D 3x3, formula 3x3",
		"  kernel 8x8, padding (0,0), stride (1,1): Conv2D 1x1, formula 1x1",
		"  kernel 3x7, padding (1,3), stride (1,2): Conv2D 8x4, formula 8x4",
		"",
		"Exercise 3: a stride of 2 on audio (64 samples at 8000 Hz) halves the sample rate to 4000 Hz",
		"   750 Hz tone, kernel [1]        stride 2: 32 samples, strongest tone  750 Hz, amplitude 1.00",
		"  3000 Hz tone, kernel [1]        stride 2: 32 samples, strongest tone 1000 Hz, amplitude 1.00",
		"  3000 Hz tone, kernel [1/2, 1/2] stride 2: 32 samples, strongest tone 1000 Hz, amplitude 0.38",
		"  the 750 Hz tone survives; 3000 Hz is above the new Nyquist frequency (2000 Hz) and comes out",
		"  as 1000 Hz (aliasing); averaging two samples first (a low-pass kernel) weakens it to 0.38.",
		"",
		"Exercise 5: what a stride saves, 3x3 kernel, padding 1, on a 28x28 image",
		"  stride 1: 28x28 output, 7056 multiply-adds, 1.000 of stride 1's (1/s^2 = 1.000)",
		"  stride 2: 14x14 output, 1764 multiply-adds, 0.250 of stride 1's (1/s^2 = 0.250)",
		"  stride 3: 10x10 output,  900 multiply-adds, 0.128 of stride 1's (1/s^2 = 0.111)",
		"  stride 4:  7x7  output,  441 multiply-adds, 0.062 of stride 1's (1/s^2 = 0.062)",
	}
	linestest.Equal(t, cmdtest.Output(t, exercises), want)
}
