package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/d2l-go/convnets/internal/linestest"
)

// fakeClock times a case by its multiply-adds, one per nanosecond, so that the
// printed ratio is the counted one.
func fakeClock(c convCase, _ int) (time.Duration, error) { return time.Duration(c.macs), nil }

// TestExercises checks the counts worked by hand: 16*32*16*9*32*32 = 75497472
// multiply-adds for the 3x3 convolution and 16*32*16*32*32 = 8388608 for the 1x1,
// a ratio of 9; doubling ci and co multiplies by 4, padding 2 by (34/32)^2; and the
// memory, e.g. 3x3: (262144 input + 4608 weights + 524288 output + 2359296 unfolded)
// floats = 12.0 MiB.
func TestExercises(t *testing.T) {
	var out bytes.Buffer
	if err := twoKernels(&out); err != nil {
		t.Fatal(err)
	}
	if err := costs(&out, fakeClock); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	linestest.Contains(t, "output", text,
		"  both 5x5, largest difference ",
		"  3x3, padding 1             output 32x32:    75497472 forward,   150994944 backward multiply-adds;  12.0 MiB forward,  15.0 MiB backward",
		"  1x1                        output 32x32:     8388608 forward,    16777216 backward multiply-adds;   3.0 MiB forward,   6.0 MiB backward",
		"  3x3, ci and co doubled     output 32x32:   301989888 forward,   603979776 backward multiply-adds;  24.1 MiB forward,  30.1 MiB backward",
		"  3x3, padding doubled to 2  output 34x34:    85229568 forward,   170459136 backward multiply-adds;  13.4 MiB forward,  16.7 MiB backward",
		"  3x3 / 1x1 multiply-adds: 9.00 (kh*kw); ci and co doubled: 4.00 (4); padding doubled: 1.129 ((34/32)^2)",
		"ratio 9.0 against 9 counted;",
	)
	// The chained kernels agree to rounding: the printed difference is below 1e-14.
	var diff float64
	if _, err := fmt.Sscanf(text[strings.Index(text, "largest difference "):], "largest difference %g", &diff); err != nil || diff > 1e-14 {
		t.Errorf("two kernels vs one: difference %v (%v)", diff, err)
	}
}

// TestTimedRatio runs the real timing once. The machine may be loaded, so only the
// direction is asserted: nine times the work is not faster.
func TestTimedRatio(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	a, b := newConvCase("3x3", 16, 16, 32, 32, 3, 1), newConvCase("1x1", 16, 16, 32, 32, 1, 0)
	ta, err := timeConv(a, 5)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := timeConv(b, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3x3 %v, 1x1 %v, ratio %.1f (counted 9)", ta, tb, float64(ta)/float64(tb))
	if ta < tb {
		t.Errorf("3x3 took %v, 1x1 %v: nine times the multiply-adds ran faster", ta, tb)
	}
}
