//go:build gpuemu

package kernelhost_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/gpu/kernelhost"
	cgraph "github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/lenet"
)

// Tolerances of the op kernels against the CPU ops, relative to the largest magnitude
// of the CPU's result. The kernels sum in another order than the CPU ops (which use
// blocked, vectorised products); two orders of a float32 sum of K terms differ by about
// sqrt(K)·2^-24 of the terms' size in practice (K·2^-24 at worst). LeNet's longest sums
// are the filter gradients of conv2 (K = batch·10·10 = 800 at batch 8) and of conv1
// (8·28·28 = 6272): sqrt(6272)·6e-8 ≈ 5e-6, so 2e-5 leaves a factor 4. The sigmoid's
// exponential is exp2f here and a 2-ulp polynomial on the CPU, a few ulp apart (1e-6
// covers them, and the GPU's ex2.approx, 2^-22 relative, too). ReLU and max pooling
// compute no sum: they must agree to the bit.
var opTolerance = map[string]float64{
	"conv_fwd": 2e-5, "conv_bwd_data": 2e-5, "conv_bwd_filter": 2e-5, "conv_bwd_bias": 2e-5,
	"gemm": 2e-5, "colsum": 2e-5, "pool_fwd": 2e-6, "pool_bwd": 2e-6, "act_fwd": 1e-6, "act_bwd": 1e-6,
}

// bitExact reports whether a launch must agree with the CPU to the bit: ReLU and its
// gradient, and max pooling (kind 0 of all three), which round nothing.
func bitExact(l opkit.Launch) bool {
	kind := l.Args[len(l.Args)-1]
	return (l.Kernel == "act_fwd" || l.Kernel == "act_bwd" || l.Kernel == "pool_fwd") && kind == 0
}

// net builds a network's loss in g and returns it with the nodes to differentiate.
type net func(g *gorgonia.ExprGraph, rng *rand.Rand) (*gorgonia.Node, gorgonia.Nodes, error)

// lenetNet is LeNet (classic or modern) on a batch of 8 images with its loss, as the
// trainer builds it; the gradients are taken with respect to the parameters.
func lenetNet(v lenet.Spec) net {
	return func(g *gorgonia.ExprGraph, rng *rand.Rand) (*gorgonia.Node, gorgonia.Nodes, error) {
		const b = 8
		s, err := lenet.NewNet(g, "", v, tensor.Float32, nn.FastOps, rng)
		if err != nil {
			return nil, nil, err
		}
		x := input(g, rng, "x", b, 1, lenet.Height, lenet.Width)
		logits, err := s.Forward(x)
		if err != nil {
			return nil, nil, err
		}
		loss, err := xentLoss(g, rng, logits, b, lenet.Classes)
		return loss, s.Params(), err
	}
}

// oddNet covers what LeNet does not: a strided, unevenly padded convolution, an
// overlapping max pooling, a 1x1 convolution without bias, an average pooling with
// padding and an uneven stride, products whose sizes are no multiple of the 16x16
// tiles, and the gradient with respect to the input.
func oddNet(g *gorgonia.ExprGraph, rng *rand.Rand) (*gorgonia.Node, gorgonia.Nodes, error) {
	x := input(g, rng, "x", 3, 2, 11, 9)
	w1, b1 := input(g, rng, "w1", 4, 2, 3, 2), input(g, rng, "b1", 4)
	w2 := input(g, rng, "w2", 5, 4, 1, 1)
	w3, b3 := input(g, rng, "w3", 80, 19), input(g, rng, "b3", 19)
	w4 := input(g, rng, "w4", 19, 5)
	steps := []func(*gorgonia.Node) (*gorgonia.Node, error){
		func(h *gorgonia.Node) (*gorgonia.Node, error) {
			return nn.FusedConv2D(h, w1, b1, [2]int{1, 2}, [2]int{2, 1})
		},
		nn.ReLU,
		func(h *gorgonia.Node) (*gorgonia.Node, error) {
			return cgraph.MaxPool2D(h, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2})
		},
		func(h *gorgonia.Node) (*gorgonia.Node, error) {
			return nn.FusedConv2D(h, w2, nil, [2]int{}, [2]int{1, 1})
		},
		nn.Sigmoid,
		func(h *gorgonia.Node) (*gorgonia.Node, error) {
			return cgraph.AvgPool2D(h, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 2})
		},
		nn.Flatten,
		func(h *gorgonia.Node) (*gorgonia.Node, error) { return nn.Dense(h, w3, b3) },
		nn.Sigmoid,
		func(h *gorgonia.Node) (*gorgonia.Node, error) { return nn.Dense(h, w4, nil) },
	}
	h := x
	for i, f := range steps {
		var err error
		if h, err = f(h); err != nil {
			return nil, nil, fmt.Errorf("step %d: %w", i, err)
		}
	}
	loss, err := xentLoss(g, rng, h, 3, 5)
	return loss, gorgonia.Nodes{x, w1, b1, w2, w3, b3, w4}, err
}

// input is a float32 node of the given shape holding values in [-1, 1).
func input(g *gorgonia.ExprGraph, rng *rand.Rand, name string, shape ...int) *gorgonia.Node {
	v := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(uniform(rng, tensor.Shape(shape).TotalSize())))
	return gorgonia.NodeFromAny(g, v, gorgonia.WithName(name))
}

func uniform(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*rng.Float32() - 1
	}
	return v
}

// xentLoss is the batch-mean softmax cross-entropy of logits (b, k) against random
// classes.
func xentLoss(g *gorgonia.ExprGraph, rng *rand.Rand, logits *gorgonia.Node, b, k int) (*gorgonia.Node, error) {
	t, w := make([]float32, b*k), make([]float32, b)
	for i := range b {
		t[i*k+rng.IntN(k)] = 1
		w[i] = 1 / float32(b)
	}
	tn := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(b, k), tensor.WithBacking(t)), gorgonia.WithName("t"))
	wn := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(b), tensor.WithBacking(w)), gorgonia.WithName("w"))
	return nn.SoftmaxCrossEntropy(logits, tn, wn)
}

// Every op with a GPU version in LeNet's training graphs (classic: sigmoid and average
// pooling; modern: ReLU and max pooling), and in a graph of uneven geometry, runs its
// kernel in the host emulation with the launch its OpSpec gives the cuda build, on the
// operands the CPU graph computed; the result must be the CPU op's.
func TestOpKernelsMatchCPU(t *testing.T) {
	driver(t) // without g++ the whole test skips, not only its cases
	cases := []struct {
		name string
		net  net
	}{{"classic", lenetNet(lenet.ClassicSpec())}, {"modern", lenetNet(lenet.ModernSpec())}, {"uneven", oddNet}}
	all := stats{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			driver(t)
			g := gorgonia.NewGraph()
			loss, wrt, err := c.net(g, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := gorgonia.Grad(loss, wrt...); err != nil {
				t.Fatal(err)
			}
			runCPU(t, g)
			st := stats{}
			for _, n := range g.AllNodes() {
				op, ok := n.Op().(*opkit.Op)
				if !ok || op.OpSpec().GPU == nil {
					continue
				}
				k, d := checkNode(t, g, n, op)
				if k == "" {
					continue
				}
				st.add(k, d)
				all.add(k, d)
			}
			if len(st) == 0 {
				t.Fatal("no op of the graph has a GPU version")
			}
			st.log(t)
		})
	}
	for _, k := range []string{"conv_fwd", "conv_bwd_data", "conv_bwd_filter", "conv_bwd_bias", "act_fwd", "act_bwd",
		"pool_fwd", "pool_bwd", "gemm", "colsum"} {
		if _, ok := all[k]; !ok && !t.Failed() {
			t.Errorf("no op of the graphs ran %s", k)
		}
	}
}

// checkNode runs n's kernel on its operands' CPU values and compares the result with
// n's CPU value; it returns the kernel and the difference ("" for a copy, which runs no
// kernel).
func checkNode(t *testing.T, g *gorgonia.ExprGraph, n *gorgonia.Node, op *opkit.Op) (string, diff) {
	t.Helper()
	mem, shapes := operands(t, g, n)
	l := op.OpSpec().GPU(shapes, n.Shape())
	if l.Copy {
		return "", diff{}
	}
	want := values(t, n)
	mem = append(mem, nans(len(want)))
	run(t, l, mem, len(mem)-1)
	d := compare(kernelhost.Float32s(mem[len(mem)-1].Bytes), want)
	tol := opTolerance[l.Kernel]
	switch {
	case !d.ok:
		t.Errorf("%v (%s): NaNs or length differ from the CPU's", n, l.Kernel)
	case bitExact(l) && !d.same:
		t.Errorf("%v (%s): not bit-identical to the CPU (max diff %.3g)", n, l.Kernel, d.abs)
	case d.rel > tol:
		t.Errorf("%v (%s): max |gpu-cpu| %.3g is %.3g of the largest value, over %.3g", n, l.Kernel, d.abs, d.rel, tol)
	}
	return l.Kernel, d
}

// runCPU runs g on the CPU, keeping every node's value (TraceExec).
func runCPU(t *testing.T, g *gorgonia.ExprGraph) {
	t.Helper()
	vm := gorgonia.NewTapeMachine(g, gorgonia.TraceExec())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// operands returns the CPU values of n's operands as buffers, and their shapes.
func operands(t *testing.T, g *gorgonia.ExprGraph, n *gorgonia.Node) ([]kernelhost.Buffer, []tensor.Shape) {
	t.Helper()
	var mem []kernelhost.Buffer
	var shapes []tensor.Shape
	for it := g.From(n.ID()); it.Next(); {
		c := it.Node().(*gorgonia.Node)
		mem = append(mem, kernelhost.Buffer{Bytes: kernelhost.Bytes(values(t, c))})
		shapes = append(shapes, c.Shape())
	}
	return mem, shapes
}

// values returns a node's float32 values.
func values(t *testing.T, n *gorgonia.Node) []float32 {
	t.Helper()
	switch v := n.Value().(type) {
	case *tensor.Dense:
		return v.Float32s()
	case *gorgonia.F32:
		return []float32{float32(*v)}
	}
	t.Fatalf("%v holds %T, want float32 values", n, n.Value())
	return nil
}

// act_fwd's ReLU keeps a NaN and turns -0 into +0, as graph/nn's ReLU does.
func TestReLUKernelSpecialValues(t *testing.T) {
	driver(t)
	x := []float32{float32(math.NaN()), -1, 2, float32(negZero()), 0}
	g := gorgonia.NewGraph()
	y, err := nn.ReLU(gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(len(x)), tensor.WithBacking(x)), gorgonia.WithName("x")))
	if err != nil {
		t.Fatal(err)
	}
	runCPU(t, g)
	l := y.Op().(*opkit.Op).OpSpec().GPU([]tensor.Shape{{len(x)}}, y.Shape())
	mem := []kernelhost.Buffer{{Bytes: kernelhost.Bytes(x)}, nans(len(x))}
	run(t, l, mem, 1)
	if got, want := kernelhost.Float32s(mem[1].Bytes), values(t, y); !compare(got, want).same {
		t.Errorf("ReLU of %v: kernel %v, CPU %v", x, got, want)
	}
}

func negZero() float64 { return math.Copysign(0, -1) }
