//go:build wasm

package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPortableNearGeneric checks the WebAssembly kernels against the generic ones,
// which give the assembly's bits: each element within a few float32 roundings of the
// sum of the absolute products. Run it under Node:
//
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test -run Portable ./internal/gemm
func TestPortableNearGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, k := range []int{1, 7, 25, 150, 400, 2048} {
		a, b := randSlice(rng, mr*k), randSlice(rng, nr*k)
		got, want := make([]float32, mr*nr), make([]float32, mr*nr)
		for _, beta := range []float32{0, 0.5} {
			kernelPortable(k, a, b, nr, got, nr, 1.5, beta)
			kernelGeneric(k, a, b, nr, want, nr, 1.5, beta)
			for i := range mr {
				for j := range nr {
					var abs float64
					for p := range k {
						abs += math.Abs(float64(a[p*mr+i]) * float64(b[p*nr+j]))
					}
					if d := math.Abs(float64(got[i*nr+j] - want[i*nr+j])); d > 4*1.5*abs*0x1p-24*math.Sqrt(float64(k))+1e-30 {
						t.Errorf("k %d, beta %v, (%d, %d): %v, generic %v", k, beta, i, j, got[i*nr+j], want[i*nr+j])
					}
				}
			}
		}
		if k%8 != 0 {
			continue
		}
		var ar [3][]float32
		var br [4][]float32
		for i := range ar {
			ar[i] = randSlice(rng, k)
		}
		for j := range br {
			br[j] = randSlice(rng, k)
		}
		var g, w [12]float32
		dotPortable(k, &ar, &br, &g)
		dotGeneric(k, &ar, &br, &w)
		for q := range g {
			var abs float64
			for p := range k {
				abs += math.Abs(float64(ar[q/4][p]) * float64(br[q%4][p]))
			}
			if d := math.Abs(float64(g[q] - w[q])); d > 4*abs*0x1p-24*math.Sqrt(float64(k)) {
				t.Errorf("dot, k %d, %d: %v, generic %v", k, q, g[q], w[q])
			}
		}
	}
}
