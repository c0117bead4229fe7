package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// Corr2D returns the 2-D cross-correlation of x with the kernel k, the operation the
// chapter calls corr2d and deep-learning frameworks call convolution:
//
//	x (h, w), k (kh, kw) -> y (h-kh+1, w-kw+1)
//	y[i, j] = Σ_a Σ_b x[i+a, j+b] · k[a, b]
//
// It is a custom Gorgonia op with its own backward pass, differentiable in x and in k:
//
//	dL/dx = full correlation of dL/dy with k:  dx[i+a, j+b] += dy[i, j] · k[a, b]
//	dL/dk = corr2d(x, dL/dy)
//
// Both gradients are themselves differentiable ops. (Gorgonia v0.9.18 computes wrong
// second derivatives when Grad is applied to an expression that contains Grad's own
// output, even for its built-in ops; do not rely on nested Grad.)
//
// x and k must be 2-D nodes of one graph with the same dtype, float32 or float64, and
// the kernel must fit inside the input; otherwise Corr2D returns an error.
func Corr2D(x, k *gorgonia.Node) (*gorgonia.Node, error) { return opkit.Apply(corr2d(), x, k) }

// corrInputs describes the operands x and kernel of a correlation function.
func corrInputs(xRank, kRank int, xDims, kDims string) []opkit.Input {
	return []opkit.Input{{Name: "x", Rank: xRank, DimNames: xDims}, {Name: "kernel", Rank: kRank, DimNames: kDims}}
}

// corrCheck checks the operands of the correlation function fn, x and the kernel k:
// those of opkit.Check for the descriptions in; x's channels (dimension 0) against the
// kernel's dimension kc, unless kc < 0; and a kernel that fits inside the input.
func corrCheck(fn string, in []opkit.Input, x, k *gorgonia.Node, kc int) error {
	if err := opkit.Check(fn, in, x, k); err != nil {
		return err
	}
	xs, ks := x.Shape(), k.Shape()
	if kc >= 0 && xs[0] != ks[kc] {
		return fmt.Errorf("graph: %s: x has %d channels but the kernel expects %d (kernel shape %v); they must match", fn, xs[0], ks[kc], ks)
	}
	if err := corrFits(xs, ks); err != nil {
		return fmt.Errorf("graph: %s: %w", fn, err)
	}
	return nil
}

// corrFits returns an error unless the last two dimensions of the kernel shape ks fit
// inside those of xs.
func corrFits(xs, ks tensor.Shape) error {
	h, w := xs[len(xs)-2], xs[len(xs)-1]
	kh, kw := ks[len(ks)-2], ks[len(ks)-1]
	if kh > h || kw > w {
		return fmt.Errorf("kernel %dx%d is larger than the input %dx%d; the kernel must fit inside the input (pad the input first)", kh, kw, h, w)
	}
	return nil
}

// corr2d is the op of Corr2D: inputs x (h, w) and k (kh, kw). It has no parameters;
// Gorgonia's node hash adds the operands', so two Corr2D nodes merge only when they
// compute the same thing.
func corr2d() *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "Corr2D",
		In:      corrInputs(2, 2, "(h, w)", "(kh, kw)"),
		OutRank: 2,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			if err := corrFits(s[0], s[1]); err != nil {
				return nil, err
			}
			return tensor.Shape{s[0][0] - s[1][0] + 1, s[0][1] - s[1][1] + 1}, nil
		},
		Forward: opkit.Floats(corr2dForward, corr2dForward),
		Zeroed:  true,
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := opkit.Apply(corr2dFull(), in[1], dy)
			if err != nil {
				return nil, err
			}
			dk, err := Corr2D(in[0], dy)
			if err != nil {
				return nil, err
			}
			return gorgonia.Nodes{dx, dk}, nil
		},
	}
}

// corr2dForward adds the valid cross-correlation of x (h, w) with k (kh, kw) to the
// zeroed result. Each output is summed in row-major kernel order, (a, b) = (0, 0), (0,
// 1), ...; the loops run along output rows so the innermost loop is a contiguous axpy.
func corr2dForward[T opkit.Float](a opkit.Args[T]) {
	x, k, out := a.In[0], a.In[1], a.Out
	corrRows(out, x, k, a.OutShape, a.InShapes[0][1], a.InShapes[1], func(orow, xs []T, kv T) {
		xs = xs[:len(orow)]
		for j := range orow {
			orow[j] += xs[j] * kv
		}
	})
}

// corrRows calls f for every row i of the plane small, of the given shape (oh, ow), and
// every entry kv = k[u, v] of the kernel, of shape kshape (kh, kw), in row-major kernel
// order: f gets the row and the stretch big[(i+u)·w+v:][:ow] of the (oh+kh-1, w) plane
// big that the row's windows cover at that entry. Correlation adds the stretch times kv
// to the row; its gradient, the full correlation, adds the row times kv to the stretch.
func corrRows[T opkit.Float](small, big, k []T, shape tensor.Shape, w int, kshape tensor.Shape, f func(row, stretch []T, kv T)) {
	oh, ow, kh, kw := shape[0], shape[1], kshape[0], kshape[1]
	for i := 0; i < oh; i++ {
		row := small[i*ow : (i+1)*ow]
		for u := 0; u < kh; u++ {
			brow := big[(i+u)*w : (i+u+1)*w]
			for v, kv := range k[u*kw : (u+1)*kw] {
				f(row, brow[v:v+ow], kv)
			}
		}
	}
}

// corr2dFull is the gradient of Corr2D with respect to x, the "full" correlation that
// scatters every output gradient back over the window it came from:
//
//	k (kh, kw), dy (oh, ow) -> dx (oh+kh-1, ow+kw-1)
//	dx[i+a, j+b] += dy[i, j] · k[a, b]
//
// It is linear in both inputs; its own gradients are Corr2D(ddx, dy) for k and
// Corr2D(ddx, k) for dy.
func corr2dFull() *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "Corr2DFull",
		In:      []opkit.Input{{Name: "kernel", Rank: 2, DimNames: "(kh, kw)"}, {Name: "output gradient", Rank: 2, DimNames: "(oh, ow)"}},
		OutRank: 2,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			return tensor.Shape{s[1][0] + s[0][0] - 1, s[1][1] + s[0][1] - 1}, nil
		},
		Forward: opkit.Floats(corr2dFullForward, corr2dFullForward),
		Zeroed:  true,
		Grad: func(in gorgonia.Nodes, _, ddx *gorgonia.Node) (gorgonia.Nodes, error) {
			dk, err := Corr2D(ddx, in[1])
			if err != nil {
				return nil, err
			}
			ddy, err := Corr2D(ddx, in[0])
			if err != nil {
				return nil, err
			}
			return gorgonia.Nodes{dk, ddy}, nil
		},
	}
}

// corr2dFullForward adds the full correlation of dy (oh, ow) with k (kh, kw) to the
// zeroed result (oh+kh-1, ow+kw-1): every dy[i, j] is scattered back over its window,
// weighted by k.
func corr2dFullForward[T opkit.Float](a opkit.Args[T]) {
	k, dy, out := a.In[0], a.In[1], a.Out
	corrRows(dy, out, k, a.InShapes[1], a.OutShape[1], a.InShapes[0], func(grow, os []T, kv T) {
		os = os[:len(grow)]
		for j := range grow {
			os[j] += grow[j] * kv
		}
	})
}
