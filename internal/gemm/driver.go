package gemm

import (
	"sync"
	"unsafe"
)

// Cache blocking (Goto/BLIS). A kc x nr panel of packed B (16 KiB) stays in
// L1 while the micro-kernel sweeps the mc x kc block of packed A (144 KiB,
// in L2); the kc x nc block of packed B (up to 4 MiB) is streamed from L3.
// mc is a multiple of mr and nc of nr.
var (
	blockM = 144
	blockK = 256
	blockN = 4080
)

// directBMaxM: when op(B) is not transposed and C has at most this many
// rows, the micro-kernel reads full-width panels of B in place instead of
// packing them, because each packed panel would be used only
// ceil(m/mr) times.
var directBMaxM = 6

// workspace holds one goroutine's packing buffers. Workspaces are reused
// through wsPool, so a steady stream of calls allocates nothing.
type workspace struct {
	abuf, bbuf []float32 // 64-byte aligned packing buffers
	cbuf       []float32 // partial C for the k-split
	tile       [mr * nr]float32
}

var wsPool = sync.Pool{New: func() any { return new(workspace) }}

// alignedFloats returns a zeroed slice of n float32 whose first element is
// 64-byte aligned (a cache line).
func alignedFloats(n int) []float32 {
	s := make([]float32, n+16)
	off := 0
	if r := uintptr(unsafe.Pointer(&s[0])) % 64; r != 0 {
		off = int(64-r) / 4
	}
	return s[off : off+n : off+n]
}

// grow makes sure ws has room for an mc x kc block of A and a kc x nc
// block of B, both rounded up to whole panels.
func (ws *workspace) grow(mc, kc, nc int) {
	if need := roundUp(mc, mr) * kc; len(ws.abuf) < need {
		ws.abuf = alignedFloats(need)
	}
	if need := roundUp(nc, nr) * kc; len(ws.bbuf) < need {
		ws.bbuf = alignedFloats(need)
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// serial computes C = alpha*op(A)*op(B) + beta*C on one goroutine. m, n,
// k >= 1 and the slices are long enough (checked by Sgemm).
func serial(ws *workspace, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, asm bool) {
	if useDot(transA, transB, m, n, k) {
		dotNT(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, asm)
		return
	}
	kcMax := min(k, blockK)
	direct := !transB && m <= directBMaxM
	if direct {
		ws.grow(min(m, blockM), kcMax, nr)
	} else {
		ws.grow(min(m, blockM), kcMax, min(n, blockN))
	}
	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		for pc := 0; pc < k; pc += blockK {
			kc := min(blockK, k-pc)
			bt := beta
			if pc > 0 {
				bt = 1
			}
			// bBlock is op(B)(pc, jc) in the caller's storage.
			var bBlock []float32
			if transB {
				bBlock = b[jc*ldb+pc:]
			} else {
				bBlock = b[pc*ldb+jc:]
			}
			nFull := nc
			if direct {
				// Only a ragged last panel needs packing.
				nFull = nc / nr * nr
				if nFull < nc {
					packB(ws.bbuf, false, bBlock[nFull:], ldb, kc, nc-nFull)
				}
			} else {
				packB(ws.bbuf, transB, bBlock, ldb, kc, nc)
			}
			for ic := 0; ic < m; ic += blockM {
				mc := min(blockM, m-ic)
				if transA {
					packA(ws.abuf, true, a[pc*lda+ic:], lda, mc, kc)
				} else {
					packA(ws.abuf, false, a[ic*lda+pc:], lda, mc, kc)
				}
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					var bp []float32
					bstride := nr
					switch {
					case !direct:
						bp = ws.bbuf[jr*kc:]
					case jr < nFull:
						bp, bstride = bBlock[jr:], ldb
					default:
						bp = ws.bbuf
					}
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						ap := ws.abuf[ir*kc:]
						cp := c[(ic+ir)*ldc+jc+jr:]
						if rows == mr && cols == nr {
							microKernel(kc, ap, bp, bstride, cp, ldc, alpha, bt, asm)
							continue
						}
						microKernel(kc, ap, bp, bstride, ws.tile[:], nr, 1, 0, asm)
						mergeTile(cp, ldc, rows, cols, &ws.tile, alpha, bt)
					}
				}
			}
		}
	}
}

// mergeTile writes the top-left rows x cols of an unscaled tile into C:
// c = alpha*t + beta*c, not reading c when beta == 0.
func mergeTile(c []float32, ldc, rows, cols int, t *[mr * nr]float32, alpha, beta float32) {
	for i := range rows {
		ci := c[i*ldc : i*ldc+cols]
		ti := t[i*nr : i*nr+cols]
		if beta == 0 {
			for j := range ci {
				ci[j] = alpha * ti[j]
			}
		} else {
			for j := range ci {
				ci[j] = alpha*ti[j] + beta*ci[j]
			}
		}
	}
}

// scaleC sets C = beta*C for the m x n matrix C (zero when beta == 0,
// without reading C).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
