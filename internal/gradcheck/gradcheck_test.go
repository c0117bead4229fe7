package gradcheck

import (
	"math"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestCheckPassesForCorrectOps(t *testing.T) {
	cases := []struct {
		name string
		f    Func
	}{
		{"square", func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Square(in[0])
		}},
		{"matmul", func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Mul(in[0], in[1])
		}},
		{"sigmoid", func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Sigmoid(in[0])
		}},
		{"scalar output", func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			sq, err := gorgonia.Square(in[0])
			if err != nil {
				return nil, err
			}
			return gorgonia.Sum(sq)
		}},
	}
	for _, c := range cases {
		inputs := []*tensor.Dense{Random(1, 3, 4), Random(2, 4, 2)}
		if c.name != "matmul" {
			inputs = inputs[:1]
		}
		if err := Check(inputs, c.f, 1e-6, 7); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestCheckCatchesAWrongGradient(t *testing.T) {
	x := Random(3, 2, 3)
	err := Check([]*tensor.Dense{x}, applyDoubleForgetsFactor, 1e-6, 1)
	if err == nil {
		t.Fatal("a gradient that is half the true one passed")
	}
	// The op reports dL/dx = w where the true gradient is 2w, so the finite difference
	// is twice the symbolic value.
	if !strings.Contains(err.Error(), "input 0 element 0") || !strings.Contains(err.Error(), "|diff|") {
		t.Fatalf("want a mismatch at input 0 element 0, got %v", err)
	}
}

func TestCheckFailsOnNonFiniteValues(t *testing.T) {
	negative := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{-0.5, 0.25, 0.75, 1}))
	zero := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0, 1}))
	cases := []struct {
		name string
		in   *tensor.Dense
		f    Func
	}{
		// log(-0.5) is NaN, so the finite difference is NaN while the symbolic
		// gradient w/x is finite: a comparison with NaN alone would pass.
		{"log of a negative number", negative, func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Log(in[0])
		}},
		// sqrt'(0) = 1/(2·0) is infinite on the symbolic side.
		{"sqrt at zero", zero, func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Sqrt(in[0])
		}},
	}
	for _, c := range cases {
		err := Check([]*tensor.Dense{c.in}, c.f, 1e-6, 1)
		if err == nil || !strings.Contains(err.Error(), "not finite") || !strings.Contains(err.Error(), "element 0") {
			t.Errorf("%s: want a not-finite failure at element 0, got %v", c.name, err)
		}
	}
}

func TestCompare(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name              string
		symbolic, numeric []float64
		want              string
	}{
		{"equal", []float64{1, 2}, []float64{1, 2}, ""},
		{"within tol of a large value", []float64{1000}, []float64{1000 + 1e-4}, ""},
		{"too far", []float64{1, 2}, []float64{1, 2.1}, "input 3 element 1: symbolic 2, finite difference 2.1"},
		{"numeric NaN", []float64{1}, []float64{nan}, "not finite"},
		{"symbolic NaN", []float64{nan}, []float64{1}, "not finite"},
		{"both NaN", []float64{nan}, []float64{nan}, "not finite"},
		{"numeric Inf", []float64{1}, []float64{inf}, "not finite"},
		{"symbolic -Inf", []float64{-inf}, []float64{1}, "not finite"},
		{"length mismatch", []float64{1}, []float64{1, 2}, "1 symbolic gradient entries, 2 inputs"},
	}
	for _, c := range cases {
		err := compare(3, c.symbolic, c.numeric, 1e-6)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: want an error containing %q, got %v", c.name, c.want, err)
		}
	}
}

func TestCheckRejectsBadInput(t *testing.T) {
	identity := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) { return in[0], nil }
	f32 := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2}))
	if err := Check([]*tensor.Dense{f32}, identity, 1e-6, 1); err == nil || !strings.Contains(err.Error(), "use Float64") {
		t.Errorf("float32 input: got %v", err)
	}
	if err := Check(nil, identity, 1e-6, 1); err == nil || err.Error() != "gradcheck: no inputs" {
		t.Errorf("no inputs: got %v", err)
	}
}
