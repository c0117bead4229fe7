package device

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/internal/gemm"
)

// BLAS is gonum's pure-Go BLAS with the single-precision matrix product, Sgemm,
// replaced by the project's AVX2/FMA kernel (internal/gemm, several times faster than
// gonum's on the shapes of LeNet, and parallel over GOMAXPROCS). Every other routine,
// float64 ones included, is gonum's. Sgemm keeps BLAS semantics (row-major, op(A) and
// op(B) as the transpose flags say, C = alpha·op(A)·op(B) + beta·C), so the results are
// those of gonum up to rounding.
//
// The project's own ops do not go through Gorgonia's BLAS; Gorgonia's primitives do
// (the Conv2d of graph.Conv2D and of layers built with nn.GorgoniaOps, Mul). UseBLAS
// installs it for every graph of the program.
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

// UseBLAS makes BLAS the BLAS of Gorgonia and of its tensor package, for every graph
// of the program. It changes process-wide state, so a program calls it once, at
// start-up, before it builds graphs; a program that prefers another BLAS calls
// gorgonia.Use instead.
func UseBLAS() { gorgonia.Use(BLAS{}) }
