package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

// TestEdgeTarget checks the chapter's Y: 1 at column 1, -1 at column 5, 0 elsewhere.
func TestEdgeTarget(t *testing.T) {
	y, err := edgeTarget(edgeImage())
	if err != nil {
		t.Fatal(err)
	}
	if s := y.Shape(); s[0] != 6 || s[1] != 7 {
		t.Fatalf("shape %v, want (6, 7)", s)
	}
	for i, v := range y.Data().([]float32) {
		want := float32(0)
		switch i % 7 {
		case 1:
			want = 1
		case 5:
			want = -1
		}
		if v != want {
			t.Fatalf("Y[%d,%d] = %v, want %v", i/7, i%7, v, want)
		}
	}
}

// TestLearnsEdgeKernel runs the example for several seeds: the loss must fall at every
// report and the learned kernel end within 0.15 of [1, -1] in each entry.
func TestLearnsEdgeKernel(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		var out bytes.Buffer
		if err := run(&out, seed); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 6 {
			t.Fatalf("seed %d: %d lines, want 5 loss lines and the kernel:\n%s", seed, len(lines), out.String())
		}
		prev := math.Inf(1)
		for i, line := range lines[:5] {
			var epoch int
			var loss float64
			if _, err := fmt.Sscanf(line, "epoch %d, loss %f", &epoch, &loss); err != nil || epoch != 2*(i+1) {
				t.Fatalf("seed %d: line %q is not \"epoch %d, loss L\" (%v)", seed, line, 2*(i+1), err)
			}
			if want := fmt.Sprintf("epoch %d, loss %.3f", epoch, loss); line != want {
				t.Errorf("seed %d: line %q, want three decimals", seed, line)
			}
			if loss >= prev {
				t.Errorf("seed %d: loss %v at epoch %d did not fall from %v", seed, loss, epoch, prev)
			}
			prev = loss
		}
		var k0, k1 float64
		if _, err := fmt.Sscanf(lines[5], "learned kernel [[%f, %f]]", &k0, &k1); err != nil {
			t.Fatalf("seed %d: last line %q: %v", seed, lines[5], err)
		}
		if math.Abs(k0-1) > 0.15 || math.Abs(k1+1) > 0.15 {
			t.Errorf("seed %d: learned kernel [%v, %v], want within 0.15 of [1, -1]", seed, k0, k1)
		}
	}
}

func TestCommandLine(t *testing.T) {
	cmdtest.BadUsage(t, "edgekernel", runArgs, []cmdtest.Usage{
		{Args: []string{"-seed", "x"}, Want: `invalid value "x" for flag -seed`},
		{Args: []string{"extra"}, Want: `unexpected argument "extra"`},
	})
	cmdtest.Help(t, runArgs, "-seed")
	var stdout, stderr bytes.Buffer
	if code := runArgs([]string{"-seed", "3"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "learned kernel [[") {
		t.Errorf("-seed 3: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
