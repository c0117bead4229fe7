package opkit

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// operand is one input of a cold path (DoDiff): its data ([]float32 or []float64) and
// shape.
type operand struct {
	data  any
	shape tensor.Shape
}

// operandOf returns v as the contiguous data of a value of the given rank, in a copy
// where v is a scalar (see view).
func operandOf(v gorgonia.Value, rank int) (operand, error) {
	if valueDtype(v) == tensor.Float32 {
		return operandAs[float32](v, rank)
	}
	return operandAs[float64](v, rank)
}

func operandAs[T Float](v gorgonia.Value, rank int) (operand, error) {
	data, shape, _, err := view(v, rank, make([]T, 1), new(tensor.Shape))
	return operand{data: data, shape: shape}, err
}

// valueDtype is the dtype of a scalar or tensor value, or the zero Dtype for another
// kind of value.
func valueDtype(v gorgonia.Value) tensor.Dtype {
	switch s := v.(type) {
	case *gorgonia.F32:
		return tensor.Float32
	case *gorgonia.F64:
		return tensor.Float64
	case *tensor.Dense:
		return s.Dtype()
	}
	return tensor.Dtype{}
}

// view returns v as the contiguous data of a value of the given rank, and its shape,
// without copying a tensor. A scalar's value is written to one (one element) and
// returned there. Gorgonia hands over a one-element slice of a tensor (for example
// channel c of a (c, 1, 1) tensor) as a scalar even where the node's shape is (1, 1):
// any one-element value counts as a value of the rank asked for, every dimension 1, its
// shape kept in *ones. A value of the other float dtype comes back as its dtype alone,
// for the caller to name both.
func view[T Float](v gorgonia.Value, rank int, one []T, ones *tensor.Shape) (data []T, shape tensor.Shape, dt tensor.Dtype, err error) {
	switch s := v.(type) {
	case *gorgonia.F64:
		one[0], data, shape, dt = T(*s), one, tensor.ScalarShape(), tensor.Float64
	case *gorgonia.F32:
		one[0], data, shape, dt = T(*s), one, tensor.ScalarShape(), tensor.Float32
	case *tensor.Dense:
		d := s
		if d.IsMaterializable() || d.RequiresIterator() {
			d = d.Materialize().(*tensor.Dense)
		}
		if d.DataSize() != d.Shape().TotalSize() && !d.Shape().IsScalar() {
			return nil, nil, dt, fmt.Errorf("value of shape %v holds %d elements", d.Shape(), d.DataSize())
		}
		if dt = d.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
			return nil, nil, dt, fmt.Errorf("value has dtype %v; want float32 or float64", dt)
		}
		if dt == dtypeOf[T]() {
			data = floats[T](d)
		}
		shape = d.Shape()
	default:
		return nil, nil, dt, fmt.Errorf("want a tensor value, got %T", v)
	}
	if shape.Dims() != rank {
		if shape.TotalSize() != 1 {
			return nil, nil, dt, fmt.Errorf("want a %d-D value, got shape %v", rank, shape)
		}
		if *ones == nil || len(*ones) != rank {
			*ones = allOnes(rank)
		}
		shape = *ones
	}
	if dt != dtypeOf[T]() {
		data = nil
	}
	return data, shape, dt, nil
}

// allOnes is the shape of rank dims whose every dimension is 1.
func allOnes(dims int) tensor.Shape {
	s := make(tensor.Shape, dims)
	for i := range s {
		s[i] = 1
	}
	return s
}

// dtypeOf is the dtype of T.
func dtypeOf[T Float]() tensor.Dtype {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return tensor.Float32
	}
	return tensor.Float64
}

// floats returns the data of d, whose dtype is T's, as a []T (Dense.Data would box it
// into a new interface value at every call).
func floats[T Float](d *tensor.Dense) []T {
	if dtypeOf[T]() == tensor.Float32 {
		return any(d.Float32s()).([]T)
	}
	return any(d.Float64s()).([]T)
}

// runState is what an op's runs on one dtype reuse from one run to the next, so that a
// run allocates little (see the package doc, "Results"): the Args handed to Forward,
// the shape rule's last answer with the operand shapes it was given, and the result's
// memory, with the template of its tensor headers or its scalar.
type runState[T Float] struct {
	args    Args[T]
	scalars []T            // one element per operand, holding a scalar operand's value
	ones    []tensor.Shape // per operand, the shape a one-element value takes (see view)

	known bool           // seen and shape hold an answer of the shape rule
	seen  []tensor.Shape // the operand shapes it was given
	shape tensor.Shape   // and the result's shape

	scratch any // the *S of Scratch[S]

	data   []T            // the result's memory
	dense  *tensor.Dense  // a header on data that no run returns, see result
	scalar gorgonia.Value // a scalar result (*F32 or *F64)
}

// argsFor returns the Args of a run on n operands, sized for them.
func (st *runState[T]) argsFor(n int) *Args[T] {
	if len(st.args.In) != n {
		st.args.In = make([][]T, n)
		st.args.InShapes = make([]tensor.Shape, n)
		st.scalars = make([]T, n)
		st.ones = make([]tensor.Shape, n)
	}
	st.args.scratch = &st.scratch
	return &st.args
}

// resultShape is op's shape rule on the operand shapes, answered again without calling
// it when they are the last run's.
func (st *runState[T]) resultShape(op *Op, shapes []tensor.Shape) (tensor.Shape, error) {
	if st.known && slices.EqualFunc(st.seen, shapes, slices.Equal) {
		return st.shape, nil
	}
	s, err := op.shape(shapes)
	if err != nil {
		return nil, err
	}
	st.seen = st.seen[:0]
	for _, in := range shapes {
		st.seen = append(st.seen, in.Clone())
	}
	st.shape, st.known = s.Clone(), true
	return st.shape, nil
}

// result returns the value a run of an op with a result of rank out and shape s
// returns, and the memory to compute it in: prealloc, when given, or the op's own
// memory (one element for a scalar, whose value scalarOf returns).
//
// A tensor result is a new header on the op's memory, a shallow copy of st.dense,
// which the op keeps to itself. A header the op returned is the caller's: Gorgonia's
// UnbindAll hands the values of a graph's nodes to the tensor package's pool
// (tensor.ReturnTensor), which gives the header, and its shape, to the next tensor
// made anywhere in the process, another shard's among them. An op that returned the
// same header at every run would then share it with that tensor.
func (st *runState[T]) result(out int, prealloc gorgonia.Value, s tensor.Shape) (gorgonia.Value, []T, error) {
	switch {
	case out == 0:
		return nil, st.memory(1), nil
	case prealloc != nil:
		d, err := preallocated(prealloc, dtypeOf[T](), s)
		if err != nil {
			return nil, nil, err
		}
		return d, floats[T](d), nil
	}
	data := st.memory(s.TotalSize())
	if d := st.dense; d == nil || !slices.Equal(d.Shape(), s) || !sameMemory(floats[T](d), data) {
		st.dense = tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(data))
	}
	return headerCopy(st.dense), data, nil
}

// maxHeaderDims is the largest rank whose header copies headerCopy makes in one
// allocation.
const maxHeaderDims = 4

// header is a tensor header with room for its shape and strides, allocated as one.
type header struct {
	dense   tensor.Dense
	shape   [maxHeaderDims]int
	strides [maxHeaderDims]int
}

// headerCopy returns a new header equal to d (tensor.Dense.ShallowClone's copy: the
// same memory, shape, strides and flags), whose shape and strides lie in the same
// allocation: one allocation where ShallowClone makes three, the header and, appended,
// its shape and strides. The tensor package's pool may later hand the header, its
// shape and its strides to other tensors separately (ReturnTensor returns the ints to
// its pool by capacity, hence the full slice expressions); nothing here touches them
// again.
func headerCopy(d *tensor.Dense) *tensor.Dense {
	n := d.Dims()
	if n == 0 || n > maxHeaderDims || len(d.Strides()) != n {
		return d.ShallowClone()
	}
	h := new(header)
	h.dense = *d
	copy(h.shape[:], d.Shape())
	copy(h.strides[:], d.Strides())
	h.dense.AP.Init(h.shape[:n:n], h.strides[:n:n])
	return &h.dense
}

// sameMemory reports whether a and b are the same elements of the same memory.
func sameMemory[T Float](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// memory returns n elements of the op's memory (contents undefined), growing it when
// needed.
func (st *runState[T]) memory(n int) []T {
	if cap(st.data) < n {
		st.data = make([]T, n)
	}
	return st.data[:n]
}

// scalarOf returns x as the op's scalar result.
func (st *runState[T]) scalarOf(x T) gorgonia.Value {
	switch p := st.scalar.(type) {
	case *gorgonia.F32:
		*p = gorgonia.F32(x)
	case *gorgonia.F64:
		*p = gorgonia.F64(x)
	default:
		if dtypeOf[T]() == tensor.Float32 {
			st.scalar = gorgonia.NewF32(float32(x))
		} else {
			st.scalar = gorgonia.NewF64(float64(x))
		}
	}
	return st.scalar
}

// preallocated returns prealloc when it can take a result of dtype dt and shape s, and
// an error otherwise (Gorgonia then calls Do).
func preallocated(prealloc gorgonia.Value, dt tensor.Dtype, s tensor.Shape) (*tensor.Dense, error) {
	d, ok := prealloc.(*tensor.Dense)
	if !ok || d.Dtype() != dt || !d.Shape().Eq(s) || d.RequiresIterator() || d.DataSize() != s.TotalSize() {
		return nil, fmt.Errorf("preallocated value %v does not fit a %v result of shape %v", prealloc, dt, s)
	}
	return d, nil
}

// AddTo adds src to dst element-wise (vectorised: gonum's axpy).
func AddTo[T Float](dst, src []T) {
	switch d := any(dst).(type) {
	case []float32:
		gonum.Implementation{}.Saxpy(len(d), 1, any(src).([]float32), 1, d, 1)
	case []float64:
		gonum.Implementation{}.Daxpy(len(d), 1, any(src).([]float64), 1, d, 1)
	}
}

// addInto adds the value src to the derivative value dst in place.
func addInto(dst, src gorgonia.Value) error {
	if src == nil {
		return fmt.Errorf("no gradient value")
	}
	s, err := operandOf(src, src.Shape().Dims())
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *gorgonia.F64:
		sd, ok := s.data.([]float64)
		if !ok || len(sd) != 1 {
			return fmt.Errorf("cannot add %v values to a float64 scalar", s.shape)
		}
		*d += gorgonia.F64(sd[0])
		return nil
	case *gorgonia.F32:
		sd, ok := s.data.([]float32)
		if !ok || len(sd) != 1 {
			return fmt.Errorf("cannot add %v values to a float32 scalar", s.shape)
		}
		*d += gorgonia.F32(sd[0])
		return nil
	case *tensor.Dense:
		if d.Size() != s.shape.TotalSize() || d.RequiresIterator() {
			return fmt.Errorf("derivative of shape %v cannot take a gradient of shape %v", d.Shape(), s.shape)
		}
		switch dd := d.Data().(type) {
		case []float64:
			if sd, ok := s.data.([]float64); ok {
				AddTo(dd, sd)
				return nil
			}
		case []float32:
			if sd, ok := s.data.([]float32); ok {
				AddTo(dd, sd)
				return nil
			}
		}
		return fmt.Errorf("derivative is %v, gradient %v", d.Dtype(), valueDtype(src))
	}
	return fmt.Errorf("derivative has unsupported type %T", dst)
}
