package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"runtime"
	"sync"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
	return applyPool4D("graph: MaxPool2D", pool4DMax, x, kernel, pad, stride)
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
	return applyPool4D("graph: AvgPool2D", pool4DAvg, x, kernel, pad, stride)
}

// applyPool4D validates the arguments and applies a pool4DOp to x.
func applyPool4D(name string, kind pool4DKind, x *gorgonia.Node, kernel, pad, stride [2]int) (out *gorgonia.Node, err error) {
	if x == nil {
		return nil, fmt.Errorf("%s: nil node", name)
	}
	if err := checkFloatDtype(name, "x", x); err != nil {
		return nil, err
	}
	xs := x.Shape()
	if xs.Dims() != 4 {
		return nil, fmt.Errorf("%s: x has shape %v; want 4-D (n, c, h, w)", name, xs)
	}
	for i, d := range xs {
		if d < 1 {
			return nil, fmt.Errorf("%s: x has shape %v; dimension %d is empty", name, xs, i)
		}
	}
	if err := checkWindow(name, xs, kernel, pad, stride, true); err != nil {
		return nil, err
	}
	defer recoverGorgonia(name, &err)
	op := &pool4DOp{kind: kind, kernel: kernel, pad: pad, stride: stride, out: new(resultCache)}
	if out, err = gorgonia.ApplyOp(place(x.Graph(), op), x); err != nil {
		return nil, fmt.Errorf("%s: x %v: %w", name, xs, err)
	}
	return out, nil
}

// pool4DKind selects what a pool4DOp computes over a window.
type pool4DKind int

const (
	pool4DMax pool4DKind = iota // maximum, padding ignored
	pool4DAvg                   // mean over kh*kw, zero padding included
)

// pool4DGeom is the geometry of one pooling: window, padding, stride and the sizes of
// one input plane (h, w) and one output plane (oh, ow).
type pool4DGeom struct {
	kh, kw, ph, pw, sh, sw int
	h, w, oh, ow           int
}

// pool4DOp is the forward pooling op on (n, c, h, w) tensors.
type pool4DOp struct {
	kind                pool4DKind
	kernel, pad, stride [2]int
	out                 *resultCache // the result's memory, reused from run to run
}

func (op *pool4DOp) geom(s tensor.Shape) pool4DGeom {
	return pool4DGeom{
		kh: op.kernel[0], kw: op.kernel[1], ph: op.pad[0], pw: op.pad[1], sh: op.stride[0], sw: op.stride[1],
		h: s[2], w: s[3],
		oh: Conv2DOutputSize(s[2], op.kernel[0], op.pad[0], op.stride[0]),
		ow: Conv2DOutputSize(s[3], op.kernel[1], op.pad[1], op.stride[1]),
	}
}

// Arity is 1: the input.
func (op *pool4DOp) Arity() int { return 1 }

// Type is a 4-D tensor of a to a 4-D tensor of a.
func (op *pool4DOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

// InferShape returns (n, c, oh, ow) for an (n, c, h, w) input.
func (op *pool4DOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 1", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 4 {
		return nil, fmt.Errorf("%v: input shape %v is not 4-D", op, in[0])
	}
	g := op.geom(s)
	if g.oh < 1 || g.ow < 1 {
		return nil, fmt.Errorf("%v: the window does not fit the input %v", op, s)
	}
	return tensor.Shape{s[0], s[1], g.oh, g.ow}, nil
}

// Do pools the input into a new tensor.
func (op *pool4DOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := pool4DInput(op, in, 1, 0)
	if err != nil {
		return nil, err
	}
	s, err := op.InferShape(x.Shape())
	if err != nil {
		return nil, err
	}
	out := op.out.dense(x.Dtype(), s)
	return out, op.do(out, x)
}

// UsePreallocDo pools the input into prealloc, overwriting every element.
func (op *pool4DOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := pool4DInput(op, in, 1, 0)
	if err != nil {
		return nil, err
	}
	s, err := op.InferShape(x.Shape())
	if err != nil {
		return nil, err
	}
	out, err := pool4DDest(op, prealloc, x.Dtype(), s)
	if err != nil {
		return nil, err
	}
	return out, op.do(out, x)
}

func (op *pool4DOp) do(out, x *tensor.Dense) error {
	s := x.Shape()
	g := op.geom(s)
	planes := s[0] * s[1]
	switch xd := x.Data().(type) {
	case []float32:
		pool4DForward(op.kind, &g, planes, xd, out.Data().([]float32))
	case []float64:
		pool4DForward(op.kind, &g, planes, xd, out.Data().([]float64))
	default:
		return fmt.Errorf("%v: unsupported data %T; want Float32 or Float64", op, xd)
	}
	return nil
}

// ReturnsPtr is false: the result is a new value.
func (op *pool4DOp) ReturnsPtr() bool { return false }

// CallsExtern is false: pure Go.
func (op *pool4DOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the input is left untouched.
func (op *pool4DOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op *pool4DOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }

// Hashcode hashes the description.
func (op *pool4DOp) Hashcode() uint32 { return pool4DHash(op) }

func (op *pool4DOp) String() string {
	name := "MaxPool2D"
	if op.kind == pool4DAvg {
		name = "AvgPool2D"
	}
	return fmt.Sprintf("%s{kernel %dx%d, pad (%d,%d), stride (%d,%d)}", name,
		op.kernel[0], op.kernel[1], op.pad[0], op.pad[1], op.stride[0], op.stride[1])
}

// DiffWRT says the op is differentiable in its input.
func (op *pool4DOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns the node of dL/dx given dL/dout.
func (op *pool4DOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff got %d inputs, want 1", op, len(inputs))
	}
	dx, err := gorgonia.ApplyOp(place(grad.Graph(), &pool4DGradOp{fwd: *op, out: new(resultCache)}), inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building the gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

// DoDiff is the LispMachine's backward pass: it adds dL/dx, computed from the input's
// value and the output's derivative, to the input's derivative.
func (op *pool4DOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	if len(inputs) != 1 {
		return fmt.Errorf("%v: DoDiff got %d inputs, want 1", op, len(inputs))
	}
	gy, err := output.Grad()
	if err != nil {
		return fmt.Errorf("%v: reading the output's derivative: %w", op, err)
	}
	grad := &pool4DGradOp{fwd: *op}
	dxv, err := grad.dense(inputs[0].Value(), gy)
	if err != nil {
		return err
	}
	dv, err := inputs[0].Grad()
	if err != nil {
		return fmt.Errorf("%v: reading the input's derivative: %w", op, err)
	}
	d, ok := dv.(*tensor.Dense)
	if !ok || d.Dtype() != dxv.Dtype() || !d.Shape().Eq(dxv.Shape()) || d.RequiresIterator() {
		return fmt.Errorf("%v: the input's derivative %v cannot take a gradient of shape %v", op, dv, dxv.Shape())
	}
	switch dd := d.Data().(type) {
	case []float32:
		pool4DAddInto(dd, dxv.Data().([]float32))
	case []float64:
		pool4DAddInto(dd, dxv.Data().([]float64))
	}
	return nil
}

func pool4DAddInto[T float32 | float64](dst, src []T) {
	for i, v := range src {
		dst[i] += v
	}
}

// pool4DGradOp computes dL/dx of a pool4DOp from x and dL/dout. Max pooling sends each
// output's gradient to the first maximum of its window (found again from x); average
// pooling spreads it evenly over the window's input pixels.
type pool4DGradOp struct {
	fwd pool4DOp
	out *resultCache // the result's memory, reused from run to run
}

// Arity is 2: x and dL/dout.
func (op *pool4DGradOp) Arity() int { return 2 }

// Type is (x, dL/dout) to dL/dx, all 4-D tensors of a.
func (op *pool4DGradOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

// InferShape returns x's shape.
func (op *pool4DGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 2", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 4 {
		return nil, fmt.Errorf("%v: input shape %v is not 4-D", op, in[0])
	}
	return s.Clone(), nil
}

// Do computes dL/dx into a new tensor.
func (op *pool4DGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.dense(in...)
}

func (op *pool4DGradOp) dense(in ...gorgonia.Value) (*tensor.Dense, error) {
	x, err := pool4DInput(op, in, 2, 0)
	if err != nil {
		return nil, err
	}
	dx := op.out.dense(x.Dtype(), x.Shape())
	return dx, op.do(dx, x, in)
}

// UsePreallocDo computes dL/dx into prealloc, overwriting every element.
func (op *pool4DGradOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := pool4DInput(op, in, 2, 0)
	if err != nil {
		return nil, err
	}
	dx, err := pool4DDest(op, prealloc, x.Dtype(), x.Shape())
	if err != nil {
		return nil, err
	}
	return dx, op.do(dx, x, in)
}

func (op *pool4DGradOp) do(dx, x *tensor.Dense, in []gorgonia.Value) error {
	gy, err := pool4DInput(op, in, 2, 1)
	if err != nil {
		return err
	}
	s := x.Shape()
	g := op.fwd.geom(s)
	if want := (tensor.Shape{s[0], s[1], g.oh, g.ow}); !gy.Shape().Eq(want) || gy.Dtype() != x.Dtype() {
		return fmt.Errorf("%v: output gradient is %v %v, want %v %v", op, gy.Dtype(), gy.Shape(), x.Dtype(), want)
	}
	planes := s[0] * s[1]
	switch xd := x.Data().(type) {
	case []float32:
		pool4DBackward(op.fwd.kind, &g, planes, xd, gy.Data().([]float32), dx.Data().([]float32))
	case []float64:
		pool4DBackward(op.fwd.kind, &g, planes, xd, gy.Data().([]float64), dx.Data().([]float64))
	default:
		return fmt.Errorf("%v: unsupported data %T; want Float32 or Float64", op, xd)
	}
	return nil
}

// ReturnsPtr is false: the result is a new value.
func (op *pool4DGradOp) ReturnsPtr() bool { return false }

// CallsExtern is false: pure Go.
func (op *pool4DGradOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the inputs are left untouched.
func (op *pool4DGradOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op *pool4DGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }

// Hashcode hashes the description.
func (op *pool4DGradOp) Hashcode() uint32 { return pool4DHash(op) }

func (op *pool4DGradOp) String() string { return op.fwd.String() + "Grad" }

func pool4DHash(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// pool4DInput returns input i of in as a contiguous 4-D Float32 or Float64 *tensor.Dense.
func pool4DInput(op fmt.Stringer, in []gorgonia.Value, arity, i int) (*tensor.Dense, error) {
	if len(in) != arity {
		return nil, fmt.Errorf("%v: got %d inputs, want %d", op, len(in), arity)
	}
	d, ok := in[i].(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v: input %d is %T, want *tensor.Dense", op, i, in[i])
	}
	if d.Dtype() != tensor.Float32 && d.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%v: input %d has dtype %v, want Float32 or Float64", op, i, d.Dtype())
	}
	if d.Shape().Dims() != 4 {
		return nil, fmt.Errorf("%v: input %d has shape %v, want 4-D", op, i, d.Shape())
	}
	if d.RequiresIterator() {
		d = d.Materialize().(*tensor.Dense)
	}
	if d.DataSize() != d.Shape().TotalSize() {
		return nil, fmt.Errorf("%v: input %d holds %d values for shape %v", op, i, d.DataSize(), d.Shape())
	}
	return d, nil
}

// pool4DDest checks that prealloc can take a result of the given dtype and shape.
func pool4DDest(op fmt.Stringer, prealloc gorgonia.Value, dt tensor.Dtype, s tensor.Shape) (*tensor.Dense, error) {
	d, ok := prealloc.(*tensor.Dense)
	if !ok || d.Dtype() != dt || !d.Shape().Eq(s) || d.RequiresIterator() || d.DataSize() != s.TotalSize() {
		return nil, fmt.Errorf("%v: preallocated value %v does not fit a %v result of shape %v", op, prealloc, dt, s)
	}
	return d, nil
}

// pool4DParallelMin is the number of input elements below which pooling runs on one
// goroutine; starting goroutines costs more than it saves on smaller tensors. A variable
// so that the benchmark can compare with the serial loop.
var pool4DParallelMin = 1 << 15

// pool4DParallel calls fn on ranges [lo, hi) covering planes, on up to GOMAXPROCS
// goroutines when the work (planes * perPlane elements) is large enough.
func pool4DParallel(planes, perPlane int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), planes)
	if workers <= 1 || planes*perPlane < pool4DParallelMin {
		fn(0, planes)
		return
	}
	chunk := (planes + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < planes; lo += chunk {
		hi := min(lo+chunk, planes)
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
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

// pool4DForward pools planes consecutive (h, w) planes of x into (oh, ow) planes of y.
func pool4DForward[T float32 | float64](kind pool4DKind, g *pool4DGeom, planes int, x, y []T) {
	if kind == pool4DAvg && g.avg2x2() {
		avgPool2x2Forward(g, planes, x, y)
		return
	}
	in, out, w := g.h*g.w, g.oh*g.ow, g.w
	rows := pool4DSpans(g.oh, g.h, g.kh, g.ph, g.sh)
	cols := pool4DSpans(g.ow, g.w, g.kw, g.pw, g.sw)
	scale := 1 / T(g.kh*g.kw)
	pool4DParallel(planes, in, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*in:(p+1)*in], y[p*out:(p+1)*out]
			o := 0
			for i := 0; i < len(rows); i += 2 {
				r0, r1 := rows[i], rows[i+1]
				for j := 0; j < len(cols); j, o = j+2, o+1 {
					c0, c1 := cols[j], cols[j+1]
					if kind == pool4DMax {
						yp[o] = xp[pool4DArgMax(xp, w, r0, r1, c0, c1)]
						continue
					}
					var s T
					for r := r0; r < r1; r++ {
						for _, v := range xp[r*w+c0 : r*w+c1] {
							s += v
						}
					}
					yp[o] = s * scale
				}
			}
		}
	})
}

// pool4DBackward writes dL/dx for planes consecutive planes given x and dL/dy.
func pool4DBackward[T float32 | float64](kind pool4DKind, g *pool4DGeom, planes int, x, gy, dx []T) {
	if kind == pool4DAvg && g.avg2x2() {
		avgPool2x2Backward(g, planes, gy, dx)
		return
	}
	in, out, w := g.h*g.w, g.oh*g.ow, g.w
	rows := pool4DSpans(g.oh, g.h, g.kh, g.ph, g.sh)
	cols := pool4DSpans(g.ow, g.w, g.kw, g.pw, g.sw)
	scale := 1 / T(g.kh*g.kw)
	pool4DParallel(planes, in, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, gp, dp := x[p*in:(p+1)*in], gy[p*out:(p+1)*out], dx[p*in:(p+1)*in]
			clear(dp)
			o := 0
			for i := 0; i < len(rows); i += 2 {
				r0, r1 := rows[i], rows[i+1]
				for j := 0; j < len(cols); j, o = j+2, o+1 {
					c0, c1 := cols[j], cols[j+1]
					if kind == pool4DMax {
						dp[pool4DArgMax(xp, w, r0, r1, c0, c1)] += gp[o]
						continue
					}
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
	})
}

// pool4DArgMax returns the index in the plane xp (row length w) of the first maximum of
// rows [r0, r1) and columns [c0, c1), or of the first NaN there. The window is not empty.
func pool4DArgMax[T float32 | float64](xp []T, w, r0, r1, c0, c1 int) int {
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
func avgPool2x2Forward[T float32 | float64](g *pool4DGeom, planes int, x, y []T) {
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	pool4DParallel(planes, in, func(lo, hi int) {
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
func avgPool2x2Backward[T float32 | float64](g *pool4DGeom, planes int, gy, dx []T) {
	in, out, w, ow := g.h*g.w, g.oh*g.ow, g.w, g.ow
	pool4DParallel(planes, in, func(lo, hi int) {
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
