package gemm

// The dot path computes C = alpha*A*B^T + beta*C with A stored m x k and B
// stored n x k (transA false, transB true) without packing: every element
// of C is a dot product of two rows that are contiguous in memory, so the
// kernel streams three rows of A against four rows of B. Packing would
// transpose both operands element by element, which costs more than the
// arithmetic when m or n is small and k is long: the summed convolution
// weight gradients dW = dY * cols^T.

// dotMinK and dotMaxMin choose the dot path: long k and a small side.
var (
	dotMinK   = 256
	dotMaxMin = 48 // largest min(m, n)
)

// dotMode forces the choice in tests and benchmarks: 0 automatic, 1 always
// (for transA false, transB true), -1 never.
var dotMode = 0

// useDot reports whether serial takes the dot path for this product.
func useDot(transA, transB bool, m, n, k int) bool {
	if transA || !transB {
		return false
	}
	switch dotMode {
	case 1:
		return true
	case -1:
		return false
	}
	return k >= dotMinK && min(m, n) <= dotMaxMin
}

// dotChunk is the k-chunk of the dot path. The kernel's four B rows (or
// three A rows) of one chunk stay in L1 (16 KiB) while the other operand's
// rows of the chunk, at most min(m, n) of them, come from L2.
func dotChunk(m, n int) int {
	kc := (256 << 10) / 4 / max(1, min(m, n)) // that side's rows in 256 KiB
	return min(max(kc, 256), 1024) &^ 7
}

// dotNT is the dot path (see above) on one goroutine; m, n, k >= 1.
func dotNT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, asm bool) {
	kcMax := dotChunk(m, n)
	for pc := 0; pc < k; pc += kcMax {
		kc := min(kcMax, k-pc)
		bt := beta
		if pc > 0 {
			bt = 1
		}
		// The operand with more rows walks the outer loop, so the inner
		// loop re-reads the smaller one's chunk from L2.
		if n >= m {
			for j0 := 0; j0 < n; j0 += 4 {
				for i0 := 0; i0 < m; i0 += 3 {
					dotBlock(i0, j0, pc, kc, m, n, alpha, a, lda, b, ldb, bt, c, ldc, asm)
				}
			}
		} else {
			for i0 := 0; i0 < m; i0 += 3 {
				for j0 := 0; j0 < n; j0 += 4 {
					dotBlock(i0, j0, pc, kc, m, n, alpha, a, lda, b, ldb, bt, c, ldc, asm)
				}
			}
		}
	}
}

// dotBlock adds the chunk pc..pc+kc of the dot products for the (up to)
// 3 x 4 block of C at (i0, j0): c = alpha*sum + beta*c.
func dotBlock(i0, j0, pc, kc, m, n int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, asm bool) {
	var ar [3][]float32
	var br [4][]float32
	var out [12]float32
	rows, cols := min(3, m-i0), min(4, n-j0)
	for i := range ar {
		// Missing rows repeat the last one; their sums are dropped.
		ar[i] = a[(i0+min(i, rows-1))*lda+pc:][:kc]
	}
	for j := range br {
		br[j] = b[(j0+min(j, cols-1))*ldb+pc:][:kc]
	}
	k8 := kc / 8
	if k8 > 0 && asm {
		dot3x4(k8, &ar[0][0], &ar[1][0], &ar[2][0], &br[0][0], &br[1][0], &br[2][0], &br[3][0], &out)
	} else {
		dotPortable(k8*8, &ar, &br, &out)
	}
	if kc > k8*8 {
		for i := range 3 {
			for j := range 4 {
				s := out[i*4+j]
				for p := k8 * 8; p < kc; p++ {
					// Rounded product, then sum: the conversion stops the
					// compiler from fusing the two (it would on arm64 or
					// with GOAMD64=v3), so every target gets the same bits.
					s += float32(ar[i][p] * br[j][p])
				}
				out[i*4+j] = s
			}
		}
	}
	mergeTile(c[i0*ldc+j0:], ldc, rows, cols, out[:], 4, alpha, beta)
}

// dotGeneric is the portable dot kernel, to the bit the assembly one:
// out[i*4+j] = sum_{p<k} ar[i][p]*br[j][p] for k a multiple of 8, summed as eight
// lanes (lane l takes the p with p%8 == l, in order, by fused multiply-adds from zero)
// that are then added as ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)).
func dotGeneric(k int, ar *[3][]float32, br *[4][]float32, out *[12]float32) {
	for i := range 3 {
		x := ar[i][:k]
		for j := range 4 {
			y := br[j][:k]
			var l [8]float32
			for p := 0; p+8 <= k; p += 8 {
				xs, ys := x[p:p+8:p+8], y[p:p+8:p+8]
				for q := range l {
					// fma32, inlined by hand.
					if s := float64(xs[q])*float64(ys[q]) + float64(l[q]); roundsRight(s) {
						l[q] = float32(s)
					} else {
						l[q] = fma32Slow(xs[q], ys[q], l[q], s)
					}
				}
			}
			out[i*4+j] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
		}
	}
}
