package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Corr2DMultiIn returns the cross-correlation of a multi-channel input with a kernel that
// has one 2-D slice per input channel, summed over the channels:
//
//	x (c, h, w), k (c, kh, kw) -> y (h-kh+1, w-kw+1)
//	y = Σ_c Corr2D(x[c], k[c])
//
// It is built from Corr2D, Gorgonia's Slice and Add, exactly as the formula reads, so it
// is differentiable in x and k. x and k must be 3-D with the same channel count and
// dtype (float32 or float64), and the kernel must fit inside the input.
func Corr2DMultiIn(x, k *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkCorrOperands("Corr2DMultiIn", x, k, 3, 3, "(c, h, w)", "(c, kh, kw)"); err != nil {
		return nil, err
	}
	xs, ks := x.Shape(), k.Shape()
	if xs[0] != ks[0] {
		return nil, fmt.Errorf("graph: Corr2DMultiIn: x has %d channels but the kernel has %d; they must match", xs[0], ks[0])
	}
	if err := corrCheckFits("Corr2DMultiIn", xs, ks); err != nil {
		return nil, err
	}
	return corr2dSumChannels("Corr2DMultiIn", x, k, 0)
}

// Corr2DMultiInOut returns one multi-input cross-correlation per output channel, stacked:
//
//	x (c, h, w), k (co, c, kh, kw) -> y (co, h-kh+1, w-kw+1)
//	y[o] = Corr2DMultiIn(x, k[o])
//
// Each output channel has its own (c, kh, kw) kernel and sees every input channel; a
// layer built on it has co·c·kh·kw weights and would add one bias per output channel.
// Computing it costs O(c·co·kh·kw·oh·ow) multiply-adds. It is built from Corr2D,
// Gorgonia's Reshape, Slice and Add, and a stacking op of this package, and is
// differentiable in x and k. x must be 3-D, k 4-D, with matching channel counts and
// dtypes.
func Corr2DMultiInOut(x, k *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkCorrOperands("Corr2DMultiInOut", x, k, 3, 4, "(c, h, w)", "(co, c, kh, kw)"); err != nil {
		return nil, err
	}
	xs, ks := x.Shape(), k.Shape()
	if xs[0] != ks[1] {
		return nil, fmt.Errorf("graph: Corr2DMultiInOut: x has %d channels but the kernel expects %d (k is (co, c, kh, kw) = %v); they must match", xs[0], ks[1], ks)
	}
	if err := corrCheckFits("Corr2DMultiInOut", xs, ks); err != nil {
		return nil, err
	}
	// Gorgonia v0.9.18 turns a one-element slice into a scalar value, and slicing that
	// again panics at run time; so the kernel is flattened to (co·c, kh, kw) and sliced
	// once per (output, input) channel pair instead of twice.
	co, c := ks[0], ks[1]
	kf, err := gorgonia.Reshape(k, tensor.Shape{co * c, ks[2], ks[3]})
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DMultiInOut: flattening the kernel: %w", err)
	}
	outs := make([]*gorgonia.Node, co)
	for o := range co {
		if outs[o], err = corr2dSumChannels("Corr2DMultiInOut", x, kf, o*c); err != nil {
			return nil, err
		}
	}
	y, err := gorgonia.ApplyOp(corrStackOp{n: co}, outs...)
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DMultiInOut: stacking the output channels: %w", err)
	}
	return y, nil
}

// corr2dSumChannels returns Σ_c Corr2D(x[c], k[base+c]) for checked x (c, h, w) and
// k (n, kh, kw) with n ≥ base+c. Both are sliced once, never a slice of a slice.
func corr2dSumChannels(fn string, x, k *gorgonia.Node, base int) (*gorgonia.Node, error) {
	var sum *gorgonia.Node
	for c := range x.Shape()[0] {
		xc, err := gorgonia.Slice(x, gorgonia.S(c))
		if err != nil {
			return nil, fmt.Errorf("graph: %s: input channel %d: %w", fn, c, err)
		}
		kc, err := gorgonia.Slice(k, gorgonia.S(base+c))
		if err != nil {
			return nil, fmt.Errorf("graph: %s: kernel channel %d: %w", fn, c, err)
		}
		y, err := gorgonia.ApplyOp(corr2dOp{}, xc, kc)
		if err != nil {
			return nil, fmt.Errorf("graph: %s: channel %d: %w", fn, c, err)
		}
		if sum == nil {
			sum = y
			continue
		}
		if sum, err = gorgonia.Add(sum, y); err != nil {
			return nil, fmt.Errorf("graph: %s: summing channel %d: %w", fn, c, err)
		}
	}
	return sum, nil
}

// corrStackOp stacks n 2-D (oh, ow) inputs into one (n, oh, ow) tensor. Gorgonia's
// Concat would do, but its DoDiff (LispMachine) gives wrong gradients for 3-D inputs
// and for 1x1 pieces; this op's gradient hands each input its own plane.
type corrStackOp struct{ n int }

var (
	_ gorgonia.SDOp = corrStackOp{}
	_ gorgonia.ADOp = corrStackOp{}
)

func (op corrStackOp) Arity() int { return op.n }

func (op corrStackOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, op.n+1)
	for i := range op.n {
		ts[i] = gorgonia.TensorType{Dims: 2, Of: a}
	}
	ts[op.n] = gorgonia.TensorType{Dims: 3, Of: a}
	return hm.NewFnType(ts...)
}

func (op corrStackOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != op.n || op.n == 0 {
		return nil, fmt.Errorf("graph: %v: want %d input shapes, got %d", op, op.n, len(in))
	}
	first, ok := in[0].(tensor.Shape)
	if !ok || first.Dims() != 2 {
		return nil, fmt.Errorf("graph: %v: want 2-D inputs, got %v", op, in[0])
	}
	for i, d := range in {
		if s, ok := d.(tensor.Shape); !ok || !s.Eq(first) {
			return nil, fmt.Errorf("graph: %v: input %d has shape %v, want %v", op, i, d, first)
		}
	}
	return tensor.Shape{op.n, first[0], first[1]}, nil
}

func (op corrStackOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != op.n || op.n == 0 {
		return nil, fmt.Errorf("graph: %v: want %d inputs, got %d", op, op.n, len(in))
	}
	ms := make([]tensor.Tensor, op.n)
	for i, v := range in {
		m, err := corrMatrix(op.String(), v)
		if err != nil {
			return nil, err
		}
		if i > 0 && (!m.Shape().Eq(ms[0].Shape()) || m.Dtype() != ms[0].Dtype()) {
			return nil, fmt.Errorf("graph: %v: input %d is %v %v, want %v %v", op, i, m.Dtype(), m.Shape(), ms[0].Dtype(), ms[0].Shape())
		}
		ms[i] = m
	}
	s := ms[0].Shape()
	out := tensor.New(tensor.WithShape(op.n, s[0], s[1]), tensor.Of(ms[0].Dtype()))
	plane := s.TotalSize()
	for i, m := range ms {
		if err := corrCopyInto(out, i*plane, m); err != nil {
			return nil, fmt.Errorf("graph: %v: %w", op, err)
		}
	}
	return out, nil
}

func (corrStackOp) ReturnsPtr() bool         { return false }
func (corrStackOp) CallsExtern() bool        { return false }
func (corrStackOp) OverwritesInput() int     { return -1 }
func (op corrStackOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.%v", op) }
func (op corrStackOp) Hashcode() uint32      { return hashOf(op) }
func (op corrStackOp) String() string        { return fmt.Sprintf("Stack(%d)", op.n) }

func (op corrStackOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff gives input i the plane i of the output gradient.
func (op corrStackOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	ds := make(gorgonia.Nodes, len(inputs))
	for i := range inputs {
		var err error
		if ds[i], err = gorgonia.ApplyOp(corrPickOp{i: i}, grad); err != nil {
			return nil, fmt.Errorf("graph: %v gradient of input %d: %w", op, i, err)
		}
	}
	return ds, nil
}

func (op corrStackOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	return corrLispDiff(op.String(), inputs, output, func(_ []tensor.Tensor, dy tensor.Tensor) ([]tensor.Tensor, error) {
		ds := make([]tensor.Tensor, op.n)
		for i := range ds {
			var err error
			if ds[i], err = (corrPickOp{i: i}).value(dy); err != nil {
				return nil, err
			}
		}
		return ds, nil
	})
}

// corrPickOp returns plane i of a 3-D (n, oh, ow) tensor as an (oh, ow) tensor (never
// as a scalar, unlike Gorgonia's Slice of a one-element plane). It serves as the
// gradient of corrStackOp and is not differentiable itself.
type corrPickOp struct{ i int }

func (corrPickOp) Arity() int { return 1 }

func (corrPickOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: 3, Of: a}, gorgonia.TensorType{Dims: 2, Of: a})
}

func (op corrPickOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input shape, got %d", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 3 || op.i < 0 || op.i >= s[0] {
		return nil, fmt.Errorf("graph: %v: want a 3-D input with more than %d planes, got %v", op, op.i, in[0])
	}
	return tensor.Shape{s[1], s[2]}, nil
}

func (op corrPickOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input, got %d", op, len(in))
	}
	t, err := corrAnyValue(op.String(), in[0])
	if err != nil {
		return nil, err
	}
	return op.value(t)
}

func (op corrPickOp) value(t tensor.Tensor) (tensor.Tensor, error) {
	s := t.Shape()
	if s.Dims() != 3 || op.i < 0 || op.i >= s[0] {
		return nil, fmt.Errorf("graph: %v: want a 3-D value with more than %d planes, got shape %v", op, op.i, s)
	}
	plane := s[1] * s[2]
	out := tensor.New(tensor.WithShape(s[1], s[2]), tensor.Of(t.Dtype()))
	switch d := t.Data().(type) {
	case []float64:
		copy(out.Data().([]float64), d[op.i*plane:(op.i+1)*plane])
	case []float32:
		copy(out.Data().([]float32), d[op.i*plane:(op.i+1)*plane])
	default:
		return nil, fmt.Errorf("graph: %v: unsupported data %T", op, t.Data())
	}
	return out, nil
}

func (corrPickOp) ReturnsPtr() bool         { return false }
func (corrPickOp) CallsExtern() bool        { return false }
func (corrPickOp) OverwritesInput() int     { return -1 }
func (op corrPickOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.%v", op) }
func (op corrPickOp) Hashcode() uint32      { return hashOf(op) }
func (op corrPickOp) String() string        { return fmt.Sprintf("Pick(%d)", op.i) }

// corrCopyInto copies the contiguous src into dst's data from offset on.
func corrCopyInto(dst tensor.Tensor, offset int, src tensor.Tensor) error {
	switch d := dst.Data().(type) {
	case []float64:
		s, ok := src.Data().([]float64)
		if !ok {
			return fmt.Errorf("dtypes differ: %v and %v", dst.Dtype(), src.Dtype())
		}
		copy(d[offset:], s[:src.Shape().TotalSize()])
	case []float32:
		s, ok := src.Data().([]float32)
		if !ok {
			return fmt.Errorf("dtypes differ: %v and %v", dst.Dtype(), src.Dtype())
		}
		copy(d[offset:], s[:src.Shape().TotalSize()])
	default:
		return fmt.Errorf("unsupported data %T", dst.Data())
	}
	return nil
}
