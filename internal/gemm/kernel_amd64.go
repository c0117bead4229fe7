//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// haveAsm reports whether this CPU can run the AVX2+FMA micro-kernel, have512 the
// AVX-512 one (x/sys/cpu also checks that the OS saves the 512-bit registers).
var (
	haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	have512 = haveAsm && cpu.X86.HasAVX512F
)

// kernel6x16 is implemented in kernel_amd64.s. It computes tiles 6x16
// tiles; tile t uses the packed A panel at a+t*astep (a[p*6+i]), the
// 16-column B panel at b+t*bstep with rows bstride floats apart, and the C
// tile at c+t*cstep, setting
//
//	c[i*ldc+j] = alpha*sum_{p<k} a[p*6+i]*b[p*bstride+j] + beta*c[i*ldc+j]
//
// without reading c when beta == 0. Steps are in bytes; k, tiles >= 1.
//
//go:noescape
func kernel6x16(k int, a *float32, b *float32, bstride int, c *float32, ldc int, alpha float32, beta float32, tiles int, astep int, bstep int, cstep int)

// kernel6x16x512 is implemented in kernel512_amd64.s: kernel6x16 with AVX-512, the
// same arguments and the same bits.
//
//go:noescape
func kernel6x16x512(k int, a *float32, b *float32, bstride int, c *float32, ldc int, alpha float32, beta float32, tiles int, astep int, bstep int, cstep int)

// dot3x4 is implemented in kernel_amd64.s: out[i*4+j] = sum over
// p < 8*k8 of ai[p]*bj[p], for three rows of A and four rows of B. k8 >= 1.
//
//go:noescape
func dot3x4(k8 int, a0, a1, a2, b0, b1, b2, b3 *float32, out *[12]float32)

// transpose8 is implemented in kernel_amd64.s: for r < 8 and
// p < 8*groups, dst[p*16+r] = src[r*ld+p]. groups >= 1.
//
//go:noescape
func transpose8(groups int, src *float32, ld int, dst *float32)
