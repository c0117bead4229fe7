package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Corr2DMatMul returns the same result as Corr2D, computed as a matrix multiplication:
// every kh×kw window of x is unrolled into one row of a matrix (im2col), and that matrix
// times the flattened kernel is the output, flattened:
//
//	cols (oh·ow, kh·kw):  cols[i·ow+j, a·kw+b] = x[i+a, j+b]
//	y = reshape(cols · vec(k), (oh, ow))
//
// The unrolling is an op of this package whose gradient is its adjoint, col2im (every
// column entry added back to the pixel it was copied from); the product is Gorgonia's
// Mul (BLAS gemv), so Corr2DMatMul is differentiable in x and k. The chapter's integer
// examples come out identical to Corr2D; on arbitrary floats the two may differ in the
// last bits, because BLAS sums each window in a different order. Inputs are checked as
// for Corr2D.
func Corr2DMatMul(x, k *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkCorrOperands("Corr2DMatMul", x, k, 2, 2, "(h, w)", "(kh, kw)"); err != nil {
		return nil, err
	}
	xs, ks := x.Shape(), k.Shape()
	if err := corrCheckFits("Corr2DMatMul", xs, ks); err != nil {
		return nil, err
	}
	oh, ow := xs[0]-ks[0]+1, xs[1]-ks[1]+1
	cols, err := gorgonia.ApplyOp(corrIm2ColOp{kh: ks[0], kw: ks[1]}, x)
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DMatMul: im2col: %w", err)
	}
	kv, err := gorgonia.Reshape(k, tensor.Shape{ks[0] * ks[1]})
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DMatMul: flattening the kernel: %w", err)
	}
	prod, err := gorgonia.Mul(cols, kv)
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DMatMul: matrix product: %w", err)
	}
	y, err := gorgonia.Reshape(prod, tensor.Shape{oh, ow})
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DMatMul: reshaping the product: %w", err)
	}
	return y, nil
}

// corrIm2ColOp is im2col for one 2-D image and a stride-1, unpadded kh×kw window:
//
//	x (h, w) -> cols (oh·ow, kh·kw),  cols[i·ow+j, a·kw+b] = x[i+a, j+b]
//
// The window size is part of the op and of its hash, so unfolds with different windows
// never merge.
type corrIm2ColOp struct{ kh, kw int }

var (
	_ gorgonia.SDOp = corrIm2ColOp{}
	_ gorgonia.ADOp = corrIm2ColOp{}
)

func (corrIm2ColOp) Arity() int { return 1 }

func (corrIm2ColOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t, t)
}

func (op corrIm2ColOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input shape, got %d", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, fmt.Errorf("graph: %v: want a 2-D input shape, got %v", op, in[0])
	}
	if op.kh > s[0] || op.kw > s[1] {
		return nil, fmt.Errorf("graph: %v: window larger than the input %v", op, s)
	}
	return tensor.Shape{(s[0] - op.kh + 1) * (s[1] - op.kw + 1), op.kh * op.kw}, nil
}

func (op corrIm2ColOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input, got %d", op, len(in))
	}
	x, err := corrMatrix(op.String(), in[0])
	if err != nil {
		return nil, err
	}
	return op.value(x)
}

func (op corrIm2ColOp) value(x tensor.Tensor) (tensor.Tensor, error) {
	s := x.Shape()
	if op.kh > s[0] || op.kw > s[1] {
		return nil, fmt.Errorf("graph: %v: window larger than the input %v", op, s)
	}
	rows := (s[0] - op.kh + 1) * (s[1] - op.kw + 1)
	out := tensor.New(tensor.WithShape(rows, op.kh*op.kw), tensor.Of(x.Dtype()))
	switch xd := x.Data().(type) {
	case []float64:
		corrIm2ColKernel(out.Data().([]float64), xd, s[0], s[1], op.kh, op.kw)
	case []float32:
		corrIm2ColKernel(out.Data().([]float32), xd, s[0], s[1], op.kh, op.kw)
	default:
		return nil, fmt.Errorf("graph: %v: unsupported data %T", op, x.Data())
	}
	return out, nil
}

func (corrIm2ColOp) ReturnsPtr() bool         { return false }
func (corrIm2ColOp) CallsExtern() bool        { return false }
func (corrIm2ColOp) OverwritesInput() int     { return -1 }
func (op corrIm2ColOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.%v", op) }
func (op corrIm2ColOp) Hashcode() uint32      { return hashOf(op) }
func (op corrIm2ColOp) String() string        { return fmt.Sprintf("Im2Col(%dx%d)", op.kh, op.kw) }
func (corrIm2ColOp) DiffWRT(int) []bool       { return []bool{true} }

// SymDiff returns col2im of the output gradient.
func (op corrIm2ColOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("graph: %v gradient: want 1 input, got %d", op, len(inputs))
	}
	s := inputs[0].Shape()
	dx, err := gorgonia.ApplyOp(corrCol2ImOp{h: s[0], w: s[1], kh: op.kh, kw: op.kw}, grad)
	if err != nil {
		return nil, fmt.Errorf("graph: %v gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

func (op corrIm2ColOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	return corrLispDiff(op.String(), inputs, output, func(in []tensor.Tensor, dy tensor.Tensor) ([]tensor.Tensor, error) {
		s := in[0].Shape()
		dx, err := corrCol2ImOp{h: s[0], w: s[1], kh: op.kh, kw: op.kw}.value(dy)
		return []tensor.Tensor{dx}, err
	})
}

// corrCol2ImOp is col2im, the adjoint of corrIm2ColOp: every entry of cols is added back to the
// pixel of the (h, w) image it was copied from.
//
//	cols (oh·ow, kh·kw) -> x (h, w),  x[i+a, j+b] += cols[i·ow+j, a·kw+b]
type corrCol2ImOp struct{ h, w, kh, kw int }

var (
	_ gorgonia.SDOp = corrCol2ImOp{}
	_ gorgonia.ADOp = corrCol2ImOp{}
)

func (corrCol2ImOp) Arity() int { return 1 }

func (corrCol2ImOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t, t)
}

func (op corrCol2ImOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input shape, got %d", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || !s.Eq(op.colsShape()) {
		return nil, fmt.Errorf("graph: %v: want input shape %v, got %v", op, op.colsShape(), in[0])
	}
	return tensor.Shape{op.h, op.w}, nil
}

func (op corrCol2ImOp) colsShape() tensor.Shape {
	return tensor.Shape{(op.h - op.kh + 1) * (op.w - op.kw + 1), op.kh * op.kw}
}

func (op corrCol2ImOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input, got %d", op, len(in))
	}
	cols, err := corrMatrix(op.String(), in[0])
	if err != nil {
		return nil, err
	}
	return op.value(cols)
}

func (op corrCol2ImOp) value(cols tensor.Tensor) (tensor.Tensor, error) {
	if cols.Size() != op.colsShape().TotalSize() {
		return nil, fmt.Errorf("graph: %v: want %v columns, got shape %v", op, op.colsShape(), cols.Shape())
	}
	out := tensor.New(tensor.WithShape(op.h, op.w), tensor.Of(cols.Dtype()))
	switch cd := cols.Data().(type) {
	case []float64:
		corrCol2ImKernel(out.Data().([]float64), cd, op.h, op.w, op.kh, op.kw)
	case []float32:
		corrCol2ImKernel(out.Data().([]float32), cd, op.h, op.w, op.kh, op.kw)
	default:
		return nil, fmt.Errorf("graph: %v: unsupported data %T", op, cols.Data())
	}
	return out, nil
}

func (corrCol2ImOp) ReturnsPtr() bool         { return false }
func (corrCol2ImOp) CallsExtern() bool        { return false }
func (corrCol2ImOp) OverwritesInput() int     { return -1 }
func (op corrCol2ImOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.%v", op) }
func (op corrCol2ImOp) Hashcode() uint32      { return hashOf(op) }
func (op corrCol2ImOp) String() string {
	return fmt.Sprintf("Col2Im(%dx%d, %dx%d)", op.h, op.w, op.kh, op.kw)
}
func (corrCol2ImOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns im2col of the output gradient (fold is linear; unfold is its adjoint).
func (op corrCol2ImOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(corrIm2ColOp{kh: op.kh, kw: op.kw}, grad)
	if err != nil {
		return nil, fmt.Errorf("graph: %v gradient: %w", op, err)
	}
	return gorgonia.Nodes{d}, nil
}

func (op corrCol2ImOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	return corrLispDiff(op.String(), inputs, output, func(_ []tensor.Tensor, dy tensor.Tensor) ([]tensor.Tensor, error) {
		d, err := corrIm2ColOp{kh: op.kh, kw: op.kw}.value(dy)
		return []tensor.Tensor{d}, err
	})
}

func corrIm2ColKernel[T float](cols, x []T, h, w, kh, kw int) {
	oh, ow := h-kh+1, w-kw+1
	n := kh * kw
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			row := cols[(i*ow+j)*n : (i*ow+j+1)*n]
			for a := 0; a < kh; a++ {
				copy(row[a*kw:(a+1)*kw], x[(i+a)*w+j:(i+a)*w+j+kw])
			}
		}
	}
}

func corrCol2ImKernel[T float](x, cols []T, h, w, kh, kw int) {
	oh, ow := h-kh+1, w-kw+1
	n := kh * kw
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			row := cols[(i*ow+j)*n : (i*ow+j+1)*n]
			for a := 0; a < kh; a++ {
				xr := x[(i+a)*w+j : (i+a)*w+j+kw]
				for b, v := range row[a*kw : (a+1)*kw] {
					xr[b] += v
				}
			}
		}
	}
}
