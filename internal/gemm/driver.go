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

// serial computes C = alpha*op(A)*op(B) + beta*C on one goroutine, on the
// dot path when dot is set (only for transA false, transB true). m, n,
// k >= 1 and the slices are long enough (checked by Sgemm).
func serial(ws *workspace, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, asm, dot bool) {
	if dot {
		dotNT(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, asm)
		return
	}
	blocked(ws, transA, transB, m, n, k, alpha, a, lda, b, ldb, nil, beta, c, ldc, asm)
}

// blocked is serial's blocked path; with pk non-nil, B is not b (nil then) but what pk
// packs, not transposed.
func blocked(ws *workspace, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, pk BPacker, beta float32, c []float32, ldc int, asm bool) {
	// Split k into equal blocks of at most blockK (k = 257 gives 129 + 128,
	// not 256 + 1: each block costs a pass over C).
	kcMax := (k + (k+blockK-1)/blockK - 1) / ((k + blockK - 1) / blockK)
	direct := pk == nil && !transB && m <= directBMaxM
	if direct {
		ws.grow(min(m, blockM), kcMax, nr)
	} else {
		ws.grow(min(m, blockM), kcMax, min(n, blockN))
	}
	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			bt := beta
			if pc > 0 {
				bt = 1
			}
			// bBlock is op(B)(pc, jc) in the caller's storage.
			var bBlock []float32
			switch {
			case pk != nil:
			case transB:
				bBlock = b[jc*ldb+pc:]
			default:
				bBlock = b[pc*ldb+jc:]
			}
			if pk != nil {
				pk.PackB(ws.bbuf[:roundUp(nc, nr)*kc], pc, kc, jc, nc)
			} else if direct {
				// Only a ragged last panel needs packing.
				if nFull := nc / nr * nr; nFull < nc {
					packB(ws.bbuf, false, bBlock[nFull:], ldb, kc, nc-nFull, asm)
				}
			} else {
				packB(ws.bbuf, transB, bBlock, ldb, kc, nc, asm)
			}
			for ic := 0; ic < m; ic += blockM {
				mc := min(blockM, m-ic)
				if transA {
					packA(ws.abuf, true, a[pc*lda+ic:], lda, mc, kc)
				} else {
					packA(ws.abuf, false, a[ic*lda+pc:], lda, mc, kc)
				}
				ws.macroKernel(mc, nc, kc, direct, bBlock, ldb, c[ic*ldc+jc:], ldc, alpha, bt, asm)
			}
		}
	}
}

// rowMajorMaxKN: when a packed kc x nc block of B is at most this many
// floats (256 KiB), the macro-kernel walks C row panel by row panel.
var rowMajorMaxKN = 64 << 10

// bPanel returns the B panel for columns jr.. of the current block, its
// row stride, and the step to the next full panel (floats). In direct mode
// full-width panels are read in place from bBlock and a ragged last panel
// was packed at the start of ws.bbuf.
func (ws *workspace) bPanel(jr, nc, kc int, direct bool, bBlock []float32, ldb int) (bp []float32, bstride, bstep int) {
	switch {
	case !direct:
		return ws.bbuf[jr*kc:], nr, nr * kc
	case jr+nr <= nc:
		return bBlock[jr:], ldb, nr
	default:
		return ws.bbuf, nr, 0
	}
}

// macroKernel multiplies the packed mc x kc block of A (ws.abuf) by the
// kc x nc block of B into the mc x nc block of C at cBlock. Full tiles go
// to the micro-kernel a row (or column) of tiles per call; ragged ones
// through ws.tile.
func (ws *workspace) macroKernel(mc, nc, kc int, direct bool, bBlock []float32, ldb int, cBlock []float32, ldc int, alpha, beta float32, asm bool) {
	fullRows, fullCols := mc/mr*mr, nc/nr*nr
	if kc*nc <= rowMajorMaxKN {
		// Short k: storing C dominates, so sweep C along its rows (the
		// packed B block is small enough to re-read from L2).
		for ir := 0; ir < fullRows; ir += mr {
			if fullCols > 0 {
				bp, bstride, bstep := ws.bPanel(0, nc, kc, direct, bBlock, ldb)
				microKernel(kc, ws.abuf[ir*kc:], bp, bstride, cBlock[ir*ldc:], ldc, alpha, beta,
					fullCols/nr, 0, bstep, nr, asm)
			}
			if fullCols < nc {
				ws.edgeTile(ir, fullCols, mc, nc, kc, direct, bBlock, ldb, cBlock, ldc, alpha, beta, asm)
			}
		}
		for jr := 0; fullRows < mc && jr < nc; jr += nr {
			ws.edgeTile(fullRows, jr, mc, nc, kc, direct, bBlock, ldb, cBlock, ldc, alpha, beta, asm)
		}
		return
	}
	for jr := 0; jr < nc; jr += nr {
		ir := 0
		if jr < fullCols && fullRows > 0 {
			bp, bstride, _ := ws.bPanel(jr, nc, kc, direct, bBlock, ldb)
			microKernel(kc, ws.abuf, bp, bstride, cBlock[jr:], ldc, alpha, beta,
				fullRows/mr, mr*kc, 0, mr*ldc, asm)
			ir = fullRows
		}
		for ; ir < mc; ir += mr {
			ws.edgeTile(ir, jr, mc, nc, kc, direct, bBlock, ldb, cBlock, ldc, alpha, beta, asm)
		}
	}
}

// edgeTile computes the ragged tile of C at (ir, jr) inside the current
// block: the micro-kernel writes a full tile to ws.tile, and the part that
// lies inside C is merged.
func (ws *workspace) edgeTile(ir, jr, mc, nc, kc int, direct bool, bBlock []float32, ldb int, cBlock []float32, ldc int, alpha, beta float32, asm bool) {
	bp, bstride, _ := ws.bPanel(jr, nc, kc, direct, bBlock, ldb)
	microKernel(kc, ws.abuf[ir*kc:], bp, bstride, ws.tile[:], nr, 1, 0, 1, 0, 0, 0, asm)
	mergeTile(cBlock[ir*ldc+jr:], ldc, min(mr, mc-ir), min(nr, nc-jr), ws.tile[:], nr, alpha, beta)
}

// mergeTile writes the top-left rows x cols of an unscaled tile t (rows ldt
// apart) into C: c = alpha*t + beta*c, not reading c when beta == 0.
func mergeTile(c []float32, ldc, rows, cols int, t []float32, ldt int, alpha, beta float32) {
	for i := range rows {
		ci := c[i*ldc : i*ldc+cols]
		ti := t[i*ldt : i*ldt+cols]
		if beta == 0 {
			for j := range ci {
				ci[j] = alpha * ti[j]
			}
		} else {
			for j := range ci {
				// Each product rounded on its own on every target (the
				// conversions stop the compiler from fusing one into the sum).
				ci[j] = float32(alpha*ti[j]) + float32(beta*ci[j])
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
