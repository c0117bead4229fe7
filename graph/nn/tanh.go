package nn

import (
	"math"

	"gorgonia.org/gorgonia"
)

// Tanh is the hyperbolic tangent element-wise, y = tanh(x), with its gradient computed
// from the output:
//
//	dL/dx = dL/dy · (1 - y²)
//
// x is any float32 or float64 tensor; large tensors are shared out over goroutines.
// float32 values use tanh32 (within 2 ulp of the exact tanh, eight floats at a time on
// a CPU with AVX2) and float64 values math.Tanh. Tanh has no GPU kernel: in a graph
// placed on a GPU it runs on the host.
func Tanh(x *gorgonia.Node) (*gorgonia.Node, error) { return tanh.apply(x) }

var tanh = &activation{
	name:     "Tanh",
	forward:  perElement(tanh32, tanh64),
	backward: perElement(tanhGrad32, tanhGrad[float64]),
	kernel:   noKernel,
}

func tanh64(y []float64, in [][]float64) {
	for i, v := range in[0][:len(y)] {
		y[i] = math.Tanh(v)
	}
}

// tanhGrad writes dx = dy · (1 - y²).
func tanhGrad[T float32 | float64](dx []T, in [][]T) {
	y, dy := in[0][:len(dx)], in[1][:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
}

// tanhGrad32 is tanhGrad, eight floats at a time on a CPU with AVX2 (to the same bits).
func tanhGrad32(dx []float32, in [][]float32) {
	y, dy := in[0][:len(dx)], in[1][:len(dx)]
	done := tanhGradVector(y, dy, dx)
	tanhGrad(dx[done:], [][]float32{y[done:], dy[done:]})
}

// tanh32 writes tanh(x) of every x to y, free of branches (so that the processor
// overlaps consecutive elements), on a CPU with AVX2 eight floats at a time
// (tanhVector), to the same bits.
func tanh32(y []float32, in [][]float32) {
	x := in[0][:len(y)]
	done := tanhVector(x, y)
	tanh32Go(x[done:], y[done:])
}

// tanh32Go is tanh32 in Go alone. With a = min(|x|, 10) it computes both
//
//	a + a³·P(a²)             an odd polynomial (Cephes' tanhf), for a < 0.625, where
//	                         the other form would lose the relative accuracy near 0
//	1 - 2 / (exp(2a) + 1)    with expReduced32, for a >= 0.625
//
// and keeps one by a mask, then gives it x's sign. The clamp at 10 changes no result
// (tanh is 1 in float32 from 9.02 on) and keeps exp finite for ±Inf; NaN propagates
// through min and the exponential. Subnormal x come out exact (a³ underflows to 0), and
// -0 stays -0.
func tanh32Go(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		b := math.Float32bits(v)
		a := min(math.Float32frombits(b&^tanh32Sign), tanh32Clamp)
		z := a * a
		p := float32(float32(float32(float32(float32(tanh32P0*z+tanh32P1)*z+tanh32P2)*z+tanh32P3)*z+tanh32P4)*z*a) + a
		e := expReduced32(a + a)
		q := 1 - 2/(e+1)
		small := ones(a < tanh32Small)
		qb := math.Float32bits(q)
		y[i] = math.Float32frombits((qb^(qb^math.Float32bits(p))&small)&^tanh32Sign | b&tanh32Sign)
	}
}

// The constants of tanh32Go: the sign bit, the clamp of |x|, the end of the polynomial's
// range and its coefficients (Cephes' tanhf: a minimax fit on [0, 0.625]).
const (
	tanh32Sign  = 1 << 31
	tanh32Clamp = 10
	tanh32Small = 0.625
	tanh32P0    = -5.70498872745e-3
	tanh32P1    = 2.06390887954e-2
	tanh32P2    = -5.37397155531e-2
	tanh32P3    = 1.33314422036e-1
	tanh32P4    = -3.33332819422e-1
)

// ones returns all ones when c holds and zero otherwise: a mask for selecting without
// a branch (the compiler makes c a SETcc).
func ones(c bool) uint32 {
	var u uint32
	if c {
		u = 1
	}
	return -u
}
