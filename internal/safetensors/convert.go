package safetensors

import (
	"encoding/binary"
	"math"
	"slices"
)

// FromFloat32s returns an F32 tensor holding v (copied) with the given shape.
func FromFloat32s(name string, shape []int, v []float32) Tensor {
	data := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: data}
}

// FromFloat64s returns an F64 tensor holding v (copied) with the given shape.
func FromFloat64s(name string, shape []int, v []float64) Tensor {
	data := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(x))
	}
	return Tensor{Name: name, DType: F64, Shape: slices.Clone(shape), Data: data}
}

// Float64s returns the tensor's values as float64, all exactly: F64 as stored, F32, F16
// and BF16 widened. Other dtypes are an ErrDType error.
func (t *Tensor) Float64s() ([]float64, error) {
	switch t.DType {
	case F64:
	case F32, F16, BF16:
		v, err := t.Float32s()
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, nil
	default:
		return nil, formatErr(ErrDType, "tensor %q is %s; only F32, F64, F16 and BF16 convert to float64", t.Name, t.DType)
	}
	if err := t.checkSize(); err != nil {
		return nil, err
	}
	out := make([]float64, len(t.Data)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out, nil
}

// Float32s returns the tensor's values as float32: F32 as stored, F16 and BF16 exactly
// (every value of theirs is a float32), F64 rounded to the nearest float32 (beyond
// float32's range, to ±Inf). Other dtypes are an ErrDType error.
func (t *Tensor) Float32s() ([]float32, error) {
	if err := t.checkSize(); err != nil {
		return nil, err
	}
	d := t.Data
	out := make([]float32, len(d)/max(t.DType.Size(), 1))
	switch t.DType {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:]))
		}
	case F64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])))
		}
	case F16:
		for i := range out {
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(d[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(d[2*i:])) << 16)
		}
	default:
		return nil, formatErr(ErrDType, "tensor %q is %s; only F32, F64, F16 and BF16 convert to float32", t.Name, t.DType)
	}
	return out, nil
}

// checkSize returns an error unless the tensor holds as many bytes as its dtype and
// shape say.
func (t *Tensor) checkSize() error {
	size, err := t.byteSize()
	if err != nil {
		return err
	}
	if len(t.Data) != size {
		return formatErr(ErrHeader, "tensor %q holds %d bytes; %s %v needs %d", t.Name, len(t.Data), t.DType, t.Shape, size)
	}
	return nil
}

// halfToFloat32 widens an IEEE 754 binary16 value: 1 sign bit, 5 exponent bits (bias 15),
// 10 mantissa bits.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN, the payload kept
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp == 0: // zero or subnormal: mant · 2^-24, exact in float32
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
