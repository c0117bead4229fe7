package layers

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// BenchmarkLinearLeNet times LeNet's three dense layers at batch 256 (float32), forward
// and backward (a fixed dL/dy backpropagated to x, W and b), with the BLAS the project
// installs (device.BLAS: the AVX2 GEMM) and with gonum's pure-Go BLAS:
//
//	go test -run '^$' -bench LinearLeNet -benchtime 50x ./layers/
func BenchmarkLinearLeNet(b *testing.B) {
	defer gorgonia.Use(gorgonia.WhichBLAS())
	for _, c := range []struct {
		name    string
		in, out int
	}{{"fc1_400x120", 400, 120}, {"fc2_120x84", 120, 84}, {"fc3_84x10", 84, 10}} {
		for _, blas := range []struct {
			name string
			impl gorgonia.BLAS
		}{{"fast", device.BLAS{}}, {"gonum", gonum.Implementation{}}} {
			b.Run(c.name+"/"+blas.name, func(b *testing.B) {
				gorgonia.Use(blas.impl)
				g := gorgonia.NewGraph()
				l, err := NewLinear(g, "fc", c.in, c.out, tensor.Float32, seeded(1))
				if err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				rnd := func(name string, shape ...int) *gorgonia.Node {
					v := make([]float32, shape[0]*shape[1])
					for i := range v {
						v[i] = rng.Float32() - 0.5
					}
					return gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v)), gorgonia.WithName(name))
				}
				x := rnd("x", 256, c.in)
				y, err := l.Forward(x)
				if err != nil {
					b.Fatal(err)
				}
				grads, err := gorgonia.Backpropagate(gorgonia.Nodes{y}, gorgonia.Nodes{rnd("dy", 256, c.out)}, gorgonia.Nodes{x, l.Weight(), l.Bias()})
				if err != nil {
					b.Fatal(err)
				}
				m, err := device.NewMachineFor(append(grads, y), device.CPU)
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close()
				optest.Loop(b, m)
			})
		}
	}
}
