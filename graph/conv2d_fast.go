package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// FusedConv2D is Conv2D plus an optional bias per output channel, computed by one op of
// the project's own:
//
//	out[b, o, i, j] = bias[o] + sum over c, u, v of  xp[b, c, i*sh + u, j*sw + v] * w[o, c, u, v]
//
// with the shapes, padding and stride of Conv2D. b is nil (no bias) or holds one value
// per output channel, shaped (co) or (1, co, 1, 1) (the layers package's); it must share
// the graph and dtype of x and w.
//
// The forward pass unrolls the padded windows of each image into an im2col matrix in a
// buffer of its goroutine and multiplies the (co, c·kh·kw) weight matrix by it, writing
// the product into the NCHW output; the images are shared out over GOMAXPROCS
// goroutines. With stride 1 (LeNet's) the matrix is laid out on the padded grid, which
// makes every row one contiguous copy and lets several images share one product (see
// conv2d_fast_wide.go). The backward pass is three ops, also parallel over the batch:
//
//	dL/dw = Σ_b dY_b · cols_bᵀ        (im2col again; per-goroutine sums, added in order)
//	dL/dx = col2im(wᵀ · dY_b)         per image
//	dL/db = Σ_b Σ_ij dY[b, o, i, j]
//
// where dY_b is image b's (co, oh·ow) slice of dL/dout. float32 products use the
// project's AVX2/FMA GEMM, float64 ones gonum's. The results do not depend on how the
// batch is split beyond float rounding. Every shape is checked first; a bad one returns
// an error and builds nothing. The op keeps its result's memory between runs (see the
// package doc, "Speed").
func FusedConv2D(x, w, b *gorgonia.Node, pad, stride [2]int) (out *gorgonia.Node, err error) {
	const name = "graph: FusedConv2D"
	if err := checkConv2D(name, x, w, pad, stride); err != nil {
		return nil, err
	}
	op := fusedConvOp{pad: pad, stride: stride, out: new(resultCache)}
	args := []*gorgonia.Node{x, w}
	if b != nil {
		if err := checkConvBias(name, b, w); err != nil {
			return nil, err
		}
		op.biasDims = b.Shape().Dims()
		args = append(args, b)
	}
	defer recoverGorgonia(name, &err)
	if out, err = gorgonia.ApplyOp(place(x.Graph(), op), args...); err != nil {
		return nil, fmt.Errorf("%s: x %v, w %v: %w", name, x.Shape(), w.Shape(), err)
	}
	return out, nil
}

// checkConvBias checks that b holds one value per output channel of w, shaped (co) or
// (1, co, 1, 1), in w's graph and dtype.
func checkConvBias(op string, b, w *gorgonia.Node) error {
	if b.Graph() != w.Graph() {
		return fmt.Errorf("%s: the bias belongs to another graph than w; build both in one graph", op)
	}
	if b.Dtype() != w.Dtype() {
		return fmt.Errorf("%s: w is %v but the bias is %v; use one dtype", op, w.Dtype(), b.Dtype())
	}
	co, bs := w.Shape()[0], b.Shape()
	if !bs.Eq(tensor.Shape{co}) && !bs.Eq(tensor.Shape{1, co, 1, 1}) {
		return fmt.Errorf("%s: the bias has shape %v; want (%d) or (1, %d, 1, 1), one value per output channel of w %v", op, bs, co, co, w.Shape())
	}
	return nil
}

// convGeom is the geometry of one convolution: input (n, c, h, w), filters (co, c, kh,
// kw), padding, stride and output plane (oh, ow).
type convGeom struct {
	n, c, h, w     int
	co, kh, kw     int
	ph, pw, sh, sw int
	oh, ow         int
}

func newConvGeom(xs, ws tensor.Shape, pad, stride [2]int) convGeom {
	return convGeom{
		n: xs[0], c: xs[1], h: xs[2], w: xs[3],
		co: ws[0], kh: ws[2], kw: ws[3],
		ph: pad[0], pw: pad[1], sh: stride[0], sw: stride[1],
		oh: Conv2DOutputSize(xs[2], ws[2], pad[0], stride[0]),
		ow: Conv2DOutputSize(xs[3], ws[3], pad[1], stride[1]),
	}
}

// cols is the number of rows of an im2col matrix, c·kh·kw (its columns are oh·ow).
func (g *convGeom) cols() int { return g.c * g.kh * g.kw }

// plane is oh·ow, the pixels of one output channel.
func (g *convGeom) plane() int { return g.oh * g.ow }

// direct reports whether im2col is the identity (1×1 kernel, stride 1, no padding), so
// the products can read and write the images in place.
func (g *convGeom) direct() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
}

func (g *convGeom) outShape() tensor.Shape { return tensor.Shape{g.n, g.co, g.oh, g.ow} }

// convShapes checks the (x, w) shapes of a convolution with the given padding and stride.
func convShapes(op fmt.Stringer, xs, ws tensor.Shape, pad, stride [2]int) (convGeom, error) {
	if xs.Dims() != 4 || ws.Dims() != 4 {
		return convGeom{}, fmt.Errorf("%v: shapes %v and %v; want 4-D x (n, c, h, w) and w (co, c, kh, kw)", op, xs, ws)
	}
	if xs[1] != ws[1] {
		return convGeom{}, fmt.Errorf("%v: x %v has %d channels but w %v expects %d", op, xs, xs[1], ws, ws[1])
	}
	g := newConvGeom(xs, ws, pad, stride)
	if g.oh < 1 || g.ow < 1 || g.co < 1 || g.n < 1 || g.c < 1 {
		return convGeom{}, fmt.Errorf("%v: w %v does not fit the input %v", op, ws, xs)
	}
	return g, nil
}

// fusedConvOp is the forward op of FusedConv2D: inputs x, w and, when biasDims > 0, the
// bias of that rank.
type fusedConvOp struct {
	pad, stride [2]int
	biasDims    int // 0: no bias; 1: (co); 4: (1, co, 1, 1)
	out         *resultCache
}

var (
	_ gorgonia.SDOp            = fusedConvOp{}
	_ gorgonia.ADOp            = fusedConvOp{}
	_ gorgonia.UsePreallocDoer = fusedConvOp{}
)

// Arity is 2, or 3 with a bias.
func (op fusedConvOp) Arity() int {
	if op.biasDims > 0 {
		return 3
	}
	return 2
}

// Type is x → w [→ b] → out, all tensors of one dtype a.
func (op fusedConvOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 4, Of: a}
	if op.biasDims > 0 {
		return hm.NewFnType(t, t, gorgonia.TensorType{Dims: op.biasDims, Of: a}, t)
	}
	return hm.NewFnType(t, t, t)
}

// InferShape returns (n, co, oh, ow).
func (op fusedConvOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: got %d input shapes, want %d", op, len(in), op.Arity())
	}
	xs, ok1 := in[0].(tensor.Shape)
	ws, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%v: input shapes %v and %v are not tensor shapes", op, in[0], in[1])
	}
	g, err := convShapes(op, xs, ws, op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	return g.outShape(), nil
}

// Do computes the convolution into a new tensor.
func (op fusedConvOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes the convolution into prealloc, overwriting every element.
func (op fusedConvOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op fusedConvOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: got %d inputs, want %d", op, len(in), op.Arity())
	}
	x, err := convInput(op, in[0], 0, 4)
	if err != nil {
		return nil, err
	}
	w, err := convInput(op, in[1], 1, 4)
	if err != nil {
		return nil, err
	}
	g, err := convShapes(op, x.Shape(), w.Shape(), op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	var b *tensor.Dense
	if op.biasDims > 0 {
		if b, err = convInput(op, in[2], 2, op.biasDims); err != nil {
			return nil, err
		}
		if b.DataSize() != g.co {
			return nil, fmt.Errorf("%v: the bias has shape %v; want %d values", op, b.Shape(), g.co)
		}
	}
	if w.Dtype() != x.Dtype() || (b != nil && b.Dtype() != x.Dtype()) {
		return nil, fmt.Errorf("%v: inputs of different dtypes", op)
	}
	out, err := convOutput(op, prealloc, op.out, x.Dtype(), g.outShape())
	if err != nil {
		return nil, err
	}
	switch xd := x.Data().(type) {
	case []float32:
		convForward(&g, xd, w.Data().([]float32), biasData[float32](b), out.Data().([]float32))
	case []float64:
		convForward(&g, xd, w.Data().([]float64), biasData[float64](b), out.Data().([]float64))
	}
	return out, nil
}

// biasData returns b's values, nil for no bias.
func biasData[T float](b *tensor.Dense) []T {
	if b == nil {
		return nil
	}
	return b.Data().([]T)
}

// ReturnsPtr is false: the result is a new value (or the preallocated one).
func (op fusedConvOp) ReturnsPtr() bool { return false }

// CallsExtern is false: pure Go and Go assembly.
func (op fusedConvOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the inputs are left untouched.
func (op fusedConvOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op fusedConvOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op fusedConvOp) Hashcode() uint32 { return hashOf(op) }

func (op fusedConvOp) String() string {
	s := fmt.Sprintf("FusedConv2D{pad (%d,%d), stride (%d,%d)", op.pad[0], op.pad[1], op.stride[0], op.stride[1])
	if op.biasDims > 0 {
		s += fmt.Sprintf(", bias %d-D", op.biasDims)
	}
	return s + "}"
}

// DiffWRT says the op is differentiable in every input.
func (op fusedConvOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff returns the nodes of dL/dx, dL/dw and (with a bias) dL/db given dL/dout.
func (op fusedConvOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("%v: SymDiff got %d inputs, want %d", op, len(inputs), op.Arity())
	}
	x, w := inputs[0], inputs[1]
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 4 || ws.Dims() != 4 {
		return nil, fmt.Errorf("%v: SymDiff: shapes %v and %v are not 4-D", op, xs, ws)
	}
	dx, err := gorgonia.ApplyOp(place(grad.Graph(), convDataGradOp{pad: op.pad, stride: op.stride, x: [4]int{xs[0], xs[1], xs[2], xs[3]}, out: new(resultCache)}), w, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building dL/dx: %w", op, err)
	}
	dw, err := gorgonia.ApplyOp(place(grad.Graph(), convFilterGradOp{pad: op.pad, stride: op.stride, kernel: [2]int{ws[2], ws[3]}, out: new(resultCache)}), x, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building dL/dw: %w", op, err)
	}
	if op.biasDims == 0 {
		return gorgonia.Nodes{dx, dw}, nil
	}
	db, err := gorgonia.ApplyOp(place(grad.Graph(), convBiasGradOp{dims: op.biasDims, out: new(resultCache)}), grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building dL/db: %w", op, err)
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

// DoDiff is the LispMachine's backward pass: it adds dL/dx, dL/dw and dL/db, computed
// from the inputs' values and the output's derivative, to the inputs' derivatives.
func (op fusedConvOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	if len(inputs) != op.Arity() {
		return fmt.Errorf("%v: DoDiff got %d inputs, want %d", op, len(inputs), op.Arity())
	}
	dy, err := output.Grad()
	if err != nil {
		return fmt.Errorf("%v: reading the output's derivative: %w", op, err)
	}
	xs := inputs[0].Shape()
	ws := inputs[1].Shape()
	grads := make([]*tensor.Dense, 0, 3)
	dx, err := convDataGradOp{pad: op.pad, stride: op.stride, x: [4]int{xs[0], xs[1], xs[2], xs[3]}}.run(nil, []gorgonia.Value{inputs[1].Value(), dy})
	if err != nil {
		return err
	}
	dw, err := convFilterGradOp{pad: op.pad, stride: op.stride, kernel: [2]int{ws[2], ws[3]}}.run(nil, []gorgonia.Value{inputs[0].Value(), dy})
	if err != nil {
		return err
	}
	grads = append(grads, dx, dw)
	if op.biasDims > 0 {
		db, err := convBiasGradOp{dims: op.biasDims}.run(nil, []gorgonia.Value{dy})
		if err != nil {
			return err
		}
		grads = append(grads, db)
	}
	for i, n := range inputs {
		d, err := n.Grad()
		if err != nil {
			return fmt.Errorf("%v: reading the derivative of input %d: %w", op, i, err)
		}
		if err := corrAddInto(d, grads[i]); err != nil {
			return fmt.Errorf("%v: input %d: %w", op, i, err)
		}
	}
	return nil
}

// convDataGradOp computes dL/dx of a FusedConv2D from w and dL/dout: per image,
// col2im(wᵀ · dY_b). x is the input's shape.
type convDataGradOp struct {
	pad, stride [2]int
	x           [4]int
	out         *resultCache
}

// Arity is 2: w and dL/dout.
func (op convDataGradOp) Arity() int { return 2 }

// Type is (w, dL/dout) to dL/dx, 4-D tensors of one dtype.
func (op convDataGradOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

// InferShape returns the input's shape.
func (op convDataGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.x[0], op.x[1], op.x[2], op.x[3]}, nil
}

// Do computes dL/dx into a new tensor.
func (op convDataGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes dL/dx into prealloc, overwriting every element.
func (op convDataGradOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op convDataGradOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: got %d inputs, want 2", op, len(in))
	}
	w, err := convInput(op, in[0], 0, 4)
	if err != nil {
		return nil, err
	}
	dy, err := convInput(op, in[1], 1, 4)
	if err != nil {
		return nil, err
	}
	xs, _ := op.InferShape()
	g, err := convShapes(op, xs, w.Shape(), op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(g.outShape()) || dy.Dtype() != w.Dtype() {
		return nil, fmt.Errorf("%v: output gradient is %v %v, want %v %v", op, dy.Dtype(), dy.Shape(), w.Dtype(), g.outShape())
	}
	dx, err := convOutput(op, prealloc, op.out, w.Dtype(), xs)
	if err != nil {
		return nil, err
	}
	switch wd := w.Data().(type) {
	case []float32:
		convDataGrad(&g, wd, dy.Data().([]float32), dx.Data().([]float32))
	case []float64:
		convDataGrad(&g, wd, dy.Data().([]float64), dx.Data().([]float64))
	}
	return dx, nil
}

// ReturnsPtr is false: the result is a new value (or the preallocated one).
func (op convDataGradOp) ReturnsPtr() bool { return false }

// CallsExtern is false.
func (op convDataGradOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the inputs are left untouched.
func (op convDataGradOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op convDataGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op convDataGradOp) Hashcode() uint32 { return hashOf(op) }

func (op convDataGradOp) String() string {
	return fmt.Sprintf("FusedConv2DGradX{pad (%d,%d), stride (%d,%d), x %v}", op.pad[0], op.pad[1], op.stride[0], op.stride[1], op.x)
}

// convFilterGradOp computes dL/dw of a FusedConv2D from x and dL/dout: Σ_b dY_b · cols_bᵀ.
type convFilterGradOp struct {
	pad, stride, kernel [2]int
	out                 *resultCache
}

// Arity is 2: x and dL/dout.
func (op convFilterGradOp) Arity() int { return 2 }

// Type is (x, dL/dout) to dL/dw, 4-D tensors of one dtype.
func (op convFilterGradOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

// InferShape returns (co, c, kh, kw): co from dL/dout, c from x.
func (op convFilterGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 2", op, len(in))
	}
	xs, ok1 := in[0].(tensor.Shape)
	gs, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || xs.Dims() != 4 || gs.Dims() != 4 {
		return nil, fmt.Errorf("%v: input shapes %v and %v are not 4-D", op, in[0], in[1])
	}
	return tensor.Shape{gs[1], xs[1], op.kernel[0], op.kernel[1]}, nil
}

// Do computes dL/dw into a new tensor.
func (op convFilterGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes dL/dw into prealloc, overwriting every element.
func (op convFilterGradOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op convFilterGradOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: got %d inputs, want 2", op, len(in))
	}
	x, err := convInput(op, in[0], 0, 4)
	if err != nil {
		return nil, err
	}
	dy, err := convInput(op, in[1], 1, 4)
	if err != nil {
		return nil, err
	}
	ws, err := op.InferShape(x.Shape(), dy.Shape())
	if err != nil {
		return nil, err
	}
	g, err := convShapes(op, x.Shape(), ws, op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(g.outShape()) || dy.Dtype() != x.Dtype() {
		return nil, fmt.Errorf("%v: output gradient is %v %v, want %v %v", op, dy.Dtype(), dy.Shape(), x.Dtype(), g.outShape())
	}
	dw, err := convOutput(op, prealloc, op.out, x.Dtype(), ws)
	if err != nil {
		return nil, err
	}
	switch xd := x.Data().(type) {
	case []float32:
		convFilterGrad(&g, xd, dy.Data().([]float32), dw.Data().([]float32))
	case []float64:
		convFilterGrad(&g, xd, dy.Data().([]float64), dw.Data().([]float64))
	}
	return dw, nil
}

// ReturnsPtr is false: the result is a new value (or the preallocated one).
func (op convFilterGradOp) ReturnsPtr() bool { return false }

// CallsExtern is false.
func (op convFilterGradOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the inputs are left untouched.
func (op convFilterGradOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op convFilterGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op convFilterGradOp) Hashcode() uint32 { return hashOf(op) }

func (op convFilterGradOp) String() string {
	return fmt.Sprintf("FusedConv2DGradW{kernel %dx%d, pad (%d,%d), stride (%d,%d)}",
		op.kernel[0], op.kernel[1], op.pad[0], op.pad[1], op.stride[0], op.stride[1])
}

// convBiasGradOp computes dL/db of a FusedConv2D from dL/dout: the sum over the batch and
// the output plane, shaped (co) or (1, co, 1, 1) as the bias is (dims 1 or 4).
type convBiasGradOp struct {
	dims int
	out  *resultCache
}

// Arity is 1: dL/dout.
func (op convBiasGradOp) Arity() int { return 1 }

// Type is dL/dout (4-D) to dL/db (dims-D), of one dtype.
func (op convBiasGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: 4, Of: a}, gorgonia.TensorType{Dims: op.dims, Of: a})
}

// InferShape returns (co) or (1, co, 1, 1).
func (op convBiasGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 1", op, len(in))
	}
	gs, ok := in[0].(tensor.Shape)
	if !ok || gs.Dims() != 4 {
		return nil, fmt.Errorf("%v: input shape %v is not 4-D", op, in[0])
	}
	if op.dims == 1 {
		return tensor.Shape{gs[1]}, nil
	}
	return tensor.Shape{1, gs[1], 1, 1}, nil
}

// Do computes dL/db into a new tensor.
func (op convBiasGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes dL/db into prealloc, overwriting every element.
func (op convBiasGradOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op convBiasGradOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d inputs, want 1", op, len(in))
	}
	dy, err := convInput(op, in[0], 0, 4)
	if err != nil {
		return nil, err
	}
	s := dy.Shape()
	bs, err := op.InferShape(s)
	if err != nil {
		return nil, err
	}
	db, err := convOutput(op, prealloc, op.out, dy.Dtype(), bs)
	if err != nil {
		return nil, err
	}
	switch d := dy.Data().(type) {
	case []float32:
		convBiasGrad(s[0], s[1], s[2]*s[3], d, db.Data().([]float32))
	case []float64:
		convBiasGrad(s[0], s[1], s[2]*s[3], d, db.Data().([]float64))
	}
	return db, nil
}

// ReturnsPtr is false: the result is a new value (or the preallocated one).
func (op convBiasGradOp) ReturnsPtr() bool { return false }

// CallsExtern is false.
func (op convBiasGradOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the input is left untouched.
func (op convBiasGradOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op convBiasGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op convBiasGradOp) Hashcode() uint32 { return hashOf(op) }

func (op convBiasGradOp) String() string { return fmt.Sprintf("FusedConv2DGradB{%d-D}", op.dims) }

// convInput returns in as a contiguous Float32 or Float64 *tensor.Dense of rank dims.
func convInput(op fmt.Stringer, in gorgonia.Value, i, dims int) (*tensor.Dense, error) {
	d, ok := in.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v: input %d is %T, want *tensor.Dense", op, i, in)
	}
	if d.Dtype() != tensor.Float32 && d.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%v: input %d has dtype %v, want Float32 or Float64", op, i, d.Dtype())
	}
	if d.Shape().Dims() != dims {
		return nil, fmt.Errorf("%v: input %d has shape %v, want %d-D", op, i, d.Shape(), dims)
	}
	if d.RequiresIterator() {
		d = d.Materialize().(*tensor.Dense)
	}
	if d.DataSize() != d.Shape().TotalSize() {
		return nil, fmt.Errorf("%v: input %d holds %d values for shape %v", op, i, d.DataSize(), d.Shape())
	}
	return d, nil
}

// convOutput returns prealloc when it can take a result of the given dtype and shape, a
// tensor on the op's cached memory when prealloc is nil, and an error otherwise
// (Gorgonia then calls Do).
func convOutput(op fmt.Stringer, prealloc gorgonia.Value, cache *resultCache, dt tensor.Dtype, s tensor.Shape) (*tensor.Dense, error) {
	if prealloc == nil {
		return cache.dense(dt, s), nil
	}
	return pool4DDest(op, prealloc, dt, s)
}
