package nn

import (
	"iter"
	"sync"
	"unsafe"

	"github.com/d2l-go/convnets/internal/gemm"
	"github.com/d2l-go/convnets/internal/opkit"
)

// The stride-1 path of FusedConv2D ("wide" im2col).
//
// With stride 1, the window of output pixel (i, j) for kernel offset (u, v) starts at
// input pixel (i+u, j+v) of the padded image xp (hp = h+2ph rows of wp = w+2pw). Take
// output positions on the padded grid, p = i·wp + j, instead of i·ow + j: then the
// im2col row of (c, u, v) is one contiguous run of xp,
//
//	colsW[(c, u, v)][p] = xp[c][u·wp + v + p]      0 <= p < L = (oh-1)·wp + ow
//
// copied with one memmove instead of oh short ones; the positions with j >= ow are
// surplus columns, computed and dropped. The product W · colsW is the output on the wide
// grid, whose rows are copied to NCHW. Backward, dL/dout is spread onto the wide grid
// with zeros in the surplus columns, so dL/dw = dYW · colsWᵀ, and col2im is one
// contiguous vector addition per (c, u, v) row. Several images share one product: their
// wide matrices lie side by side (row length ld = group·L), which makes the products
// wide enough for the GEMM to run near its peak.
//
// With a bias, a row of ones is appended to colsW and the bias to W as a last column, so
// the forward product adds it.
//
// In float32 the forward product never stores colsW: the GEMM packs its panels straight
// from the images (widePacker), one copy of each window value instead of two. The
// forward product and the input gradient's are padded to whole micro-tiles of the GEMM
// (gemm.TileRows x gemm.TileCols): W gets zero rows up to a multiple of TileRows and the
// products' columns are rounded up to a multiple of TileCols, so every tile goes
// straight to the micro-kernel instead of through a scratch tile and a merge. Each
// element of a product is summed the same way whatever the matrix's size, so neither
// changes a bit.

// convWideBytes bounds the per-goroutine working set (the wide matrices of one group of
// images) that sets the group size of the filter gradient, whose product sums over the
// group's columns: its bits depend on the group. On the 2-core EPYC it was tuned on (512
// KiB of L2 per core), 384 KiB and 1 MiB measured alike and about 20% faster than one
// image per product on LeNet's second layer. A variable for the tests.
var convWideBytes = 384 << 10

// convWideProductBytes is the same bound for the forward product and the input
// gradient's, whose bits do not depend on the group: each element of them sums over one
// image's windows. Larger groups there share one packing of W among more images and
// leave fewer ragged tiles (the 32-channel layer of a 16-channel 14x14 input runs its
// forward product about 20% faster with eight images than with one). A variable for the
// tests.
var convWideProductBytes = 2 << 20

// convWideMaxGroup caps the images per product.
const convWideMaxGroup = 16

// convWide is the layout of the stride-1 path for one convolution.
type convWide struct {
	hp, wp int  // padded plane
	pad    bool // ph or pw > 0: images are copied into a padded buffer first
	l      int  // wide columns per image, (oh-1)·wp + ow
	group  int  // images per product
	ld     int  // row length of the wide matrices: group·l, rounded up to whole tiles in float32
	tr, tc int  // the GEMM's tile: gemm.TileRows x gemm.TileCols in float32, 1 x 1 in float64
}

// wide reports whether the stride-1 path applies.
func (g *convGeom) wide() bool { return g.sh == 1 && g.sw == 1 && !g.direct() }

// newConvWide lays out a pass whose window matrix has rows rows, with groups of images
// whose wide matrices fit in budget bytes.
func newConvWide[T opkit.Float](g *convGeom, rows, budget int) convWide {
	var zero T
	size := int(unsafe.Sizeof(zero))
	tr, tc := 1, 1
	if size == 4 {
		tr, tc = gemm.TileRows, gemm.TileCols
	}
	hp, wp := g.h+2*g.ph, g.w+2*g.pw
	l := (g.oh-1)*wp + g.ow
	per := (rows + g.co) * l * size
	group := max(1, min(convWideMaxGroup, budget/max(per, 1), g.n))
	return convWide{hp: hp, wp: wp, pad: g.ph > 0 || g.pw > 0, l: l, group: group, ld: roundUp(group*l, tc), tr: tr, tc: tc}
}

// roundUp is x rounded up to a multiple of m.
func roundUp(x, m int) int { return (x + m - 1) / m * m }

// wideSource returns the (c, hp, wp) padded image i of x: x itself without padding,
// else a copy in xp (whose border stays zero).
func wideSource[T opkit.Float](g *convGeom, d *convWide, x, xp []T) []T {
	if !d.pad {
		return x
	}
	hpwp := d.hp * d.wp
	for ci := 0; ci < g.c; ci++ {
		for r := 0; r < g.h; r++ {
			copy(xp[ci*hpwp+(r+g.ph)*d.wp+g.pw:][:g.w], x[(ci*g.h+r)*g.w:][:g.w])
		}
	}
	return xp
}

// widePass is what one pass over a run of images on the stride-1 path works with: the
// layout and scratch space cut from one pooled buffer (putScratch(buf) when done).
type widePass[T opkit.Float] struct {
	convWide
	in, out int // values of one image's input and output
	buf     *[]T
	xp      []T // the padded image (empty without padding)
	cols    []T // the wide matrix of the windows
	wide    []T // a wide matrix of wideRows rows: the product, or the output gradient
	rest    []T // what the caller asked for beyond them
}

// newWidePass lays out a pass whose window matrix has rows rows and whose other wide
// matrix wideRows (groups of images fitting in budget bytes), and takes its scratch
// space, with extra more values in rest. xp and wide start zeroed: only the padded
// image's interior and the wide grid's real columns are ever written. So do the columns
// of cols past the group's images, which only padded products read. With !keepCols the
// window matrix is not stored (cols is empty): the product reads the images.
func newWidePass[T opkit.Float](g *convGeom, rows, wideRows, extra, budget int, keepCols bool) widePass[T] {
	d := widePass[T]{convWide: newConvWide[T](g, rows, budget), in: g.c * g.h * g.w, out: g.co * g.plane()}
	if !keepCols {
		rows = 0
	}
	padLen := 0
	if d.pad {
		padLen = g.c * d.hp * d.wp
	}
	d.buf = getScratch[T](padLen + rows*d.ld + wideRows*d.ld + extra)
	s := *d.buf
	d.xp, s = s[:padLen], s[padLen:]
	d.cols, s = s[:rows*d.ld], s[rows*d.ld:]
	d.wide, d.rest = s[:wideRows*d.ld], s[wideRows*d.ld:]
	clear(d.xp)
	clear(d.wide)
	if tail := d.group * d.l; tail < d.ld {
		for r := range rows {
			clear(d.cols[r*d.ld+tail : (r+1)*d.ld])
		}
	}
	return d
}

// span is the columns a product over gn images computes: gn·l, rounded up to whole
// tiles. The columns past gn·l hold zeros or an earlier group's windows; what they give
// is dropped.
func (d *convWide) span(gn int) int { return min(roundUp(gn*d.l, d.tc), d.ld) }

// groups yields the groups of images of [lo, hi) that share one product: the first
// image of each and how many it holds (d.group, fewer for the last).
func (d *convWide) groups(lo, hi int) iter.Seq2[int, int] {
	return func(yield func(i0, gn int) bool) {
		for i0 := lo; i0 < hi; i0 += d.group {
			if !yield(i0, min(d.group, hi-i0)) {
				return
			}
		}
	}
}

// wideCols copies the wide im2col rows of the padded image src into columns
// [col, col+l) of cols (row length ld).
func wideCols[T opkit.Float](g *convGeom, d *convWide, src, cols []T, col int) {
	hpwp := d.hp * d.wp
	r := 0
	for ci := 0; ci < g.c; ci++ {
		for u := 0; u < g.kh; u++ {
			for v := 0; v < g.kw; v++ {
				copy(cols[r*d.ld+col:][:d.l], src[ci*hpwp+u*d.wp+v:][:d.l])
				r++
			}
		}
	}
}

// wideSpread copies image i's (co, oh, ow) output gradient dy onto the wide grid at
// columns [col, col+l) of dyw (row length ld). The surplus columns are not written: the
// caller zeroes dyw once and they stay zero.
func wideSpread[T opkit.Float](g *convGeom, d *convWide, dy, dyw []T, col int) {
	P := g.plane()
	for o := 0; o < g.co; o++ {
		for i := 0; i < g.oh; i++ {
			copy(dyw[o*d.ld+col+i*d.wp:][:g.ow], dy[o*P+i*g.ow:][:g.ow])
		}
	}
}

// wideForward is convForward on the stride-1 path for images [lo, hi).
func wideForward[T opkit.Float](g *convGeom, x, w, b, y []T, lo, hi int) {
	K, P := g.cols(), g.plane()
	kk := K // rows of colsW: the windows, plus a row of ones with a bias
	if b != nil {
		kk++
	}
	// In float32 the product reads the windows from the images (widePacker), each image
	// padded in a buffer of its own; in float64 they are copied into cols.
	cw := newConvWide[T](g, kk, convWideProductBytes)
	mp := roundUp(g.co, cw.tr) // rows of the product
	pk, padLen := (*widePacker)(nil), 0
	if _, ok := any(x).([]float32); ok {
		pk = getWidePacker(g, &cw)
		defer putWidePacker(pk)
		if cw.pad {
			padLen = g.c * cw.hp * cw.wp
		}
	}
	d := newWidePass[T](g, kk, mp, mp*kk+cw.group*padLen, convWideProductBytes, pk == nil)
	defer putScratch(d.buf)
	cols, prod, wk := d.cols, d.wide, d.rest[:mp*kk]
	xps := d.rest[mp*kk:] // the padded images of a group, for pk
	clear(xps)
	wmat := w
	if b != nil || mp > g.co {
		// W padded with zero rows and, with a bias, the bias as a last column.
		clear(wk[g.co*kk:])
		for o := 0; o < g.co; o++ {
			copy(wk[o*kk:], w[o*K:(o+1)*K])
			if b != nil {
				wk[o*kk+K] = b[o]
			}
		}
		wmat = wk
	}
	if b != nil && pk == nil {
		ones := cols[K*d.ld : kk*d.ld]
		for j := range ones {
			ones[j] = 1
		}
	}
	for i0, gn := range d.groups(lo, hi) {
		if pk != nil {
			pk.cols = gn * d.l
			for gi := 0; gi < gn; gi++ {
				xi := x[(i0+gi)*d.in : (i0+gi+1)*d.in]
				if padLen > 0 {
					xi = wideSource(g, &d.convWide, xi, xps[gi*padLen:(gi+1)*padLen])
				}
				pk.srcs[gi] = any(xi).([]float32)
			}
			gemm.SgemmSerialPacked(mp, d.span(gn), kk, 1, any(wmat).([]float32), kk, pk, 0, any(prod).([]float32), d.ld)
		} else {
			for gi := 0; gi < gn; gi++ {
				src := wideSource(g, &d.convWide, x[(i0+gi)*d.in:(i0+gi+1)*d.in], d.xp)
				wideCols(g, &d.convWide, src, cols, gi*d.l)
			}
			gemmSerial(false, false, mp, d.span(gn), kk, wmat, kk, cols, d.ld, 0, prod, d.ld)
		}
		for gi := 0; gi < gn; gi++ {
			yi := y[(i0+gi)*d.out : (i0+gi+1)*d.out]
			for o := 0; o < g.co; o++ {
				for i := 0; i < g.oh; i++ {
					copy(yi[o*P+i*g.ow:][:g.ow], prod[o*d.ld+gi*d.l+i*d.wp:][:g.ow])
				}
			}
		}
	}
}

// wideFilterGrad sums dY_b · cols_bᵀ over images [lo, hi) into acc (co, c·kh·kw),
// overwriting it.
func wideFilterGrad[T opkit.Float](g *convGeom, x, dy, acc []T, lo, hi int) {
	K := g.cols()
	d := newWidePass[T](g, K, g.co, 0, convWideBytes, true)
	defer putScratch(d.buf)
	cols, dyw := d.cols, d.wide
	for i0, gn := range d.groups(lo, hi) {
		for gi := 0; gi < gn; gi++ {
			src := wideSource(g, &d.convWide, x[(i0+gi)*d.in:(i0+gi+1)*d.in], d.xp)
			wideCols(g, &d.convWide, src, cols, gi*d.l)
			wideSpread(g, &d.convWide, dy[(i0+gi)*d.out:(i0+gi+1)*d.out], dyw, gi*d.l)
		}
		beta := T(1)
		if i0 == lo {
			beta = 0
		}
		gemmSerial(false, true, g.co, K, gn*d.l, dyw, d.ld, cols, d.ld, beta, acc, K)
	}
}

// wideDataGrad writes dL/dx for images [lo, hi).
func wideDataGrad[T opkit.Float](g *convGeom, w, dy, dx []T, lo, hi int) {
	K := g.cols()
	d := newWidePass[T](g, K, g.co, 0, convWideProductBytes, true)
	defer putScratch(d.buf)
	hpwp, dxp, dcols, dyw := d.hp*d.wp, d.xp, d.cols, d.wide
	for i0, gn := range d.groups(lo, hi) {
		for gi := 0; gi < gn; gi++ {
			wideSpread(g, &d.convWide, dy[(i0+gi)*d.out:(i0+gi+1)*d.out], dyw, gi*d.l)
		}
		gemmSerial(true, false, K, d.span(gn), g.co, w, K, dyw, d.ld, 0, dcols, d.ld)
		for gi := 0; gi < gn; gi++ {
			dxi := dx[(i0+gi)*d.in : (i0+gi+1)*d.in]
			dst := dxi
			if d.pad {
				dst = dxp
			}
			clear(dst)
			r := 0
			for ci := 0; ci < g.c; ci++ {
				for u := 0; u < g.kh; u++ {
					for v := 0; v < g.kw; v++ {
						addTo(dst[ci*hpwp+u*d.wp+v:][:d.l], dcols[r*d.ld+gi*d.l:][:d.l])
						r++
					}
				}
			}
			if d.pad {
				for ci := 0; ci < g.c; ci++ {
					for r := 0; r < g.h; r++ {
						copy(dxi[(ci*g.h+r)*g.w:][:g.w], dxp[ci*hpwp+(r+g.ph)*d.wp+g.pw:][:g.w])
					}
				}
			}
		}
	}
}

// widePacker is the float32 forward product's B operand, the wide window matrix of a
// group of images (and, with a bias, a last row of ones), packed for the GEMM straight
// from the images: the window matrix is never stored, so each window value is copied
// once, into the packed panels, instead of into cols and then into the panels. The
// bits are those of the product of the stored matrix.
type widePacker struct {
	srcs []([]float32) // the group's (padded) images
	off  []int         // per window row (c, u, v): where its run starts in an image
	rows int           // window rows, c·kh·kw; a row past them is the bias's ones
	l    int           // wide columns per image
	cols int           // real columns of the current group, gn·l
}

// widePackers holds widePackers for reuse, so that a pass allocates none.
var widePackers = sync.Pool{New: func() any { return new(widePacker) }}

// putWidePacker gives pk back to widePackers, letting go of the images.
func putWidePacker(pk *widePacker) {
	clear(pk.srcs)
	widePackers.Put(pk)
}

// getWidePacker returns a widePacker (give it back with putWidePacker) for the images of
// convolution g laid out as d.
func getWidePacker(g *convGeom, d *convWide) *widePacker {
	pk := widePackers.Get().(*widePacker)
	if cap(pk.srcs) < d.group {
		pk.srcs = make([][]float32, d.group)
	}
	pk.srcs, pk.off, pk.rows, pk.l, pk.cols = pk.srcs[:d.group], pk.off[:0], g.cols(), d.l, 0
	hpwp := d.hp * d.wp
	for ci := 0; ci < g.c; ci++ {
		for u := 0; u < g.kh; u++ {
			for v := 0; v < g.kw; v++ {
				pk.off = append(pk.off, ci*hpwp+u*d.wp+v)
			}
		}
	}
	return pk
}

// PackB packs rows [p0, p0+kc) and columns [j0, j0+nc) (gemm.BPacker). Column j is
// image j/l's run of window row p at j%l; columns past the group's are zero.
func (pk *widePacker) PackB(dst []float32, p0, kc, j0, nc int) {
	const tc = gemm.TileCols
	win := min(kc, max(pk.rows-p0, 0)) // window rows in the block; the rest are ones
	offs := pk.off[p0 : p0+win]
	for q := 0; q*tc < nc; q++ {
		d := dst[q*tc*kc : (q+1)*tc*kc]
		for p := win; p < kc; p++ {
			dp := (*[tc]float32)(d[p*tc:])
			for t := range dp {
				dp[t] = 1
			}
		}
		j := j0 + q*tc
		if j >= pk.cols {
			clear(d[:win*tc])
			continue
		}
		gi := j / pk.l
		o := j - gi*pk.l
		src := pk.srcs[gi]
		if o+tc <= pk.l {
			// The panel lies in one image: one run of tc values per row.
			for p, of := range offs {
				s := (*[tc]float32)(src[of+o : of+o+tc])
				dp := (*[tc]float32)(d[p*tc : p*tc+tc])
				*(*[4]float32)(dp[0:]) = *(*[4]float32)(s[0:])
				*(*[4]float32)(dp[4:]) = *(*[4]float32)(s[4:])
				*(*[4]float32)(dp[8:]) = *(*[4]float32)(s[8:])
				*(*[4]float32)(dp[12:]) = *(*[4]float32)(s[12:])
			}
			continue
		}
		// The panel spans the end of image gi's columns and the next images' (or
		// the zeros past the group's).
		for p, of := range offs {
			dp := (*[tc]float32)(d[p*tc : p*tc+tc])
			for t, g, oo := 0, gi, o; t < tc; t, g, oo = t+pk.l-oo, g+1, 0 {
				if j+t >= pk.cols {
					clear(dp[t:])
					break
				}
				run := pk.srcs[g][of+oo : of+min(pk.l, oo+tc-t)]
				copy(dp[t:], run)
			}
		}
	}
}
