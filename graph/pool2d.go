package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PoolMode selects what Pool2D computes over each window.
type PoolMode int

const (
	// Max takes the largest entry of each window (the zero value, the chapter's default).
	Max PoolMode = iota
	// Avg takes the mean of each window: its sum divided by ph·pw.
	Avg
	// Min takes the smallest entry of each window; it equals -Pool2D(-x, ph, pw, Max).
	Min
)

// String returns "max", "avg" or "min", the names the chapter's pool2d takes.
func (m PoolMode) String() string {
	switch m {
	case Max:
		return "max"
	case Avg:
		return "avg"
	case Min:
		return "min"
	}
	return fmt.Sprintf("PoolMode(%d)", int(m))
}

// Pool2D slides a ph×pw window over x with stride 1 and no padding, the chapter's
// pool2d, and reduces each window with mode:
//
//	x (h, w) -> y (h-ph+1, w-pw+1)
//	Max: y[i, j] = max_{a<ph, b<pw} x[i+a, j+b]
//	Avg: y[i, j] = Σ_{a<ph, b<pw} x[i+a, j+b] / (ph·pw)
//	Min: y[i, j] = min_{a<ph, b<pw} x[i+a, j+b]
//
// It is differentiable in x. Max and Min pass each output gradient to the entry that
// was chosen (the first one in row-major order on ties); Avg spreads it evenly, 1/(ph·pw)
// to every entry of the window. A NaN in a window makes that output NaN in every mode,
// as in PyTorch (and Max and Min pass the window's gradient to the NaN). x must be a 2-D float32 or float64 node, the window
// positive and no larger than x, and mode one of Max, Avg, Min; otherwise Pool2D returns
// an error. For 4-D batches with padding and strides use MaxPool2D and AvgPool2D.
func Pool2D(x *gorgonia.Node, ph, pw int, mode PoolMode) (*gorgonia.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("graph: Pool2D: nil input node")
	}
	if mode != Max && mode != Avg && mode != Min {
		return nil, fmt.Errorf("graph: Pool2D: unknown mode %v; use Max, Avg or Min", mode)
	}
	if ph <= 0 || pw <= 0 {
		return nil, fmt.Errorf("graph: Pool2D: window %dx%d must be positive in both dimensions", ph, pw)
	}
	if err := corrCheckRank("Pool2D", "x", x, 2, "(h, w)"); err != nil {
		return nil, err
	}
	if _, err := corrDtype("Pool2D", "x", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if ph > s[0] || pw > s[1] {
		return nil, fmt.Errorf("graph: Pool2D: window %dx%d is larger than the input %dx%d; the window must fit inside the input", ph, pw, s[0], s[1])
	}
	y, err := gorgonia.ApplyOp(windowPoolOp{mode: mode, ph: ph, pw: pw}, x)
	if err != nil {
		return nil, fmt.Errorf("graph: Pool2D: %w", err)
	}
	return y, nil
}

// windowPoolOp is the forward op of Pool2D. Mode and window are part of its hash, so
// pools of one input with different settings never merge.
type windowPoolOp struct {
	mode   PoolMode
	ph, pw int
}

var (
	_ gorgonia.SDOp = windowPoolOp{}
	_ gorgonia.ADOp = windowPoolOp{}
)

func (windowPoolOp) Arity() int { return 1 }

func (windowPoolOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op windowPoolOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input shape, got %d", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, fmt.Errorf("graph: %v: want a 2-D input shape, got %v", op, in[0])
	}
	if op.ph > s[0] || op.pw > s[1] {
		return nil, fmt.Errorf("graph: %v: window larger than the input %v", op, s)
	}
	return tensor.Shape{s[0] - op.ph + 1, s[1] - op.pw + 1}, nil
}

func (op windowPoolOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("graph: %v: want 1 input, got %d", op, len(in))
	}
	x, err := corrMatrix(op.String(), in[0])
	if err != nil {
		return nil, err
	}
	return op.forward(x)
}

func (op windowPoolOp) forward(x tensor.Tensor) (tensor.Tensor, error) {
	s := x.Shape()
	if op.ph > s[0] || op.pw > s[1] {
		return nil, fmt.Errorf("graph: %v: window larger than the input %v", op, s)
	}
	out := tensor.New(tensor.WithShape(s[0]-op.ph+1, s[1]-op.pw+1), tensor.Of(x.Dtype()))
	switch xd := x.Data().(type) {
	case []float64:
		windowPoolForward(op, out.Data().([]float64), xd, s[0], s[1])
	case []float32:
		windowPoolForward(op, out.Data().([]float32), xd, s[0], s[1])
	default:
		return nil, fmt.Errorf("graph: %v: unsupported data %T", op, x.Data())
	}
	return out, nil
}

func (windowPoolOp) ReturnsPtr() bool         { return false }
func (windowPoolOp) CallsExtern() bool        { return false }
func (windowPoolOp) OverwritesInput() int     { return -1 }
func (op windowPoolOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.%v", op) }
func (op windowPoolOp) Hashcode() uint32      { return hashOf(op) }
func (op windowPoolOp) String() string {
	return fmt.Sprintf("Pool2D(%v, %dx%d)", op.mode, op.ph, op.pw)
}
func (windowPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op windowPoolOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("graph: %v gradient: want 1 input, got %d", op, len(inputs))
	}
	dx, err := gorgonia.ApplyOp(windowPoolGradOp(op), inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("graph: %v gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

func (op windowPoolOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	return corrLispDiff(op.String(), inputs, output, func(in []tensor.Tensor, dy tensor.Tensor) ([]tensor.Tensor, error) {
		dx, err := windowPoolGradOp(op).backward(in[0], dy)
		return []tensor.Tensor{dx}, err
	})
}

// windowPoolGradOp is the gradient of Pool2D with respect to x: inputs x (h, w) and the
// output gradient dy (oh, ow), result dx (h, w). Max and Min find each window's chosen
// entry again from x (the same first-in-row-major rule as the forward pass), so the op
// keeps no state between runs. It is not differentiable itself.
type windowPoolGradOp windowPoolOp

func (windowPoolGradOp) Arity() int { return 2 }

func (windowPoolGradOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op windowPoolGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	xs, gs, err := corrShapes2(op.String(), in)
	if err != nil {
		return nil, err
	}
	if gs[0] != xs[0]-op.ph+1 || gs[1] != xs[1]-op.pw+1 {
		return nil, fmt.Errorf("graph: %v: gradient shape %v, want the output shape (%d, %d) of input %v", op, gs, xs[0]-op.ph+1, xs[1]-op.pw+1, xs)
	}
	return xs.Clone(), nil
}

func (op windowPoolGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, dy, err := corrMatrices2(op.String(), in)
	if err != nil {
		return nil, err
	}
	return op.backward(x, dy)
}

func (op windowPoolGradOp) backward(x, dy tensor.Tensor) (tensor.Tensor, error) {
	xs, gs := x.Shape(), dy.Shape()
	if gs[0] != xs[0]-op.ph+1 || gs[1] != xs[1]-op.pw+1 {
		return nil, fmt.Errorf("graph: %v: gradient shape %v, want the output shape (%d, %d) of input %v", op, gs, xs[0]-op.ph+1, xs[1]-op.pw+1, xs)
	}
	dx := tensor.New(tensor.WithShape(xs...), tensor.Of(x.Dtype()))
	switch xd := x.Data().(type) {
	case []float64:
		g, ok := dy.Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("graph: %v: dtypes differ: %v and %v", op, x.Dtype(), dy.Dtype())
		}
		windowPoolBackward(windowPoolOp(op), dx.Data().([]float64), xd, g, xs[0], xs[1])
	case []float32:
		g, ok := dy.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("graph: %v: dtypes differ: %v and %v", op, x.Dtype(), dy.Dtype())
		}
		windowPoolBackward(windowPoolOp(op), dx.Data().([]float32), xd, g, xs[0], xs[1])
	default:
		return nil, fmt.Errorf("graph: %v: unsupported data %T", op, x.Data())
	}
	return dx, nil
}

func (windowPoolGradOp) ReturnsPtr() bool         { return false }
func (windowPoolGradOp) CallsExtern() bool        { return false }
func (windowPoolGradOp) OverwritesInput() int     { return -1 }
func (op windowPoolGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "d2l.graph.%v", op) }
func (op windowPoolGradOp) Hashcode() uint32      { return hashOf(op) }
func (op windowPoolGradOp) String() string {
	return fmt.Sprintf("Pool2DGrad(%v, %dx%d)", op.mode, op.ph, op.pw)
}

// windowPoolPick returns the row-major index in x of the entry that Max or Min chooses
// in the window whose top-left corner is (i, j): the first best one, or the first NaN
// (a NaN in a window makes its output NaN, as in PyTorch).
func windowPoolPick[T float](op windowPoolOp, x []T, w, i, j int) int {
	best := i*w + j
	for a := 0; a < op.ph; a++ {
		for b := 0; b < op.pw; b++ {
			idx := (i+a)*w + j + b
			v := x[idx]
			if v != v {
				return idx
			}
			if op.mode == Max && v > x[best] || op.mode == Min && v < x[best] {
				best = idx
			}
		}
	}
	return best
}

func windowPoolForward[T float](op windowPoolOp, out, x []T, h, w int) {
	oh, ow := h-op.ph+1, w-op.pw+1
	area := T(op.ph * op.pw)
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			if op.mode != Avg {
				out[i*ow+j] = x[windowPoolPick(op, x, w, i, j)]
				continue
			}
			var s T
			for a := 0; a < op.ph; a++ {
				for _, v := range x[(i+a)*w+j : (i+a)*w+j+op.pw] {
					s += v
				}
			}
			out[i*ow+j] = s / area
		}
	}
}

func windowPoolBackward[T float](op windowPoolOp, dx, x, dy []T, h, w int) {
	oh, ow := h-op.ph+1, w-op.pw+1
	area := T(op.ph * op.pw)
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			g := dy[i*ow+j]
			if op.mode != Avg {
				dx[windowPoolPick(op, x, w, i, j)] += g
				continue
			}
			g /= area
			for a := 0; a < op.ph; a++ {
				row := dx[(i+a)*w+j : (i+a)*w+j+op.pw]
				for b := range row {
					row[b] += g
				}
			}
		}
	}
}
