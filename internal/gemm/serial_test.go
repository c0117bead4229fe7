package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmSerial: SgemmSerial, and SgemmExact on any number of threads, give bit for
// bit what Sgemm gives on one thread, even when Threads() and the split threshold would
// make Sgemm split the product (a k-split would change the rounding), for every
// transpose combination.
func TestSgemmSerial(t *testing.T) {
	splitEverything(t)
	rng := rand.New(rand.NewPCG(21, 22))
	for i, s := range []shape{{7, 9, 1500}, {6, 200, 25}, {200, 20, 30}, {16, 150, 600}, {3, 3, 3}, {5, 40, 2000}, {64, 700, 300}} {
		for combo := range 4 {
			tA, tB := combo&1 != 0, combo&2 != 0
			lda, ldb := s.k, s.n
			if tA {
				lda = s.m
			}
			if tB {
				ldb = s.k
			}
			a, b := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n)
			c0 := randSlice(rng, s.m*s.n)
			want := append([]float32(nil), c0...)
			SetThreads(1)
			Sgemm(tA, tB, s.m, s.n, s.k, 0.75, a, lda, b, ldb, 0.5, want, s.n)
			SetThreads(4)
			got := append([]float32(nil), c0...)
			SgemmSerial(tA, tB, s.m, s.n, s.k, 0.75, a, lda, b, ldb, 0.5, got, s.n)
			for j := range got {
				if got[j] != want[j] {
					t.Fatalf("case %d %v trans (%v,%v): C[%d] = %v, one-thread Sgemm gives %v", i, s, tA, tB, j, got[j], want[j])
				}
			}
			for _, nw := range []int{2, 3, 8} {
				got := append([]float32(nil), c0...)
				SgemmExact(nw, tA, tB, s.m, s.n, s.k, 0.75, a, lda, b, ldb, 0.5, got, s.n)
				for j := range got {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("case %d %v trans (%v,%v), SgemmExact on %d threads: C[%d] = %v, one-thread Sgemm gives %v", i, s, tA, tB, nw, j, got[j], want[j])
					}
				}
			}
		}
	}
	defer func() {
		if r := recover(); r != errNegDim {
			t.Errorf("SgemmSerial with m = -1 recovered %v, want %q", r, errNegDim)
		}
	}()
	SgemmSerial(false, false, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1)
}

// matrixPacker packs a stored k x n matrix (row stride ld) element by element: the
// plainest BPacker.
type matrixPacker struct {
	b  []float32
	ld int
}

func (m matrixPacker) PackB(dst []float32, p0, kc, j0, nc int) {
	for q := 0; q*nr < nc; q++ {
		for p := range kc {
			for j := range nr {
				v := float32(0)
				if q*nr+j < nc {
					v = m.b[(p0+p)*m.ld+j0+q*nr+j]
				}
				dst[q*nr*kc+p*nr+j] = v
			}
		}
	}
}

// TestSgemmSerialPackedBitIdentical: a product whose B a BPacker supplies gives, with
// every micro-kernel and on every path (the k split, B read in place for a few rows of
// C, ragged tiles), SgemmSerial's bits with the portable kernel.
func TestSgemmSerialPackedBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := append([]shape{{6, 16, 300}, {36, 1088, 401}, {16, 151, 400}, {18, 1792, 26}, {13, 50, 1030}}, smallShapes...)
	ab := []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {-0.7, 0.3}, {2, -1}}
	for _, s := range shapes {
		x := ab[rng.IntN(len(ab))]
		ldb, ldc := s.n+rng.IntN(3), s.n+rng.IntN(3)
		a, b, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*ldb), randSlice(rng, s.m*ldc)
		want := append([]float32(nil), c...)
		withKernel(t, kGeneric, func() {
			SgemmSerial(false, false, s.m, s.n, s.k, x.alpha, a, s.k, b, ldb, x.beta, want, ldc)
		})
		for _, k := range kernels() {
			got := append([]float32(nil), c...)
			withKernel(t, k, func() {
				SgemmSerialPacked(s.m, s.n, s.k, x.alpha, a, s.k, matrixPacker{b, ldb}, x.beta, got, ldc)
			})
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("%v alpha %g beta %g, %s kernel: element %d is %g, want %g", s, x.alpha, x.beta, kernelName(k), i, got[i], want[i])
					break
				}
			}
		}
	}
}
