package gemm

// SgemmSerial is Sgemm computed on the calling goroutine only, whatever Threads() is,
// with the same semantics and panics. It is for callers that already run one product
// per goroutine (the project's convolution shares a batch out over GOMAXPROCS
// goroutines, each multiplying its own images), where splitting every product again
// would only add hand-offs between the same cores.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmThreads is Sgemm on up to threads goroutines, whatever Threads() is; threads <= 0
// means Threads(). It is for callers that decide the parallelism of each product
// themselves (package graph's ops take it from their graph), with the same semantics and
// panics as Sgemm; with threads = 1 it is SgemmSerial.
func SgemmThreads(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if threads <= 0 {
		threads = Threads()
	}
	sgemm(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
