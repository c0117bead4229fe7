//go:build wasm

package gemm

// WebAssembly has no fused multiply-add, so the generic kernels' exact emulation of
// one (fma32, in float64 with a rounding check) is what a WebAssembly product spends
// its time on. The WebAssembly build sums in float64 instead and rounds each sum to
// float32 once: as close to the exact sums as the fused ones (closer, over long
// sums), but not to the bit. Only this build uses these kernels; the others keep the
// generic ones, which TestKernelsBitIdentical holds to the assembly's bits.

// kernelPortable is kernelGeneric (same tile, same epilogue) with float64 sums. It
// walks the tile in 2x4 blocks whose eight accumulators are scalars, so that they
// stay in the WebAssembly machine's locals.
func kernelPortable(k int, a, b []float32, bstride int, c []float32, ldc int, alpha, beta float32) {
	a = a[:mr*k]
	for i := 0; i < mr; i += 2 {
		for j := 0; j < nr; j += 4 {
			var s0, s1, s2, s3, s4, s5, s6, s7 float64
			bo := j
			for p := i; p < len(a); p += mr {
				ap := a[p : p+2 : p+2]
				bp := b[bo : bo+4 : bo+4]
				x0, x1 := float64(ap[0]), float64(ap[1])
				y0, y1, y2, y3 := float64(bp[0]), float64(bp[1]), float64(bp[2]), float64(bp[3])
				s0 += x0 * y0
				s1 += x0 * y1
				s2 += x0 * y2
				s3 += x0 * y3
				s4 += x1 * y0
				s5 += x1 * y1
				s6 += x1 * y2
				s7 += x1 * y3
				bo += bstride
			}
			storeTile4(c[i*ldc+j:i*ldc+j+4:i*ldc+j+4], alpha, beta, float32(s0), float32(s1), float32(s2), float32(s3))
			storeTile4(c[(i+1)*ldc+j:(i+1)*ldc+j+4:(i+1)*ldc+j+4], alpha, beta, float32(s4), float32(s5), float32(s6), float32(s7))
		}
	}
}

// dotPortable is dotGeneric with one float64 sum per element of out, over p in order.
func dotPortable(k int, ar *[3][]float32, br *[4][]float32, out *[12]float32) {
	x0, x1, x2 := ar[0][:k], ar[1][:k], ar[2][:k]
	y0, y1, y2, y3 := br[0][:k], br[1][:k], br[2][:k], br[3][:k]
	var s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23 float64
	for p := range x0 {
		a0, a1, a2 := float64(x0[p]), float64(x1[p]), float64(x2[p])
		b0, b1, b2, b3 := float64(y0[p]), float64(y1[p]), float64(y2[p]), float64(y3[p])
		s00 += a0 * b0
		s01 += a0 * b1
		s02 += a0 * b2
		s03 += a0 * b3
		s10 += a1 * b0
		s11 += a1 * b1
		s12 += a1 * b2
		s13 += a1 * b3
		s20 += a2 * b0
		s21 += a2 * b1
		s22 += a2 * b2
		s23 += a2 * b3
	}
	*out = [12]float32{float32(s00), float32(s01), float32(s02), float32(s03), float32(s10), float32(s11), float32(s12), float32(s13), float32(s20), float32(s21), float32(s22), float32(s23)}
}
