package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2D is PyTorch's conv2d without bias on a batch of images: the cross-correlation of
// every image in x with every filter in w, summed over input channels,
//
//	out[b, o, i, j] = sum over c, u, v of  xp[b, c, i*sh + u, j*sw + v] * w[o, c, u, v]
//
// where xp is x with pad[0] rows of zeros above and below and pad[1] columns of zeros on
// the left and right. Shapes:
//
//	x   (n, c, h, w)
//	w   (co, c, kh, kw)
//	out (n, co, oh, ow)   oh = floor((h - kh + 2*pad[0]) / stride[0]) + 1
//	                      ow = floor((w - kw + 2*pad[1]) / stride[1]) + 1
//
// pad is (rows, columns) per side and stride is (rows, columns); the dilation is 1. A
// stride must be at least 1: layers that default a zero stride to 1 do so before calling
// Conv2D. x and w must belong to the same graph and share a dtype, Float32 or Float64.
//
// The result is built from Gorgonia's Conv2d (im2col, matrix multiply, transpose), so it
// is differentiable in x and w. Every shape is checked first; a bad one returns an error
// and builds nothing.
func Conv2D(x, w *gorgonia.Node, pad, stride [2]int) (out *gorgonia.Node, err error) {
	if err := checkConv2D("graph: Conv2D", x, w, pad, stride); err != nil {
		return nil, err
	}
	ws := w.Shape()
	defer recoverGorgonia("graph: Conv2D", &err)
	out, err = gorgonia.Conv2d(x, w, tensor.Shape{ws[2], ws[3]}, pad[:], stride[:], []int{1, 1})
	if err != nil {
		return nil, fmt.Errorf("graph: Conv2D: x %v, w %v: %w", x.Shape(), ws, err)
	}
	return out, nil
}

// Conv2DOutputSize is the output length of a convolution or pooling window along one
// dimension: floor((n - k + 2p) / s) + 1. It returns 0 when the window does not fit in
// the padded input, or when k < 1, s < 1 or p < 0.
func Conv2DOutputSize(n, k, p, s int) int {
	if k < 1 || s < 1 || p < 0 || n+2*p < k {
		return 0
	}
	return (n-k+2*p)/s + 1
}

// checkConv2D validates the arguments of Conv2D or FusedConv2D (named by op) and returns
// one error naming the first problem.
func checkConv2D(op string, x, w *gorgonia.Node, pad, stride [2]int) error {
	if x == nil || w == nil {
		return fmt.Errorf("%s: nil node (x %v, w %v)", op, x != nil, w != nil)
	}
	if x.Graph() != w.Graph() {
		return fmt.Errorf("%s: x and w belong to different graphs; build both in one graph", op)
	}
	if err := checkFloatDtype(op, "x", x); err != nil {
		return err
	}
	if x.Dtype() != w.Dtype() {
		return fmt.Errorf("%s: x is %v but w is %v; use one dtype", op, x.Dtype(), w.Dtype())
	}
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 4 {
		return fmt.Errorf("%s: x has shape %v; want 4-D (n, c, h, w)", op, xs)
	}
	if ws.Dims() != 4 {
		return fmt.Errorf("%s: w has shape %v; want 4-D (co, c, kh, kw)", op, ws)
	}
	for i, d := range xs {
		if d < 1 {
			return fmt.Errorf("%s: x has shape %v; dimension %d is empty", op, xs, i)
		}
	}
	for i, d := range ws {
		if d < 1 {
			return fmt.Errorf("%s: w has shape %v; dimension %d is empty", op, ws, i)
		}
	}
	if xs[1] != ws[1] {
		return fmt.Errorf("%s: x has %d input channels (shape %v) but w expects %d (shape %v)", op, xs[1], xs, ws[1], ws)
	}
	return checkWindow(op, xs, [2]int{ws[2], ws[3]}, pad, stride, false)
}

// checkWindow checks a kh x kw window with the given padding and stride against the
// (n, c, h, w) input shape xs. halfPad additionally requires pad <= kernel/2 per dimension,
// PyTorch's rule for pooling.
func checkWindow(op string, xs tensor.Shape, kernel, pad, stride [2]int, halfPad bool) error {
	dim := [2]string{"height", "width"}
	for i := range 2 {
		switch {
		case kernel[i] < 1:
			return fmt.Errorf("%s: kernel %dx%d: the %s must be at least 1", op, kernel[0], kernel[1], dim[i])
		case stride[i] < 1:
			return fmt.Errorf("%s: stride (%d,%d): the %s stride must be at least 1", op, stride[0], stride[1], dim[i])
		case pad[i] < 0:
			return fmt.Errorf("%s: padding (%d,%d): the %s padding must not be negative", op, pad[0], pad[1], dim[i])
		case halfPad && 2*pad[i] > kernel[i]:
			return fmt.Errorf("%s: padding (%d,%d) with kernel %dx%d: the %s padding must be at most half the kernel",
				op, pad[0], pad[1], kernel[0], kernel[1], dim[i])
		case xs[2+i]+2*pad[i] < kernel[i]:
			return fmt.Errorf("%s: kernel %dx%d is larger than the padded input %dx%d (input %v, padding (%d,%d))",
				op, kernel[0], kernel[1], xs[2]+2*pad[0], xs[3]+2*pad[1], xs, pad[0], pad[1])
		}
	}
	return nil
}

// checkFloatDtype returns an error unless n holds Float32 or Float64 values.
func checkFloatDtype(op, what string, n *gorgonia.Node) error {
	switch dt := n.Dtype(); dt {
	case tensor.Float32, tensor.Float64:
		return nil
	default:
		return fmt.Errorf("%s: %s has dtype %v; want Float32 or Float64", op, what, dt)
	}
}

// recoverGorgonia turns a panic raised inside Gorgonia while building a node into an
// error stored in *err. Arguments are validated first, so this is a last line of defence.
func recoverGorgonia(op string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: gorgonia panicked while building the node: %v", op, r)
	}
}
