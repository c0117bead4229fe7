package nn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

var actFuncs = []struct {
	name     string
	fast     func(*gorgonia.Node) (*gorgonia.Node, error)
	gorgonia func(*gorgonia.Node) (*gorgonia.Node, error)
	ref      func(float64) float64
}{
	{"ReLU", ReLU, gorgonia.Rectify, func(x float64) float64 {
		if x > 0 || math.IsNaN(x) {
			return x
		}
		return 0
	}},
	{"Sigmoid", Sigmoid, gorgonia.Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
}

// actShapes: ranks 1 to 4, and one tensor large enough for the parallel path.
var actShapes = [][]int{{7}, {3, 5}, {2, 3, 4}, {2, 3, 5, 4}, {3, 7, 29, 31}}

// TestActivationValues checks ReLU and Sigmoid against the definitions, in float64 and
// float32, on random values and on the special ones: ±0, ±Inf, NaN, large magnitudes.
func TestActivationValues(t *testing.T) {
	special := []float64{0, math.Copysign(0, -1), 1e-30, -1e-30, 15, 16.5, 17, -17, 30, -30, 80, -80,
		87.5, -87.5, 88.8, -88.8, 100, -100, 1e30, -1e30, math.Inf(1), math.Inf(-1), math.NaN()}
	for _, f := range actFuncs {
		for i, shape := range append(actShapes, []int{len(special)}) {
			vals := optest.Uniform(uint64(700+i), tensor.Shape(shape).TotalSize(), 8)
			if i == len(actShapes) {
				vals = special
			}
			for _, dt := range optest.Dtypes {
				name := fmt.Sprintf("%s case %d %v %v", f.name, i, shape, dt)
				got, gs := optest.Run(t, optest.Unary(f.fast), optest.Dense(dt, vals, shape...))
				if !gs.Eq(tensor.Shape(shape)) {
					t.Fatalf("%s: shape %v", name, gs)
				}
				for j, x := range vals {
					if dt == tensor.Float32 {
						x = float64(float32(x))
					}
					want := f.ref(x)
					tol := 1e-15
					if dt == tensor.Float32 {
						want = float64(float32(want))
						tol = 3e-7 * math.Max(want, 1e-38/3e-7)
					}
					if math.IsNaN(want) != math.IsNaN(got[j]) || math.Abs(got[j]-want) > tol || math.Signbit(got[j]) != math.Signbit(want) && want == 0 && f.name == "ReLU" {
						t.Fatalf("%s: f(%v) = %v, want %v", name, x, got[j], want)
					}
				}
			}
		}
	}
}

// TestExp32 compares exp32 with math.Exp over the whole float32 range it covers.
func TestExp32(t *testing.T) {
	worst := 0.0
	for x := float32(-104); x < 89; x += 0.00731 {
		got, want := float64(exp32(x)), math.Exp(float64(x))
		if float32(want) == 0 {
			if got != 0 && got > 2e-45 {
				t.Fatalf("exp32(%v) = %v, want 0", x, got)
			}
			continue
		}
		ulp := float64(math.Nextafter32(float32(want), float32(math.Inf(1))) - float32(want))
		if e := math.Abs(got-want) / ulp; e > worst {
			worst = e
		}
	}
	if worst > 2 {
		t.Errorf("exp32 is %.2f ulp off at worst; want at most 2", worst)
	}
	for _, c := range []struct{ x, want float32 }{{0, 1}, {float32(math.Inf(1)), float32(math.Inf(1))}, {89, float32(math.Inf(1))}, {-105, 0}, {float32(math.Inf(-1)), 0}} {
		if got := exp32(c.x); got != c.want {
			t.Errorf("exp32(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := exp32(float32(math.NaN())); got == got {
		t.Errorf("exp32(NaN) = %v, want NaN", got)
	}
}

// TestActivationsMatchGorgonia: outputs and gradients equal those of Gorgonia's Rectify
// and Sigmoid (ReLU's -0 and Sigmoid's rounding aside), in both dtypes and ranks 1 to 4.
func TestActivationsMatchGorgonia(t *testing.T) {
	for _, f := range actFuncs {
		for i, shape := range actShapes {
			vals := optest.Uniform(uint64(800+i), tensor.Shape(shape).TotalSize(), 6)
			for _, dt := range optest.Dtypes {
				name := fmt.Sprintf("%s case %d %v %v", f.name, i, shape, dt)
				in := optest.Dense(dt, vals, shape...)
				fast := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f.fast(in[0]) }
				gorg := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f.gorgonia(in[0]) }
				tol := 1e-15
				if dt == tensor.Float32 {
					tol = 1e-6
				}
				got, _ := optest.Run(t, fast, in)
				want, _ := optest.Run(t, gorg, in)
				optest.Close(t, name+": output", got, want, tol)
				gf := optest.Grads(t, optest.Tape, fast, 5, in)
				gg := optest.Grads(t, optest.Tape, gorg, 5, in)
				if f.name == "ReLU" {
					tol = 0 // dL/dy or zero, exactly
				}
				optest.Close(t, name+": gradient", gf[0], gg[0], tol)
				gl := optest.Grads(t, optest.Lisp, fast, 5, in)
				optest.Close(t, name+": LispMachine gradient", gl[0], gf[0], 0)
			}
		}
	}
}

// TestActivationGradients checks the gradients against finite differences.
func TestActivationGradients(t *testing.T) {
	for _, f := range actFuncs {
		for i, shape := range actShapes[:4] {
			x := optest.RandomTensor(uint64(900+i), shape...)
			err := optest.GradCheck([]*tensor.Dense{x}, optest.Unary(f.fast), 1e-6, uint64(i))
			if err != nil {
				t.Errorf("%s case %d: %v", f.name, i, err)
			}
		}
	}
}

// TestReLUGradientAtZero: like PyTorch, no gradient passes where x <= 0, none at 0.
func TestReLUGradientAtZero(t *testing.T) {
	in := optest.Dense(tensor.Float32, []float64{-1, 0, math.Copysign(0, -1), 2}, 4)
	g := optest.Grads(t, optest.Tape, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return ReLU(in[0]) }, 3, in)
	w := optest.Random(3, 4)
	want := []float64{0, 0, 0, float64(float32(w[3]))}
	optest.Close(t, "ReLU gradient", g[0], want, 0)
}

// TestActivationThreads: the parallel split does not change a single bit.
func TestActivationThreads(t *testing.T) {
	shape := actShapes[len(actShapes)-1]
	in := optest.Dense(tensor.Float32, optest.Random(11, 3*7*29*31), shape...)
	for _, f := range actFuncs {
		fast := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f.fast(in[0]) }
		optest.Procs(t, f.name, fast, 2, []int{2, 3}, in)
	}
}

// TestActivationPrealloc: the ops fill a fitting preallocated value and refuse others.
func TestActivationPrealloc(t *testing.T) {
	x := optest.Dense(tensor.Float32, optest.Random(5, 12), 3, 4)
	for _, f := range []*activation{relu, sigmoid} {
		op := opkit.New(f.opSpec(2))
		fresh, err := op.Do(x)
		if err != nil {
			t.Fatal(err)
		}
		pre := optest.Dense(tensor.Float32, make([]float64, 12), 3, 4)
		got, err := op.UsePreallocDo(pre, x)
		if err != nil || got != pre {
			t.Fatalf("%s: UsePreallocDo = %v, %v; want the preallocated value", f.name, got, err)
		}
		optest.Close(t, f.name, optest.Floats(t, got), optest.Floats(t, fresh), 0)
		if _, err := op.UsePreallocDo(optest.Dense(tensor.Float32, make([]float64, 12), 4, 3), x); err == nil || !strings.Contains(err.Error(), "does not fit") {
			t.Errorf("%s: wrong-shaped prealloc: error %v", f.name, err)
		}
		grad := opkit.New(f.grad(2))
		if _, err := grad.Do(x, optest.Dense(tensor.Float32, make([]float64, 12), 4, 3)); err == nil || !strings.Contains(err.Error(), "output gradient") {
			t.Errorf("%s: gradient of the wrong shape: error %v", f.name, err)
		}
	}
}

func TestActivationErrors(t *testing.T) {
	for _, f := range actFuncs {
		cases := []optest.ErrorCase{
			optest.Bad("nil", func(*gorgonia.ExprGraph) (*gorgonia.Node, error) { return f.fast(nil) }, "graph: "+f.name+": x is a nil node"),
			optest.Bad("int", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
				return f.fast(gorgonia.NewMatrix(g, tensor.Int, gorgonia.WithShape(2, 2), gorgonia.WithName("x")))
			}, "graph: "+f.name+": x has dtype int; want float32 or float64"),
		}
		optest.Errors(t, cases)
	}
}
