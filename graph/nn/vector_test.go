package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// vectorInputs returns random values of every magnitude and the edges: zeros,
// infinities, the sigmoid's clamp at -87.3 and 88, where it reaches 1 and 0, tanh's
// clamp at 10 and its switch at 0.625, subnormals, NaN; not a multiple of 8 long, so that the Go loops compute a tail.
func vectorInputs() []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		87.3, -87.3, 88, -88, 87.29, -88.01, 17, -17, 16.6, 104, -104, 1e-45, -1e-45, 1e-38,
		float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32, 0.5, -0.5,
		10, -10, 9.02, 0.625, -0.625, math.Nextafter32(0.625, 0), math.Nextafter32(-0.625, 0)}
	for range 100000 {
		x = append(x, float32(rng.NormFloat64()*math.Pow(10, rng.Float64()*4-2)))
	}
	return x[:len(x)/8*8+5]
}

// sameBits fails t at the first value that differs from the Go loop's in its bits (any
// NaN matches any NaN).
func sameBits(t *testing.T, what string, x, got, want []float32) {
	t.Helper()
	for i := range x {
		g, w := got[i], want[i]
		if g != g && w != w {
			continue
		}
		if math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("%s(%v) = %v (bits %#x), the Go loop gives %v (%#x)", what, x[i], g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

// The vector kernels (AVX2 where the CPU has it) give the Go loops' results to the bit.
func TestVectorKernelsMatchGo(t *testing.T) {
	x := vectorInputs()
	dy := make([]float32, len(x))
	for i := range dy {
		dy[i] = float32(i%13) - 6.5
	}
	y := make([]float32, len(x)) // sigmoid outputs, for its gradient
	for i := range y {
		y[i] = float32(i%1001) / 1000
	}
	want, got := make([]float32, len(x)), make([]float32, len(x))

	reluForward(want, [][]float32{x})
	relu32(got, [][]float32{x})
	sameBits(t, "relu", x, got, want)
	if math.Float32bits(got[1]) != 0 {
		t.Errorf("relu(-0) has bits %#x, want +0", math.Float32bits(got[1]))
	}

	reluGrad32Go(want, x, dy)
	reluGrad32(got, [][]float32{x, dy})
	sameBits(t, "relu gradient at", x, got, want)

	sigmoid32Go(x, want)
	sigmoid32(got, [][]float32{x})
	sameBits(t, "sigmoid", x, got, want)

	tanh32Go(x, want)
	tanh32(got, [][]float32{x})
	sameBits(t, "tanh", x, got, want)

	for i := range y {
		y[i] = 2*y[i] - 1 // tanh outputs, for its gradient
	}
	tanhGrad(want, [][]float32{y, dy})
	tanhGrad32(got, [][]float32{y, dy})
	sameBits(t, "tanh gradient at y =", y, got, want)
	for i := range y {
		y[i] = float32(i%1001) / 1000
	}

	sigmoidGrad(want, [][]float32{y, dy})
	sigmoidGrad32(got, [][]float32{y, dy})
	sameBits(t, "sigmoid gradient at y =", y, got, want)

	// col2im's sums: -0 + -0, -0 + +0, Inf - Inf, NaN payloads and random values.
	for i := range want {
		want[i] = dy[len(dy)-1-i]
	}
	negZero := float32(math.Copysign(0, -1))
	want[0], want[1], want[2] = negZero, negZero, float32(math.Inf(-1)) // x: +0, -0, +Inf
	copy(got, want)
	for i := range want {
		want[i] += x[i]
	}
	addTo(got, x)
	sameBits(t, "sum with", x, got, want)

	t.Logf("the vector code computes %d of %d values on this CPU", reluVector(x, got), len(x))
}
