package gemm

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// Micro-tile size: every micro-kernel call produces an mr x nr block of C.
const (
	mr = 6
	nr = 16
)

// The micro-kernels, slowest first. All give the same bits: each element of a tile is
// summed in the same order with fused multiply-adds.
const (
	kGeneric = iota // portable Go
	kAVX2           // amd64 assembly, AVX2 and FMA, 8-wide
	kAVX512         // amd64 assembly, AVX-512, 16-wide (the dot path stays AVX2)
)

var kernelNames = [...]string{"generic", "avx2-fma", "avx512-fma"}

// kernel is the micro-kernel the products use, plus one: 0 (the zero value) means none
// chosen yet, so the first product takes autoKernel's; SetKernel chooses another.
var kernel atomic.Int32

// current is the micro-kernel in use.
func current() int32 {
	if k := kernel.Load(); k > 0 {
		return k - 1
	}
	k := autoKernel()
	kernel.CompareAndSwap(0, k+1)
	return kernel.Load() - 1
}

// bestKernel is the fastest micro-kernel this build and CPU run.
func bestKernel() int32 {
	switch {
	case have512:
		return kAVX512
	case haveAsm:
		return kAVX2
	}
	return kGeneric
}

// autoKernel is the micro-kernel used unless SetKernel chooses: the fastest this build
// and CPU run. All of them give the same bits (TestKernelsBitIdentical), so the choice
// changes the speed only.
func autoKernel() int32 { return bestKernel() }

// useAsm reports whether the products use an assembly micro-kernel.
func useAsm() bool { return current() >= kAVX2 }

// Kernels lists the micro-kernels this build and CPU can run, fastest first: some of
// "avx512-fma", "avx2-fma" and "generic" (always there). They give the same results to
// the bit.
func Kernels() []string {
	var names []string
	for k := bestKernel(); k >= kGeneric; k-- {
		names = append(names, kernelNames[k])
	}
	return names
}

// SetKernel makes every product from now on use the named micro-kernel, one of
// Kernels(), or the automatic choice (the fastest) for "" or "auto": to compare
// their speed, or to check that they agree. It returns an error naming the choices for
// any other name.
func SetKernel(name string) error {
	if name == "" || name == "auto" {
		kernel.Store(autoKernel() + 1)
		return nil
	}
	for k := bestKernel(); k >= kGeneric; k-- {
		if kernelNames[k] == name {
			kernel.Store(k + 1)
			return nil
		}
	}
	return fmt.Errorf("gemm: no micro-kernel %q on this CPU; choose auto or one of %s", name, strings.Join(Kernels(), ", "))
}

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
	if asm && current() == kAVX512 {
		kernel6x16x512(k, &a[0], &b[0], bstride, &c[0], ldc, alpha, beta, tiles, 4*astep, 4*bstep, 4*cstep)
		return
	}
	if asm {
		kernel6x16(k, &a[0], &b[0], bstride, &c[0], ldc, alpha, beta, tiles, 4*astep, 4*bstep, 4*cstep)
		return
	}
	for t := range tiles {
		kernelPortable(k, a[t*astep:], b[t*bstep:], bstride, c[t*cstep:], ldc, alpha, beta)
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
			var acc [8]float32 // rows i, i+1 times columns j..j+3
			bo := j
			for p := 0; p < k; p++ {
				ap := a[p*mr+i : p*mr+i+2 : p*mr+i+2]
				bp := b[bo : bo+4 : bo+4]
				for q := range acc {
					x, y := ap[q>>2], bp[q&3]
					// fma32, inlined by hand.
					if s := float64(x)*float64(y) + float64(acc[q]); roundsRight(s) {
						acc[q] = float32(s)
					} else {
						acc[q] = fma32Slow(x, y, acc[q], s)
					}
				}
				bo += bstride
			}
			storeTile4(c[i*ldc+j:i*ldc+j+4:i*ldc+j+4], alpha, beta, acc[0], acc[1], acc[2], acc[3])
			storeTile4(c[(i+1)*ldc+j:(i+1)*ldc+j+4:(i+1)*ldc+j+4], alpha, beta, acc[4], acc[5], acc[6], acc[7])
		}
	}
}

// storeTile4 is the assembly kernel's epilogue for four sums s0..s3 and the four
// values of C in r: r = alpha*s, or fma(r, beta, alpha*s) when beta != 0 (C is not
// read when beta == 0).
func storeTile4(r []float32, alpha, beta float32, s0, s1, s2, s3 float32) {
	r = r[:4]
	// The conversions keep alpha*s rounded on its own: the compiler may not fuse it
	// into the multiply-add below.
	v0, v1, v2, v3 := float32(alpha*s0), float32(alpha*s1), float32(alpha*s2), float32(alpha*s3)
	if beta == 0 {
		r[0], r[1], r[2], r[3] = v0, v1, v2, v3
		return
	}
	r[0] = fma32(r[0], beta, v0)
	r[1] = fma32(r[1], beta, v1)
	r[2] = fma32(r[2], beta, v2)
	r[3] = fma32(r[3], beta, v3)
}

// TileRows and TileCols are the micro-tile's size: a product whose C has a multiple of
// TileRows rows and of TileCols columns computes every tile in place, without the
// scratch tile and merge that ragged edges take.
const (
	TileRows = mr
	TileCols = nr
)
