// Package geom is the geometry of a window sliding over an image, as convolution and
// pooling slide it: the number of positions along one dimension (OutputSize, the one
// place the chapter's formula is written), and a 2-D window's shape rules with the
// errors that say why a window does not fit (Window). The ops of package graph and
// graph/nn check their shapes with it, and lenet.Describe computes a network's shapes
// with it, so that the two always agree.
package geom

import (
	"fmt"

	"gorgonia.org/tensor"
)

// OutputSize is the number of positions of a window of size k, with p zeros added on
// each side and stride s, along a dimension of size n: floor((n - k + 2p) / s) + 1. It
// is 0 when the window does not fit in the padded input, or when k < 1, s < 1 or p < 0.
func OutputSize(n, k, p, s int) int {
	if k < 1 || s < 1 || p < 0 || n+2*p < k {
		return 0
	}
	return (n-k+2*p)/s + 1
}

// Window is a sliding window over the last two dimensions of an (n, c, h, w) tensor:
// its size (kh, kw), the zeros added on each side (ph, pw) and the stride (sh, sw).
type Window struct {
	Kernel, Pad, Stride [2]int
}

// String is "kernel 2x2, pad (0,0), stride (2,2)".
func (w Window) String() string {
	return fmt.Sprintf("kernel %dx%d, pad (%d,%d), stride (%d,%d)",
		w.Kernel[0], w.Kernel[1], w.Pad[0], w.Pad[1], w.Stride[0], w.Stride[1])
}

// OutputPlane is the output plane (oh, ow) for an input plane (h, w).
func (w Window) OutputPlane(h, wd int) (int, int) {
	return OutputSize(h, w.Kernel[0], w.Pad[0], w.Stride[0]), OutputSize(wd, w.Kernel[1], w.Pad[1], w.Stride[1])
}

// check checks the window against the (n, c, h, w) input shape xs. halfPad also
// requires pad <= kernel/2 per dimension, PyTorch's rule for pooling.
func (w Window) check(xs tensor.Shape, halfPad bool) error {
	dim := [2]string{"height", "width"}
	k, p, s := w.Kernel, w.Pad, w.Stride
	for i := range 2 {
		switch {
		case k[i] < 1:
			return fmt.Errorf("kernel %dx%d: the %s must be at least 1", k[0], k[1], dim[i])
		case s[i] < 1:
			return fmt.Errorf("stride (%d,%d): the %s stride must be at least 1", s[0], s[1], dim[i])
		case p[i] < 0:
			return fmt.Errorf("padding (%d,%d): the %s padding must not be negative", p[0], p[1], dim[i])
		case halfPad && 2*p[i] > k[i]:
			return fmt.Errorf("padding (%d,%d) with kernel %dx%d: the %s padding must be at most half the kernel",
				p[0], p[1], k[0], k[1], dim[i])
		case xs[2+i]+2*p[i] < k[i]:
			return fmt.Errorf("kernel %dx%d is larger than the padded input %dx%d (input %v, padding (%d,%d))",
				k[0], k[1], xs[2]+2*p[0], xs[3]+2*p[1], xs, p[0], p[1])
		}
	}
	return nil
}

// PoolShape is the shape of pooling an (n, c, h, w) input: (n, c, oh, ow), or an error
// for a window that does not fit or breaks PyTorch's rules.
func (w Window) PoolShape(xs tensor.Shape) (tensor.Shape, error) {
	if err := w.check(xs, true); err != nil {
		return nil, err
	}
	oh, ow := w.OutputPlane(xs[2], xs[3])
	return tensor.Shape{xs[0], xs[1], oh, ow}, nil
}

// ConvShape is the shape of the convolution of an (n, c, h, w) input with (co, c, kh,
// kw) filters, whose (kh, kw) is the window's kernel: (n, co, oh, ow), or an error for
// channels that differ or a window that does not fit.
func (w Window) ConvShape(xs, ws tensor.Shape) (tensor.Shape, error) {
	if xs[1] != ws[1] {
		return nil, fmt.Errorf("x has %d input channels (shape %v) but w expects %d (shape %v)", xs[1], xs, ws[1], ws)
	}
	if w.Kernel != [2]int{ws[2], ws[3]} {
		return nil, fmt.Errorf("w %v does not have the kernel %dx%d", ws, w.Kernel[0], w.Kernel[1])
	}
	if err := w.check(xs, false); err != nil {
		return nil, err
	}
	oh, ow := w.OutputPlane(xs[2], xs[3])
	return tensor.Shape{xs[0], ws[0], oh, ow}, nil
}
