package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit"
)

// workersNet builds a small network of every op that shares work out (convolution,
// activations, pooling, dense) and its loss's gradients in a graph with the given
// workers setting, and returns the graph, the loss and the gradient nodes. The tensors
// are large enough for the convolution, the sigmoid, the pooling and the dense product
// to share their work out by default.
func workersNet(t *testing.T, workers int) (*gorgonia.ExprGraph, *gorgonia.Node, gorgonia.Nodes) {
	t.Helper()
	g := gorgonia.NewGraph()
	device.SetWorkers(g, workers)
	const n = 16
	rng := rand.New(rand.NewPCG(1, 2))
	val := func(shape ...int) *tensor.Dense {
		v := make([]float32, tensor.Shape(shape).TotalSize())
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithName("x"), gorgonia.WithValue(val(n, 2, 16, 16)))
	w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithName("w"), gorgonia.WithValue(val(8, 2, 3, 3)))
	b := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithName("b"), gorgonia.WithValue(val(8)))
	dw := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithName("dw"), gorgonia.WithValue(val(8*8*8, 64)))
	y := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithName("y"), gorgonia.WithValue(val(n, 64)))
	rw := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithName("rw"), gorgonia.WithValue(val(n)))
	must := func(n *gorgonia.Node, err error) *gorgonia.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	h := must(nn.FusedConv2D(x, w, b, [2]int{1, 1}, [2]int{1, 1}))
	h = must(nn.Sigmoid(h))
	h = must(AvgPool2D(h, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}))
	h = must(nn.ReLU(h))
	h = must(nn.Flatten(h))
	h = must(nn.Dense(h, dw, nil))
	loss := must(nn.SoftmaxCrossEntropy(h, y, rw))
	grads, err := gorgonia.Grad(loss, x, w, b, dw)
	if err != nil {
		t.Fatal(err)
	}
	return g, loss, grads
}

// Every op built in a graph, gradients included, takes the graph's workers setting.
func TestOpsTakeTheGraphsWorkers(t *testing.T) {
	g, _, _ := workersNet(t, 1)
	seen := map[string]bool{}
	for _, n := range g.AllNodes() {
		op, ok := n.Op().(*opkit.Op)
		if !ok {
			continue
		}
		seen[op.OpSpec().Name] = true
		if op.Workers() != 1 {
			t.Errorf("%v has workers %d, want the graph's 1", op, op.Workers())
		}
	}
	for _, name := range []string{"FusedConv2D", "FusedConv2DGradX", "FusedConv2DGradW", "FusedConv2DGradB", "Sigmoid", "SigmoidGrad", "AvgPool2D", "AvgPool2DGrad", "ReLU", "ReLUGrad", "Dense", "DenseGradX", "DenseGradW"} {
		if !seen[name] {
			t.Errorf("no %s op in the graph (ops: %v)", name, seen)
		}
	}
}

// Values and gradients are the same to the bit for any workers setting and any
// GOMAXPROCS: the ops share work out in pieces fixed by the shapes alone, and sum them in
// a fixed order.
func TestWorkersDoNotChangeResults(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	run := func(workers, procs int) []float32 {
		runtime.GOMAXPROCS(procs)
		g, loss, grads := workersNet(t, workers)
		vm, err := device.NewMachine(g, device.CPU)
		if err != nil {
			t.Fatal(err)
		}
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		out := []float32{float32(*loss.Value().(*gorgonia.F32))}
		for _, gn := range grads {
			out = append(out, gn.Value().Data().([]float32)...)
		}
		return out
	}
	want := run(0, 1)
	for _, c := range []struct{ workers, procs int }{{1, 4}, {0, 2}, {0, 4}, {2, 1}, {3, 2}, {8, 8}} {
		got := run(c.workers, c.procs)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: value %d is %v, at GOMAXPROCS 1 with the default setting %v", fmt.Sprintf("workers %d, GOMAXPROCS %d", c.workers, c.procs), i, got[i], want[i])
			}
		}
	}
}
