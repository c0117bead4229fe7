// Package gemm is a fast single-precision matrix multiply for the
// project's convolution and dense layers:
//
//	C = alpha * op(A) * op(B) + beta * C,  op(X) = X or X^T
//
// with row-major storage and BLAS semantics (see Sgemm). The convolution
// code in this project lays images out as NCHW and multiplies im2col
// matrices; the products it needs (and the benchmarks in this package) are
//
//	forward     W (co x c*kh*kw)  * cols (c*kh*kw x n*oh*ow)
//	weight grad dY (co x n*oh*ow) * cols^T
//	input grad  W^T               * dY (co x n*oh*ow)
//
// plus the dense layers' x*W products and their transposes.
//
// # Method
//
// Most products are blocked as in GotoBLAS/BLIS. A kc x nc block of op(B)
// is packed into panels 16 columns wide and an mc x kc block of op(A) into
// panels 6 rows tall (kc = 256, mc = 144, nc = 4080), in reused, 64-byte
// aligned buffers. A micro-kernel computes each 6 x 16 tile of C from one
// A panel and one B panel with twelve 8-wide accumulators, a row or column
// of tiles per call. Ragged edges are zero-padded in the packed panels and
// merged into C through a scratch tile. Three shape-driven variations:
//
//   - When op(B) is not transposed and C has at most 6 rows (the first
//     convolution's forward product), the kernel reads B in place.
//   - When kc*nc is small (short k: the input gradients), tiles are visited
//     along the rows of C, because storing C then dominates.
//   - A * B^T with a long k and a small side (the summed weight gradients)
//     skips packing: both operands are read along their rows and a second
//     kernel forms 3 x 4 blocks of dot products.
//
// # Kernels
//
// Three micro-kernels give the same results to the bit: every element of C is
// summed over k in the same order by fused multiply-adds (one rounding each),
// and the dot kernel's eight partial sums are added in one fixed order. On
// amd64 CPUs with AVX-512 the 6 x 16 kernel is AVX-512 assembly (one 16-wide
// register per tile row, two tiles per pass); with AVX2 and FMA it is AVX2
// assembly, as are the dot kernel and the transposing pack of B^T on both.
// Elsewhere, with the purego build tag, or on older CPUs the kernels are
// portable Go, which computes each fused multiply-add exactly in float64
// (fma32) and is an order of magnitude slower. WebAssembly (GOARCH=wasm) has
// no fused multiply-add, and its build sums in float64 instead, rounding each
// element once (portable_wasm.go): within float32 rounding of the others, not
// their bits, and a training step about five times as fast as with the exact
// emulation. The choice is made at run time from the CPU's features; Kernel
// reports it, Kernels lists the ones this CPU runs and SetKernel forces one
// (to compare them, and in the tests, which check every available kernel
// against the portable one bit for bit).
//
// # Threads
//
// Products of at least about half a million multiply-adds are cut into
// about four parts per thread, which Threads() goroutines (default
// GOMAXPROCS; see SetThreads) take from a shared counter: by columns of C
// when m <= n, by rows otherwise, and along k on the dot path or when C is
// too small to share. A k-split adds its partial products to C in a fixed
// order, so for a given thread count the result is the same on every run;
// different thread counts may differ in rounding.
//
// # Errors
//
// The callers validate shapes, so Sgemm has no error result: it panics,
// with a message starting "gemm: ", only on the programmer errors listed in
// its doc comment (negative sizes, strides below the row length, slices
// too short). It allocates nothing per call in steady state.
package gemm
