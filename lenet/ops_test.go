package lenet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/d2l-go/convnets/graph/nn"
)

// syntheticBatch returns n 28x28 images in [0, 1] with a black border four pixels wide
// (as in Fashion-MNIST, so that the first convolution meets all-zero windows and ReLU
// meets exact zeros), and n labels.
func syntheticBatch(seed uint64, n int) ([]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 5))
	x := make([]float32, n*Height*Width)
	labels := make([]int, n)
	for i := range n {
		labels[i] = rng.IntN(Classes)
		for r := 4; r < Height-4; r++ {
			for c := 4; c < Width-4; c++ {
				x[(i*Height+r)*Width+c] = rng.Float32()
			}
		}
	}
	return x, labels
}

// TestBothOpsTrainAlike: the network built from the project's ops and the one built
// from Gorgonia's primitives (Config.Ops) give the same losses, the same predictions and
// the same parameters, step after step, for both presets and a network with tanh,
// strides, rectangles and padded max pooling: the two paths compute the same outputs
// and gradients.
func TestBothOpsTrainAlike(t *testing.T) {
	for _, v := range append(slices.Clone(Presets), "conv4k3x5p1x2s2-tanh-max3s2p1-conv8k3-sigmoid-avg2-dense24-tanh") {
		spec, err := ParseSpec(v)
		if err != nil {
			t.Fatal(err)
		}
		cs := make([]*Classifier, len(nn.AllOps))
		for i, ops := range nn.AllOps {
			cs[i] = newClassifier(t, Config{Spec: spec, BatchSize: 16, EvalBatch: 8, Seed: 3, Ops: ops})
		}
		for step := range 4 {
			x, labels := syntheticBatch(uint64(step), 16-step) // the last batches are partial
			var losses [2]float64
			var correct [2]int
			for i, c := range cs {
				var err error
				if losses[i], correct[i], err = c.TrainBatch(x, labels, spec.LearningRate()); err != nil {
					t.Fatal(err)
				}
			}
			name := fmt.Sprintf("%s step %d", v, step)
			if math.Abs(losses[0]-losses[1]) > 1e-5 || correct[0] != correct[1] {
				t.Errorf("%s: fast gives loss %v (%d correct), Gorgonia's ops %v (%d correct)", name, losses[0], correct[0], losses[1], correct[1])
			}
			for k, p := range cs[0].Params() {
				a, b := f32(p), f32(cs[1].Params()[k])
				for j := range a {
					if d := math.Abs(float64(a[j] - b[j])); d > 1e-5 {
						t.Fatalf("%s: %s[%d] is %v with the fast ops, %v with Gorgonia's (|diff| %.2g)", name, p.Name(), j, a[j], b[j], d)
					}
				}
			}
		}
		x, _ := syntheticBatch(99, 10)
		la, err := cs[0].Logits(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := cs[1].Logits(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		for j := range la {
			if math.Abs(float64(la[j]-lb[j])) > 1e-4 {
				t.Fatalf("%s: logit %d is %v with the fast ops, %v with Gorgonia's", v, j, la[j], lb[j])
			}
		}
	}
}
