package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/d2l-go/convnets/internal/gemm"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/parallel"
)

// The matrix products of the ops: float32 ones by the project's GEMM
// (internal/gemm), float64 ones by gonum's. Matrices are row-major; a true flag means
// the matrix is used transposed.

// gemmSerial computes c = op(a)·op(b) + beta·c on the calling goroutine, for callers
// that already run one goroutine per core.
func gemmSerial[T opkit.Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		gemm.SgemmSerial(tA, tB, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		dgemm(tA, tB, m, n, k, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// matmul computes c = op(a)·op(b), op(a) (m, k) and op(b) (k, n), packed without
// padding; the float32 product runs on up to parallel.Workers(workers) goroutines, with
// the same result for any number (gemm.SgemmExact).
func matmul[T opkit.Float](workers int, tA, tB bool, m, n, k int, a, b, c []T) {
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	switch c := any(c).(type) {
	case []float32:
		gemm.SgemmExact(parallel.Workers(workers), tA, tB, m, n, k, 1, any(a).([]float32), lda, any(b).([]float32), ldb, 0, c, n)
	case []float64:
		dgemm(tA, tB, m, n, k, any(a).([]float64), lda, any(b).([]float64), ldb, 0, c, n)
	}
}

// dgemm is gonum's Dgemm with c = op(a)·op(b) + beta·c.
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gonum.Implementation{}.Dgemm(transpose(tA), transpose(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

func transpose(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
