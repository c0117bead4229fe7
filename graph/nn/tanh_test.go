package nn

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit/optest"
)

func tanhOf(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return Tanh(in[0]) }

// TestTanh runs the op battery on ranks 1 to 4 and on a tensor large enough to be
// shared out over goroutines: values against math.Tanh, gradients against finite
// differences (but on the large tensor), float32 against float64, the LispMachine
// against the TapeMachine, GOMAXPROCS 2 and 3 against 1.
func TestTanh(t *testing.T) {
	for i, shape := range [][]int{{7}, {3, 5}, {2, 3, 4}, {2, 3, 5, 4}, {3, 7, 29, 31}} {
		n := tensor.Shape(shape).TotalSize()
		x := optest.Uniform(uint64(40+i), n, 3)
		c := optest.Case{
			Name: fmt.Sprintf("case %d %v", i, shape),
			F:    tanhOf,
			In:   []*tensor.Dense{optest.Dense(tensor.Float64, x, shape...)},
			Want: func(in [][]float64, _ []tensor.Shape) []float64 {
				y := make([]float64, len(in[0]))
				for j, v := range in[0] {
					y[j] = math.Tanh(v)
				}
				return y
			},
			Shape: tensor.Shape(shape),
			Tol64: 0, Tol32: 1e-6, Grad32Tol: 1e-6, LispTol: 0,
			Procs: []int{2, 3},
			Seed:  uint64(i),
		}
		if n > 1000 {
			c.GradTol = -1 // the finite differences would run the graph 2n times
		}
		optest.Check(t, c)
	}
}

// TestTanhMatchesGorgonia: values and gradients equal those of gorgonia.Tanh.
func TestTanhMatchesGorgonia(t *testing.T) {
	in := optest.Dense(tensor.Float64, optest.Random(3, 24), 2, 3, 4)
	gorg := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return gorgonia.Tanh(in[0]) }
	got, _ := optest.Run(t, tanhOf, in)
	want, _ := optest.Run(t, gorg, in)
	optest.Close(t, "output", got, want, 1e-15)
	optest.Close(t, "gradient", optest.Grads(t, optest.Tape, tanhOf, 4, in)[0], optest.Grads(t, optest.Tape, gorg, 4, in)[0], 1e-15)
}

func TestTanhErrors(t *testing.T) {
	optest.Errors(t, []optest.ErrorCase{
		optest.Bad("nil", func(*gorgonia.ExprGraph) (*gorgonia.Node, error) { return Tanh(nil) }, "graph: Tanh: x is a nil node"),
		optest.Bad("int", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return Tanh(optest.Node(g, "x", tensor.Int, 2, 2))
		}, "graph: Tanh: x has dtype int; want float32 or float64"),
	})
}

// ulps32 returns how many float32 ulps (at the exact value) got is from exact.
func ulps32(got float32, exact float64) float64 {
	e := float32(exact)
	ulp := float64(math.Nextafter32(e, float32(math.Inf(1)))) - float64(e)
	if math.Abs(float64(e)) == math.MaxFloat32 || math.IsInf(float64(e), 0) {
		ulp = float64(e) - float64(math.Nextafter32(e, 0))
	}
	return math.Abs(float64(got)-exact) / math.Abs(ulp)
}

// TestTanh32Ulps sweeps one float32 in 997 of every sign and magnitude, and the edges,
// through tanh32 and holds it within 2 ulp of math.Tanh (in float64), relative
// accuracy near 0 included; subnormals, ±0 and ±Inf come out exact and NaN as NaN.
func TestTanh32Ulps(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	x := []float32{0, negZero, 1e-45, -1e-45, 1e-38, 1.17e-38, 0.625, math.Nextafter32(0.625, 0), 9.01, 9.02, 10, 11,
		float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32}
	for b := uint64(0); b < 1<<32; b += 997 {
		if v := math.Float32frombits(uint32(b)); v == v {
			x = append(x, v)
		}
	}
	y := make([]float32, len(x))
	tanh32(y, [][]float32{x})
	worst, at := 0.0, float32(0)
	for i, v := range x {
		exact := math.Tanh(float64(v))
		if e := ulps32(y[i], exact); e > worst {
			worst, at = e, v
		}
		if (v == 0 || math.Abs(float64(v)) < 1e-30 || math.IsInf(float64(v), 0)) && math.Float32bits(y[i]) != math.Float32bits(float32(exact)) {
			t.Errorf("tanh32(%v) = %v (bits %#x), want %v exactly", v, y[i], math.Float32bits(y[i]), float32(exact))
		}
	}
	t.Logf("%d values, worst %.2f ulp at %v", len(x), worst, at)
	if worst > 2 {
		t.Errorf("tanh32 is %.2f ulp from math.Tanh at %v; want at most 2", worst, at)
	}
	nan := []float32{float32(math.NaN()), math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800001)}
	got := make([]float32, len(nan))
	tanh32(got, [][]float32{nan})
	for i, v := range got {
		if v == v {
			t.Errorf("tanh32(NaN bits %#x) = %v, want NaN", math.Float32bits(nan[i]), v)
		}
	}
}
