package graph

import (
	"math"
	"math/bits"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/parallel"
)

// MaxPool2D is PyTorch's max_pool2d on a batch of images: the maximum of every kh x kw
// window, per image and per channel,
//
//	out[b, c, i, j] = max over u < kh, v < kw of  x[b, c, i*sh + u - ph, j*sw + v - pw]
//
// where positions outside x (the padding) are ignored, as if they held -Inf. Shapes:
//
//	x   (n, c, h, w)
//	out (n, c, oh, ow)   oh = floor((h - kh + 2*ph) / sh) + 1
//	                     ow = floor((w - kw + 2*pw) / sw) + 1
//
// kernel is (kh, kw), pad (ph, pw) per side and stride (sh, sw); like PyTorch, the padding
// may be at most half the kernel, and a stride must be at least 1 (the layers package
// supplies the default stride = kernel). A NaN in a window makes that output NaN, as in
// PyTorch. The gradient flows to the first maximum of each window.
//
// This is the project's own op, not Gorgonia's MaxPool2D: Gorgonia's skips NaNs, and a
// window without any number larger than -MaxFloat (all NaN or all -Inf) makes its
// backward pass index element -1 and crash the program.
func MaxPool2D(x *gorgonia.Node, kernel, pad, stride [2]int) (*gorgonia.Node, error) {
	return opkit.Apply(pool4D(pool4DMax, geom.Window{Kernel: kernel, Pad: pad, Stride: stride}), x)
}

// AvgPool2D is PyTorch's avg_pool2d with count_include_pad=True on a batch of images: the
// mean of every kh x kw window, per image and per channel, with the zero padding counted,
//
//	out[b, c, i, j] = (1 / (kh*kw)) * sum over u < kh, v < kw of  xp[b, c, i*sh + u, j*sw + v]
//
// where xp is x with ph rows of zeros above and below and pw columns of zeros left and
// right. Shapes and arguments are those of MaxPool2D. The gradient of every output is
// spread evenly, 1/(kh*kw), over the input pixels of its window.
//
// This is the project's own op: Gorgonia's AveragePool2D divides by the input width
// instead of the window size and has a wrong backward pass.
func AvgPool2D(x *gorgonia.Node, kernel, pad, stride [2]int) (*gorgonia.Node, error) {
	return opkit.Apply(pool4D(pool4DAvg, geom.Window{Kernel: kernel, Pad: pad, Stride: stride}), x)
}

// pool4DKind selects what a pool4D op computes over a window.
type pool4DKind int

const (
	pool4DMax pool4DKind = iota // maximum, padding ignored
	pool4DAvg                   // mean over kh*kw, zero padding included
)

func (k pool4DKind) String() string {
	if k == pool4DAvg {
		return "AvgPool2D"
	}
	return "MaxPool2D"
}

// pool4DGeom is the geometry of one pooling: window, padding, stride and the sizes of
// one input plane (h, w) and one output plane (oh, ow).
type pool4DGeom struct {
	kh, kw, ph, pw, sh, sw int
	h, w, oh, ow           int
	workers                int // the op's setting, which the planes are shared out by (parallel.For)
}

func newPool4DGeom(win geom.Window, xs tensor.Shape, workers int) pool4DGeom {
	oh, ow := win.OutputPlane(xs[2], xs[3])
	return pool4DGeom{
		kh: win.Kernel[0], kw: win.Kernel[1], ph: win.Pad[0], pw: win.Pad[1], sh: win.Stride[0], sw: win.Stride[1],
		h: xs[2], w: xs[3], oh: oh, ow: ow,
		workers: workers,
	}
}

// launch is the GPU kernel call of pooling x (xs) in the given kind, with pointers
// first (x, y for the forward pass; x, dy, dx for the backward) and the geometry after.
func (g pool4DGeom) launch(kernel string, xs tensor.Shape, kind pool4DKind, n int, ptrs ...any) opkit.Launch {
	args := append(ptrs, xs[0]*xs[1], g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, int(kind))
	return opkit.Launch{Kernel: kernel, Grid: opkit.Elems(n), Block: opkit.Threads256, Args: args}
}

// pool4D is the forward op of MaxPool2D and AvgPool2D on (n, c, h, w) tensors.
func pool4D(kind pool4DKind, win geom.Window) *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    kind.String(),
		Params:  win.String(),
		In:      []opkit.Input{{Name: "x", Rank: 4, DimNames: "(n, c, h, w)"}},
		OutRank: 4,
		Shape:   func(s []tensor.Shape) (tensor.Shape, error) { return win.PoolShape(s[0]) },
		Forward: opkit.FloatsWith(pool4DOf{kind, win}, pool4DRun, pool4DRun),
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := opkit.Apply(pool4DGrad(kind, win), in[0], dy)
			return gorgonia.Nodes{dx}, err
		},
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			return newPool4DGeom(win, in[0], 0).launch("pool_fwd", in[0], kind, out.TotalSize(), opkit.InArg(0), opkit.OutArg)
		},
	}
}

// pool4DOf is what a pool4D op and its gradient compute with: the kind and the window.
type pool4DOf struct {
	kind pool4DKind
	win  geom.Window
}

// pool4DRun is pool4D's Forward.
func pool4DRun[T opkit.Float](p pool4DOf, a opkit.Args[T]) {
	pool4DForward(poolRunOf(a, p.kind, newPool4DGeom(p.win, a.InShapes[0], a.Workers)), a.In[0], a.Out)
}

// pool4DGradRun is pool4DGrad's Forward.
func pool4DGradRun[T opkit.Float](p pool4DOf, a opkit.Args[T]) {
	pool4DBackward(poolRunOf(a, p.kind, newPool4DGeom(p.win, a.OutShape, a.Workers)), a.In[0], a.In[1], a.Out)
}

// pool4DGrad computes dL/dx of a pool4D op from x and dL/dout. Max pooling sends each
// output's gradient to the first maximum of its window (found again from x); average
// pooling spreads it evenly over the window's input pixels.
func pool4DGrad(kind pool4DKind, win geom.Window) *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    kind.String() + "Grad",
		Params:  win.String(),
		In:      []opkit.Input{{Name: "x", Rank: 4, DimNames: "(n, c, h, w)"}, {Name: "output gradient", Rank: 4, DimNames: "(n, c, oh, ow)"}},
		OutRank: 4,
		Shape:   opkit.GradShape(win.PoolShape),
		Forward: opkit.FloatsWith(pool4DOf{kind, win}, pool4DGradRun, pool4DGradRun),
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			return newPool4DGeom(win, in[0], 0).launch("pool_bwd", in[0], kind, out.TotalSize(), opkit.InArg(0), opkit.InArg(1), opkit.OutArg)
		},
	}
}

// pool4DSpans returns, for every output index along one dimension, the input range
// [lo, hi) its window covers, clipped to the input of length n, as flat pairs in dst's
// memory.
func pool4DSpans(dst []int, out, n, k, p, s int) []int {
	dst = dst[:0]
	for i := range out {
		lo := i*s - p
		dst = append(dst, max(lo, 0), min(lo+k, n))
	}
	return dst
}

// poolRun is one run of a pooling kernel, kept by the op between runs (opkit.Scratch)
// so that a run allocates nothing: the geometry, the operands, and the window spans of
// the general pass (rows and cols: pool4DSpans of the output rows and columns).
type poolRun[T opkit.Float] struct {
	kind     pool4DKind
	g        pool4DGeom
	backward bool
	// reference makes windows the tests' reference: every window clipped and scanned
	// by pool4DArgMax. It is set before a run, never by the workers.
	reference bool
	// noVector keeps the 2x2 average passes in Go alone (the tests' reference for
	// avg2x2Rows and avg2x2GradRows).
	noVector   bool
	x, gy, out []T
	rows, cols []int
	// offs and starts are maxPlanesVector's windows: the offsets of a window's elements
	// from its start (row-major), and the windows' starts in their first row for the
	// columns [j0, j1) that no padding clips, padded to whole blocks of 8; empty where
	// it does not run.
	offs, starts []int32
}

// poolRunOf returns the op's poolRun (a's scratch) for a run of kind on the geometry g.
func poolRunOf[T opkit.Float](a opkit.Args[T], kind pool4DKind, g pool4DGeom) *poolRun[T] {
	r := opkit.Scratch[poolRun[T]](a)
	*r = poolRun[T]{kind: kind, g: g, rows: r.rows, cols: r.cols, offs: r.offs, starts: r.starts}
	return r
}

// pool4DForward pools the (h, w) planes of x into the (oh, ow) planes of y.
func pool4DForward[T opkit.Float](r *poolRun[T], x, y []T) {
	r.x, r.out = x, y
	r.run()
}

// pool4DBackward writes dL/dx for every plane of x given x and dL/dy.
func pool4DBackward[T opkit.Float](r *poolRun[T], x, gy, dx []T) {
	r.x, r.gy, r.out, r.backward = x, gy, dx, true
	r.run()
}

// run computes the pass r holds the operands of, the planes shared out over the
// workers, then lets go of the operands.
func (r *poolRun[T]) run() {
	g := &r.g
	if !g.is2x2() || r.kind == pool4DMax {
		r.prepare()
	}
	in := g.h * g.w
	parallel.ForBody(g.workers, len(r.x)/in, in, r)
	*r = poolRun[T]{rows: r.rows, cols: r.cols, offs: r.offs, starts: r.starts}
}

// prepare computes what windows needs of the geometry: the spans of every window, and
// for float32 max pooling on a CPU with AVX2 maxPlanesVector's offsets and starts.
func (r *poolRun[T]) prepare() {
	g := &r.g
	r.rows = pool4DSpans(r.rows, g.oh, g.h, g.kh, g.ph, g.sh)
	r.cols = pool4DSpans(r.cols, g.ow, g.w, g.kw, g.pw, g.sw)
	r.offs, r.starts = r.offs[:0], r.starts[:0]
	j0, j1 := interiorRange(g.ow, g.w, g.kw, g.pw, g.sw)
	if _, f32 := any(r).(*poolRun[float32]); !f32 || r.kind != pool4DMax || !havePoolVector ||
		j0 == j1 || g.h*g.w > math.MaxInt32 || g.is2x2() && j1-j0 < 8 {
		return // (2x2 windows in rows of fewer than 8 are faster by max2x2Forward32)
	}
	for u := range g.kh {
		for v := range g.kw {
			r.offs = append(r.offs, int32(u*g.w+v))
		}
	}
	for j := j0; j < j1; j++ {
		r.starts = append(r.starts, int32(j*g.sw-g.pw))
	}
	for len(r.starts)%8 != 0 {
		r.starts = append(r.starts, r.starts[len(r.starts)-1])
	}
}

// Range runs the pass on planes [lo, hi).
func (r *poolRun[T]) Range(_, lo, hi int) {
	switch {
	case !r.g.is2x2() || len(r.offs) > 0:
		r.windows(lo, hi)
	case r.kind == pool4DAvg && r.backward:
		r.avg2x2Backward(lo, hi)
	case r.kind == pool4DAvg:
		r.avg2x2Forward(lo, hi)
	case r.backward:
		if r32, ok := any(r).(*poolRun[float32]); ok {
			r32.max2x2Backward32(lo, hi)
			return
		}
		r.max2x2Backward(lo, hi)
	default:
		if r32, ok := any(r).(*poolRun[float32]); ok {
			r32.max2x2Forward32(lo, hi)
			return
		}
		r.max2x2Forward(lo, hi)
	}
}

// windows is both passes over general windows on planes [lo, hi), one walk over every
// window of every plane of x in row-major order. The forward pass (gy unused) writes
// each window's maximum or average to out. The backward pass zeroes out, the size of x,
// then sends each entry of gy to its window's first maximum or spreads it evenly over
// the window's input pixels. As the ops run it, float32 max pooling on a
// CPU with AVX2 goes to maxPlanesVector; otherwise the windows wholly inside the plane
// go to interior (no clipping, common sizes unrolled) and every maximum is found by
// maxWindow, without branches. With r.reference (the tests'), every window is
// clipped and scanned by pool4DArgMax. The walk is the same, so every gradient sum
// adds in the same order, and the bits are the same.
func (r *poolRun[T]) windows(lo, hi int) {
	g := &r.g
	in, on := g.h*g.w, g.oh*g.ow
	i0, i1 := interiorRange(g.oh, g.h, g.kh, g.ph, g.sh)
	j0, j1 := interiorRange(g.ow, g.w, g.kw, g.pw, g.sw)
	if r.reference {
		i0, i1 = 0, 0
	} else if len(r.offs) > 0 {
		maxPlanesVector(any(r).(*poolRun[float32]), lo, hi)
		return
	}
	for p := lo; p < hi; p++ {
		pl := r.plane(p, in, on)
		for i := range g.oh {
			if i < i0 || i >= i1 {
				r.spans(&pl, i, 0, g.ow)
				continue
			}
			r.spans(&pl, i, 0, j0)
			r.interior(&pl, i, j0, j1)
			r.spans(&pl, i, j1, g.ow)
		}
	}
}

// poolChunk is how many windows maxPlanesVector has maxRow8 or maxWindows8 compute at a
// time (into arrays on the stack).
const poolChunk = 256

// maxPlanesVector is windows for float32 max pooling on a CPU with AVX2: the same walk,
// with the first maxima and their positions of the windows that no left or right
// padding clips (those in columns [j0, j1), clipped at most above or below, which cuts
// every window of an output row alike) computed poolChunk at a time by maxRow8 (stride
// 1 or 2: plain loads) or else by maxWindows8 (gathers). Both keep a later element only where it is strictly larger, as
// pool4DArgMax does, so they pick its element (the first of equal maxima, -0 and +0
// alike) but where a NaN is in the window: those windows go to pool4DArgMax, and the
// windows of the other columns to spans.
func maxPlanesVector(r *poolRun[float32], lo, hi int) {
	g := &r.g
	in, on, w := g.h*g.w, g.oh*g.ow, g.w
	j0, j1 := interiorRange(g.ow, g.w, g.kw, g.pw, g.sw)
	rowKernel := g.sw == 1 || g.sw == 2
	var m [poolChunk]float32
	var arg [poolChunk]int32
	for p := lo; p < hi; p++ {
		pl := r.plane(p, in, on)
		for i := range g.oh {
			r.spans(&pl, i, 0, j0)
			r0, r1 := r.rows[2*i], r.rows[2*i+1]
			c, filled, from := 0, 0, 0
			for j, o := j0, i*g.ow+j0; j < j1; j, o = j+1, o+1 {
				if c == filled && rowKernel {
					// A row's last chunk gets at least 8 windows where the row has.
					c, filled = 0, min(poolChunk, j1-j)
					if rest := j1 - j - filled; rest > 0 && rest < 8 {
						filled -= 8 - rest
					}
					from = r0*w + j*g.sw - g.pw
					maxRow8(&pl.x[from], w, r1-r0, g.kw, g.sw, filled, &m[0], &arg[0])
				} else if c == filled {
					c, filled, from = 0, min(poolChunk, j1-j), r0*w
					maxWindows8(&pl.x[from], &r.starts[j-j0], &r.offs[0], (r1-r0)*g.kw, (filled+7)/8, &m[0], &arg[0])
				}
				mv, k := m[c], from+int(arg[c])
				c++
				if mv != mv {
					k = pool4DArgMax(pl.x, w, r0, r1, r.cols[2*j], r.cols[2*j+1])
				}
				if r.backward {
					pl.dx[k] += pl.gy[o]
				} else {
					pl.y[o] = pl.x[k]
				}
			}
			r.spans(&pl, i, j1, g.ow)
		}
	}
}

// plane returns the operands of plane p (in elements of x, on of y): x and y, or x, gy
// and dx, which it zeroes.
func (r *poolRun[T]) plane(p, in, on int) poolPlane[T] {
	pl := poolPlane[T]{x: r.x[p*in : (p+1)*in]}
	if !r.backward {
		pl.y = r.out[p*on : (p+1)*on]
	} else {
		pl.gy, pl.dx = r.gy[p*on:(p+1)*on], r.out[p*in:(p+1)*in]
		clear(pl.dx)
	}
	return pl
}

// poolPlane is one plane's operands in windows: x and y, or x, gy and dx.
type poolPlane[T opkit.Float] struct {
	x, y, gy, dx []T
}

// interiorRange returns the outputs [lo, hi), of out along a dimension of length n,
// whose windows (size k, padding p, stride s) lie wholly inside the input.
func interiorRange(out, n, k, p, s int) (lo, hi int) {
	lo = min((p+s-1)/s, out)
	if n+p-k < 0 {
		return lo, lo
	}
	hi = min((n+p-k)/s+1, out)
	return lo, max(lo, hi)
}

// spans runs the pass on the windows (i, j) for j in [ja, jb) of the plane pl, each
// clipped to the plane by the spans r.rows and r.cols: the general code, which every
// window can take.
func (r *poolRun[T]) spans(pl *poolPlane[T], i, ja, jb int) {
	g := &r.g
	w, o := g.w, i*g.ow+ja
	r0, r1 := r.rows[2*i], r.rows[2*i+1]
	scale := 1 / T(g.kh*g.kw)
	for j := ja; j < jb; j, o = j+1, o+1 {
		c0, c1 := r.cols[2*j], r.cols[2*j+1]
		switch {
		case r.kind == pool4DMax && r.reference:
			k := pool4DArgMax(pl.x, w, r0, r1, c0, c1)
			if r.backward {
				pl.dx[k] += pl.gy[o]
			} else {
				pl.y[o] = pl.x[k]
			}
		case r.kind == pool4DMax:
			r.maxWindow(pl, o, r0*w+c0, r1-r0, c1-c0)
		case !r.backward:
			pl.y[o] = pool4DSum(pl.x, w, r0, r1, c0, c1) * scale
		default:
			pool4DSpread(pl.dx, w, r0, r1, c0, c1, pl.gy[o]*scale)
		}
	}
}

// interior runs the pass on the windows (i, j) for j in [ja, jb) of the plane pl, all
// wholly inside it, to the bits of spans: no clipping, and the common sizes unrolled.
func (r *poolRun[T]) interior(pl *poolPlane[T], i, ja, jb int) {
	g := &r.g
	w, kh, kw, sw := g.w, g.kh, g.kw, g.sw
	o := i*g.ow + ja
	base := (i*g.sh-g.ph)*w + ja*sw - g.pw
	if r.kind == pool4DMax {
		for j := ja; j < jb; j, o, base = j+1, o+1, base+sw {
			r.maxWindow(pl, o, base, kh, kw)
		}
		return
	}
	scale := 1 / T(kh*kw)
	n := (kh-1)*w + kw // the extent of a window in the plane
	for j := ja; j < jb; j, o, base = j+1, o+1, base+sw {
		if !r.backward {
			pl.y[o] = windowSum(pl.x[base:base+n], w, kh, kw) * scale
			continue
		}
		d := pl.gy[o] * scale
		dw := pl.dx[base : base+n]
		for u := range kh {
			row := dw[u*w : u*w+kw]
			for v := range row {
				row[v] += d
			}
		}
	}
}

// maxWindow runs the max-pooling pass on output o, whose kh x kw window starts at
// position base of the plane pl, to the bits of pool4DArgMax's pick. It takes the
// window's maximum m with Go's max (no branches, which random data would mispredict):
// where m is a number, pool4DArgMax's pick is the first element equal to m (-0 and +0
// alike), and where m is not zero every such element has m's bits. A window with a NaN
// goes to pool4DArgMax.
func (r *poolRun[T]) maxWindow(pl *poolPlane[T], o, base, kh, kw int) {
	w := r.g.w
	win := pl.x[base : base+(kh-1)*w+kw]
	m := windowMax(win, w, kh, kw)
	if !r.backward && m != 0 && m == m {
		pl.y[o] = m
		return
	}
	var k int
	if m != m {
		k = base + pool4DArgMax(win, w, 0, kh, 0, kw)
	} else {
		k = base + firstEqual(win, w, kh, kw, m)
	}
	if r.backward {
		pl.dx[k] += pl.gy[o]
	} else {
		pl.y[o] = pl.x[k]
	}
}

// windowMax returns max (Go's: NaN wins, +0 over -0) of the kh x kw window at the start
// of win (row length w), in a tree for the common sizes.
func windowMax[T opkit.Float](win []T, w, kh, kw int) T {
	switch {
	case kh == 3 && kw == 3:
		a, b, c := win[0:3:3], win[w:w+3:w+3], win[2*w:2*w+3:2*w+3]
		return max(max(max(a[0], a[1]), max(a[2], b[0])), max(max(b[1], b[2]), max(c[0], c[1])), c[2])
	case kh == 2 && kw == 2:
		a, b := win[0:2:2], win[w:w+2:w+2]
		return max(max(a[0], a[1]), max(b[0], b[1]))
	case kh == 3 && kw == 2: // a 3x3 window that padding clips left or right
		a, b, c := win[0:2:2], win[w:w+2:w+2], win[2*w:2*w+2:2*w+2]
		return max(max(a[0], a[1]), max(b[0], b[1]), max(c[0], c[1]))
	case kh == 2 && kw == 3: // above or below
		a, b := win[0:3:3], win[w:w+3:w+3]
		return max(max(a[0], a[1], a[2]), max(b[0], b[1], b[2]))
	}
	m := win[0]
	for u := range kh {
		for _, v := range win[u*w : u*w+kw] {
			m = max(m, v)
		}
	}
	return m
}

// firstEqual returns the row-major position (u·w + v) of the first element of the kh x
// kw window at the start of win (row length w) equal to m, which one is. For 3x3 and
// 2x2 windows a mask of the equal elements, whose lowest bit marks the first, without
// branches, and for others of up to 16 rows of 4 the same, a row a nibble; else a
// scan.
func firstEqual[T opkit.Float](win []T, w, kh, kw int, m T) int {
	switch {
	case kh == 3 && kw == 3:
		a, b, c := win[0:3:3], win[w:w+3:w+3], win[2*w:2*w+3:2*w+3]
		e := bit(a[0] == m) | bit(a[1] == m)<<1 | bit(a[2] == m)<<2 |
			bit(b[0] == m)<<3 | bit(b[1] == m)<<4 | bit(b[2] == m)<<5 |
			bit(c[0] == m)<<6 | bit(c[1] == m)<<7 | bit(c[2] == m)<<8
		k := bits.TrailingZeros(e)
		u := k * 11 >> 5 // k / 3 for k < 9
		return u*w + k - 3*u
	case kh == 2 && kw == 2:
		a, b := win[0:2:2], win[w:w+2:w+2]
		e := bit(a[0] == m) | bit(a[1] == m)<<1 | bit(b[0] == m)<<2 | bit(b[1] == m)<<3
		k := bits.TrailingZeros(e)
		return k>>1*w + k&1
	case kh <= 16 && kw <= 4:
		var e uint
		for u := range kh {
			for v, x := range win[u*w : u*w+kw] {
				e |= bit(x == m) << (4*u + v)
			}
		}
		k := bits.TrailingZeros(e)
		return k>>2*w + k&3
	}
	for u := range kh {
		for v, x := range win[u*w : u*w+kw] {
			if x == m {
				return u*w + v
			}
		}
	}
	return 0
}

// bit is 1 for true and 0 for false.
func bit(c bool) uint {
	var u uint
	if c {
		u = 1
	}
	return u
}

// windowSum is pool4DSum of the kh x kw window at the start of win (row length w): the
// same additions in the same order.
func windowSum[T opkit.Float](win []T, w, kh, kw int) T {
	var s T
	for u := range kh {
		for _, v := range win[u*w : u*w+kw] {
			s += v
		}
	}
	return s
}

// pool4DSum returns the sum of rows [r0, r1) and columns [c0, c1) of the plane xp (row
// length w), row by row.
func pool4DSum[T opkit.Float](xp []T, w, r0, r1, c0, c1 int) T {
	var s T
	for r := r0; r < r1; r++ {
		for _, v := range xp[r*w+c0 : r*w+c1] {
			s += v
		}
	}
	return s
}

// pool4DSpread adds d to rows [r0, r1) and columns [c0, c1) of the plane dp (row
// length w): an average's gradient, spread over its window.
func pool4DSpread[T opkit.Float](dp []T, w, r0, r1, c0, c1 int, d T) {
	for r := r0; r < r1; r++ {
		row := dp[r*w+c0 : r*w+c1]
		for k := range row {
			row[k] += d
		}
	}
}

// pool4DArgMax returns the index in the plane xp (row length w) of the first maximum of
// rows [r0, r1) and columns [c0, c1), or of the first NaN there. The window is not empty.
func pool4DArgMax[T opkit.Float](xp []T, w, r0, r1, c0, c1 int) int {
	arg := r0*w + c0
	best := xp[arg]
	if best != best {
		return arg
	}
	for r := r0; r < r1; r++ {
		for k := r*w + c0; k < r*w+c1; k++ {
			v := xp[k]
			if v != v {
				return k
			}
			if v > best {
				best, arg = v, k
			}
		}
	}
	return arg
}

// is2x2 reports whether the window is 2x2 with stride 2 and no padding (LeNet's
// pooling), which avg2x2Forward, avg2x2Backward, max2x2Forward and max2x2Backward
// compute without the general loops over window spans (but float32 max pooling on a
// CPU with AVX2 where a row has at least 8 windows, which maxPlanesVector computes
// faster).
func (g *pool4DGeom) is2x2() bool {
	return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0
}

// avg2x2Forward is the forward pass for 2x2 windows, stride 2, no padding, on planes
// [lo, hi): the same sums in the same order as windows, so the same results (up to the
// sign of a zero sum). For float32 on a CPU with AVX2, avg2x2Rows computes the first
// ow&^3 outputs of every row, with the same bits, and the loop here the rest.
func (r *poolRun[T]) avg2x2Forward(lo, hi int) {
	g := &r.g
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	j0 := r.avg2x2Vector()
	for p := lo; p < hi; p++ {
		xp, yp := r.x[p*in:(p+1)*in], r.out[p*out:(p+1)*out]
		if j0 > 0 {
			x32, y32 := any(xp).([]float32), any(yp).([]float32)
			avg2x2Rows(&x32[0], &y32[0], w, ow, g.oh)
		}
		for i := 0; i < g.oh; i++ {
			r0 := xp[2*i*w : 2*i*w+2*ow]
			r1 := xp[(2*i+1)*w : (2*i+1)*w+2*ow]
			yr := yp[i*ow : (i+1)*ow]
			for j := j0; j < len(yr); j++ {
				yr[j] = (((r0[2*j] + r0[2*j+1]) + r1[2*j]) + r1[2*j+1]) * 0.25
			}
		}
	}
}

// avg2x2Backward is avg2x2Forward's backward pass on planes [lo, hi): each output's
// gradient, times 1/4, goes to the four pixels of its window; a last row or column
// that no window covers (odd h or w) gets zero. For float32 on a CPU with AVX2,
// avg2x2GradRows spreads the first ow&^3 gradients of every row, with the same bits,
// and the loop here the rest.
func (r *poolRun[T]) avg2x2Backward(lo, hi int) {
	g := &r.g
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	j0 := r.avg2x2Vector()
	for p := lo; p < hi; p++ {
		gp, dp := r.gy[p*out:(p+1)*out], r.out[p*in:(p+1)*in]
		if 2*g.oh < g.h || 2*ow < w {
			clear(dp)
		}
		if j0 > 0 {
			g32, d32 := any(gp).([]float32), any(dp).([]float32)
			avg2x2GradRows(&g32[0], &d32[0], w, ow, g.oh)
		}
		for i := 0; i < g.oh; i++ {
			d0 := dp[2*i*w : 2*i*w+2*ow]
			d1 := dp[(2*i+1)*w : (2*i+1)*w+2*ow]
			gr := gp[i*ow : (i+1)*ow]
			for j := j0; j < len(gr); j++ {
				v := gr[j]
				d := v * 0.25
				d0[2*j], d0[2*j+1] = d, d
				d1[2*j], d1[2*j+1] = d, d
			}
		}
	}
}

// avg2x2Vector is the number of outputs of each row that avg2x2Rows and avg2x2GradRows
// compute: ow&^3 for float32 on a CPU with AVX2, or else none (none too where a row has
// fewer than four outputs, or a plane none).
func (r *poolRun[T]) avg2x2Vector() int {
	if _, f32 := any(r).(*poolRun[float32]); !f32 || !havePoolVector || r.noVector || r.g.oh == 0 {
		return 0
	}
	return r.g.ow &^ 3
}

// argMax4 is pool4DArgMax of the 2x2 window v (its first row, then its second): the
// position, 0 to 3 in row-major order, of the first NaN or else of the first maximum.
// The maximum is a tournament of strict comparisons (the first of each pair, then the
// first pair, win ties), which picks what the sequential scan does; the selects
// compile to conditional moves, not branches, which random data would mispredict.
func argMax4[T opkit.Float](v *[4]T) int {
	k01 := 0
	if v[1] > v[0] {
		k01 = 1
	}
	k23 := 0
	if v[3] > v[2] {
		k23 = 1
	}
	k23 += 2
	k := k01
	if v[k23] > v[k01] {
		k = k23
	}
	nan := 0
	if v[0] != v[0] {
		nan |= 1
	}
	if v[1] != v[1] {
		nan |= 2
	}
	if v[2] != v[2] {
		nan |= 4
	}
	if v[3] != v[3] {
		nan |= 8
	}
	if nan != 0 {
		k = bits.TrailingZeros(uint(nan))
	}
	return k
}

// max2x2Forward is the max-pooling forward pass for 2x2 windows, stride 2, no padding,
// on planes [lo, hi): each output is the element windows would pick, so the bits are the
// same (a NaN's payload and the sign of a zero included).
func (r *poolRun[T]) max2x2Forward(lo, hi int) {
	g := &r.g
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	for p := lo; p < hi; p++ {
		xp, yp := r.x[p*in:(p+1)*in], r.out[p*out:(p+1)*out]
		for i := 0; i < g.oh; i++ {
			r0 := xp[2*i*w : 2*i*w+2*ow]
			r1 := xp[(2*i+1)*w : (2*i+1)*w+2*ow]
			yr := yp[i*ow : (i+1)*ow]
			for j := range yr {
				v := [4]T{r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]}
				yr[j] = v[argMax4(&v)&3]
			}
		}
	}
}

// max2x2Backward is max2x2Forward's backward pass on planes [lo, hi): each output's
// gradient goes to its window's pick and zero to the other three pixels; a last row or
// column that no window covers (odd h or w) gets zero. The pick gets 0 + g, as the
// general pass's accumulation into a cleared plane gives (so -0 arrives as +0).
func (r *poolRun[T]) max2x2Backward(lo, hi int) {
	backward2x2Rows(&r.g, lo, hi, r.x, r.gy, r.out, func(x0, x1, d0, d1, gr []T) {
		for j, g := range gr {
			v := [4]T{x0[2*j], x0[2*j+1], x1[2*j], x1[2*j+1]}
			var e [4]T
			e[argMax4(&v)&3] = 0 + g
			d0[2*j], d0[2*j+1] = e[0], e[1]
			d1[2*j], d1[2*j+1] = e[2], e[3]
		}
	})
}

// backward2x2Rows is the walk of a 2x2, stride-2 backward pass of geometry g over
// planes [lo, hi) of x, gy and dx: it clears a plane of dx that has a row or column no
// window covers (odd h or w), then has row do each output row: the two input rows
// of x and of dx its windows cover, and its gradients.
func backward2x2Rows[E opkit.Float](g *pool4DGeom, lo, hi int, x, gy, dx []E, row func(x0, x1, d0, d1, gr []E)) {
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	for p := lo; p < hi; p++ {
		xp, gp, dp := x[p*in:(p+1)*in], gy[p*out:(p+1)*out], dx[p*in:(p+1)*in]
		if 2*g.oh < g.h || 2*ow < w {
			clear(dp)
		}
		for i := 0; i < g.oh; i++ {
			a, b := 2*i*w, (2*i+1)*w
			row(xp[a:a+2*ow], xp[b:b+2*ow], dp[a:a+2*ow], dp[b:b+2*ow], gp[i*ow:(i+1)*ow])
		}
	}
}

// The float32 passes of 2x2 max pooling, the ones training runs. Which of a window's
// four values is largest is random on real data, so a branch per comparison would be
// mispredicted about half the time; these select with integer masks on the values'
// bits instead, and branch only on NaN (then argMax4 decides), which is rare and so
// predicted. They pick what max2x2Forward and max2x2Backward pick.

// ones returns all ones when c holds and zero otherwise: a mask for selecting without
// a branch (the compiler makes c a SETcc).
func ones(c bool) uint32 {
	var u uint32
	if c {
		u = 1
	}
	return -u
}

// pick2 returns the bits and position of the first maximum of two non-NaN float32, x
// at position k and y at k+1: y only when y > x.
func pick2(x, y float32, k int) (uint32, int) {
	m := ones(y > x)
	bx := math.Float32bits(x)
	return bx ^ (bx^math.Float32bits(y))&m, k + int(m&1)
}

// argMax4NaN is argMax4 of a float32 window a, b (first row), c, d that holds a NaN,
// with its pick's bits: out of line, as NaNs are rare.
//
//go:noinline
func argMax4NaN(a, b, c, d float32) (uint32, int) {
	v := [4]float32{a, b, c, d}
	k := argMax4(&v) & 3
	return math.Float32bits(v[k]), k
}

// max2x2Forward32 is max2x2Forward for float32.
func (r *poolRun[T]) max2x2Forward32(lo, hi int) {
	x, y := any(r.x).([]float32), any(r.out).([]float32)
	g := &r.g
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	for p := lo; p < hi; p++ {
		xp, yp := x[p*in:(p+1)*in], y[p*out:(p+1)*out]
		for i := 0; i < g.oh; i++ {
			r0 := xp[2*i*w : 2*i*w+2*ow]
			r1 := xp[(2*i+1)*w : (2*i+1)*w+2*ow]
			yr := yp[i*ow : (i+1)*ow]
			max2x2Row32(r0, r1, yr)
		}
	}
}

// max2x2Backward32 is max2x2Backward for float32.
func (r *poolRun[T]) max2x2Backward32(lo, hi int) {
	x, gy, dx := any(r.x).([]float32), any(r.gy).([]float32), any(r.out).([]float32)
	backward2x2Rows(&r.g, lo, hi, x, gy, dx, max2x2GradRow32)
}

// max2x2Row32 writes to y the maxima of the 2x2 windows of the row pair r0, r1
// (2·len(y) values each): argMax4f32's picks, its code written out here so that the
// loop makes no call.
func max2x2Row32(r0, r1, y []float32) {
	r0, r1 = r0[:2*len(y)], r1[:2*len(y)]
	for j := range y {
		a, b, c, d := r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]
		if a != a || b != b || c != c || d != d {
			m, _ := argMax4NaN(a, b, c, d)
			y[j] = math.Float32frombits(m)
			continue
		}
		m01, _ := pick2(a, b, 0)
		m23, _ := pick2(c, d, 2)
		m := ones(math.Float32frombits(m23) > math.Float32frombits(m01))
		y[j] = math.Float32frombits(m01 ^ (m01^m23)&m)
	}
}

// max2x2GradRow32 sends each gradient in g to its window's pick in the row pair x0, x1
// (2·len(g) values each), writing 0 + g there and +0 at the window's other three pixels
// of d0, d1: argMax4f32's picks, written out as in max2x2Row32.
func max2x2GradRow32(x0, x1, d0, d1, g []float32) {
	n := 2 * len(g)
	x0, x1, d0, d1 = x0[:n], x1[:n], d0[:n], d1[:n]
	for j, gv := range g {
		a, b, c, d := x0[2*j], x0[2*j+1], x1[2*j], x1[2*j+1]
		var k int
		if a != a || b != b || c != c || d != d {
			_, k = argMax4NaN(a, b, c, d)
		} else {
			m01, k01 := pick2(a, b, 0)
			m23, k23 := pick2(c, d, 2)
			m := ones(math.Float32frombits(m23) > math.Float32frombits(m01))
			k = k01 ^ (k01^k23)&int(m&3)
		}
		// 0 + g, as the general pass's accumulation into zeros gives; the others +0.
		gb := math.Float32bits(0 + gv)
		d0[2*j], d0[2*j+1] = math.Float32frombits(gb&ones(k == 0)), math.Float32frombits(gb&ones(k == 1))
		d1[2*j], d1[2*j+1] = math.Float32frombits(gb&ones(k == 2)), math.Float32frombits(gb&ones(k == 3))
	}
}
