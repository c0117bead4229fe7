//go:build !amd64 || purego

package gemm

// haveAsm and have512 are false: this build has no assembly micro-kernel.
const (
	haveAsm = false
	have512 = false
)

// kernel6x16 is never called in builds without the assembly kernel.
func kernel6x16(k int, a *float32, b *float32, bstride int, c *float32, ldc int, alpha float32, beta float32, tiles int, astep int, bstep int, cstep int) {
	panic("gemm: assembly kernel not available in this build")
}

// kernel6x16x512 is never called in builds without the assembly kernel.
func kernel6x16x512(k int, a *float32, b *float32, bstride int, c *float32, ldc int, alpha float32, beta float32, tiles int, astep int, bstep int, cstep int) {
	panic("gemm: assembly kernel not available in this build")
}

// dot3x4 is never called in builds without the assembly kernel.
func dot3x4(k8 int, a0, a1, a2, b0, b1, b2, b3 *float32, out *[12]float32) {
	panic("gemm: assembly kernel not available in this build")
}

// transpose8 is never called in builds without the assembly kernel.
func transpose8(groups int, src *float32, ld int, dst *float32) {
	panic("gemm: assembly kernel not available in this build")
}
