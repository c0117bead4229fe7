package nn

import "github.com/d2l-go/convnets/internal/opkit"

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

// convWideBytes bounds the per-goroutine working set (the wide matrices of one group of
// images) that sets the group size. On the 2-core EPYC it was tuned on (512 KiB of L2
// per core), 384 KiB and 1 MiB measured alike and about 20% faster than one image per
// product on LeNet's second layer. A variable for the tests.
var convWideBytes = 384 << 10

// convWideMaxGroup caps the images per product.
const convWideMaxGroup = 16

// convWide is the layout of the stride-1 path for one convolution.
type convWide struct {
	hp, wp int  // padded plane
	pad    bool // ph or pw > 0: images are copied into a padded buffer first
	l      int  // wide columns per image, (oh-1)·wp + ow
	group  int  // images per product
	ld     int  // row length of the wide matrices, group·l
}

// wide reports whether the stride-1 path applies.
func (g *convGeom) wide() bool { return g.sh == 1 && g.sw == 1 && !g.direct() }

func newConvWide[T opkit.Float](g *convGeom, rows int) convWide {
	var zero T
	size := int(unsafeSizeof(zero))
	hp, wp := g.h+2*g.ph, g.w+2*g.pw
	l := (g.oh-1)*wp + g.ow
	per := (rows + g.co) * l * size
	group := max(1, min(convWideMaxGroup, convWideBytes/max(per, 1), g.n))
	return convWide{hp: hp, wp: wp, pad: g.ph > 0 || g.pw > 0, l: l, group: group, ld: group * l}
}

// unsafeSizeof is the size in bytes of a float32 or float64.
func unsafeSizeof[T opkit.Float](v T) int {
	if _, ok := any(v).(float32); ok {
		return 4
	}
	return 8
}

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
	d := newConvWide[T](g, kk)
	in, out := g.c*g.h*g.w, g.co*P
	padLen := 0
	if d.pad {
		padLen = g.c * d.hp * d.wp
	}
	buf := getScratch[T](padLen + kk*d.ld + g.co*d.ld + g.co*kk)
	defer putScratch(buf)
	s := *buf
	xp, s := s[:padLen], s[padLen:]
	cols, s := s[:kk*d.ld], s[kk*d.ld:]
	prod, wk := s[:g.co*d.ld], s[g.co*d.ld:]
	clear(xp)
	wmat := w
	if b != nil {
		ones := cols[K*d.ld : kk*d.ld]
		for j := range ones {
			ones[j] = 1
		}
		for o := 0; o < g.co; o++ {
			copy(wk[o*kk:], w[o*K:(o+1)*K])
			wk[o*kk+K] = b[o]
		}
		wmat = wk
	}
	for i0 := lo; i0 < hi; i0 += d.group {
		gn := min(d.group, hi-i0)
		for gi := 0; gi < gn; gi++ {
			src := wideSource(g, &d, x[(i0+gi)*in:(i0+gi+1)*in], xp)
			wideCols(g, &d, src, cols, gi*d.l)
		}
		gemmSerial(false, false, g.co, gn*d.l, kk, wmat, kk, cols, d.ld, 0, prod, d.ld)
		for gi := 0; gi < gn; gi++ {
			yi := y[(i0+gi)*out : (i0+gi+1)*out]
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
	K, P := g.cols(), g.plane()
	d := newConvWide[T](g, K)
	in, out := g.c*g.h*g.w, g.co*P
	padLen := 0
	if d.pad {
		padLen = g.c * d.hp * d.wp
	}
	buf := getScratch[T](padLen + K*d.ld + g.co*d.ld)
	defer putScratch(buf)
	s := *buf
	xp, s := s[:padLen], s[padLen:]
	cols, dyw := s[:K*d.ld], s[K*d.ld:]
	clear(xp)
	clear(dyw)
	for i0 := lo; i0 < hi; i0 += d.group {
		gn := min(d.group, hi-i0)
		for gi := 0; gi < gn; gi++ {
			src := wideSource(g, &d, x[(i0+gi)*in:(i0+gi+1)*in], xp)
			wideCols(g, &d, src, cols, gi*d.l)
			wideSpread(g, &d, dy[(i0+gi)*out:(i0+gi+1)*out], dyw, gi*d.l)
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
	K, P := g.cols(), g.plane()
	d := newConvWide[T](g, K)
	in, out := g.c*g.h*g.w, g.co*P
	hpwp := d.hp * d.wp
	padLen := 0
	if d.pad {
		padLen = g.c * hpwp
	}
	buf := getScratch[T](padLen + K*d.ld + g.co*d.ld)
	defer putScratch(buf)
	s := *buf
	dxp, s := s[:padLen], s[padLen:]
	dcols, dyw := s[:K*d.ld], s[K*d.ld:]
	clear(dyw)
	for i0 := lo; i0 < hi; i0 += d.group {
		gn := min(d.group, hi-i0)
		for gi := 0; gi < gn; gi++ {
			wideSpread(g, &d, dy[(i0+gi)*out:(i0+gi+1)*out], dyw, gi*d.l)
		}
		gemmSerial(true, false, K, gn*d.l, g.co, w, K, dyw, d.ld, 0, dcols, d.ld)
		for gi := 0; gi < gn; gi++ {
			dxi := dx[(i0+gi)*in : (i0+gi+1)*in]
			dst := dxi
			if d.pad {
				dst = dxp
			}
			clear(dst)
			r := 0
			for ci := 0; ci < g.c; ci++ {
				for u := 0; u < g.kh; u++ {
					for v := 0; v < g.kw; v++ {
						opkit.AddTo(dst[ci*hpwp+u*d.wp+v:][:d.l], dcols[r*d.ld+gi*d.l:][:d.l])
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
