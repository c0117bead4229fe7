package gemm

import "sync/atomic"

// Micro-tile size: every micro-kernel call produces an mr x nr block of C.
const (
	mr = 6
	nr = 16
)

// portable, when set, makes the products use the portable micro-kernel even where the
// assembly one runs; tests set it to cover both paths.
var portable atomic.Bool

// useAsm reports whether the products use the assembly micro-kernel.
func useAsm() bool { return haveAsm && !portable.Load() }

// microKernel computes tiles mr x nr tiles of C; tile t is
//
//	c[t*cstep + i*ldc+j] = alpha * sum_{p<k} a[t*astep + p*mr+i]*b[t*bstep + p*bstride+j] + beta*c[...]
//
// a holds packed A panels, b B panels (packed with bstride == nr, or rows
// of the caller's B when bstride == ldb); steps are in floats. c is not
// read when beta == 0. k, tiles >= 1. The bounds of the first and last
// tile are checked here, so the assembly never touches memory outside the
// three slices (offsets grow with t).
func microKernel(k int, a, b []float32, bstride int, c []float32, ldc int, alpha, beta float32, tiles, astep, bstep, cstep int, asm bool) {
	last := tiles - 1
	_ = a[last*astep+mr*k-1]
	_ = b[last*bstep+(k-1)*bstride+nr-1]
	_ = c[last*cstep+(mr-1)*ldc+nr-1]
	if asm {
		kernel6x16(k, &a[0], &b[0], bstride, &c[0], ldc, alpha, beta, tiles, 4*astep, 4*bstep, 4*cstep)
		return
	}
	for t := range tiles {
		kernelGeneric(k, a[t*astep:], b[t*bstep:], bstride, c[t*cstep:], ldc, alpha, beta)
	}
}

// kernelGeneric is the portable micro-kernel. It walks the tile in 2x4
// blocks whose eight accumulators stay in registers, re-reading the panels
// (which sit in L1) for each block.
func kernelGeneric(k int, a, b []float32, bstride int, c []float32, ldc int, alpha, beta float32) {
	a = a[:mr*k]
	for i := 0; i < mr; i += 2 {
		for j := 0; j < nr; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			bo := j
			for p := 0; p < k; p++ {
				ap := a[p*mr+i : p*mr+i+2 : p*mr+i+2]
				bp := b[bo : bo+4 : bo+4]
				a0, a1 := ap[0], ap[1]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				bo += bstride
			}
			r0 := c[i*ldc+j : i*ldc+j+4 : i*ldc+j+4]
			r1 := c[(i+1)*ldc+j : (i+1)*ldc+j+4 : (i+1)*ldc+j+4]
			if beta == 0 {
				r0[0], r0[1], r0[2], r0[3] = alpha*c00, alpha*c01, alpha*c02, alpha*c03
				r1[0], r1[1], r1[2], r1[3] = alpha*c10, alpha*c11, alpha*c12, alpha*c13
			} else {
				r0[0] = alpha*c00 + beta*r0[0]
				r0[1] = alpha*c01 + beta*r0[1]
				r0[2] = alpha*c02 + beta*r0[2]
				r0[3] = alpha*c03 + beta*r0[3]
				r1[0] = alpha*c10 + beta*r1[0]
				r1[1] = alpha*c11 + beta*r1[1]
				r1[2] = alpha*c12 + beta*r1[2]
				r1[3] = alpha*c13 + beta*r1[3]
			}
		}
	}
}
