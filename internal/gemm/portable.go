//go:build !wasm

package gemm

// kernelPortable and dotPortable are the micro-kernels the products use where no
// assembly one runs: the generic ones, which give the assembly's bits (a WebAssembly
// build has faster ones of its own, portable_wasm.go).
func kernelPortable(k int, a, b []float32, bstride int, c []float32, ldc int, alpha, beta float32) {
	kernelGeneric(k, a, b, bstride, c, ldc, alpha, beta)
}

func dotPortable(k int, ar *[3][]float32, br *[4][]float32, out *[12]float32) {
	dotGeneric(k, ar, br, out)
}
