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
// Tanh has no GPU kernel: in a graph placed on a GPU it runs on the host.
func Tanh(x *gorgonia.Node) (*gorgonia.Node, error) { return tanh.apply(x) }

var tanh = &activation{
	name:     "Tanh",
	forward:  perElement(tanhForward[float32], tanhForward[float64]),
	backward: perElement(tanhGrad[float32], tanhGrad[float64]),
	kernel:   noKernel,
}

func tanhForward[T float32 | float64](y []T, in [][]T) {
	for i, v := range in[0][:len(y)] {
		y[i] = T(math.Tanh(float64(v)))
	}
}

// tanhGrad writes dx = dy · (1 - y²).
func tanhGrad[T float32 | float64](dx []T, in [][]T) {
	y, dy := in[0][:len(dx)], in[1][:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
}
