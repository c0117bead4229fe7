package nn

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/gradcheck"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
			n := 1
			for _, d := range shape {
				n *= d
			}
			vals := ctRandom(uint64(700+i), n)
			for j := range vals {
				vals[j] *= 8
			}
			if i == len(actShapes) {
				vals = special
			}
			for _, dt := range ctDtypes {
				name := fmt.Sprintf("%s case %d %v %v", f.name, i, shape, dt)
				got, gs := ctRun(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
					return f.fast(in[0])
				}, ctDense(dt, vals, shape...))
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
			n := 1
			for _, d := range shape {
				n *= d
			}
			vals := ctRandom(uint64(800+i), n)
			for j := range vals {
				vals[j] *= 6
			}
			for _, dt := range ctDtypes {
				name := fmt.Sprintf("%s case %d %v %v", f.name, i, shape, dt)
				in := ctDense(dt, vals, shape...)
				fast := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f.fast(in[0]) }
				gorg := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f.gorgonia(in[0]) }
				tol := 1e-15
				if dt == tensor.Float32 {
					tol = 1e-6
				}
				got, _ := ctRun(t, fast, in)
				want, _ := ctRun(t, gorg, in)
				ctCheckClose(t, name+": output", got, want, tol)
				gf := ctGrads(t, "tape", fast, 5, in)
				gg := ctGrads(t, "tape", gorg, 5, in)
				if f.name == "ReLU" {
					tol = 0 // dL/dy or zero, exactly
				}
				ctCheckClose(t, name+": gradient", gf[0], gg[0], tol)
				gl := ctGrads(t, "lisp", fast, 5, in)
				ctCheckClose(t, name+": LispMachine gradient", gl[0], gf[0], 0)
			}
		}
	}
}

// TestActivationGradients checks the gradients against finite differences.
func TestActivationGradients(t *testing.T) {
	for _, f := range actFuncs {
		for i, shape := range actShapes[:4] {
			x := gradcheck.Random(uint64(900+i), shape...)
			err := gradcheck.Check([]*tensor.Dense{x}, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return f.fast(in[0])
			}, 1e-6, uint64(i))
			if err != nil {
				t.Errorf("%s case %d: %v", f.name, i, err)
			}
		}
	}
}

// TestReLUGradientAtZero: like PyTorch, no gradient passes where x <= 0, none at 0.
func TestReLUGradientAtZero(t *testing.T) {
	in := ctDense(tensor.Float32, []float64{-1, 0, math.Copysign(0, -1), 2}, 4)
	g := ctGrads(t, "tape", func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return ReLU(in[0]) }, 3, in)
	w := ctRandom(3, 4)
	want := []float64{0, 0, 0, float64(float32(w[3]))}
	ctCheckClose(t, "ReLU gradient", g[0], want, 0)
}

// TestActivationThreads: the parallel split does not change a single bit.
func TestActivationThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	shape := actShapes[len(actShapes)-1]
	vals := ctRandom(11, 3*7*29*31)
	for _, f := range actFuncs {
		fast := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return f.fast(in[0]) }
		in := ctDense(tensor.Float32, vals, shape...)
		runtime.GOMAXPROCS(1)
		want, _ := ctRun(t, fast, in)
		wantG := ctGrads(t, "tape", fast, 2, in)
		for _, procs := range []int{2, 3} {
			runtime.GOMAXPROCS(procs)
			got, _ := ctRun(t, fast, in)
			gotG := ctGrads(t, "tape", fast, 2, in)
			ctCheckClose(t, fmt.Sprintf("%s GOMAXPROCS %d", f.name, procs), got, want, 0)
			ctCheckClose(t, fmt.Sprintf("%s GOMAXPROCS %d gradient", f.name, procs), gotG[0], wantG[0], 0)
		}
	}
}

// TestActivationPrealloc: the ops fill a fitting preallocated value and refuse others.
func TestActivationPrealloc(t *testing.T) {
	x := ctDense(tensor.Float32, ctRandom(5, 12), 3, 4)
	for _, kind := range []actKind{actReLU, actSigmoid} {
		op := activationOp{kind: kind, dims: 2}
		fresh, err := op.Do(x)
		if err != nil {
			t.Fatal(err)
		}
		pre := ctDense(tensor.Float32, make([]float64, 12), 3, 4)
		got, err := op.UsePreallocDo(pre, x)
		if err != nil || got != pre {
			t.Fatalf("%v: UsePreallocDo = %v, %v; want the preallocated value", kind, got, err)
		}
		ctCheckClose(t, kind.String(), ctFloats(t, got), ctFloats(t, fresh), 0)
		if _, err := op.UsePreallocDo(ctDense(tensor.Float32, make([]float64, 12), 4, 3), x); err == nil || !strings.Contains(err.Error(), "does not fit") {
			t.Errorf("%v: wrong-shaped prealloc: error %v", kind, err)
		}
		grad := activationGradOp(op)
		if _, err := grad.Do(x, ctDense(tensor.Float32, make([]float64, 12), 4, 3)); err == nil || !strings.Contains(err.Error(), "output gradient") {
			t.Errorf("%v: gradient of the wrong shape: error %v", kind, err)
		}
	}
}

func TestActivationErrors(t *testing.T) {
	for _, f := range actFuncs {
		cases := []ctErrorCase{
			{"nil", func(*gorgonia.ExprGraph) (*gorgonia.Node, error) { return f.fast(nil) }, "graph: " + f.name + ": nil node"},
			{"int", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
				return f.fast(gorgonia.NewMatrix(g, tensor.Int, gorgonia.WithShape(2, 2), gorgonia.WithName("x")))
			}, "graph: " + f.name + ": x has dtype int; want Float32 or Float64"},
		}
		ctRunErrorCases(t, cases)
	}
}
