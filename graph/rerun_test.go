package graph

import (
	"fmt"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// TestOpsRerun: the project's ops write their results into memory kept from the
// previous run, so running a graph on new inputs must give, bit for bit, what a fresh
// graph gives on them: outputs and gradients of conv, ReLU, pooling and sigmoid.
func TestOpsRerun(t *testing.T) {
	pad, stride := [2]int{2, 2}, [2]int{1, 1}
	for _, dt := range optest.Dtypes {
		// LeNet's first layer on three images, with a (1, co, 1, 1) bias.
		inputs := func(seed uint64) []*tensor.Dense {
			return []*tensor.Dense{
				optest.Dense(dt, optest.Random(seed, 3*28*28), 3, 1, 28, 28),
				optest.Dense(dt, optest.Random(seed+1, 6*25), 6, 1, 5, 5),
				optest.Dense(dt, optest.Random(seed+2, 6), 1, 6, 1, 1),
			}
		}
		first, second := inputs(1000), inputs(2000)
		// run builds the graph on the first input set, runs it on each set in turn and
		// returns the output and the gradients of the last run.
		run := func(sets ...[]*tensor.Dense) [][]float64 {
			g := gorgonia.NewGraph()
			nodes := optest.Nodes(g, sets[0])
			y, err := nn.FusedConv2D(nodes[0], nodes[1], nodes[2], pad, stride)
			if err == nil {
				y, err = nn.ReLU(y)
			}
			if err == nil {
				y, err = AvgPool2D(y, [2]int{2, 2}, [2]int{}, [2]int{2, 2})
			}
			if err == nil {
				y, err = nn.Sigmoid(y)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, grads := optest.SumGrad(t, y, nodes...)
			m := gorgonia.NewTapeMachine(g)
			defer m.Close()
			for _, in := range sets {
				for i, n := range nodes {
					if err := gorgonia.Let(n, in[i].Clone()); err != nil {
						t.Fatal(err)
					}
				}
				m.Reset()
				if err := m.RunAll(); err != nil {
					t.Fatal(err)
				}
			}
			out := [][]float64{optest.Floats(t, y.Value())}
			for _, gn := range grads {
				out = append(out, optest.Floats(t, gn.Value()))
			}
			return out
		}
		fresh, again := run(second), run(first, second)
		for i := range fresh {
			optest.Close(t, fmt.Sprintf("%v value %d", dt, i), again[i], fresh[i], 0)
		}
	}
}
