// Package gemm is a fast single-precision matrix multiply for the
// project's convolution and dense layers:
//
//	C = alpha * op(A) * op(B) + beta * C,  op(X) = X or X^T
//
// with row-major storage and BLAS semantics (see Sgemm).
//
// # Method
//
// The product is blocked as in GotoBLAS/BLIS. A kc x nc block of op(B) is
// packed into panels 16 columns wide, an mc x kc block of op(A) into panels
// 6 rows tall (kc = 256, mc = 144, nc = 4080), both in reused, 64-byte
// aligned buffers. A micro-kernel then computes each 6 x 16 tile of C from
// one A panel and one B panel with twelve 8-wide accumulators. Ragged edges
// are zero-padded in the packed panels and merged into C through a
// scratch tile. When op(B) is not transposed and C has at most 6 rows (the
// first convolution's forward product), the kernel reads B in place rather
// than packing it.
//
// On amd64 CPUs with AVX2 and FMA the micro-kernel is assembly (VBROADCASTSS
// + VFMADD231PS); elsewhere, with the purego build tag, or on older CPUs it
// is portable Go. Kernel reports which one runs.
//
// # Threads
//
// Products of at least about half a million multiply-adds are split over
// Threads() goroutines (default GOMAXPROCS; see SetThreads): by columns of C
// when m <= n, by rows otherwise, and along k when C is too small to share
// (the summed weight gradients), in which case partial products are added
// at the end.
//
// # Errors
//
// The callers validate shapes, so Sgemm has no error result: it panics,
// with a message starting "gemm: ", only on the programmer errors listed in
// its doc comment (negative sizes, strides below the row length, slices
// too short). It allocates nothing per call in steady state.
package gemm
