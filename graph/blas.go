package graph

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/internal/gemm"
)

// BLAS is the BLAS that Gorgonia and its tensor package use once this package is
// imported: gonum's pure-Go implementation with the single-precision matrix product,
// Sgemm, replaced by the project's AVX2/FMA kernel (internal/gemm, several times faster
// than gonum's on the shapes of LeNet, and parallel over GOMAXPROCS). Every other routine,
// float64 ones included, is gonum's.
//
// The package's init installs it with gorgonia.Use, so that every float32 matrix product
// of every graph in the program (the dense layers, Gorgonia's Conv2d) takes the fast
// path, whichever package builds the graph; a program that prefers another BLAS calls
// gorgonia.Use itself after start-up. Sgemm keeps BLAS semantics (row-major, op(A) and
// op(B) as the transpose flags say, C = alpha·op(A)·op(B) + beta·C), so the results are
// those of gonum up to rounding.
type BLAS struct {
	gonum.Implementation
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32 matrices, where
// op(X) is X for blas.NoTrans and Xᵀ for blas.Trans or blas.ConjTrans. Like gonum's, it
// panics on a bad transpose flag, negative sizes, short slices or bad strides.
func (BLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm.Sgemm(transposed(tA), transposed(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// transposed maps a BLAS transpose flag to a bool (conjugation is moot for reals).
func transposed(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic("graph: BLAS.Sgemm: bad transpose flag")
}

func init() { gorgonia.Use(BLAS{}) }
