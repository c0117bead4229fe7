//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// haveAsm reports whether this CPU can run the AVX2+FMA micro-kernel.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kernel6x16 is implemented in kernel_amd64.s. For a 6-row packed A panel
// (a[p*6+i]) and a 16-column B panel with rows bstride floats apart, it sets
//
//	c[i*ldc+j] = alpha*sum_{p<k} a[p*6+i]*b[p*bstride+j] + beta*c[i*ldc+j]
//
// for i < 6, j < 16, without reading c when beta == 0. k must be >= 1.
//
//go:noescape
func kernel6x16(k int, a *float32, b *float32, bstride int, c *float32, ldc int, alpha float32, beta float32)
