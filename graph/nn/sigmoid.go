package nn

import (
	"math"

	"gorgonia.org/gorgonia"
)

// Sigmoid is 1 / (1 + exp(-x)) element-wise, as one op of the project's own, with the
// gradient dL/dx = dL/dy · y · (1 - y) computed from the output y. float32 values use a
// float32 exponential (a degree-6 polynomial after range reduction, within 2 ulp of
// the exact exponential) and float64 values math.Exp; the results are those of
// gorgonia.Sigmoid within 1e-6 (float32) and 1e-15 (float64). Large tensors are shared
// out over the graph's workers (device.SetWorkers; GOMAXPROCS by default).
func Sigmoid(x *gorgonia.Node) (*gorgonia.Node, error) { return sigmoid.apply(x) }

var sigmoid = &activation{
	name:     "Sigmoid",
	forward:  perElement(sigmoid32, sigmoid64),
	backward: perElement(sigmoidGrad32, sigmoidGrad[float64]),
	kernel:   kernelSigmoid,
}

func sigmoid64(y []float64, in [][]float64) {
	for i, v := range in[0][:len(y)] {
		y[i] = 1 / (1 + math.Exp(-v))
	}
}

// sigmoidGrad writes dx = dy · y · (1 - y).
func sigmoidGrad[T float32 | float64](dx []T, in [][]T) {
	y, dy := in[0][:len(dx)], in[1][:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * v * (1 - v)
	}
}

// sigmoidGrad32 is sigmoidGrad, eight floats at a time on a CPU with AVX2 (to the same
// bits).
func sigmoidGrad32(dx []float32, in [][]float32) {
	y, dy := in[0][:len(dx)], in[1][:len(dx)]
	for i := sigmoidGradVector(y, dy, dx); i < len(dx); i++ {
		dx[i] = dy[i] * y[i] * (1 - y[i])
	}
}

// sigmoid32 writes 1 / (1 + exp(-x)) of every x to y, free of branches (so that the
// processor overlaps consecutive elements): -x is clamped to [-87.3, 88] and handed to
// expReduced32. The clamp changes no result beyond float32 rounding (sigmoid is 1 in
// float32 from x = 17 on, and below 1e-37 from x = -87 down), and NaN propagates. On a
// CPU with AVX2 the same computation runs eight floats at a time (sigmoidVector), to the
// same bits.
func sigmoid32(y []float32, in [][]float32) {
	x := in[0][:len(y)]
	done := sigmoidVector(x, y)
	sigmoid32Go(x[done:], y[done:])
}

// sigmoid32Go is sigmoid32 in Go alone.
func sigmoid32Go(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = 1 / (1 + expReduced32(min(max(-v, -87.3), 88)))
	}
}

// expReduced32 is exp(x) for x in [-87.33, 88]: x = n·ln2 + r with |r| <= ln2/2 and
// -126 <= n <= 127, exp(r) by a degree-6 polynomial (Cephes' expf coefficients), times
// 2^n built from the exponent bits.
func expReduced32(x float32) float32 {
	n := float32(float32(x*exp32Log2e+exp32Round) - exp32Round)
	r := x - n*exp32Ln2Hi - n*exp32Ln2Lo
	p := ((((exp32P0*r+exp32P1)*r+exp32P2)*r+exp32P3)*r+exp32P4)*r + exp32P5
	return (p*r*r + r + 1) * math.Float32frombits(uint32(int32(n)+127)<<23)
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
