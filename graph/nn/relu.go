package nn

import (
	"math"

	"gorgonia.org/gorgonia"
)

// ReLU is max(x, 0) element-wise, as one op of the project's own (Gorgonia's Rectify is
// a comparison and a product, and their gradients, each a pass over memory). Its
// gradient is dL/dy where x > 0 and 0 where x <= 0, PyTorch's convention (Gorgonia's
// Rectify passes the gradient at x == 0 too, and gives -0 for negative x where this
// gives +0). A NaN stays NaN. x is any float32 or float64 tensor; the work is shared
// out over the graph's workers (device.SetWorkers; GOMAXPROCS by default) on large
// tensors.
func ReLU(x *gorgonia.Node) (*gorgonia.Node, error) { return relu.apply(x) }

var relu = &activation{
	name:     "ReLU",
	forward:  perElement(relu32, reluForward[float64]),
	backward: perElement(reluGrad32, reluGrad64),
	kernel:   kernelReLU,
}

func reluForward[T float32 | float64](y []T, in [][]T) {
	x := in[0][:len(y)]
	for i, v := range x {
		y[i] = max(v, 0) // branch-free; NaN stays NaN
	}
}

// relu32 is reluForward, eight floats at a time on a CPU with AVX2 (to the same bits).
func relu32(y []float32, in [][]float32) {
	x := in[0][:len(y)]
	for i := reluVector(x, y); i < len(y); i++ {
		y[i] = max(x[i], 0)
	}
}

// reluGrad32 and reluGrad64 write dx = dy where y > 0, else +0, without branches;
// reluGrad32 eight floats at a time on a CPU with AVX2 (to the same bits).
func reluGrad32(dx []float32, in [][]float32) {
	y, dy := in[0][:len(dx)], in[1][:len(dx)]
	done := reluGradVector(y, dy, dx)
	reluGrad32Go(dx[done:], y[done:], dy[done:])
}

// reluGrad32Go is reluGrad32 in Go alone.
func reluGrad32Go(dx, y, dy []float32) {
	y, dy = y[:len(dx)], dy[:len(dx)]
	for i, v := range y {
		var m uint32
		if v > 0 {
			m = ^uint32(0)
		}
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & m)
	}
}

func reluGrad64(dx []float64, in [][]float64) {
	y, dy := in[0][:len(dx)], in[1][:len(dx)]
	for i, v := range y {
		var m uint64
		if v > 0 {
			m = ^uint64(0)
		}
		dx[i] = math.Float64frombits(math.Float64bits(dy[i]) & m)
	}
}
