package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkSgemm times LeNet's products (batch 256) with this package
// ("gemm", Threads() = GOMAXPROCS, so -cpu sets the thread count) and with
// gonum's pure-Go Sgemm, and reports GFLOP/s (2*m*n*k per call).
//
//	go test -run XXX -bench Sgemm -benchtime 200ms -cpu 1,2 ./internal/gemm/
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, lc := range lenetCases {
		aLen, bLen := lc.m*lc.k, lc.k*lc.n
		lda, ldb := lc.k, lc.n
		if lc.transA {
			lda = lc.m
		}
		if lc.transB {
			ldb = lc.k
		}
		a, bm, c := randSlice(rng, aLen), randSlice(rng, bLen), make([]float32, lc.m*lc.n)
		flops := 2 * float64(lc.m) * float64(lc.n) * float64(lc.k)
		tr := func(t bool) blas.Transpose {
			if t {
				return blas.Trans
			}
			return blas.NoTrans
		}
		b.Run(lc.name+"/gemm", func(b *testing.B) {
			for b.Loop() {
				Sgemm(lc.transA, lc.transB, lc.m, lc.n, lc.k, 1, a, lda, bm, ldb, 0, c, lc.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(lc.name+"/gonum", func(b *testing.B) {
			var impl gonum.Implementation
			for b.Loop() {
				impl.Sgemm(tr(lc.transA), tr(lc.transB), lc.m, lc.n, lc.k, 1, a, lda, bm, ldb, 0, c, lc.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkKernel times the micro-kernel alone on L1-resident panels (kc = 256), a
// row of four tiles per call: the ceiling for the whole product.
func BenchmarkKernel(b *testing.B) {
	rng := rand.New(rand.NewPCG(13, 14))
	const k, tiles = 256, 4
	ap, bp := randSlice(rng, mr*k), randSlice(rng, tiles*nr*k)
	c := make([]float32, mr*tiles*nr)
	for _, kk := range kernels() {
		b.Run(kernelName(kk), func(b *testing.B) {
			withKernel(b, kk, func() {
				for b.Loop() {
					microKernel(k, ap, bp, nr, c, tiles*nr, 1, 0, tiles, 0, nr*k, nr, kk >= kAVX2)
				}
			})
			b.ReportMetric(2*mr*nr*tiles*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkDotPath compares the dot path with the packed path on the
// A*B^T products (dotMode forces the choice).
func BenchmarkDotPath(b *testing.B) {
	rng := rand.New(rand.NewPCG(15, 16))
	defer func() { dotMode = 0 }()
	for _, s := range []shape{{6, 25, 200704}, {16, 150, 25600}, {6, 25, 784}, {16, 150, 100}, {64, 64, 4096}, {32, 300, 2048}, {256, 400, 120}, {128, 128, 1024}, {256, 256, 512}, {120, 400, 256}, {96, 96, 256}} {
		a, bm, c := randSlice(rng, s.m*s.k), randSlice(rng, s.n*s.k), make([]float32, s.m*s.n)
		for _, mode := range []int{1, -1} {
			name := fmt.Sprintf("%dx%dx%d/dot", s.m, s.n, s.k)
			if mode < 0 {
				name = fmt.Sprintf("%dx%dx%d/packed", s.m, s.n, s.k)
			}
			b.Run(name, func(b *testing.B) {
				dotMode = mode
				for b.Loop() {
					Sgemm(false, true, s.m, s.n, s.k, 1, a, s.k, bm, s.k, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
