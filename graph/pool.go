package graph

import (
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
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
	return opkit.Apply(pool4D(pool4DMax, opkit.Window{Kernel: kernel, Pad: pad, Stride: stride}), x)
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
	return opkit.Apply(pool4D(pool4DAvg, opkit.Window{Kernel: kernel, Pad: pad, Stride: stride}), x)
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
	workers                int // the op's setting, which the planes are shared out by (opkit.For)
}

func newPool4DGeom(win opkit.Window, xs tensor.Shape, workers int) pool4DGeom {
	oh, ow := win.Out(xs[2], xs[3])
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
func pool4D(kind pool4DKind, win opkit.Window) *opkit.Spec {
	return &opkit.Spec{
		Name:   kind.String(),
		Params: win.String(),
		In:     []opkit.Input{{Name: "x", Rank: 4, Layout: "(n, c, h, w)"}},
		Out:    4,
		Shape:  func(s []tensor.Shape) (tensor.Shape, error) { return win.PoolShape(s[0]) },
		Forward: opkit.Floats(
			func(a opkit.Args[float32]) {
				pool4DForward(kind, newPool4DGeom(win, a.Shapes[0], a.Workers), a.In[0], a.Out)
			},
			func(a opkit.Args[float64]) {
				pool4DForward(kind, newPool4DGeom(win, a.Shapes[0], a.Workers), a.In[0], a.Out)
			}),
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := opkit.Apply(pool4DGrad(kind, win), in[0], dy)
			return gorgonia.Nodes{dx}, err
		},
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			return newPool4DGeom(win, in[0], 0).launch("pool_fwd", in[0], kind, out.TotalSize(), opkit.In(0), opkit.Out)
		},
	}
}

// pool4DGrad computes dL/dx of a pool4D op from x and dL/dout. Max pooling sends each
// output's gradient to the first maximum of its window (found again from x); average
// pooling spreads it evenly over the window's input pixels.
func pool4DGrad(kind pool4DKind, win opkit.Window) *opkit.Spec {
	return &opkit.Spec{
		Name:   kind.String() + "Grad",
		Params: win.String(),
		In:     []opkit.Input{{Name: "x", Rank: 4, Layout: "(n, c, h, w)"}, {Name: "output gradient", Rank: 4, Layout: "(n, c, oh, ow)"}},
		Out:    4,
		Shape:  opkit.GradShape(win.PoolShape),
		Forward: opkit.Floats(
			func(a opkit.Args[float32]) {
				pool4DBackward(kind, newPool4DGeom(win, a.Shape, a.Workers), a.In[0], a.In[1], a.Out)
			},
			func(a opkit.Args[float64]) {
				pool4DBackward(kind, newPool4DGeom(win, a.Shape, a.Workers), a.In[0], a.In[1], a.Out)
			}),
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			return newPool4DGeom(win, in[0], 0).launch("pool_bwd", in[0], kind, out.TotalSize(), opkit.In(0), opkit.In(1), opkit.Out)
		},
	}
}

// spans returns, for every output row and every output column, the input range
// [lo, hi) its window covers, clipped to the input, as flat pairs.
func (g *pool4DGeom) spans() (rows, cols []int) {
	return pool4DSpans(g.oh, g.h, g.kh, g.ph, g.sh), pool4DSpans(g.ow, g.w, g.kw, g.pw, g.sw)
}

// pool4DSpans returns, for every output index along one dimension, the input range
// [lo, hi) its window covers, clipped to the input of length n.
func pool4DSpans(out, n, k, p, s int) []int {
	spans := make([]int, 2*out)
	for i := range out {
		lo := i*s - p
		spans[2*i], spans[2*i+1] = max(lo, 0), min(lo+k, n)
	}
	return spans
}

// pool4DForward pools the (h, w) planes of x into the (oh, ow) planes of y.
func pool4DForward[T opkit.Float](kind pool4DKind, g pool4DGeom, x, y []T) {
	if kind == pool4DAvg && g.avg2x2() {
		avgPool2x2Forward(&g, len(x)/(g.h*g.w), x, y)
		return
	}
	pool4DWindows(kind, &g, false, x, nil, y)
}

// pool4DBackward writes dL/dx for every plane of x given x and dL/dy.
func pool4DBackward[T opkit.Float](kind pool4DKind, g pool4DGeom, x, gy, dx []T) {
	if kind == pool4DAvg && g.avg2x2() {
		avgPool2x2Backward(&g, len(x)/(g.h*g.w), gy, dx)
		return
	}
	pool4DWindows(kind, &g, true, x, gy, dx)
}

// pool4DWindows is both passes over general windows, one walk over every window of every
// plane of x, the planes shared out over the workers. The forward pass (gy unused) writes
// each window's maximum or average to out. The backward pass zeroes out, the size of x,
// then sends each entry of gy to its window's first maximum or spreads it evenly over the
// window's input pixels.
func pool4DWindows[T opkit.Float](kind pool4DKind, g *pool4DGeom, backward bool, x, gy, out []T) {
	in, on, w := g.h*g.w, g.oh*g.ow, g.w
	rows, cols := g.spans()
	scale := 1 / T(g.kh*g.kw)
	opkit.For(g.workers, len(x)/in, in, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			xp := x[p*in : (p+1)*in]
			var yp, gp, dp []T
			if !backward {
				yp = out[p*on : (p+1)*on]
			} else {
				gp, dp = gy[p*on:(p+1)*on], out[p*in:(p+1)*in]
				clear(dp)
			}
			o := 0
			for i := 0; i < len(rows); i += 2 {
				r0, r1 := rows[i], rows[i+1]
				for j := 0; j < len(cols); j, o = j+2, o+1 {
					c0, c1 := cols[j], cols[j+1]
					switch {
					case kind == pool4DMax && !backward:
						yp[o] = xp[pool4DArgMax(xp, w, r0, r1, c0, c1)]
					case kind == pool4DMax:
						dp[pool4DArgMax(xp, w, r0, r1, c0, c1)] += gp[o]
					case !backward:
						yp[o] = pool4DSum(xp, w, r0, r1, c0, c1) * scale
					default:
						d := gp[o] * scale
						for r := r0; r < r1; r++ {
							row := dp[r*w+c0 : r*w+c1]
							for k := range row {
								row[k] += d
							}
						}
					}
				}
			}
		}
	})
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

// avg2x2 reports whether the window is 2x2 with stride 2 and no padding (LeNet's
// pooling), which avgPool2x2Forward and avgPool2x2Backward compute without the general
// loops over window spans.
func (g *pool4DGeom) avg2x2() bool {
	return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0
}

// avgPool2x2Forward is pool4DForward for 2x2 windows, stride 2, no padding: the same
// sums in the same order, so the same results (up to the sign of a zero sum).
func avgPool2x2Forward[T opkit.Float](g *pool4DGeom, planes int, x, y []T) {
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	opkit.For(g.workers, planes, in, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*in:(p+1)*in], y[p*out:(p+1)*out]
			for i := 0; i < g.oh; i++ {
				r0 := xp[2*i*w : 2*i*w+2*ow]
				r1 := xp[(2*i+1)*w : (2*i+1)*w+2*ow]
				yr := yp[i*ow : (i+1)*ow]
				for j := range yr {
					yr[j] = (((r0[2*j] + r0[2*j+1]) + r1[2*j]) + r1[2*j+1]) * 0.25
				}
			}
		}
	})
}

// avgPool2x2Backward is pool4DBackward for avgPool2x2Forward: each output's gradient,
// times 1/4, goes to the four pixels of its window; a last row or column that no window
// covers (odd h or w) gets zero.
func avgPool2x2Backward[T opkit.Float](g *pool4DGeom, planes int, gy, dx []T) {
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	opkit.For(g.workers, planes, in, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			gp, dp := gy[p*out:(p+1)*out], dx[p*in:(p+1)*in]
			if 2*g.oh < g.h || 2*ow < w {
				clear(dp)
			}
			for i := 0; i < g.oh; i++ {
				d0 := dp[2*i*w : 2*i*w+2*ow]
				d1 := dp[(2*i+1)*w : (2*i+1)*w+2*ow]
				gr := gp[i*ow : (i+1)*ow]
				for j, v := range gr {
					d := v * 0.25
					d0[2*j], d0[2*j+1] = d, d
					d1[2*j], d1[2*j+1] = d, d
				}
			}
		}
	})
}
