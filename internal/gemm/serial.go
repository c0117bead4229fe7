package gemm

// SgemmSerial is Sgemm computed on the calling goroutine only, whatever Threads() is,
// with the same semantics and panics. It is for callers that already run one product
// per goroutine (the project's convolution shares a batch out over GOMAXPROCS
// goroutines, each multiplying its own images), where splitting every product again
// would only add hand-offs between the same cores.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(1, true, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmExact is Sgemm on up to threads goroutines (threads <= 0: Threads()) that never
// splits the k dimension: every element of C is summed in one order, so the result is
// the same to the bit for any thread count, SgemmSerial's. Products that only a k split
// would share out (a small C and a long k) run on the calling goroutine. It is for
// callers whose results must not depend on the number of cores (package graph's ops);
// same semantics and panics as Sgemm.
func SgemmExact(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if threads <= 0 {
		threads = Threads()
	}
	sgemm(threads, false, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// BPacker supplies the B operand of SgemmSerialPacked by packing it, block by block,
// into the layout the micro-kernel reads, so that a B that is never stored as a matrix
// (a convolution's windows, read from the images) costs one copy, not two.
type BPacker interface {
	// PackB writes rows [p0, p0+kc) and columns [j0, j0+nc) of B (k x n) into dst as
	// ceil(nc/TileCols) panels of TileCols columns: panel q holds columns j0+q·TileCols..
	// and starts at dst[q·TileCols·kc]; element (p, j) of a panel is at
	// p·TileCols + j. len(dst) is ceil(nc/TileCols)·TileCols·kc; what columns past nc
	// hold is computed and dropped, never written to C.
	PackB(dst []float32, p0, kc, j0, nc int)
}

// SgemmSerialPacked is SgemmSerial(false, false, ...) with B, k x n, packed by b: C =
// alpha·A·B + beta·C on the calling goroutine, A m x k with row stride lda. Each element of
// C is computed as SgemmSerial computes it from the same B, to the bit. It panics as
// SgemmSerial does on bad dimensions or short a and c.
func SgemmSerialPacked(m, n, k int, alpha float32, a []float32, lda int, b BPacker, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(errNegDim)
	}
	if lda < max(1, k) {
		panic(errBadLdA)
	}
	if emptyC(m, n, c, ldc) {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if len(a) < (m-1)*lda+k {
		panic(errShortA)
	}
	ws := wsPool.Get().(*workspace)
	blocked(ws, false, false, m, n, k, alpha, a, lda, nil, 0, b, beta, c, ldc, useAsm())
	wsPool.Put(ws)
}
