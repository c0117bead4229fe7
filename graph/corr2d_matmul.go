package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// Corr2DMatMul returns the same result as Corr2D, computed as a matrix multiplication:
// every kh×kw window of x is unrolled into one row of a matrix (im2col), and that matrix
// times the flattened kernel is the output, flattened:
//
//	cols (oh·ow, kh·kw):  cols[i·ow+j, a·kw+b] = x[i+a, j+b]
//	y = reshape(cols · vec(k), (oh, ow))
//
// The unrolling is an op of this package whose gradient is its adjoint, col2im (every
// column entry added back to the pixel it was copied from); the product is Gorgonia's
// Mul (BLAS gemv), so Corr2DMatMul is differentiable in x and k. The chapter's integer
// examples come out identical to Corr2D; on arbitrary floats the two may differ in the
// last bits, because BLAS sums each window in a different order. Inputs are checked as
// for Corr2D.
func Corr2DMatMul(x, k *gorgonia.Node) (y *gorgonia.Node, err error) {
	const fn = "Corr2DMatMul"
	if err := corrCheck(fn, corrInputs(2, 2, "(h, w)", "(kh, kw)"), x, k, -1); err != nil {
		return nil, err
	}
	defer opkit.Recover(fn, &err)
	xs, ks := x.Shape(), k.Shape()
	oh, ow := xs[0]-ks[0]+1, xs[1]-ks[1]+1
	cols, err := opkit.Apply(im2col(ks[0], ks[1]), x)
	if err != nil {
		return nil, err
	}
	kv, err := gorgonia.Reshape(k, tensor.Shape{ks[0] * ks[1]})
	if err != nil {
		return nil, fmt.Errorf("graph: %s: flattening the kernel: %w", fn, err)
	}
	prod, err := gorgonia.Mul(cols, kv)
	if err != nil {
		return nil, fmt.Errorf("graph: %s: matrix product: %w", fn, err)
	}
	if y, err = gorgonia.Reshape(prod, tensor.Shape{oh, ow}); err != nil {
		return nil, fmt.Errorf("graph: %s: reshaping the product: %w", fn, err)
	}
	return y, nil
}

// im2col is the unrolling of one 2-D image for a stride-1, unpadded kh×kw window:
//
//	x (h, w) -> cols (oh·ow, kh·kw),  cols[i·ow+j, a·kw+b] = x[i+a, j+b]
//
// The window is a parameter, so unfolds with different windows never merge.
func im2col(kh, kw int) *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "Im2Col",
		Params:  fmt.Sprintf("%dx%d", kh, kw),
		In:      []opkit.Input{{Name: "x", Rank: 2, DimNames: "(h, w)"}},
		OutRank: 2,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			if err := corrFits(s[0], tensor.Shape{kh, kw}); err != nil {
				return nil, err
			}
			return tensor.Shape{(s[0][0] - kh + 1) * (s[0][1] - kw + 1), kh * kw}, nil
		},
		Forward: opkit.FloatsWith([2]int{kh, kw}, im2colForward, im2colForward),
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			s := in[0].Shape()
			dx, err := opkit.Apply(col2im(s[0], s[1], kh, kw), dy)
			return gorgonia.Nodes{dx}, err
		},
	}
}

func im2colForward[T opkit.Float](k [2]int, a opkit.Args[T]) {
	kh, kw := k[0], k[1]
	x, cols := a.In[0], a.Out
	h, w := a.InShapes[0][0], a.InShapes[0][1]
	oh, ow, n := h-kh+1, w-kw+1, kh*kw
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			row := cols[(i*ow+j)*n : (i*ow+j+1)*n]
			for u := 0; u < kh; u++ {
				copy(row[u*kw:(u+1)*kw], x[(i+u)*w+j:(i+u)*w+j+kw])
			}
		}
	}
}

// col2im is the adjoint of im2col: every entry of cols is added back to the pixel of
// the (h, w) image it was copied from.
//
//	cols (oh·ow, kh·kw) -> x (h, w),  x[i+a, j+b] += cols[i·ow+j, a·kw+b]
func col2im(h, w, kh, kw int) *opkit.OpSpec {
	cols := tensor.Shape{(h - kh + 1) * (w - kw + 1), kh * kw}
	return &opkit.OpSpec{
		Name:    "Col2Im",
		Params:  fmt.Sprintf("%dx%d, %dx%d", h, w, kh, kw),
		In:      []opkit.Input{{Name: "cols", Rank: 2, DimNames: "(oh·ow, kh·kw)"}},
		OutRank: 2,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			if !s[0].Eq(cols) {
				return nil, fmt.Errorf("want %v columns, got shape %v", cols, s[0])
			}
			return tensor.Shape{h, w}, nil
		},
		Forward: opkit.FloatsWith([2]int{kh, kw}, col2imForward, col2imForward),
		Zeroed:  true,
		Grad: func(_ gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			d, err := opkit.Apply(im2col(kh, kw), dy)
			return gorgonia.Nodes{d}, err
		},
	}
}

func col2imForward[T opkit.Float](k [2]int, a opkit.Args[T]) {
	kh, kw := k[0], k[1]
	cols, x := a.In[0], a.Out
	h, w := a.OutShape[0], a.OutShape[1]
	oh, ow, n := h-kh+1, w-kw+1, kh*kw
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			row := cols[(i*ow+j)*n : (i*ow+j+1)*n]
			for u := 0; u < kh; u++ {
				xr := x[(i+u)*w+j : (i+u)*w+j+kw]
				for v, c := range row[u*kw : (u+1)*kw] {
					xr[v] += c
				}
			}
		}
	}
}
