package nn_test

import (
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

func TestDenseGradients(t *testing.T) {
	cases := []struct {
		n, in, out int
		bias       bool
	}{
		{1, 1, 1, true}, {3, 4, 2, true}, {5, 7, 3, false}, {4, 16, 10, true},
	}
	for i, c := range cases {
		in := []*tensor.Dense{optest.RandomTensor(uint64(10*i), c.n, c.in), optest.RandomTensor(uint64(10*i+1), c.in, c.out)}
		if c.bias {
			in = append(in, optest.RandomTensor(uint64(10*i+2), c.out))
		}
		f := func(_ *gorgonia.ExprGraph, n []*gorgonia.Node) (*gorgonia.Node, error) {
			if len(n) == 3 {
				return nn.Dense(n[0], n[1], n[2])
			}
			return nn.Dense(n[0], n[1], nil)
		}
		if err := optest.GradCheck(in, f, 1e-6, uint64(i)); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestFlattenGradients(t *testing.T) {
	in := []*tensor.Dense{optest.RandomTensor(3, 2, 3, 4, 5)}
	f := func(_ *gorgonia.ExprGraph, n []*gorgonia.Node) (*gorgonia.Node, error) { return nn.Flatten(n[0]) }
	if err := optest.GradCheck(in, f, 1e-6, 1); err != nil {
		t.Error(err)
	}
}

// Dense computes what Gorgonia's Mul followed by BroadcastAdd computes, in float32 (the
// project's GEMM) and float64 (gonum's).
func TestDenseMatchesMulAdd(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		g := gorgonia.NewGraph()
		mk := func(name string, s ...int) *gorgonia.Node {
			v := optest.Dense(dt, optest.Floats(t, optest.RandomTensor(uint64(len(name)), s...)), s...)
			return gorgonia.NodeFromAny(g, v, gorgonia.WithName(name))
		}
		x, w, b := mk("x", 6, 9), mk("ww", 9, 4), mk("bbb", 4)
		got, err := nn.Dense(x, w, b)
		if err != nil {
			t.Fatal(err)
		}
		xw, err := gorgonia.Mul(x, w)
		if err != nil {
			t.Fatal(err)
		}
		want, err := gorgonia.BroadcastAdd(xw, b, nil, []byte{0})
		if err != nil {
			t.Fatal(err)
		}
		optest.RunGraph(t, g)
		gd, wd := optest.Floats(t, got.Value()), optest.Floats(t, want.Value())
		if !got.Shape().Eq(tensor.Shape{6, 4}) {
			t.Errorf("%v: shape %v, want (6, 4)", dt, got.Shape())
		}
		for i := range wd {
			if math.Abs(gd[i]-wd[i]) > 1e-5*math.Max(1, math.Abs(wd[i])) {
				t.Fatalf("%v: element %d is %g, Mul+BroadcastAdd gives %g", dt, i, gd[i], wd[i])
			}
		}
	}
}

func TestDenseAndFlattenErrors(t *testing.T) {
	f32 := tensor.Float32
	optest.Errors(t, []optest.ErrorCase{
		optest.Bad("features", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return nn.Dense(optest.Node(g, "x", f32, 2, 3), optest.Node(g, "w", f32, 4, 5), nil)
		}, "graph: Dense: x (2, 3) has 3 features but w (4, 5) takes 4"),
		optest.Bad("bias", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return nn.Dense(optest.Node(g, "x", f32, 2, 3), optest.Node(g, "w", f32, 3, 5), optest.Node(g, "b", f32, 4))
		}, "graph: Dense: bias (4) must be a vector of 5, one per column of w (3, 5)"),
		optest.Bad("vector", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return nn.Dense(optest.Node(g, "v", f32, 3), optest.Node(g, "w", f32, 3, 5), nil)
		}, "graph: Dense: x must be 2-D (n, in), got shape (3) (rank 1)"),
		optest.Bad("flatten", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return nn.Flatten(optest.Node(g, "v", f32, 3))
		}, "graph: Flatten: x has shape (3); want at least 2 dimensions"),
	})
}
