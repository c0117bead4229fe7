package layers

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
)

// actRun applies layer l to x, a (2, n/2) float32 or float64 tensor, takes the gradient
// of sum(y ⊙ r) for fixed r, and returns y and dL/dx.
func actRun(t *testing.T, l Layer, dt tensor.Dtype, xv []float64) (y, dx []float64) {
	t.Helper()
	g := gorgonia.NewGraph()
	var x, r *gorgonia.Node
	rv := uniform(seeded(3), len(xv))
	if dt == tensor.Float32 {
		x = gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(2, len(xv)/2), tensor.WithBacking(f32s(xv))), gorgonia.WithName("x"))
		r = gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(2, len(xv)/2), tensor.WithBacking(f32s(rv))), gorgonia.WithName("r"))
	} else {
		x = input(g, "x", append([]float64(nil), xv...), 2, len(xv)/2)
		r = input(g, "r", rv, 2, len(xv)/2)
	}
	out, err := l.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	// Read copies y when it is computed: Gorgonia's own sigmoid gradient overwrites
	// y's memory later in the run.
	var yv gorgonia.Value
	gorgonia.Read(out, &yv)
	prod, err := gorgonia.HadamardProd(out, r)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := gorgonia.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(loss, x)
	if err != nil {
		t.Fatal(err)
	}
	run(t, g)
	return values64(t, yv), values64(t, grads[0].Value())
}

// TestActivationImplsAgree: ReLU, Sigmoid and Tanh give the same values and gradients
// with the project's ops and with Gorgonia's primitives, ReLU's gradient at 0 included
// (0, as in PyTorch).
func TestActivationImplsAgree(t *testing.T) {
	xv := []float64{-3, -0.5, 0, 0, 0.25, 2, 7, -7, 0.001, -0.001}
	layers := func(ops nn.Impl) []Layer { return []Layer{ReLU{Ops: ops}, Sigmoid{Ops: ops}, Tanh{Ops: ops}} }
	for i := range layers(nn.ImplFast) {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			fast, gorg := layers(nn.ImplFast)[i], layers(nn.ImplGorgonia)[i]
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

func TestActivationImplErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	x := input(g, "x", []float64{1, 2}, 2)
	for _, l := range []Layer{ReLU{Ops: nn.Impl(5)}, Sigmoid{Ops: nn.Impl(5)}, Tanh{Ops: nn.Impl(5)}} {
		if _, err := l.Forward(x); err == nil || err.Error() != fmt.Sprintf("layers: %v: unknown ops Impl(5); use nn.ImplFast or nn.ImplGorgonia", l) {
			t.Errorf("%v with Ops 5: error %v", l, err)
		}
	}
}
