package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// Dense is a fully connected layer's product as one op of the project's own:
//
//	y = x w + b        x (n, in), w (in, out), b (out) or nil, y (n, out)
//
// Its backward pass is three ops: dL/dx = dY wᵀ, dL/dw = xᵀ dY and dL/db = the column
// sums of dY. It computes what gorgonia.Mul followed by gorgonia.BroadcastAdd computes;
// being one op of the project's, it also has a GPU version, so that a graph placed on a
// GPU (device.SetDevice) keeps its fully connected layers there. float32 products use
// the project's GEMM, float64 ones gonum's. Every shape is checked first.
func Dense(x, w, b *gorgonia.Node) (*gorgonia.Node, error) {
	if b == nil {
		return opkit.Apply(dense(false), x, w)
	}
	return opkit.Apply(dense(true), x, w, b)
}

// denseInputs describes x, w and, with a bias, b.
func denseInputs(bias bool) []opkit.Input {
	in := []opkit.Input{{Name: "x", Rank: 2, DimNames: "(n, in)"}, {Name: "w", Rank: 2, DimNames: "(in, out)"}}
	if bias {
		in = append(in, opkit.Input{Name: "bias", Rank: 1, DimNames: "(out)"})
	}
	return in
}

// dense is Dense's forward op: inputs x, w and, when bias is set, b.
func dense(bias bool) *opkit.OpSpec {
	s := &opkit.OpSpec{
		Name:    "Dense",
		In:      denseInputs(bias),
		OutRank: 2,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			xs, ws := s[0], s[1]
			if xs[1] != ws[0] {
				return nil, fmt.Errorf("x %v has %d features but w %v takes %d", xs, xs[1], ws, ws[0])
			}
			if bias && s[2][0] != ws[1] {
				return nil, fmt.Errorf("bias %v must be a vector of %d, one per column of w %v", s[2], ws[1], ws)
			}
			return tensor.Shape{xs[0], ws[1]}, nil
		},
		Forward: opkit.Floats(denseForward, denseForward),
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := opkit.Apply(denseGrad(denseGradX), in[1], dy)
			if err != nil {
				return nil, err
			}
			dw, err := opkit.Apply(denseGrad(denseGradW), in[0], dy)
			if err != nil || !bias {
				return gorgonia.Nodes{dx, dw}, err
			}
			db, err := opkit.Apply(denseGrad(denseGradB), dy)
			return gorgonia.Nodes{dx, dw, db}, err
		},
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			b := opkit.NullArg
			if bias {
				b = opkit.InArg(2)
			}
			return opkit.Launch{Kernel: "gemm", Grid: opkit.Tiles16(out[0], out[1]), Block: opkit.Threads16x16,
				Args: []any{opkit.InArg(0), opkit.InArg(1), b, opkit.OutArg, out[0], out[1], in[0][1], 0, 0}}
		},
	}
	if bias {
		s.Params = "bias"
	}
	return s
}

func denseForward[T opkit.Float](a opkit.Args[T]) {
	n, in, out := a.InShapes[0][0], a.InShapes[0][1], a.OutShape[1]
	y := a.Out
	matmul(a.Workers, false, false, n, out, in, a.In[0], a.In[1], y)
	if len(a.In) < 3 {
		return
	}
	for i := range n {
		row := y[i*out : (i+1)*out]
		for j, v := range a.In[2] {
			row[j] += v
		}
	}
}

// denseGradKind says which gradient a denseGrad op computes.
type denseGradKind int

const (
	denseGradX denseGradKind = iota // inputs w, dY: dY wᵀ
	denseGradW                      // inputs x, dY: xᵀ dY
	denseGradB                      // input dY: its column sums
)

// denseGrad computes one of Dense's gradients from dL/dy, its last operand.
func denseGrad(which denseGradKind) *opkit.OpSpec {
	dy := opkit.Input{Name: "output gradient", Rank: 2, DimNames: "(n, out)"}
	s := &opkit.OpSpec{
		Name:    [...]string{"DenseGradX", "DenseGradW", "DenseGradB"}[which],
		Forward: opkit.FloatsWith(which, denseBackward, denseBackward),
	}
	switch which {
	case denseGradX: // w (in, out), dY (n, out) -> (n, in)
		s.In, s.OutRank = []opkit.Input{denseInputs(false)[1], dy}, 2
		s.Shape = func(s []tensor.Shape) (tensor.Shape, error) {
			return tensor.Shape{s[1][0], s[0][0]}, sameDim("w", s[0], 1, s[1], 1)
		}
		s.GPU = func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			n, k := in[1][0], in[1][1]
			return opkit.Launch{Kernel: "gemm", Grid: opkit.Tiles16(n, out[1]), Block: opkit.Threads16x16,
				Args: []any{opkit.InArg(1), opkit.InArg(0), opkit.NullArg, opkit.OutArg, n, out[1], k, 0, 1}}
		}
	case denseGradW: // x (n, in), dY (n, out) -> (in, out)
		s.In, s.OutRank = []opkit.Input{denseInputs(false)[0], dy}, 2
		s.Shape = func(s []tensor.Shape) (tensor.Shape, error) {
			return tensor.Shape{s[0][1], s[1][1]}, sameDim("x", s[0], 0, s[1], 0)
		}
		s.GPU = func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			n := in[1][0]
			return opkit.Launch{Kernel: "gemm", Grid: opkit.Tiles16(out[0], out[1]), Block: opkit.Threads16x16,
				Args: []any{opkit.InArg(0), opkit.InArg(1), opkit.NullArg, opkit.OutArg, out[0], out[1], n, 1, 0}}
		}
	default: // dY (n, out) -> (out)
		s.In, s.OutRank = []opkit.Input{dy}, 1
		s.Shape = func(s []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{s[0][1]}, nil }
		s.GPU = func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			return opkit.Launch{Kernel: "colsum", Grid: opkit.Elems(out[0]), Block: opkit.Threads256,
				Args: []any{opkit.InArg(0), opkit.OutArg, in[0][0], out[0]}}
		}
	}
	return s
}

// sameDim returns an error unless dimension i of a (the operand named what) equals
// dimension j of the output gradient g.
func sameDim(what string, a tensor.Shape, i int, g tensor.Shape, j int) error {
	if a[i] != g[j] {
		return fmt.Errorf("%s %v and the output gradient %v do not match", what, a, g)
	}
	return nil
}

func denseBackward[T opkit.Float](which denseGradKind, a opkit.Args[T]) {
	dy, r := a.In[len(a.In)-1], a.Out
	gs := a.InShapes[len(a.In)-1]
	n, out := gs[0], gs[1]
	switch which {
	case denseGradX: // (n, out) · (in, out)ᵀ
		matmul(a.Workers, false, true, n, a.InShapes[0][0], out, dy, a.In[0], r)
	case denseGradW: // (n, in)ᵀ · (n, out)
		matmul(a.Workers, true, false, a.InShapes[0][1], out, n, a.In[0], dy, r)
	default:
		clear(r)
		for i := range n {
			for j, v := range dy[i*out : (i+1)*out] {
				r[j] += v
			}
		}
	}
}
