package nn

import (
	"sync"

	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/parallel"
)

// The kernels of FusedConv2D. Images are NCHW; one image's im2col matrix has a row per
// (channel, kernel row, kernel column), in the order of w's (c, kh, kw) axes, and a column
// per output pixel, so that the (co, c·kh·kw) weight matrix times it is the image's
// (co, oh·ow) output, already in NCHW order.

// Scratch buffers (im2col matrices, partial sums) are reused through these pools, one
// per element type, so that steady-state training allocates none.
var scratch32, scratch64 sync.Pool

// getScratch returns a buffer of n elements (contents undefined); give it back with
// putScratch.
func getScratch[T opkit.Float](n int) *[]T {
	p := scratchPool[T]()
	if v, ok := p.Get().(*[]T); ok {
		if cap(*v) >= n {
			*v = (*v)[:n]
			return v
		}
	}
	s := make([]T, n)
	return &s
}

// putScratch returns s, from getScratch or nil, to its pool.
func putScratch[T opkit.Float](s *[]T) {
	if s != nil {
		scratchPool[T]().Put(s)
	}
}

// colsScratch takes the buffer windowsOf needs from the pool: nil where im2col is the
// identity, else room for one image's window matrix.
func colsScratch[T opkit.Float](g *convGeom) *[]T {
	if g.direct() {
		return nil
	}
	return getScratch[T](g.cols() * g.plane())
}

// windowsOf returns the (c·kh·kw, oh·ow) window matrix of the image xi: xi itself where
// im2col is the identity (buf nil), else its im2col in buf, valid until the next call.
func windowsOf[T opkit.Float](g *convGeom, xi []T, buf *[]T) []T {
	if buf == nil {
		return xi
	}
	im2col(g, xi, *buf)
	return *buf
}

func scratchPool[T opkit.Float]() *sync.Pool {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return &scratch32
	}
	return &scratch64
}

// convChunk is the number of images the kernels compute as one unit: the batch is cut
// into chunks of convChunk images (the last one shorter), whatever the number of
// workers, and the workers share out whole chunks. Each chunk is computed the same way
// on any goroutine, and sums over the batch add the chunks' sums in chunk order, so
// every result is the same to the bit for any number of workers.
const convChunk = 8

// convRun is one run of a convolution kernel, kept by the op between runs
// (opkit.Scratch) so that a run allocates nothing: the geometry, the operands of the
// pass, its per-chunk sums, and chunk, the pass on one chunk of images.
type convRun[T opkit.Float] struct {
	g          convGeom
	x, w, b, y []T  // the forward pass's operands and result
	dy, dx, dw []T  // the backward passes' output gradient and results
	partial    *[]T // per-chunk sums of the filter and bias gradients
	pass       convPass
}

// convPass names the pass a convRun computes.
type convPass int

const (
	convForwardPass convPass = iota
	convFilterGradPass
	convDataGradPass
	convBiasGradPass
)

// convRunOf returns the op's convRun (a's scratch) for a run on the geometry g.
func convRunOf[T opkit.Float](a opkit.Args[T], g convGeom) *convRun[T] {
	r := opkit.Scratch[convRun[T]](a)
	*r = convRun[T]{g: g}
	return r
}

// forChunks runs pass on every chunk of the n images, sharing the chunks out over up
// to parallel.Workers(g.workers) goroutines (cost is the work of one image), then lets go
// of the operands. It returns the number of chunks.
func (r *convRun[T]) forChunks(cost int, pass convPass) int {
	r.pass = pass
	chunks := (r.g.n + convChunk - 1) / convChunk
	parallel.ForBody(r.g.workers, chunks, cost*convChunk, r)
	*r = convRun[T]{}
	return chunks
}

// Range runs the pass on chunks [lo, hi).
func (r *convRun[T]) Range(_, lo, hi int) {
	for c := lo; c < hi; c++ {
		first, last := c*convChunk, min((c+1)*convChunk, r.g.n)
		switch r.pass {
		case convForwardPass:
			r.forwardChunk(first, last)
		case convFilterGradPass:
			r.filterGradChunk(c, first, last)
		case convDataGradPass:
			r.dataGradChunk(first, last)
		case convBiasGradPass:
			r.biasGradChunk(c, first, last)
		}
	}
}

// convForward computes y = conv(x, w) + b (b nil: no bias) for the whole batch.
func convForward[T opkit.Float](r *convRun[T], x, w, b, y []T) {
	r.x, r.w, r.b, r.y = x, w, b, y
	r.forChunks(r.g.cost(), convForwardPass)
}

// forwardChunk computes the outputs of images [lo, hi).
func (r *convRun[T]) forwardChunk(lo, hi int) {
	g := &r.g
	if g.wide() {
		wideForward(g, r.x, r.w, r.b, r.y, lo, hi)
		return
	}
	K, P := g.cols(), g.plane()
	in, out := g.c*g.h*g.w, g.co*P
	buf := colsScratch[T](g)
	defer putScratch(buf)
	for i := lo; i < hi; i++ {
		yi := r.y[i*out : (i+1)*out]
		gemmSerial(false, false, g.co, P, K, r.w, K, windowsOf(g, r.x[i*in:(i+1)*in], buf), P, 0, yi, P)
		for o, bo := range r.b {
			row := yi[o*P : (o+1)*P]
			for j := range row {
				row[j] += bo
			}
		}
	}
}

// convFilterGrad computes dw = Σ_b dY_b · cols_bᵀ. Each chunk of images sums into its
// own (co, c·kh·kw) matrix (chunk 0 into dw itself); the others are added to dw in chunk
// order, so the result does not depend on the workers or on scheduling.
func convFilterGrad[T opkit.Float](r *convRun[T], x, dy, dw []T) {
	wn := r.g.co * r.g.cols()
	chunks := (r.g.n + convChunk - 1) / convChunk
	partial := getScratch[T]((chunks - 1) * wn)
	defer putScratch(partial)
	r.x, r.dy, r.dw, r.partial = x, dy, dw, partial
	r.forChunks(r.g.cost(), convFilterGradPass)
	for c := 1; c < chunks; c++ {
		src := (*partial)[(c-1)*wn : c*wn]
		for j, v := range src {
			dw[j] += v
		}
	}
}

// filterGradChunk sums chunk c's images [lo, hi) into its filter gradient.
func (r *convRun[T]) filterGradChunk(c, lo, hi int) {
	g := &r.g
	K, P := g.cols(), g.plane()
	in, out, wn := g.c*g.h*g.w, g.co*P, g.co*K
	acc := r.dw
	if c > 0 {
		acc = (*r.partial)[(c-1)*wn : c*wn]
	}
	if g.wide() {
		wideFilterGrad(g, r.x, r.dy, acc, lo, hi)
		return
	}
	buf := colsScratch[T](g)
	defer putScratch(buf)
	for i := lo; i < hi; i++ {
		cols := windowsOf(g, r.x[i*in:(i+1)*in], buf)
		beta := T(1)
		if i == lo {
			beta = 0
		}
		gemmSerial(false, true, g.co, K, P, r.dy[i*out:(i+1)*out], P, cols, P, beta, acc, K)
	}
}

// convDataGrad computes dx_b = col2im(wᵀ · dY_b) for every image.
func convDataGrad[T opkit.Float](r *convRun[T], w, dy, dx []T) {
	r.w, r.dy, r.dx = w, dy, dx
	r.forChunks(r.g.cost(), convDataGradPass)
}

// dataGradChunk computes dL/dx of images [lo, hi).
func (r *convRun[T]) dataGradChunk(lo, hi int) {
	g := &r.g
	K, P := g.cols(), g.plane()
	in, out := g.c*g.h*g.w, g.co*P
	w, dy, dx := r.w, r.dy, r.dx
	if g.wide() {
		wideDataGrad(g, w, dy, dx, lo, hi)
		return
	}
	if g.direct() {
		for i := lo; i < hi; i++ {
			gemmSerial(true, false, K, P, g.co, w, K, dy[i*out:(i+1)*out], P, 0, dx[i*in:(i+1)*in], P)
		}
		return
	}
	buf := getScratch[T](K * P)
	defer putScratch(buf)
	cols := *buf
	for i := lo; i < hi; i++ {
		gemmSerial(true, false, K, P, g.co, w, K, dy[i*out:(i+1)*out], P, 0, cols, P)
		dxi := dx[i*in : (i+1)*in]
		clear(dxi)
		col2im(g, cols, dxi)
	}
}

// convBiasGrad computes db[o] = Σ_b Σ_p dy[b, o, p] for dy of shape (n, co, oh, ow), on
// r, whose geometry is that shape's and the op's workers. Chunks of images (on up to
// parallel.Workers(workers) goroutines) sum their images separately; the partial sums are
// added in chunk order, the same for any workers.
func convBiasGrad[T opkit.Float](r *convRun[T], dy, db []T) {
	co := r.g.co
	chunks := (r.g.n + convChunk - 1) / convChunk
	partial := getScratch[T](chunks * co)
	defer putScratch(partial)
	r.dy, r.partial = dy, partial
	r.forChunks(co*r.g.plane(), convBiasGradPass)
	clear(db)
	for part := range chunks {
		for o, v := range (*partial)[part*co : (part+1)*co] {
			db[o] += v
		}
	}
}

// biasGradChunk sums chunk c's images [lo, hi) into its bias gradient.
func (r *convRun[T]) biasGradChunk(c, lo, hi int) {
	co, p := r.g.co, r.g.plane()
	acc := (*r.partial)[c*co : (c+1)*co]
	clear(acc)
	for i := lo; i < hi; i++ {
		for o := range co {
			acc[o] += sum4(r.dy[(i*co+o)*p : (i*co+o+1)*p])
		}
	}
}

// sum4 sums s with four independent accumulators.
func sum4[T opkit.Float](s []T) T {
	var a0, a1, a2, a3 T
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a0 += s[i]
		a1 += s[i+1]
		a2 += s[i+2]
		a3 += s[i+3]
	}
	for ; i < len(s); i++ {
		a0 += s[i]
	}
	return (a0 + a1) + (a2 + a3)
}

// convSpan returns the output positions [lo, hi) along one dimension (out of them) whose
// input position o*s + off - p lies inside [0, n), for kernel offset off.
func convSpan(out, n, off, p, s int) (lo, hi int) {
	if p > off {
		lo = (p - off + s - 1) / s
	}
	if last := n - 1 + p - off; last >= 0 {
		hi = last/s + 1
	}
	hi = min(hi, out)
	lo = min(lo, hi)
	return lo, hi
}

// convColRows calls f for each stretch of ow entries of the (c·kh·kw, oh·ow) im2col
// matrix cols of the (c, h, w) image x: d is the stretch of matrix row (c, u, v) for
// output row i. Its windows read the image row xr (nil where that row lies in the
// padding): entries [j0, j1) of d are xr[q], xr[q+sw], ..., the others are padding.
func convColRows[T opkit.Float](g *convGeom, x, cols []T, f func(d, xr []T, j0, j1, q int)) {
	P, hw := g.plane(), g.h*g.w
	row := 0
	for ci := 0; ci < g.c; ci++ {
		xc := x[ci*hw : (ci+1)*hw]
		for u := 0; u < g.kh; u++ {
			i0, i1 := convSpan(g.oh, g.h, u, g.ph, g.sh)
			for v := 0; v < g.kw; v++ {
				j0, j1 := convSpan(g.ow, g.w, v, g.pw, g.sw)
				q := j0*g.sw + v - g.pw
				for i := range g.oh {
					var xr []T
					if i >= i0 && i < i1 {
						xr = xc[(i*g.sh+u-g.ph)*g.w : (i*g.sh+u-g.ph+1)*g.w]
					}
					f(cols[row*P+i*g.ow:row*P+(i+1)*g.ow], xr, j0, j1, q)
				}
				row++
			}
		}
	}
}

// im2col writes the (c·kh·kw, oh·ow) window matrix of one (c, h, w) image x to cols;
// positions in the padding are zero.
func im2col[T opkit.Float](g *convGeom, x, cols []T) {
	convColRows(g, x, cols, func(d, xr []T, j0, j1, q int) {
		if xr == nil {
			clear(d)
			return
		}
		clear(d[:j0])
		clear(d[j1:])
		if g.sw == 1 {
			copy(d[j0:j1], xr[q:q+j1-j0])
			return
		}
		for j := j0; j < j1; j, q = j+1, q+g.sw {
			d[j] = xr[q]
		}
	})
}

// col2im adds every entry of the (c·kh·kw, oh·ow) matrix cols to the pixel of the
// (c, h, w) image x it was taken from by im2col; entries in the padding are dropped.
func col2im[T opkit.Float](g *convGeom, cols, x []T) {
	convColRows(g, x, cols, func(s, xr []T, j0, j1, q int) {
		if xr == nil {
			return
		}
		if g.sw == 1 {
			addTo(xr[q:q+j1-j0], s[j0:j1])
			return
		}
		for j := j0; j < j1; j, q = j+1, q+g.sw {
			xr[q] += s[j]
		}
	})
}
