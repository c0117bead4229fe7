package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Corr2D returns the 2-D cross-correlation of x with the kernel k, the operation the
// chapter calls corr2d and deep-learning frameworks call convolution:
//
//	x (h, w), k (kh, kw) -> y (h-kh+1, w-kw+1)
//	y[i, j] = Σ_a Σ_b x[i+a, j+b] · k[a, b]
//
// It is a custom Gorgonia op with its own backward pass, differentiable in x and in k:
//
//	dL/dx = full correlation of dL/dy with k:  dx[i+a, j+b] += dy[i, j] · k[a, b]
//	dL/dk = corr2d(x, dL/dy)
//
// Both gradients are themselves differentiable ops. (Gorgonia v0.9.18 computes wrong
// second derivatives when Grad is applied to an expression that contains Grad's own
// output, even for its built-in ops; do not rely on nested Grad.)
//
// x and k must be 2-D nodes of one graph with the same dtype, float32 or float64, and
// the kernel must fit inside the input; otherwise Corr2D returns an error.
func Corr2D(x, k *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkCorrOperands("Corr2D", x, k, 2, 2, "(h, w)", "(kh, kw)"); err != nil {
		return nil, err
	}
	if err := corrCheckFits("Corr2D", x.Shape(), k.Shape()); err != nil {
		return nil, err
	}
	y, err := gorgonia.ApplyOp(corr2dOp{}, x, k)
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2D: %w", err)
	}
	return y, nil
}

// checkCorrOperands checks what every correlation function needs of its operands: both
// present, in one graph, of the expected ranks, of one float dtype.
func checkCorrOperands(fn string, x, k *gorgonia.Node, xRank, kRank int, xDesc, kDesc string) error {
	if x == nil || k == nil {
		return fmt.Errorf("graph: %s: nil input node (x %v, kernel %v)", fn, x != nil, k != nil)
	}
	if x.Graph() != k.Graph() {
		return fmt.Errorf("graph: %s: x and the kernel belong to different graphs; build both in one graph", fn)
	}
	if err := corrCheckRank(fn, "x", x, xRank, xDesc); err != nil {
		return err
	}
	if err := corrCheckRank(fn, "kernel", k, kRank, kDesc); err != nil {
		return err
	}
	xt, err := corrDtype(fn, "x", x)
	if err != nil {
		return err
	}
	kt, err := corrDtype(fn, "kernel", k)
	if err != nil {
		return err
	}
	if xt != kt {
		return fmt.Errorf("graph: %s: dtypes differ: x is %v, kernel is %v; use one dtype for both", fn, xt, kt)
	}
	return nil
}

// corrCheckRank returns an error unless n has rank dims and no empty dimension.
func corrCheckRank(fn, what string, n *gorgonia.Node, dims int, desc string) error {
	s := n.Shape()
	if s.Dims() != dims {
		return fmt.Errorf("graph: %s: %s must be %d-D %s, got shape %v (rank %d)", fn, what, dims, desc, s, s.Dims())
	}
	for _, d := range s {
		if d <= 0 {
			return fmt.Errorf("graph: %s: %s has an empty dimension: shape %v", fn, what, s)
		}
	}
	return nil
}

// corrDtype returns n's dtype, or an error unless it is float32 or float64.
func corrDtype(fn, what string, n *gorgonia.Node) (tensor.Dtype, error) {
	var dt tensor.Dtype
	switch t := n.Type().(type) {
	case gorgonia.TensorType:
		d, ok := t.Of.(tensor.Dtype)
		if !ok {
			return dt, fmt.Errorf("graph: %s: %s has no concrete dtype (type %v)", fn, what, t)
		}
		dt = d
	case tensor.Dtype:
		dt = t
	default:
		return dt, fmt.Errorf("graph: %s: %s has no concrete dtype (type %v)", fn, what, n.Type())
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return dt, fmt.Errorf("graph: %s: %s has dtype %v; want float32 or float64", fn, what, dt)
	}
	return dt, nil
}

// corrCheckFits checks that the last two dimensions of the kernel fit inside those of x.
func corrCheckFits(fn string, xs, ks tensor.Shape) error {
	h, w := xs[len(xs)-2], xs[len(xs)-1]
	kh, kw := ks[len(ks)-2], ks[len(ks)-1]
	if kh > h || kw > w {
		return fmt.Errorf("graph: %s: kernel %dx%d is larger than the input %dx%d; the kernel must fit inside the input (pad the input first)", fn, kh, kw, h, w)
	}
	return nil
}

// corr2dOp is the forward op of Corr2D: inputs x (h, w) and k (kh, kw). The op has no
// parameters, so its hash is its name; Gorgonia's node hash adds the operands' hashes,
// types and shapes, so two Corr2D nodes merge only when they compute the same thing.
type corr2dOp struct{}

var (
	_ gorgonia.SDOp = corr2dOp{}
	_ gorgonia.ADOp = corr2dOp{}
)

func (corr2dOp) Arity() int { return 2 }

// Type is a → a → a for 2-D tensors a, so x and k must share a dtype.
func (corr2dOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (corr2dOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	xs, ks, err := corrShapes2("Corr2D", in)
	if err != nil {
		return nil, err
	}
	if ks[0] > xs[0] || ks[1] > xs[1] {
		return nil, fmt.Errorf("graph: Corr2D: kernel %v is larger than the input %v", ks, xs)
	}
	return tensor.Shape{xs[0] - ks[0] + 1, xs[1] - ks[1] + 1}, nil
}

func (corr2dOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, k, err := corrMatrices2("Corr2D", in)
	if err != nil {
		return nil, err
	}
	return corr2dValue(x, k)
}

func (corr2dOp) ReturnsPtr() bool      { return false }
func (corr2dOp) CallsExtern() bool     { return false }
func (corr2dOp) OverwritesInput() int  { return -1 }
func (corr2dOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.Corr2D") }
func (op corr2dOp) Hashcode() uint32   { return hashOf(op) }
func (corr2dOp) String() string        { return "Corr2D" }
func (corr2dOp) DiffWRT(int) []bool    { return []bool{true, true} }

// SymDiff returns dx = corr2dFull(k, dy) and dk = Corr2D(x, dy).
func (corr2dOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("graph: Corr2D gradient: want 2 inputs, got %d", len(inputs))
	}
	dx, err := gorgonia.ApplyOp(corr2dFullOp{}, inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2D gradient wrt x: %w", err)
	}
	dk, err := gorgonia.ApplyOp(corr2dOp{}, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2D gradient wrt the kernel: %w", err)
	}
	return gorgonia.Nodes{dx, dk}, nil
}

// DoDiff adds the gradients to the inputs' derivative values (Gorgonia's LispMachine).
func (corr2dOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	return corrLispDiff("Corr2D", inputs, output, func(in []tensor.Tensor, dy tensor.Tensor) ([]tensor.Tensor, error) {
		dx, err := corr2dFullValue(in[1], dy)
		if err != nil {
			return nil, err
		}
		dk, err := corr2dValue(in[0], dy)
		if err != nil {
			return nil, err
		}
		return []tensor.Tensor{dx, dk}, nil
	})
}

// corr2dFullOp is the gradient of Corr2D with respect to x, the "full" correlation that
// scatters every output gradient back over the window it came from:
//
//	k (kh, kw), dy (oh, ow) -> dx (oh+kh-1, ow+kw-1)
//	dx[i+a, j+b] += dy[i, j] · k[a, b]
//
// It is linear in both inputs; its own gradients are Corr2D(ddx, dy) for k and
// Corr2D(ddx, k) for dy.
type corr2dFullOp struct{}

var (
	_ gorgonia.SDOp = corr2dFullOp{}
	_ gorgonia.ADOp = corr2dFullOp{}
)

func (corr2dFullOp) Arity() int { return 2 }

func (corr2dFullOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (corr2dFullOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	ks, gs, err := corrShapes2("Corr2D x-gradient", in)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{gs[0] + ks[0] - 1, gs[1] + ks[1] - 1}, nil
}

func (corr2dFullOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	k, dy, err := corrMatrices2("Corr2D x-gradient", in)
	if err != nil {
		return nil, err
	}
	return corr2dFullValue(k, dy)
}

func (corr2dFullOp) ReturnsPtr() bool      { return false }
func (corr2dFullOp) CallsExtern() bool     { return false }
func (corr2dFullOp) OverwritesInput() int  { return -1 }
func (corr2dFullOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "d2l.graph.Corr2DFull") }
func (op corr2dFullOp) Hashcode() uint32   { return hashOf(op) }
func (corr2dFullOp) String() string        { return "Corr2DFull" }
func (corr2dFullOp) DiffWRT(int) []bool    { return []bool{true, true} }

func (corr2dFullOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("graph: Corr2DFull gradient: want 2 inputs, got %d", len(inputs))
	}
	dk, err := gorgonia.ApplyOp(corr2dOp{}, grad, inputs[1])
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DFull gradient wrt the kernel: %w", err)
	}
	ddy, err := gorgonia.ApplyOp(corr2dOp{}, grad, inputs[0])
	if err != nil {
		return nil, fmt.Errorf("graph: Corr2DFull gradient wrt the output gradient: %w", err)
	}
	return gorgonia.Nodes{dk, ddy}, nil
}

func (corr2dFullOp) DoDiff(_ gorgonia.ExecutionContext, inputs gorgonia.Nodes, output *gorgonia.Node) error {
	return corrLispDiff("Corr2DFull", inputs, output, func(in []tensor.Tensor, u tensor.Tensor) ([]tensor.Tensor, error) {
		dk, err := corr2dValue(u, in[1])
		if err != nil {
			return nil, err
		}
		ddy, err := corr2dValue(u, in[0])
		if err != nil {
			return nil, err
		}
		return []tensor.Tensor{dk, ddy}, nil
	})
}

// corr2dValue computes Corr2D on values.
func corr2dValue(x, k tensor.Tensor) (tensor.Tensor, error) {
	xs, ks := x.Shape(), k.Shape()
	if ks[0] > xs[0] || ks[1] > xs[1] {
		return nil, fmt.Errorf("graph: Corr2D: kernel %v is larger than the input %v", ks, xs)
	}
	oh, ow := xs[0]-ks[0]+1, xs[1]-ks[1]+1
	switch x.Dtype() {
	case tensor.Float64:
		return corrRun(x, k, oh, ow, corr2dKernel[float64])
	case tensor.Float32:
		return corrRun(x, k, oh, ow, corr2dKernel[float32])
	}
	return nil, fmt.Errorf("graph: Corr2D: unsupported dtype %v", x.Dtype())
}

// corr2dFullValue computes the Corr2D x-gradient on values.
func corr2dFullValue(k, dy tensor.Tensor) (tensor.Tensor, error) {
	ks, gs := k.Shape(), dy.Shape()
	h, w := gs[0]+ks[0]-1, gs[1]+ks[1]-1
	switch k.Dtype() {
	case tensor.Float64:
		return corrRun(k, dy, h, w, corr2dFullKernel[float64])
	case tensor.Float32:
		return corrRun(k, dy, h, w, corr2dFullKernel[float32])
	}
	return nil, fmt.Errorf("graph: Corr2D x-gradient: unsupported dtype %v", k.Dtype())
}

// corrRun allocates an (oh, ow) result of a's dtype and fills it with kernel(out, a, b).
// The kernels receive the row-major data and the 2-D shapes of a and b.
func corrRun[T float](a, b tensor.Tensor, oh, ow int, kernel func(out, a []T, ah, aw int, b []T, bh, bw int)) (tensor.Tensor, error) {
	ad, ok := a.Data().([]T)
	if !ok {
		return nil, fmt.Errorf("graph: correlation: data %T does not match dtype %v", a.Data(), a.Dtype())
	}
	bd, ok := b.Data().([]T)
	if !ok {
		return nil, fmt.Errorf("graph: correlation: dtypes differ: %v and %v", a.Dtype(), b.Dtype())
	}
	out := tensor.New(tensor.WithShape(oh, ow), tensor.Of(a.Dtype()))
	as, bs := a.Shape(), b.Shape()
	kernel(out.Data().([]T), ad, as[0], as[1], bd, bs[0], bs[1])
	return out, nil
}

// corr2dKernel writes the valid cross-correlation of x (h, w) with k (kh, kw) to the
// zeroed out. Each output is summed in row-major kernel order, (a, b) = (0, 0), (0, 1),
// ...; the loops run along output rows so the innermost loop is a contiguous axpy.
func corr2dKernel[T float](out, x []T, h, w int, k []T, kh, kw int) {
	oh, ow := h-kh+1, w-kw+1
	for i := 0; i < oh; i++ {
		orow := out[i*ow : (i+1)*ow]
		for a := 0; a < kh; a++ {
			xrow := x[(i+a)*w : (i+a+1)*w]
			for b, kv := range k[a*kw : (a+1)*kw] {
				xs := xrow[b : b+ow]
				for j := range orow {
					orow[j] += xs[j] * kv
				}
			}
		}
	}
}

// corr2dFullKernel writes the full correlation of dy (oh, ow) with k (kh, kw) to the
// zeroed out (oh+kh-1, ow+kw-1): every dy[i, j] is scattered back over its window,
// weighted by k.
func corr2dFullKernel[T float](out, k []T, kh, kw int, dy []T, oh, ow int) {
	w := ow + kw - 1
	for i := 0; i < oh; i++ {
		grow := dy[i*ow : (i+1)*ow]
		for a := 0; a < kh; a++ {
			orow := out[(i+a)*w : (i+a+1)*w]
			for b, kv := range k[a*kw : (a+1)*kw] {
				os := orow[b : b+ow]
				for j := range grow {
					os[j] += grow[j] * kv
				}
			}
		}
	}
}

// corrShapes2 reads two 2-D shapes from InferShape's arguments.
func corrShapes2(fn string, in []gorgonia.DimSizer) (a, b tensor.Shape, err error) {
	if len(in) != 2 {
		return nil, nil, fmt.Errorf("graph: %s: want 2 input shapes, got %d", fn, len(in))
	}
	var shapes [2]tensor.Shape
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, nil, fmt.Errorf("graph: %s: input %d has no shape (%T)", fn, i, d)
		}
		if s.Dims() != 2 {
			return nil, nil, fmt.Errorf("graph: %s: input %d must be 2-D, got shape %v", fn, i, s)
		}
		shapes[i] = s
	}
	return shapes[0], shapes[1], nil
}

// corrMatrices2 converts Do's two arguments into 2-D row-major tensors of one dtype.
func corrMatrices2(fn string, in []gorgonia.Value) (a, b tensor.Tensor, err error) {
	if len(in) != 2 {
		return nil, nil, fmt.Errorf("graph: %s: want 2 inputs, got %d", fn, len(in))
	}
	if a, err = corrMatrix(fn, in[0]); err != nil {
		return nil, nil, err
	}
	if b, err = corrMatrix(fn, in[1]); err != nil {
		return nil, nil, err
	}
	if a.Dtype() != b.Dtype() {
		return nil, nil, fmt.Errorf("graph: %s: dtypes differ: %v and %v", fn, a.Dtype(), b.Dtype())
	}
	return a, b, nil
}

// corrMatrix returns v as a contiguous, row-major 2-D tensor. Gorgonia hands over a
// one-element slice of a tensor (for example channel c of a (c, 1, 1) tensor) as a
// scalar even where the node's shape is (1, 1); such a scalar counts as a 1x1 matrix.
func corrMatrix(fn string, v gorgonia.Value) (tensor.Tensor, error) {
	switch s := v.(type) {
	case *gorgonia.F64:
		return tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{float64(*s)})), nil
	case *gorgonia.F32:
		return tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float32{float32(*s)})), nil
	case tensor.Tensor:
		t := s
		if d, ok := t.(*tensor.Dense); ok && (d.IsMaterializable() || d.RequiresIterator()) {
			t = d.Materialize()
		}
		if t.Shape().IsScalar() || t.Size() == 1 && t.Shape().Dims() < 2 {
			switch d := t.Data().(type) {
			case float64:
				return tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{d})), nil
			case float32:
				return tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float32{d})), nil
			case []float64:
				return tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{d[0]})), nil
			case []float32:
				return tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float32{d[0]})), nil
			}
		}
		if t.Shape().Dims() != 2 {
			return nil, fmt.Errorf("graph: %s: want a 2-D value, got shape %v", fn, t.Shape())
		}
		if dt := t.Dtype(); dt != tensor.Float64 && dt != tensor.Float32 {
			return nil, fmt.Errorf("graph: %s: value has dtype %v; want float32 or float64", fn, dt)
		}
		if t.DataSize() != t.Shape().TotalSize() {
			return nil, fmt.Errorf("graph: %s: value of shape %v holds %d elements", fn, t.Shape(), t.DataSize())
		}
		return t, nil
	}
	return nil, fmt.Errorf("graph: %s: want a tensor value, got %T", fn, v)
}

// corrLispDiff implements DoDiff for the ops of this package: it reads the inputs' values
// and the output's derivative, computes the inputs' gradients with grads, and adds them
// to the inputs' derivative values in place.
func corrLispDiff(fn string, inputs gorgonia.Nodes, output *gorgonia.Node, grads func(in []tensor.Tensor, dy tensor.Tensor) ([]tensor.Tensor, error)) error {
	vals := make([]tensor.Tensor, len(inputs))
	for i, n := range inputs {
		t, err := corrAnyValue(fn, n.Value())
		if err != nil {
			return err
		}
		vals[i] = t
	}
	dyv, err := output.Grad()
	if err != nil {
		return fmt.Errorf("graph: %s: reading the output gradient: %w", fn, err)
	}
	dy, err := corrAnyValue(fn, dyv)
	if err != nil {
		return err
	}
	gs, err := grads(vals, dy)
	if err != nil {
		return err
	}
	for i, n := range inputs {
		if i >= len(gs) || gs[i] == nil {
			continue
		}
		d, err := n.Grad()
		if err != nil {
			return fmt.Errorf("graph: %s: reading the derivative of input %d: %w", fn, i, err)
		}
		if err := corrAddInto(d, gs[i]); err != nil {
			return fmt.Errorf("graph: %s: input %d: %w", fn, i, err)
		}
	}
	return nil
}

// corrAnyValue is corrMatrix for 2-D values, and the contiguous tensor itself otherwise.
func corrAnyValue(fn string, v gorgonia.Value) (tensor.Tensor, error) {
	if t, ok := v.(tensor.Tensor); ok && t.Shape().Dims() != 2 && !t.Shape().IsScalar() {
		if d, ok := t.(*tensor.Dense); ok && (d.IsMaterializable() || d.RequiresIterator()) {
			return d.Materialize(), nil
		}
		return t, nil
	}
	return corrMatrix(fn, v)
}

// corrAddInto adds src element-wise to the derivative value dst in place.
func corrAddInto(dst gorgonia.Value, src tensor.Tensor) error {
	switch d := dst.(type) {
	case *gorgonia.F64:
		s, ok := src.Data().([]float64)
		if !ok || len(s) != 1 {
			return fmt.Errorf("cannot add %v values to a float64 scalar", src.Shape())
		}
		*d += gorgonia.F64(s[0])
		return nil
	case *gorgonia.F32:
		s, ok := src.Data().([]float32)
		if !ok || len(s) != 1 {
			return fmt.Errorf("cannot add %v values to a float32 scalar", src.Shape())
		}
		*d += gorgonia.F32(s[0])
		return nil
	case tensor.Tensor:
		if d.Size() != src.Size() {
			return fmt.Errorf("derivative has %d elements, gradient %d", d.Size(), src.Size())
		}
		switch dd := d.Data().(type) {
		case []float64:
			return corrAddSlices(dd, src)
		case []float32:
			return corrAddSlices(dd, src)
		}
		return fmt.Errorf("derivative has unsupported data %T", d.Data())
	}
	return fmt.Errorf("derivative has unsupported type %T", dst)
}

func corrAddSlices[T float](dst []T, src tensor.Tensor) error {
	s, ok := src.Data().([]T)
	if !ok {
		return fmt.Errorf("gradient data %T does not match the derivative's %T", src.Data(), dst)
	}
	for i := range s {
		dst[i] += s[i]
	}
	return nil
}
