package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ReLU is max(x, 0) element-wise, as one op of the project's own (Gorgonia's Rectify is
// a comparison and a product, and their gradients, each a pass over memory). Its
// gradient is dL/dy where x > 0 and 0 where x <= 0, PyTorch's convention (Gorgonia's
// Rectify passes the gradient at x == 0 too, and gives -0 for negative x where this
// gives +0). A NaN stays NaN. x is any float32 or float64 tensor; the work is shared
// out over GOMAXPROCS goroutines on large tensors.
func ReLU(x *gorgonia.Node) (*gorgonia.Node, error) {
	return applyActivation("graph: ReLU", actReLU, x)
}

// Sigmoid is 1 / (1 + exp(-x)) element-wise, as one op of the project's own, with the
// gradient dL/dx = dL/dy · y · (1 - y) computed from the output y. float32 values use a
// float32 exponential (a degree-6 polynomial after range reduction, within 2 ulp of
// the exact exponential) and float64 values math.Exp; the results are those of
// gorgonia.Sigmoid within 1e-6 (float32) and 1e-15 (float64). Large tensors are shared
// out over GOMAXPROCS goroutines.
func Sigmoid(x *gorgonia.Node) (*gorgonia.Node, error) {
	return applyActivation("graph: Sigmoid", actSigmoid, x)
}

func applyActivation(name string, kind actKind, x *gorgonia.Node) (out *gorgonia.Node, err error) {
	if x == nil {
		return nil, fmt.Errorf("%s: nil node", name)
	}
	if err := checkFloatDtype(name, "x", x); err != nil {
		return nil, err
	}
	if x.Shape().TotalSize() < 1 {
		return nil, fmt.Errorf("%s: x has shape %v; want a non-empty tensor", name, x.Shape())
	}
	defer recoverGorgonia(name, &err)
	if out, err = gorgonia.ApplyOp(place(x.Graph(), activationOp{kind: kind, dims: x.Shape().Dims(), out: new(resultCache)}), x); err != nil {
		return nil, fmt.Errorf("%s: x %v: %w", name, x.Shape(), err)
	}
	return out, nil
}

// actKind names an activation function.
type actKind int

const (
	actReLU actKind = iota
	actSigmoid
)

func (k actKind) String() string {
	if k == actSigmoid {
		return "Sigmoid"
	}
	return "ReLU"
}

// activationOp is the forward op of ReLU and Sigmoid on a tensor of rank dims.
type activationOp struct {
	kind actKind
	dims int
	out  *resultCache
}

var (
	_ gorgonia.SDOp            = activationOp{}
	_ gorgonia.ADOp            = activationOp{}
	_ gorgonia.UsePreallocDoer = activationOp{}
)

// Arity is 1.
func (op activationOp) Arity() int { return 1 }

// Type is a tensor of a to a tensor of a, of the same rank.
func (op activationOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

// InferShape returns the input's shape.
func (op activationOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 1", op, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input shape %v is not a tensor shape", op, in[0])
	}
	return s.Clone(), nil
}

// Do applies the function into a new tensor.
func (op activationOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo applies the function into prealloc.
func (op activationOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op activationOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: got %d inputs, want 1", op, len(in))
	}
	x, err := convInput(op, in[0], 0, op.dims)
	if err != nil {
		return nil, err
	}
	y, err := convOutput(op, prealloc, op.out, x.Dtype(), x.Shape())
	if err != nil {
		return nil, err
	}
	switch xd := x.Data().(type) {
	case []float32:
		activationForward(op.kind, xd, y.Data().([]float32))
	case []float64:
		activationForward(op.kind, xd, y.Data().([]float64))
	}
	return y, nil
}

// ReturnsPtr is false: the result is a new value (or the preallocated one).
func (op activationOp) ReturnsPtr() bool { return false }

// CallsExtern is false.
func (op activationOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the input is left untouched.
func (op activationOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op activationOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op activationOp) Hashcode() uint32 { return hashOf(op) }

func (op activationOp) String() string { return fmt.Sprintf("%v{%d-D}", op.kind, op.dims) }

// DiffWRT says the op is differentiable in its input.
func (op activationOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns the node of dL/dx, computed from the output y and dL/dy.
func (op activationOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: SymDiff got %d inputs, want 1", op, len(inputs))
	}
	dx, err := gorgonia.ApplyOp(place(grad.Graph(), activationGradOp{kind: op.kind, dims: op.dims, out: new(resultCache)}), output, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: building the gradient: %w", op, err)
	}
	return gorgonia.Nodes{dx}, nil
}

// DoDiff is the LispMachine's backward pass: it adds dL/dx to the input's derivative.
func (op activationOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	if len(inputs) != 1 {
		return fmt.Errorf("%v: DoDiff got %d inputs, want 1", op, len(inputs))
	}
	dy, err := output.Grad()
	if err != nil {
		return fmt.Errorf("%v: reading the output's derivative: %w", op, err)
	}
	dx, err := activationGradOp{kind: op.kind, dims: op.dims}.run(nil, []gorgonia.Value{output.Value(), dy})
	if err != nil {
		return err
	}
	d, err := inputs[0].Grad()
	if err != nil {
		return fmt.Errorf("%v: reading the input's derivative: %w", op, err)
	}
	if err := corrAddInto(d, dx); err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	return nil
}

// activationGradOp computes dL/dx of an activation from its output y and dL/dy.
type activationGradOp activationOp

// Arity is 2: y and dL/dy.
func (op activationGradOp) Arity() int { return 2 }

// Type is (y, dL/dy) to dL/dx, tensors of one rank and dtype.
func (op activationGradOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

// InferShape returns y's shape.
func (op activationGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: got %d input shapes, want 2", op, len(in))
	}
	return activationOp(op).InferShape(in[0])
}

// Do computes dL/dx into a new tensor.
func (op activationGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes dL/dx into prealloc.
func (op activationGradOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op activationGradOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: got %d inputs, want 2", op, len(in))
	}
	y, err := convInput(op, in[0], 0, op.dims)
	if err != nil {
		return nil, err
	}
	dy, err := convInput(op, in[1], 1, op.dims)
	if err != nil {
		return nil, err
	}
	if !dy.Shape().Eq(y.Shape()) || dy.Dtype() != y.Dtype() {
		return nil, fmt.Errorf("%v: output gradient is %v %v, want %v %v", op, dy.Dtype(), dy.Shape(), y.Dtype(), y.Shape())
	}
	dx, err := convOutput(op, prealloc, op.out, y.Dtype(), y.Shape())
	if err != nil {
		return nil, err
	}
	switch yd := y.Data().(type) {
	case []float32:
		activationBackward(op.kind, yd, dy.Data().([]float32), dx.Data().([]float32))
	case []float64:
		activationBackward(op.kind, yd, dy.Data().([]float64), dx.Data().([]float64))
	}
	return dx, nil
}

// ReturnsPtr is false: the result is a new value (or the preallocated one).
func (op activationGradOp) ReturnsPtr() bool { return false }

// CallsExtern is false.
func (op activationGradOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the inputs are left untouched.
func (op activationGradOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op activationGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op activationGradOp) Hashcode() uint32 { return hashOf(op) }

func (op activationGradOp) String() string { return activationOp(op).String() + "Grad" }

// elementParallelMin is the number of elements below which element-wise ops run on one
// goroutine.
const elementParallelMin = 1 << 14

// elementParallel calls fn on ranges [lo, hi) covering [0, n), on up to GOMAXPROCS
// goroutines when n is large enough. The ranges are multiples of 16 elements apart.
func elementParallel(n int, fn func(lo, hi int)) {
	if n < elementParallelMin {
		fn(0, n)
		return
	}
	chunks := (n + 15) / 16
	convParallel(chunks, func(_, lo, hi int) { fn(lo*16, min(hi*16, n)) })
}

func activationForward[T float](kind actKind, x, y []T) {
	elementParallel(len(x), func(lo, hi int) {
		xs, ys := x[lo:hi], y[lo:hi]
		ys = ys[:len(xs)]
		if kind == actReLU {
			for i, v := range xs {
				ys[i] = max(v, 0) // branch-free; NaN stays NaN
			}
			return
		}
		switch ys := any(ys).(type) {
		case []float32:
			sigmoid32(any(xs).([]float32), ys)
		case []float64:
			for i, v := range any(xs).([]float64) {
				ys[i] = 1 / (1 + math.Exp(-v))
			}
		}
	})
}

// sigmoid32 writes 1 / (1 + exp(-x)) of every x to y, free of branches (so that the
// processor overlaps consecutive elements): -x is clamped to [-87.3, 88] and handed to
// expReduced32. The clamp changes no result beyond float32 rounding (sigmoid is 1 in
// float32 from x = 17 on, and below 1e-37 from x = -87 down), and NaN propagates.
func sigmoid32(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		// expReduced32(z), written out: the call would not be inlined.
		z := min(max(-v, -87.3), 88)
		n := float32(float32(z*exp32Log2e+exp32Round) - exp32Round)
		r := z - n*exp32Ln2Hi - n*exp32Ln2Lo
		p := float32(exp32P0)
		p = p*r + exp32P1
		p = p*r + exp32P2
		p = p*r + exp32P3
		p = p*r + exp32P4
		p = p*r + exp32P5
		p = p*r*r + r + 1
		y[i] = 1 / (1 + p*math.Float32frombits(uint32(int32(n)+127)<<23))
	}
}

func activationBackward[T float](kind actKind, y, dy, dx []T) {
	elementParallel(len(y), func(lo, hi int) {
		ys, gs, ds := y[lo:hi], dy[lo:hi], dx[lo:hi]
		gs, ds = gs[:len(ys)], ds[:len(ys)]
		if kind == actSigmoid {
			for i, v := range ys {
				ds[i] = gs[i] * v * (1 - v)
			}
			return
		}
		switch ds := any(ds).(type) { // dx = dy where y > 0, else +0, without branches
		case []float32:
			reluGrad32(any(ys).([]float32), any(gs).([]float32), ds)
		case []float64:
			reluGrad64(any(ys).([]float64), any(gs).([]float64), ds)
		}
	})
}

func reluGrad32(y, dy, dx []float32) {
	dy, dx = dy[:len(y)], dx[:len(y)]
	for i, v := range y {
		var m uint32
		if v > 0 {
			m = ^uint32(0)
		}
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & m)
	}
}

func reluGrad64(y, dy, dx []float64) {
	dy, dx = dy[:len(y)], dx[:len(y)]
	for i, v := range y {
		var m uint64
		if v > 0 {
			m = ^uint64(0)
		}
		dx[i] = math.Float64frombits(math.Float64bits(dy[i]) & m)
	}
}

// exp32 is exp(x) in float32, within 2 ulp: expReduced32 where it applies, +Inf above
// 88.72, 0 below -103.97, math.Exp at the edges between, NaN for NaN. sigmoid32 uses expReduced32 directly; exp32 is its reference in the tests.
func exp32(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > 88.72283:
		return float32(math.Inf(1))
	case x > 88 || x < -87.33654 && x >= -103.97208:
		return float32(math.Exp(float64(x))) // the edges: 2^128, subnormals
	case x < -103.97208:
		return 0
	}
	return expReduced32(x)
}

// expReduced32 is exp(x) for x in [-87.33, 88]: x = n·ln2 + r with |r| <= ln2/2 and
// -126 <= n <= 127, exp(r) by a degree-6 polynomial (Cephes' expf coefficients), times
// 2^n built from the exponent bits.
func expReduced32(x float32) float32 {
	n := float32(float32(x*exp32Log2e+exp32Round) - exp32Round)
	r := x - n*exp32Ln2Hi - n*exp32Ln2Lo
	p := float32(exp32P0)
	p = p*r + exp32P1
	p = p*r + exp32P2
	p = p*r + exp32P3
	p = p*r + exp32P4
	p = p*r + exp32P5
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// The constants of expReduced32: log2(e); ln 2 split in two (Cody and Waite) so that
// n·ln2hi is exact; the rounding constant 1.5·2^23 (adding and subtracting it rounds a
// float32 below 2^22 in magnitude to an integer; the conversions keep each step in
// float32); the polynomial's coefficients.
const (
	exp32Log2e = 1.44269504088896341
	exp32Ln2Hi = 0.693359375
	exp32Ln2Lo = -2.12194440e-4
	exp32Round = 1.5 * (1 << 23)
	exp32P0    = 1.9875691500e-4
	exp32P1    = 1.3981999507e-3
	exp32P2    = 8.3334519073e-3
	exp32P3    = 4.1665795894e-2
	exp32P4    = 1.6666665459e-1
	exp32P5    = 5.0000001201e-1
)
