package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// PoolMode selects what Pool2D computes over each window.
type PoolMode int

const (
	// Max takes the largest entry of each window (the zero value, the chapter's default).
	Max PoolMode = iota
	// Avg takes the mean of each window: its sum divided by ph·pw.
	Avg
	// Min takes the smallest entry of each window; it equals -Pool2D(-x, ph, pw, Max).
	Min
)

// String returns "max", "avg" or "min", the names the chapter's pool2d takes.
func (m PoolMode) String() string {
	switch m {
	case Max:
		return "max"
	case Avg:
		return "avg"
	case Min:
		return "min"
	}
	return fmt.Sprintf("PoolMode(%d)", int(m))
}

// Pool2D slides a ph×pw window over x with stride 1 and no padding, the chapter's
// pool2d, and reduces each window with mode:
//
//	x (h, w) -> y (h-ph+1, w-pw+1)
//	Max: y[i, j] = max_{a<ph, b<pw} x[i+a, j+b]
//	Avg: y[i, j] = Σ_{a<ph, b<pw} x[i+a, j+b] / (ph·pw)
//	Min: y[i, j] = min_{a<ph, b<pw} x[i+a, j+b]
//
// It is differentiable in x. Max and Min pass each output gradient to the entry that
// was chosen (the first one in row-major order on ties); Avg spreads it evenly, 1/(ph·pw)
// to every entry of the window. A NaN in a window makes that output NaN in every mode,
// as in PyTorch (and Max and Min pass the window's gradient to the NaN). x must be a
// 2-D float32 or float64 node, the window positive and no larger than x, and mode one
// of Max, Avg, Min; otherwise Pool2D returns an error. For 4-D batches with padding and
// strides use MaxPool2D and AvgPool2D.
func Pool2D(x *gorgonia.Node, ph, pw int, mode PoolMode) (*gorgonia.Node, error) {
	if mode != Max && mode != Avg && mode != Min {
		return nil, fmt.Errorf("graph: Pool2D: unknown mode %v; use Max, Avg or Min", mode)
	}
	if ph <= 0 || pw <= 0 {
		return nil, fmt.Errorf("graph: Pool2D: window %dx%d must be positive in both dimensions", ph, pw)
	}
	return opkit.Apply(pool2d(window2D{mode, ph, pw}), x)
}

// window2D is a Pool2D window: the mode and the size. Both are parameters of the op, so
// pools of one input with different settings never merge.
type window2D struct {
	mode   PoolMode
	ph, pw int
}

func (p window2D) String() string { return fmt.Sprintf("%v, %dx%d", p.mode, p.ph, p.pw) }

// out is the output shape for an (h, w) input, or an error when the window does not fit.
func (p window2D) out(xs tensor.Shape) (tensor.Shape, error) {
	if p.ph > xs[0] || p.pw > xs[1] {
		return nil, fmt.Errorf("window %dx%d is larger than the input %dx%d; the window must fit inside the input", p.ph, p.pw, xs[0], xs[1])
	}
	return tensor.Shape{xs[0] - p.ph + 1, xs[1] - p.pw + 1}, nil
}

// pool2d is the op of Pool2D.
func pool2d(p window2D) *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "Pool2D",
		Params:  p.String(),
		In:      []opkit.Input{{Name: "x", Rank: 2, DimNames: "(h, w)"}},
		OutRank: 2,
		Shape:   func(s []tensor.Shape) (tensor.Shape, error) { return p.out(s[0]) },
		Forward: opkit.FloatsWith(p, pool2dForward, pool2dForward),
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := opkit.Apply(pool2dGrad(p), in[0], dy)
			return gorgonia.Nodes{dx}, err
		},
	}
}

// pool2dGrad is the gradient of Pool2D with respect to x: inputs x (h, w) and the
// output gradient dy (oh, ow), result dx (h, w). Max and Min find each window's chosen
// entry again from x (the same first-in-row-major rule as the forward pass), so the op
// keeps no state between runs. It is not differentiable itself.
func pool2dGrad(p window2D) *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "Pool2DGrad",
		Params:  p.String(),
		In:      []opkit.Input{{Name: "x", Rank: 2, DimNames: "(h, w)"}, {Name: "output gradient", Rank: 2, DimNames: "(oh, ow)"}},
		OutRank: 2,
		Shape:   opkit.GradShape(p.out),
		Forward: opkit.FloatsWith(p, pool2dBackward, pool2dBackward),
		Zeroed:  true,
	}
}

// pool2dPick returns the row-major index in x of the entry that Max or Min chooses in the
// window whose top-left corner is (i, j): the first best one, or the first NaN (a NaN in
// a window makes its output NaN, as in PyTorch).
func pool2dPick[T opkit.Float](p window2D, x []T, w, i, j int) int {
	best := i*w + j
	for a := 0; a < p.ph; a++ {
		for b := 0; b < p.pw; b++ {
			idx := (i+a)*w + j + b
			v := x[idx]
			if v != v {
				return idx
			}
			if p.mode == Max && v > x[best] || p.mode == Min && v < x[best] {
				best = idx
			}
		}
	}
	return best
}

func pool2dForward[T opkit.Float](p window2D, a opkit.Args[T]) {
	x, out, w := a.In[0], a.Out, a.InShapes[0][1]
	oh, ow := a.OutShape[0], a.OutShape[1]
	area := T(p.ph * p.pw)
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			if p.mode != Avg {
				out[i*ow+j] = x[pool2dPick(p, x, w, i, j)]
				continue
			}
			out[i*ow+j] = pool4DSum(x, w, i, i+p.ph, j, j+p.pw) / area
		}
	}
}

func pool2dBackward[T opkit.Float](p window2D, a opkit.Args[T]) {
	x, dy, dx, w := a.In[0], a.In[1], a.Out, a.OutShape[1]
	oh, ow := a.InShapes[1][0], a.InShapes[1][1]
	area := T(p.ph * p.pw)
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			g := dy[i*ow+j]
			if p.mode != Avg {
				dx[pool2dPick(p, x, w, i, j)] += g
				continue
			}
			pool4DSpread(dx, w, i, i+p.ph, j, j+p.pw, g/area)
		}
	}
}
