package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// The benchmarks of the hot ops at LeNet's shapes (batch 256, float32), each with the
// project's op and the Gorgonia primitives it replaces, so that one command gives the
// ratios:
//
//	go test -run '^$' -bench 'LeNet' -benchtime 20x ./graph/nn/
//
// "fwd" runs the forward pass; "fwdbwd" also backpropagates a fixed output gradient
// (gorgonia.Backpropagate, no loss op) to the parameters and, where a layer needs it,
// to the input. Machines compile only the nodes the outputs need (NewMachineFor).

// benchRandom returns a named float32 node of the given shape, uniform in [-0.5, 0.5).
func benchRandom(g *gorgonia.ExprGraph, rng *rand.Rand, name string, shape ...int) *gorgonia.Node {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = rng.Float32() - 0.5
	}
	return gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v)), gorgonia.WithName(name))
}

// benchRun builds y = build(g) and, when backward, the gradients of y with respect to
// wrt for a fixed random dL/dy, and times RunAll.
func benchRun(b *testing.B, backward bool, build func(g *gorgonia.ExprGraph, rng *rand.Rand) (y *gorgonia.Node, wrt []*gorgonia.Node, err error)) {
	b.Helper()
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewPCG(1, 2))
	y, wrt, err := build(g, rng)
	if err != nil {
		b.Fatal(err)
	}
	outputs := []*gorgonia.Node{y}
	if backward {
		dy := benchRandom(g, rng, "dy", y.Shape()...)
		grads, err := gorgonia.Backpropagate(gorgonia.Nodes{y}, gorgonia.Nodes{dy}, wrt)
		if err != nil {
			b.Fatal(err)
		}
		outputs = append(outputs, grads...)
	}
	m, err := device.NewMachineFor(outputs, device.CPU)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	optest.Loop(b, m)
}

func benchPasses(b *testing.B, name string, run func(b *testing.B, backward bool)) {
	for _, backward := range []bool{false, true} {
		pass := "fwd"
		if backward {
			pass = "fwdbwd"
		}
		b.Run(name+"/"+pass, func(b *testing.B) { run(b, backward) })
	}
}

// BenchmarkConvLeNet times LeNet's two convolutions with their bias: FusedConv2D against
// Conv2D + BroadcastAdd. The first layer's input is the data, so its backward pass
// computes dL/dw and dL/db only; the second's also dL/dx.
func BenchmarkConvLeNet(b *testing.B) {
	defer gorgonia.Use(gorgonia.WhichBLAS())
	device.UseBLAS()
	layers := []struct {
		name string
		x, w [4]int
		pad  [2]int
		wrtX bool
	}{
		{"conv1", [4]int{256, 1, 28, 28}, [4]int{6, 1, 5, 5}, [2]int{2, 2}, false},
		{"conv2", [4]int{256, 6, 14, 14}, [4]int{16, 6, 5, 5}, [2]int{0, 0}, true},
	}
	for _, l := range layers {
		for _, ops := range AllOps {
			benchPasses(b, l.name+"/"+ops.String(), func(b *testing.B, backward bool) {
				benchRun(b, backward, func(g *gorgonia.ExprGraph, rng *rand.Rand) (*gorgonia.Node, []*gorgonia.Node, error) {
					x, w := benchRandom(g, rng, "x", l.x[:]...), benchRandom(g, rng, "w", l.w[:]...)
					bias := benchRandom(g, rng, "b", 1, l.w[0], 1, 1)
					wrt := []*gorgonia.Node{w, bias}
					if l.wrtX {
						wrt = append(wrt, x)
					}
					var y *gorgonia.Node
					var err error
					if ops == FastOps {
						y, err = FusedConv2D(x, w, bias, l.pad, [2]int{1, 1})
					} else {
						y, err = fcGorgonia(l.pad, [2]int{1, 1})(g, []*gorgonia.Node{x, w, bias})
					}
					return y, wrt, err
				})
			})
		}
	}
}

// BenchmarkActivationLeNet times the activations at LeNet's largest shapes: ReLU after
// the first convolution, Sigmoid after the second (ReLU and Sigmoid against Gorgonia's
// Rectify and Sigmoid).
func BenchmarkActivationLeNet(b *testing.B) {
	cases := []struct {
		name     string
		shape    []int
		fast     func(*gorgonia.Node) (*gorgonia.Node, error)
		gorgonia func(*gorgonia.Node) (*gorgonia.Node, error)
	}{
		{"relu_256x6x28x28", []int{256, 6, 28, 28}, ReLU, gorgonia.Rectify},
		{"sigmoid_256x16x10x10", []int{256, 16, 10, 10}, Sigmoid, gorgonia.Sigmoid},
	}
	for _, c := range cases {
		for _, ops := range AllOps {
			benchPasses(b, fmt.Sprintf("%s/%v", c.name, ops), func(b *testing.B, backward bool) {
				benchRun(b, backward, func(g *gorgonia.ExprGraph, rng *rand.Rand) (*gorgonia.Node, []*gorgonia.Node, error) {
					x := benchRandom(g, rng, "x", c.shape...)
					f := c.fast
					if ops == GorgoniaOps {
						f = c.gorgonia
					}
					y, err := f(x)
					return y, []*gorgonia.Node{x}, err
				})
			})
		}
	}
}
