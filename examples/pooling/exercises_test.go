package main

import (
	"regexp"
	"strconv"
	"testing"

	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/gradcheck"
	"github.com/d2l-go/convnets/internal/linestest"
)

// TestExercises checks every comparison line: the construction equals the pooling op
// to rounding (1e-12) in values and in gradients, and its own gradient passes the
// finite-difference check; the channel counts of the ReLU networks; LeNet's pooling
// costs (6*14*14*4 = 4704, 16*5*5*4 = 1600).
func TestExercises(t *testing.T) {
	text := cmdtest.Output(t, exercises)
	line := regexp.MustCompile(`(?m)^  (\d)x(\d), .*: +(\d+) outputs: \|values - op\| <= (\S+), \|gradient - op's\| <= (\S+), finite differences: (.*)$`)
	matches := line.FindAllStringSubmatch(text, -1)
	if len(matches) != 6 {
		t.Fatalf("%d comparison lines, want 6:\n%s", len(matches), text)
	}
	wantOutputs := []string{"54", "54", "96", "54", "54", "24"}
	for i, m := range matches {
		for _, f := range []string{m[4], m[5]} {
			if d, err := strconv.ParseFloat(f, 64); err != nil || d > 1e-12 {
				t.Errorf("line %q: difference %s above 1e-12", m[0], f)
			}
		}
		if m[6] != "ok" || m[3] != wantOutputs[i] {
			t.Errorf("line %q: want %s outputs and ok", m[0], wantOutputs[i])
		}
	}
	linestest.Contains(t, "output", text,
		"  windows a = [1, 0], b = [0, 1]: max(a + b) = 1, max(a) + max(b) = 2",
		"  a 2x2 window needs 2 ReLU layers of [6 3] channels (a 2x2 convolution, then 1x1 ones)",
		"  a 3x3 window needs 4 ReLU layers of [14 8 5 3] channels (a 3x3 convolution, then 1x1 ones)",
		"  2x2 stride 2 on (6, 28, 28): 6*14*14*2*2 = 4704",
		"  2x2 stride 2 on (16, 10, 10): 16*5*5*2*2 = 1600",
	)
}

// TestReluMaxNetDetectsWrongKernel makes sure the comparison can fail: a network with
// one kernel entry changed no longer equals max pooling.
func TestReluMaxNetDetectsWrongKernel(t *testing.T) {
	net := newReluMaxNet(2, 2)
	net.final = append([]float64(nil), net.final...)
	net.final[2] = 0.5 // half of relu(b - a): no longer max(a, b)
	x := gradcheck.Random(3, 1, 1, 4, 4)
	op := func(x *gorgonia.Node) (*gorgonia.Node, error) {
		return graph.MaxPool2D(x, [2]int{2, 2}, [2]int{}, [2]int{2, 2})
	}
	y1, _, err := valueAndGrad(x, op)
	if err != nil {
		t.Fatal(err)
	}
	y2, _, err := valueAndGrad(x, net.pool)
	if err != nil {
		t.Fatal(err)
	}
	if maxDiff(y1, y2) < 1e-3 {
		t.Errorf("a wrong kernel still matches max pooling (difference %g)", maxDiff(y1, y2))
	}
}
