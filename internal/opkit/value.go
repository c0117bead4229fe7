package opkit

import (
	"fmt"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// operand is one run-time input: its data ([]float32 or []float64) and shape.
type operand struct {
	data  any
	shape tensor.Shape
}

// operandOf returns v as the contiguous data of a value of the given rank. Gorgonia
// hands over a one-element slice of a tensor (for example channel c of a (c, 1, 1)
// tensor) as a scalar even where the node's shape is (1, 1): any one-element value
// counts as a value of the rank asked for, every dimension 1.
func operandOf(v gorgonia.Value, rank int) (operand, error) {
	var data any
	var shape tensor.Shape
	switch s := v.(type) {
	case *gorgonia.F64:
		data, shape = []float64{float64(*s)}, tensor.ScalarShape()
	case *gorgonia.F32:
		data, shape = []float32{float32(*s)}, tensor.ScalarShape()
	case *tensor.Dense:
		d := s
		if d.IsMaterializable() || d.RequiresIterator() {
			d = d.Materialize().(*tensor.Dense)
		}
		if d.DataSize() != d.Shape().TotalSize() && !d.Shape().IsScalar() {
			return operand{}, fmt.Errorf("value of shape %v holds %d elements", d.Shape(), d.DataSize())
		}
		switch x := d.Data().(type) {
		case []float64, []float32:
			data = x
		case float64:
			data = []float64{x}
		case float32:
			data = []float32{x}
		default:
			return operand{}, fmt.Errorf("value has dtype %v; want float32 or float64", d.Dtype())
		}
		shape = d.Shape()
	default:
		return operand{}, fmt.Errorf("want a tensor value, got %T", v)
	}
	if shape.Dims() != rank {
		if shape.TotalSize() != 1 {
			return operand{}, fmt.Errorf("want a %d-D value, got shape %v", rank, shape)
		}
		shape = ones(rank)
	}
	return operand{data: data, shape: shape}, nil
}

// ones is the shape of rank dims whose every dimension is 1.
func ones(dims int) tensor.Shape {
	s := make(tensor.Shape, dims)
	for i := range s {
		s[i] = 1
	}
	return s
}

// dtypeOf is the dtype of data.
func dtypeOf(data any) tensor.Dtype {
	if _, ok := data.([]float32); ok {
		return tensor.Float32
	}
	return tensor.Float64
}

// resultCache keeps the memory of an op's result from one run to the next (see the
// package doc, "Results").
type resultCache struct {
	data any // []float32 or []float64
}

// slice returns n elements of dtype dt on the cached memory (contents undefined),
// growing it when needed.
func (c *resultCache) slice(dt tensor.Dtype, n int) any {
	if dt == tensor.Float32 {
		return cachedSlice[float32](c, n)
	}
	return cachedSlice[float64](c, n)
}

func cachedSlice[T Float](c *resultCache, n int) []T {
	if d, ok := c.data.([]T); ok && cap(d) >= n {
		return d[:n]
	}
	d := make([]T, n)
	c.data = d
	return d
}

// preallocated returns the data of prealloc when it can take a result of dtype dt
// and shape s, and an error otherwise (Gorgonia then calls Do).
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
		return fmt.Errorf("derivative is %v, gradient %v", d.Dtype(), dtypeOf(s.data))
	}
	return fmt.Errorf("derivative has unsupported type %T", dst)
}
