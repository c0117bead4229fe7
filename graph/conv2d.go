package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/opkit"
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
	const fn = "Conv2D"
	if err := opkit.Check(fn, opkit.ConvInputs(), x, w); err != nil {
		return nil, err
	}
	xs, ws := x.Shape(), w.Shape()
	win := geom.Window{Kernel: [2]int{ws[2], ws[3]}, Pad: pad, Stride: stride}
	if _, err := win.ConvShape(xs, ws); err != nil {
		return nil, fmt.Errorf("graph: %s: %w", fn, err)
	}
	defer opkit.Recover(fn, &err)
	out, err = gorgonia.Conv2d(x, w, tensor.Shape{ws[2], ws[3]}, pad[:], stride[:], []int{1, 1})
	if err != nil {
		return nil, fmt.Errorf("graph: %s: x %v, w %v: %w", fn, xs, ws, err)
	}
	return out, nil
}
