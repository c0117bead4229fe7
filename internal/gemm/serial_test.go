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
