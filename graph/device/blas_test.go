package device

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestUseBLAS: importing the package changes no BLAS; UseBLAS installs BLAS for
// Gorgonia and its tensor package. (No other test of the package calls UseBLAS.)
func TestUseBLAS(t *testing.T) {
	if _, ok := gorgonia.WhichBLAS().(BLAS); ok {
		t.Fatal("gorgonia.WhichBLAS() is BLAS before UseBLAS; importing the package must not change it")
	}
	UseBLAS()
	if _, ok := gorgonia.WhichBLAS().(BLAS); !ok {
		t.Fatalf("gorgonia.WhichBLAS() is %T; UseBLAS should install BLAS", gorgonia.WhichBLAS())
	}
	if _, ok := tensor.WhichBLAS().(BLAS); !ok {
		t.Fatalf("tensor.WhichBLAS() is %T; UseBLAS should install BLAS", tensor.WhichBLAS())
	}
}

// TestBLASSgemmMatchesGonum compares BLAS.Sgemm with gonum's on every transpose
// combination, with padded strides, alpha and beta.
func TestBLASSgemmMatchesGonum(t *testing.T) {
	flags := []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	sizes := [][3]int{{1, 1, 1}, {7, 5, 3}, {6, 120, 400}, {256, 84, 120}, {16, 150, 100}}
	for _, sz := range sizes {
		for _, tA := range flags {
			for _, tB := range flags {
				m, n, k := sz[0], sz[1], sz[2]
				name := fmt.Sprintf("%dx%dx%d_%c%c", m, n, k, tA, tB)
				ar, ac := m, k
				if tA != blas.NoTrans {
					ar, ac = k, m
				}
				br, bc := k, n
				if tB != blas.NoTrans {
					br, bc = n, k
				}
				lda, ldb, ldc := ac+2, bc+1, n+3
				a, b, c := rnd(ar*lda), rnd(br*ldb), rnd(m*ldc)
				want := append([]float32(nil), c...)
				gonum.Implementation{}.Sgemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, -1.5, want, ldc)
				BLAS{}.Sgemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, -1.5, c, ldc)
				for i := range c {
					tol := 1e-5 * float64(k+1)
					if d := math.Abs(float64(c[i] - want[i])); d > tol {
						t.Fatalf("%s: element %d is %v, gonum gives %v (|diff| %.3g > %.3g)", name, i, c[i], want[i], d, tol)
					}
				}
			}
		}
	}
}

func TestBLASSgemmBadFlagPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != "graph: BLAS.Sgemm: bad transpose flag" {
			t.Fatalf("recovered %v; want the bad-flag panic", r)
		}
	}()
	a := []float32{1}
	BLAS{}.Sgemm(blas.Transpose('x'), blas.NoTrans, 1, 1, 1, 1, a, 1, a, 1, 0, []float32{0}, 1)
}
