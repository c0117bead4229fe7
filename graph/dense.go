package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/gemm"
)

// Dense is a fully connected layer's product as one op of the project's own:
//
//	y = x w + b        x (n, in), w (in, out), b (out) or nil, y (n, out)
//
// Its backward pass is three ops: dL/dx = dY wᵀ, dL/dw = xᵀ dY and dL/db = the column
// sums of dY. It computes what gorgonia.Mul followed by gorgonia.BroadcastAdd computes;
// being one op of the project's, it also has a GPU version (see SetDevice), so that a
// graph placed on a GPU keeps its fully connected layers there. float32 products use
// the project's GEMM, float64 ones gonum's. Every shape is checked first.
func Dense(x, w, b *gorgonia.Node) (out *gorgonia.Node, err error) {
	const name = "graph: Dense"
	if x == nil || w == nil {
		return nil, fmt.Errorf("%s: nil input", name)
	}
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 2 || ws.Dims() != 2 {
		return nil, fmt.Errorf("%s: x %v and w %v must both be matrices (n, in) and (in, out)", name, xs, ws)
	}
	if xs[1] != ws[0] {
		return nil, fmt.Errorf("%s: x %v has %d features but w %v takes %d", name, xs, xs[1], ws, ws[0])
	}
	if x.Dtype() != w.Dtype() || x.Graph() != w.Graph() {
		return nil, fmt.Errorf("%s: x (%v) and w (%v) must share a graph and a dtype", name, x.Dtype(), w.Dtype())
	}
	args := []*gorgonia.Node{x, w}
	op := denseOp{out: new(resultCache)}
	if b != nil {
		if b.Shape().Dims() != 1 || b.Shape()[0] != ws[1] || b.Dtype() != w.Dtype() || b.Graph() != w.Graph() {
			return nil, fmt.Errorf("%s: bias %v %v must be a vector of %d %v in w's graph", name, b.Dtype(), b.Shape(), ws[1], w.Dtype())
		}
		op.bias = true
		args = append(args, b)
	}
	defer recoverGorgonia(name, &err)
	if out, err = gorgonia.ApplyOp(place(x.Graph(), op), args...); err != nil {
		return nil, fmt.Errorf("%s: x %v, w %v: %w", name, xs, ws, err)
	}
	return out, nil
}

// matmul computes c = op(a) op(b) for row-major matrices: op(a) is (m, k), op(b) is
// (k, n), c is (m, n); ta and tb say that a is stored as (k, m) and b as (n, k).
func matmul[T float](ta, tb bool, m, n, k int, a, b, c []T) {
	lda, ldb := k, n
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	switch c := any(c).(type) {
	case []float32:
		gemm.Sgemm(ta, tb, m, n, k, 1, any(a).([]float32), lda, any(b).([]float32), ldb, 0, c, n)
	case []float64:
		t := func(x bool) blas.Transpose {
			if x {
				return blas.Trans
			}
			return blas.NoTrans
		}
		gonum.Implementation{}.Dgemm(t(ta), t(tb), m, n, k, 1, any(a).([]float64), lda, any(b).([]float64), ldb, 0, c, n)
	}
}

// denseOp is Dense's forward op: inputs x, w and, when bias is set, b.
type denseOp struct {
	bias bool
	out  *resultCache
}

var (
	_ gorgonia.SDOp            = denseOp{}
	_ gorgonia.UsePreallocDoer = denseOp{}
)

// Arity is 2, or 3 with a bias.
func (op denseOp) Arity() int {
	if op.bias {
		return 3
	}
	return 2
}

// Type is (matrix, matrix[, vector]) to matrix, of one dtype.
func (op denseOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	if op.bias {
		return hm.NewFnType(m, m, gorgonia.TensorType{Dims: 1, Of: a}, m)
	}
	return hm.NewFnType(m, m, m)
}

// InferShape returns (n, out).
func (op denseOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: got %d input shapes, want %d", op, len(in), op.Arity())
	}
	xs, ok1 := in[0].(tensor.Shape)
	ws, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || xs.Dims() != 2 || ws.Dims() != 2 || xs[1] != ws[0] {
		return nil, fmt.Errorf("%v: shapes %v and %v do not multiply", op, in[0], in[1])
	}
	return tensor.Shape{xs[0], ws[1]}, nil
}

// Do computes y into the op's cached memory.
func (op denseOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes y into prealloc.
func (op denseOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op denseOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: got %d inputs, want %d", op, len(in), op.Arity())
	}
	x, err := convInput(op, in[0], 0, 2)
	if err != nil {
		return nil, err
	}
	w, err := convInput(op, in[1], 1, 2)
	if err != nil {
		return nil, err
	}
	xs, ws := x.Shape(), w.Shape()
	if xs[1] != ws[0] || x.Dtype() != w.Dtype() {
		return nil, fmt.Errorf("%v: x %v %v and w %v %v do not multiply", op, x.Dtype(), xs, w.Dtype(), ws)
	}
	var b *tensor.Dense
	if op.bias {
		if b, err = convInput(op, in[2], 2, 1); err != nil {
			return nil, err
		}
		if b.Shape()[0] != ws[1] || b.Dtype() != w.Dtype() {
			return nil, fmt.Errorf("%v: bias %v %v, want %d %v", op, b.Dtype(), b.Shape(), ws[1], w.Dtype())
		}
	}
	y, err := convOutput(op, prealloc, op.out, x.Dtype(), tensor.Shape{xs[0], ws[1]})
	if err != nil {
		return nil, err
	}
	switch yd := y.Data().(type) {
	case []float32:
		denseForward(xs[0], ws[1], ws[0], x.Data().([]float32), w.Data().([]float32), b, yd)
	case []float64:
		denseForward(xs[0], ws[1], ws[0], x.Data().([]float64), w.Data().([]float64), b, yd)
	}
	return y, nil
}

func denseForward[T float](n, out, in int, x, w []T, b *tensor.Dense, y []T) {
	matmul(false, false, n, out, in, x, w, y)
	if b == nil {
		return
	}
	bd := b.Data().([]T)
	for i := range n {
		row := y[i*out : (i+1)*out]
		for j, v := range bd {
			row[j] += v
		}
	}
}

// ReturnsPtr is false: the result is a new value.
func (op denseOp) ReturnsPtr() bool { return false }

// CallsExtern is false: pure Go.
func (op denseOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the inputs are left untouched.
func (op denseOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op denseOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op denseOp) Hashcode() uint32 { return hashOf(op) }

func (op denseOp) String() string {
	if op.bias {
		return "Dense{bias}"
	}
	return "Dense"
}

// DiffWRT says the op is differentiable in every input.
func (op denseOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff returns the nodes of dL/dx, dL/dw and (with a bias) dL/db.
func (op denseOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("%v: SymDiff got %d inputs, want %d", op, len(inputs), op.Arity())
	}
	g := grad.Graph()
	x, w := inputs[0], inputs[1]
	dx, err := gorgonia.ApplyOp(place(g, denseGradOp{which: denseGradX, out: new(resultCache)}), w, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: dL/dx: %w", op, err)
	}
	dw, err := gorgonia.ApplyOp(place(g, denseGradOp{which: denseGradW, out: new(resultCache)}), x, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: dL/dw: %w", op, err)
	}
	if !op.bias {
		return gorgonia.Nodes{dx, dw}, nil
	}
	db, err := gorgonia.ApplyOp(place(g, denseGradOp{which: denseGradB, out: new(resultCache)}), grad)
	if err != nil {
		return nil, fmt.Errorf("%v: dL/db: %w", op, err)
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

// denseGradKind says which gradient a denseGradOp computes.
type denseGradKind int

const (
	denseGradX denseGradKind = iota // inputs w, dY: dY wᵀ
	denseGradW                      // inputs x, dY: xᵀ dY
	denseGradB                      // input dY: its column sums
)

// denseGradOp computes one of Dense's gradients from dL/dy (its last input).
type denseGradOp struct {
	which denseGradKind
	out   *resultCache
}

var _ gorgonia.UsePreallocDoer = denseGradOp{}

// Arity is 2 (w or x, and dL/dy) or 1 (dL/dy) for the bias.
func (op denseGradOp) Arity() int {
	if op.which == denseGradB {
		return 1
	}
	return 2
}

// Type maps matrices to a matrix, or a matrix to a vector for the bias.
func (op denseGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	if op.which == denseGradB {
		return hm.NewFnType(m, gorgonia.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(m, m, m)
}

// InferShape returns the shape of x, of w, or of b.
func (op denseGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: got %d input shapes, want %d", op, len(in), op.Arity())
	}
	s := make([]tensor.Shape, len(in))
	for i := range in {
		var ok bool
		if s[i], ok = in[i].(tensor.Shape); !ok || s[i].Dims() != 2 {
			return nil, fmt.Errorf("%v: input shape %v is not a matrix", op, in[i])
		}
	}
	switch op.which {
	case denseGradX: // w (in, out), dY (n, out)
		return tensor.Shape{s[1][0], s[0][0]}, nil
	case denseGradW: // x (n, in), dY (n, out)
		return tensor.Shape{s[0][1], s[1][1]}, nil
	default:
		return tensor.Shape{s[0][1]}, nil
	}
}

// Do computes the gradient into the op's cached memory.
func (op denseGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes the gradient into prealloc.
func (op denseGradOp) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	return op.run(prealloc, in)
}

func (op denseGradOp) run(prealloc gorgonia.Value, in []gorgonia.Value) (*tensor.Dense, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: got %d inputs, want %d", op, len(in), op.Arity())
	}
	ins := make([]*tensor.Dense, len(in))
	shapes := make([]gorgonia.DimSizer, len(in))
	for i := range in {
		d, err := convInput(op, in[i], i, 2)
		if err != nil {
			return nil, err
		}
		if i > 0 && d.Dtype() != ins[0].Dtype() {
			return nil, fmt.Errorf("%v: inputs of dtypes %v and %v", op, ins[0].Dtype(), d.Dtype())
		}
		ins[i], shapes[i] = d, d.Shape()
	}
	s, err := op.InferShape(shapes...)
	if err != nil {
		return nil, err
	}
	dy := ins[len(ins)-1]
	if (op.which == denseGradX && ins[0].Shape()[1] != dy.Shape()[1]) || (op.which == denseGradW && ins[0].Shape()[0] != dy.Shape()[0]) {
		return nil, fmt.Errorf("%v: input %v and output gradient %v do not match", op, ins[0].Shape(), dy.Shape())
	}
	r, err := convOutput(op, prealloc, op.out, dy.Dtype(), s)
	if err != nil {
		return nil, err
	}
	switch rd := r.Data().(type) {
	case []float32:
		denseBackward(op.which, ins, rd)
	case []float64:
		denseBackward(op.which, ins, rd)
	}
	return r, nil
}

func denseBackward[T float](which denseGradKind, in []*tensor.Dense, r []T) {
	dy := in[len(in)-1]
	n, out := dy.Shape()[0], dy.Shape()[1]
	dyd := dy.Data().([]T)
	switch which {
	case denseGradX: // (n, out) · (in, out)ᵀ
		w := in[0]
		matmul(false, true, n, w.Shape()[0], out, dyd, w.Data().([]T), r)
	case denseGradW: // (n, in)ᵀ · (n, out)
		x := in[0]
		matmul(true, false, x.Shape()[1], out, n, x.Data().([]T), dyd, r)
	default:
		clear(r)
		for i := range n {
			for j, v := range dyd[i*out : (i+1)*out] {
				r[j] += v
			}
		}
	}
}

// ReturnsPtr is false: the result is a new value.
func (op denseGradOp) ReturnsPtr() bool { return false }

// CallsExtern is false: pure Go.
func (op denseGradOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the inputs are left untouched.
func (op denseGradOp) OverwritesInput() int { return -1 }

// WriteHash writes the op's description, which identifies it.
func (op denseGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.", op.String()) }

// Hashcode hashes the description.
func (op denseGradOp) Hashcode() uint32 { return hashOf(op) }

func (op denseGradOp) String() string {
	return [...]string{"DenseGradX", "DenseGradW", "DenseGradB"}[op.which]
}
