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
