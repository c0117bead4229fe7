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
