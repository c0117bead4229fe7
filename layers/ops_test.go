package layers

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// actRun applies layer l to x, a (2, n/2) float32 or float64 tensor, and returns y and
// the gradient of sum(y ⊙ r) with respect to x, for fixed random r.
func actRun(t *testing.T, l Layer, dt tensor.Dtype, xv []float64) (y, dx []float64) {
	t.Helper()
	f := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return l.Forward(in[0]) }
	x := optest.Dense(dt, xv, 2, len(xv)/2)
	y, _ = optest.Run(t, f, x)
	return y, optest.Grads(t, optest.Tape, f, 3, x)[0]
}

// TestActivationOpsAgree: ReLU, Sigmoid and Tanh give the same values and gradients
// with the project's ops and with Gorgonia's primitives, ReLU's gradient at 0 included
// (0, as in PyTorch).
func TestActivationOpsAgree(t *testing.T) {
	xv := []float64{-3, -0.5, 0, 0, 0.25, 2, 7, -7, 0.001, -0.001}
	layers := func(ops nn.Ops) []Layer { return []Layer{ReLU{Ops: ops}, Sigmoid{Ops: ops}, Tanh{Ops: ops}} }
	for i := range layers(nn.FastOps) {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			fast, gorg := layers(nn.FastOps)[i], layers(nn.GorgoniaOps)[i]
			name := fmt.Sprintf("%v %v", fast, dt)
			yf, df := actRun(t, fast, dt, xv)
			yg, dg := actRun(t, gorg, dt, xv)
			tol := 1e-15
			if dt == tensor.Float32 {
				tol = 1e-6
			}
			for j := range xv {
				if math.Abs(yf[j]-yg[j]) > tol || math.Abs(df[j]-dg[j]) > tol {
					t.Errorf("%s: x = %v: fast gives y %v, dx %v; Gorgonia's y %v, dx %v", name, xv[j], yf[j], df[j], yg[j], dg[j])
				}
				if i == 0 && xv[j] <= 0 && (df[j] != 0 || yf[j] != 0) {
					t.Errorf("%s: x = %v: y %v, dx %v; want 0 and 0", name, xv[j], yf[j], df[j])
				}
			}
		}
	}
}

func TestActivationOpsErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	x := input(g, "x", []float64{1, 2}, 2)
	for _, l := range []Layer{ReLU{Ops: nn.Ops(5)}, Sigmoid{Ops: nn.Ops(5)}, Tanh{Ops: nn.Ops(5)}} {
		if _, err := l.Forward(x); err == nil || err.Error() != fmt.Sprintf("layers: %v: unknown ops Ops(5); use nn.FastOps or nn.GorgoniaOps", l) {
			t.Errorf("%v with Ops 5: error %v", l, err)
		}
	}
}
