package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// linearRun builds a float32 Linear layer (in -> out) on an (n, in) input, takes the
// gradient of sum(y ⊙ r) for fixed r with respect to x, W and b, runs it with whatever
// BLAS Gorgonia uses now, and returns y, dx, dW and db.
func linearRun(t *testing.T, n, in, out int) [4][]float64 {
	t.Helper()
	g := gorgonia.NewGraph()
	l, err := NewLinear(g, "fc", in, out, tensor.Float32, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	rng := seeded(6)
	copy(l.Bias().Value().Data().([]float32), f32s(uniform(rng, out)))
	x := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(n, in), tensor.WithBacking(f32s(uniform(rng, n*in)))), gorgonia.WithName("x"))
	y := forward(t, l, x)
	r := gorgonia.NodeFromAny(g, tensor.New(tensor.WithShape(n, out), tensor.WithBacking(f32s(uniform(rng, n*out)))), gorgonia.WithName("r"))
	prod, err := gorgonia.HadamardProd(y, r)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := gorgonia.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := gorgonia.Grad(loss, x, l.Weight(), l.Bias())
	if err != nil {
		t.Fatal(err)
	}
	optest.RunGraph(t, g)
	return [4][]float64{values64(t, y.Value()), values64(t, grads[0].Value()), values64(t, grads[1].Value()), values64(t, grads[2].Value())}
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, f := range v {
		out[i] = float32(f)
	}
	return out
}

// TestLinearSameWithFastBLAS: the float32 Linear layer gives the same values and
// gradients with device.BLAS (what device.UseBLAS installs) as with gonum's BLAS, at
// LeNet's shapes (large enough for the parallel paths) and small ragged ones.
func TestLinearSameWithFastBLAS(t *testing.T) {
	defer gorgonia.Use(gorgonia.WhichBLAS())
	names := [4]string{"y", "dx", "dW", "db"}
	for i, c := range [][3]int{{256, 400, 120}, {256, 120, 84}, {256, 84, 10}, {3, 5, 7}} {
		gorgonia.Use(device.BLAS{})
		fast := linearRun(t, c[0], c[1], c[2])
		gorgonia.Use(gonum.Implementation{})
		ref := linearRun(t, c[0], c[1], c[2])
		for j := range fast {
			if len(fast[j]) != len(ref[j]) {
				t.Fatalf("case %d %v: %s has %d values, gonum %d", i, c, names[j], len(fast[j]), len(ref[j]))
			}
			for e := range fast[j] {
				tol := 1e-5 * math.Max(1, math.Abs(ref[j][e])) * math.Sqrt(float64(c[1]))
				if d := math.Abs(fast[j][e] - ref[j][e]); d > tol || math.IsNaN(fast[j][e]) {
					t.Fatalf("case %d %v: %s[%d] = %v, with gonum %v (|diff| %.3g > %.3g)", i, c, names[j], e, fast[j][e], ref[j][e], d, tol)
				}
			}
		}
	}
}

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
