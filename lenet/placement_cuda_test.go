//go:build cuda

package lenet

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	_ "github.com/d2l-go/convnets/gpu/cudaop" // the GPU versions of the ops
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit"
)

// In a cuda build, every op of LeNet's training graph set to a GPU, gradients included,
// has a CUDA version (so Gorgonia runs it on the device), except the loss and its
// gradient, which run on the host on a (B, 10) matrix; a graph left on the CPU has no
// op with one. It needs no GPU: it inspects the graph.
func TestGPUGraphPlacement(t *testing.T) {
	for _, v := range Presets {
		spec, err := ParseSpec(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, dev := range []device.Device{device.CPU, device.GPU(0)} {
			g := gorgonia.NewGraph()
			device.SetDevice(g, dev)
			net, err := NewNet(g, "", spec, tensor.Float32, nn.FastOps, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(8, 1, Height, Width), gorgonia.WithName("x"))
			y := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(8, Classes), gorgonia.WithName("y"))
			w := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(8), gorgonia.WithName("w"))
			logits, err := net.Forward(x)
			if err != nil {
				t.Fatal(err)
			}
			loss, err := nn.SoftmaxCrossEntropy(logits, y, w)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := gorgonia.Grad(loss, net.Params()...); err != nil {
				t.Fatal(err)
			}
			onDev, onHost := 0, map[string]bool{}
			for _, n := range g.AllNodes() {
				if n.Op() == nil {
					continue
				}
				if _, ok := n.Op().(gorgonia.CUDADoer); ok {
					onDev++
					continue
				}
				name := fmt.Sprintf("%T", n.Op())
				if op, ok := n.Op().(*opkit.Op); ok {
					name = op.OpSpec().Name
				}
				onHost[name] = true
			}
			if !dev.IsGPU() {
				if onDev != 0 {
					t.Errorf("%s on cpu: %d ops would run on the GPU", v, onDev)
				}
				continue
			}
			for typ := range onHost {
				switch typ {
				case "SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad", "gorgonia.constantScalar":
				default:
					t.Errorf("%s on %v: %s has no CUDA version", v, dev, typ)
				}
			}
			if onDev < 20 {
				t.Errorf("%s on %v: only %d ops on the GPU", v, dev, onDev)
			}
		}
	}
}
