package nn

import (
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit/optest"
)

func TestSoftmaxCrossEntropyValues(t *testing.T) {
	// Two rows; the second has a zero weight and must not count.
	logits := []float64{1, 2, 3, 1000, -1000, 0}
	targets := []float64{0, 0, 1, 1, 0, 0}
	weights := []float64{0.5, 0}
	// Row 0 by hand: log(e^1+e^2+e^3) - 3.
	want := 0.5 * (math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3)) - 3)
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		g := gorgonia.NewGraph()
		mk := func(name string, data []float64, shape ...int) *gorgonia.Node {
			var v *tensor.Dense
			if dt == tensor.Float32 {
				f := make([]float32, len(data))
				for i, x := range data {
					f[i] = float32(x)
				}
				v = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
			} else {
				v = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), data...)))
			}
			return gorgonia.NodeFromAny(g, v, gorgonia.WithName(name))
		}
		loss, err := SoftmaxCrossEntropy(mk("z", logits, 2, 3), mk("t", targets, 2, 3), mk("w", weights, 2))
		if err != nil {
			t.Fatal(err)
		}
		optest.RunGraph(t, g)
		got := optest.Floats(t, loss.Value())[0]
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("%v: loss %v, want %v", dt, got, want)
		}
	}
}

// Huge logits must not overflow: the loss of a confident right answer is ~0 and of a
// confident wrong answer is the logit gap.
func TestSoftmaxCrossEntropyIsStable(t *testing.T) {
	z := []float32{1e4, 0, 0, 1e4}
	tt := []float32{1, 0, 0, 1}
	if got := xentLoss(z, tt, []float32{1, 1}, 2, 2); got != 0 {
		t.Errorf("right answer: loss %v, want 0", got)
	}
	tt = []float32{0, 1, 1, 0}
	if got := xentLoss(z, tt, []float32{1, 1}, 2, 2); math.Abs(got-2e4) > 1e-3 {
		t.Errorf("wrong answer: loss %v, want 2e4", got)
	}
}

func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	targets := tensor.New(tensor.WithShape(4, 5), tensor.WithBacking([]float64{
		1, 0, 0, 0, 0,
		0, 0, 1, 0, 0,
		0, 0, 0, 0, 1,
		0.2, 0.3, 0, 0.5, 0,
	}))
	weights := tensor.New(tensor.WithShape(4), tensor.WithBacking([]float64{0.25, 0.5, 0, 1}))
	f := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		tn := gorgonia.NodeFromAny(g, targets, gorgonia.WithName("t"))
		wn := gorgonia.NodeFromAny(g, weights, gorgonia.WithName("w"))
		return SoftmaxCrossEntropy(in[0], tn, wn)
	}
	if err := optest.GradCheck([]*tensor.Dense{optest.RandomTensor(5, 4, 5)}, f, 1e-6, 3); err != nil {
		t.Fatal(err)
	}
}

func TestSoftmaxCrossEntropyErrors(t *testing.T) {
	xent := func(zs, ts, ws []int, tt tensor.Dtype) func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
		return func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			var tn *gorgonia.Node
			if ts != nil {
				tn = optest.Node(g, "t", tt, ts...)
			}
			return SoftmaxCrossEntropy(optest.Node(g, "z", tensor.Float32, zs...), tn, optest.Node(g, "w", tensor.Float32, ws...))
		}
	}
	f32 := tensor.Float32
	optest.Errors(t, []optest.ErrorCase{
		optest.Bad("vector logits", xent([]int{4}, []int{4, 10}, []int{4}, f32), "graph: SoftmaxCrossEntropy: logits must be 2-D (n, k), got shape (4) (rank 1)"),
		optest.Bad("targets", xent([]int{4, 10}, []int{4, 9}, []int{4}, f32), "graph: SoftmaxCrossEntropy: targets shape (4, 9) differs from logits shape (4, 10)"),
		optest.Bad("weights", xent([]int{4, 10}, []int{4, 10}, []int{3}, f32), "graph: SoftmaxCrossEntropy: weights must be (4), got shape (3)"),
		optest.Bad("dtypes", xent([]int{4, 10}, []int{4, 10}, []int{4}, tensor.Float64), "graph: SoftmaxCrossEntropy: dtypes differ: logits is float32, targets is float64"),
		optest.Bad("nil", xent([]int{4, 10}, nil, []int{4}, f32), "graph: SoftmaxCrossEntropy: targets is a nil node"),
	})
}
