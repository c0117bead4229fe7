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

// kernelGeneric is the portable micro-kernel, to the bit the assembly one: each
// element of the tile is summed over p in order by fused multiply-adds (fma32) from
// zero, then scaled by alpha and, when beta != 0, merged as fma(c, beta, alpha*sum).
// It walks the tile in 2x4 blocks whose eight accumulators stay in registers,
// re-reading the panels (which sit in L1) for each block.
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
				c00 = fma32(a0, b0, c00)
				c01 = fma32(a0, b1, c01)
				c02 = fma32(a0, b2, c02)
				c03 = fma32(a0, b3, c03)
				c10 = fma32(a1, b0, c10)
				c11 = fma32(a1, b1, c11)
				c12 = fma32(a1, b2, c12)
				c13 = fma32(a1, b3, c13)
				bo += bstride
			}
			storeTile4(c[i*ldc+j:i*ldc+j+4:i*ldc+j+4], alpha, beta, c00, c01, c02, c03)
			storeTile4(c[(i+1)*ldc+j:(i+1)*ldc+j+4:(i+1)*ldc+j+4], alpha, beta, c10, c11, c12, c13)
		}
	}
}

// storeTile4 is the assembly kernel's epilogue for four sums s0..s3 and the four
// values of C in r: r = alpha*s, or fma(r, beta, alpha*s) when beta != 0 (C is not
// read when beta == 0).
func storeTile4(r []float32, alpha, beta float32, s0, s1, s2, s3 float32) {
	r = r[:4]
	v0, v1, v2, v3 := alpha*s0, alpha*s1, alpha*s2, alpha*s3
	if beta == 0 {
		r[0], r[1], r[2], r[3] = v0, v1, v2, v3
		return
	}
	r[0] = fma32(r[0], beta, v0)
	r[1] = fma32(r[1], beta, v1)
	r[2] = fma32(r[2], beta, v2)
	r[3] = fma32(r[3], beta, v3)
}
