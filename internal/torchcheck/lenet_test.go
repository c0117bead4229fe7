package torchcheck

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit/optest"
	"github.com/d2l-go/convnets/lenet"
)

// lenetRecords runs the whole LeNet, both variants, with both implementations of its
// ops: built by lenet.NewNet in float64 and float32 (the gradients of the weighted
// loss with respect to every parameter and the images), and as lenet.Classifier trains
// it (float32, a partial batch, the gradients its SGD step reads). The cases are
// numbered from index.
func lenetRecords(t *testing.T, index int) []*record {
	t.Helper()
	var recs []*record
	for _, v := range lenet.Presets {
		for _, ops := range nn.AllOps {
			for _, dt := range dtypes {
				recs = append(recs, lenetNetRecord(t, v, ops, dt, index+len(recs)))
			}
			recs = append(recs, lenetTrainerRecord(t, v, ops, index+len(recs)))
		}
	}
	return recs
}

// images is n 28x28 images in [0, 1) with Fashion-MNIST's black border, four pixels wide.
func images(seed uint64, n int) named {
	rng := rand.New(rand.NewPCG(seed, 6))
	h, w := lenet.Height, lenet.Width
	v := make([]float64, n*h*w)
	for i := range n {
		for r := 4; r < h-4; r++ {
			for c := 4; c < w-4; c++ {
				v[(i*h+r)*w+c] = rng.Float64()
			}
		}
	}
	return named{"x", []int{n, 1, h, w}, v}
}

// randomizeBiases replaces the zero biases LeNet starts with by values uniform in
// [-0.5, 0.5), so that the bias paths carry numbers, and returns every parameter's
// name, shape and values.
func randomizeBiases(t *testing.T, params []*gorgonia.Node, seed uint64) []named {
	t.Helper()
	out := make([]named, len(params))
	for i, p := range params {
		if strings.HasSuffix(p.Name(), ".bias") {
			v := optest.Uniform(seed+uint64(i), p.Shape().TotalSize(), 0.5)
			switch d := p.Value().Data().(type) {
			case []float32:
				for j := range d {
					d[j] = float32(v[j])
				}
			case []float64:
				copy(d, v)
			default:
				t.Fatalf("%s holds %T", p.Name(), d)
			}
		}
		out[i] = named{p.Name(), []int(p.Shape()), optest.Floats(t, p.Value())}
	}
	return out
}

// lenetMeta is the metadata of a LeNet case.
func lenetMeta(label, op string, v string, ops nn.Ops, dt tensor.Dtype, index int, inputs, data []named) caseMeta {
	return caseMeta{
		Name:    fmt.Sprintf("LeNet %s %s ops=%s %v", v, label, ops, dt),
		Op:      op,
		DType:   dtypeName(dt),
		Prefix:  fmt.Sprintf("c%03d/", index),
		Attrs:   map[string]any{"variant": v, "ops": ops.String()},
		Inputs:  names(inputs),
		Data:    names(data),
		Outputs: []string{"loss", "logits"},
	}
}

// lenetNetRecord: the network of lenet.NewNet on three images, soft targets and row
// weights (one of them 0), its loss differentiated with respect to every parameter and
// the images.
func lenetNetRecord(t *testing.T, v string, ops nn.Ops, dt tensor.Dtype, index int) *record {
	t.Helper()
	seed := uint64(2000 + index)
	g := gorgonia.NewGraph()
	spec, err := lenet.ParseSpec(v)
	if err != nil {
		t.Fatal(err)
	}
	net, err := lenet.NewNet(g, "", spec, dt, ops, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	params := net.Params()
	x := images(seed, 3)
	x.v = rounded(dt, x.v)
	in := append(randomizeBiases(t, params, seed), x)
	targets := named{"targets", []int{3, lenet.Classes}, rounded(dt, optest.Uniform(seed, 3*lenet.Classes, 0.5))}
	for i := range targets.v {
		targets.v[i] += 0.5 // non-negative; rows need not sum to 1
	}
	data := []named{targets, {"weights", []int{3}, []float64{0.5, 0, 0.25}}}
	nodes := make([]*gorgonia.Node, 3)
	for i, n := range append([]named{x}, data...) {
		nodes[i] = gorgonia.NodeFromAny(g, optest.Dense(dt, n.v, n.shape...), gorgonia.WithName("lenet_"+n.name))
	}
	logits, err := net.Forward(nodes[0])
	if err != nil {
		t.Fatal(err)
	}
	loss, err := nn.SoftmaxCrossEntropy(logits, nodes[1], nodes[2])
	if err != nil {
		t.Fatal(err)
	}
	wrt := append(slices.Clone(params), nodes[0])
	if _, err := gorgonia.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	var lossV, logitsV gorgonia.Value
	gorgonia.Read(loss, &lossV)
	gorgonia.Read(logits, &logitsV)
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	r := &record{
		meta: lenetMeta("NewNet", "lenet", v, ops, dt, index, in, data),
		in:   in, data: data,
		out: []named{{"loss", []int{}, optest.Floats(t, lossV)}, {"logits", []int{3, lenet.Classes}, optest.Floats(t, logitsV)}},
		r:   named{"r", []int{}, []float64{1}},
	}
	for i, n := range wrt {
		d, err := n.Grad()
		if err != nil {
			t.Fatalf("gradient of %s: %v", n.Name(), err)
		}
		r.grad = append(r.grad, named{in[i].name, in[i].shape, optest.Floats(t, d)})
	}
	return r
}

// lenetTrainerRecord: lenet.Classifier's training step on a partial batch (5 images in
// a batch of 8) at learning rate 0: its loss (the mean cross-entropy), the logits of its
// evaluation graph (batches of 4, the last one partial) and the parameters' gradients.
// The images are data: the trainer does not compute their gradient.
func lenetTrainerRecord(t *testing.T, v string, ops nn.Ops, index int) *record {
	t.Helper()
	seed := uint64(2000 + index)
	spec, err := lenet.ParseSpec(v)
	if err != nil {
		t.Fatal(err)
	}
	c, err := lenet.New(lenet.Config{Spec: spec, BatchSize: 8, EvalBatch: 4, Seed: seed, Ops: ops})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	in := randomizeBiases(t, c.Params(), seed)
	const n = 5
	x := images(seed, n)
	x32 := make([]float32, len(x.v))
	for i, p := range x.v {
		x32[i] = float32(p)
	}
	x.v = rounded(tensor.Float32, x.v)
	rng := rand.New(rand.NewPCG(seed, 7))
	labels := make([]int, n)
	targets := named{"targets", []int{n, lenet.Classes}, make([]float64, n*lenet.Classes)}
	weights := named{"weights", []int{n}, make([]float64, n)}
	for i := range labels {
		labels[i] = rng.IntN(lenet.Classes)
		targets.v[i*lenet.Classes+labels[i]] = 1
		weights.v[i] = float64(float32(1) / n) // the trainer's weights
	}
	loss, _, err := c.TrainBatch(x32, labels, 0)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := c.Logits(nil, x32)
	if err != nil {
		t.Fatal(err)
	}
	data := []named{x, targets, weights}
	r := &record{
		meta: lenetMeta("Classifier", "lenet_trainer", v, ops, tensor.Float32, index, in, data),
		in:   in, data: data,
		out: []named{{"loss", []int{}, []float64{loss}}, {"logits", []int{n, lenet.Classes}, widen(t, logits)}},
		r:   named{"r", []int{}, []float64{1}},
	}
	for i, g := range c.Gradients() {
		r.grad = append(r.grad, named{in[i].name, in[i].shape, widen(t, g)})
	}
	return r
}

// widen returns v as float64s.
func widen(t *testing.T, v []float32) []float64 {
	return optest.Floats(t, tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(v)))
}
