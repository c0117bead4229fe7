package layers

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// XavierUniform fills t with values drawn uniformly from (-a, a),
//
//	a = sqrt(6 / (fanIn + fanOut))
//
// Glorot and Bengio's initialisation, PyTorch's xavier_uniform_ (gain 1). For a
// convolution weight (co, c, kh, kw), fanIn = c*kh*kw and fanOut = co*kh*kw; for a
// Linear weight (in, out), fanIn = in and fanOut = out. t must be a float32 or float64
// tensor; rng makes the values reproducible.
func XavierUniform(t *tensor.Dense, fanIn, fanOut int, rng *rand.Rand) error {
	if t == nil || rng == nil {
		return errors.New("layers: XavierUniform: nil tensor or nil rng")
	}
	if fanIn < 1 || fanOut < 1 {
		return fmt.Errorf("layers: XavierUniform: fanIn %d and fanOut %d must both be at least 1", fanIn, fanOut)
	}
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	draw := func() float64 { return (2*rng.Float64() - 1) * a }
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(draw())
		}
	case []float64:
		for i := range d {
			d[i] = draw()
		}
	default:
		return fmt.Errorf("layers: XavierUniform: tensor has dtype %v; want float32 or float64", t.Dtype())
	}
	return nil
}

// newTensor returns a zeroed tensor of the given dtype and shape.
func newTensor(dt tensor.Dtype, shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}
