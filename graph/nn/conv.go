package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/opkit"
)

// FusedConv2D is graph.Conv2D plus an optional bias per output channel, computed by one op of
// the project's own:
//
//	out[b, o, i, j] = bias[o] + sum over c, u, v of  xp[b, c, i*sh + u, j*sw + v] * w[o, c, u, v]
//
// with the shapes, padding and stride of graph.Conv2D. b is nil (no bias) or holds one value
// per output channel, shaped (co) or (1, co, 1, 1) (the layers package's); it must share
// the graph and dtype of x and w.
//
// The forward pass unrolls the padded windows of each image into an im2col matrix in a
// buffer of its goroutine and multiplies the (co, c·kh·kw) weight matrix by it, writing
// the product into the NCHW output; the images are shared out over the graph's workers
// (device.SetWorkers; GOMAXPROCS by default). With stride 1 (LeNet's) the matrix is
// laid out on the padded grid, which makes every row one contiguous copy and lets
// several images share one product; in float32 that product's GEMM packs the windows
// straight from the images, never storing the matrix (see conv_wide.go). The backward
// pass is three ops, also parallel over the batch:
//
//	dL/dw = Σ_b dY_b · cols_bᵀ        (im2col again; one sum per chunk, added in order)
//	dL/dx = col2im(wᵀ · dY_b)         per image
//	dL/db = Σ_b Σ_ij dY[b, o, i, j]
//
// where dY_b is image b's (co, oh·ow) slice of dL/dout. float32 products use the
// project's GEMM (internal/gemm), float64 ones gonum's. The batch is computed in fixed chunks
// of 8 images that the workers share out, so the results are the same to the bit for
// any number of workers or cores. Every shape is checked first; a bad one returns
// an error and builds nothing. The op keeps its result's memory between runs (see the
// package doc).
func FusedConv2D(x, w, b *gorgonia.Node, pad, stride [2]int) (*gorgonia.Node, error) {
	c := fusedConv{win: geom.Window{Pad: pad, Stride: stride}}
	if w != nil && w.Shape().Dims() == 4 {
		c.win.Kernel = [2]int{w.Shape()[2], w.Shape()[3]}
	}
	if b == nil {
		return opkit.Apply(c.opSpec(), x, w)
	}
	c.biasDims = b.Shape().Dims()
	return opkit.Apply(c.opSpec(), x, w, b)
}

// fusedConv is what a FusedConv2D op computes: the window (whose kernel is w's), and
// the rank of the bias, 0 for none.
type fusedConv struct {
	win      geom.Window
	biasDims int // 0: no bias; 1: (co); 4: (1, co, 1, 1)
}

// geom is the geometry of the convolution of x (xs) with w (ws), computed on up to
// parallel.Workers(workers) goroutines.
func (c fusedConv) geom(xs, ws tensor.Shape, workers int) convGeom {
	oh, ow := c.win.OutputPlane(xs[2], xs[3])
	return convGeom{
		n: xs[0], c: xs[1], h: xs[2], w: xs[3],
		co: ws[0], kh: ws[2], kw: ws[3],
		ph: c.win.Pad[0], pw: c.win.Pad[1], sh: c.win.Stride[0], sw: c.win.Stride[1],
		oh: oh, ow: ow,
		workers: workers,
	}
}

// launch is the GPU kernel call of the convolution of x (xs) with w (ws): the pointers
// the kernel takes first, the geometry after.
func (c fusedConv) launch(kernel string, grid [2]int, xs, ws tensor.Shape, ptrs ...any) opkit.Launch {
	g := c.geom(xs, ws, 0)
	args := append(ptrs, g.n, g.c, g.h, g.w, g.co, g.kh, g.kw, g.oh, g.ow, g.ph, g.pw, g.sh, g.sw)
	return opkit.Launch{Kernel: kernel, Grid: grid, Block: opkit.Threads256, Args: args}
}

// opSpec is the forward op: inputs x, w and, when biasDims > 0, the bias.
func (c fusedConv) opSpec() *opkit.OpSpec {
	in := opkit.ConvInputs()
	params := c.win.String()
	if c.biasDims > 0 {
		in = append(in, opkit.Input{Name: "bias", Rank: c.biasDims, DimNames: "(co) or (1, co, 1, 1)"})
		params += fmt.Sprintf(", bias %d-D", c.biasDims)
	}
	return &opkit.OpSpec{
		Name:    "FusedConv2D",
		Params:  params,
		In:      in,
		OutRank: 4,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			ys, err := c.win.ConvShape(s[0], s[1])
			if err != nil || c.biasDims == 0 {
				return ys, err
			}
			if co := s[1][0]; !s[2].Eq(tensor.Shape{co}) && !s[2].Eq(tensor.Shape{1, co, 1, 1}) {
				return nil, fmt.Errorf("the bias has shape %v; want (%d) or (1, %d, 1, 1), one value per output channel of w %v", s[2], co, co, s[1])
			}
			return ys, nil
		},
		Forward: opkit.FloatsWith(c, fusedConvForward, fusedConvForward),
		Grad:    c.grad,
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			b := opkit.NullArg
			if c.biasDims > 0 {
				b = opkit.InArg(2)
			}
			return c.launch("conv_fwd", opkit.Elems(out.TotalSize()), in[0], in[1], opkit.InArg(0), opkit.InArg(1), b, opkit.OutArg)
		},
	}
}

// bias returns the bias operand's values, nil for none.
func bias[T opkit.Float](a opkit.Args[T]) []T {
	if len(a.In) < 3 {
		return nil
	}
	return a.In[2]
}

// grad is the backward pass, three ops, parallel over the batch like the forward pass:
//
//	dL/dx = col2im(wᵀ · dY_b)         per image        (dataGrad)
//	dL/dw = Σ_b dY_b · cols_bᵀ        im2col again     (filterGrad)
//	dL/db = Σ_b Σ_ij dY[b, o, i, j]                    (biasGrad)
func (c fusedConv) grad(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
	x, w := in[0], in[1]
	dx, err := opkit.Apply(c.dataGrad(x.Shape()), w, dy)
	if err != nil {
		return nil, err
	}
	dw, err := opkit.Apply(c.filterGrad(), x, dy)
	if err != nil {
		return nil, err
	}
	if c.biasDims == 0 {
		return gorgonia.Nodes{dx, dw}, nil
	}
	db, err := opkit.Apply(biasGrad(c.biasDims), dy)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

// gradInputs describes the operands of a gradient op: one of the forward op's, and
// dL/dout.
func gradInputs(first opkit.Input) []opkit.Input {
	return []opkit.Input{first, {Name: "output gradient", Rank: 4, DimNames: "(n, co, oh, ow)"}}
}

// checkOutGrad returns the forward op's output shape for x (xs) and w (ws), or an error
// when it is not dy's (gs).
func (c fusedConv) checkOutGrad(xs, ws, gs tensor.Shape) error {
	ys, err := c.win.ConvShape(xs, ws)
	if err != nil {
		return err
	}
	if !gs.Eq(ys) {
		return fmt.Errorf("output gradient has shape %v, want %v", gs, ys)
	}
	return nil
}

// dataGrad computes dL/dx of a FusedConv2D from w and dL/dout; xs is x's shape.
func (c fusedConv) dataGrad(xs tensor.Shape) *opkit.OpSpec {
	xs = xs.Clone()
	return &opkit.OpSpec{
		Name:    "FusedConv2DGradX",
		Params:  fmt.Sprintf("%v, x %v", c.win, xs),
		In:      gradInputs(opkit.ConvInputs()[1]),
		OutRank: 4,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			return xs.Clone(), c.checkOutGrad(xs, s[0], s[1])
		},
		Forward: opkit.FloatsWith(dataGradOf{c, xs}, fusedConvDataGrad, fusedConvDataGrad),
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			return c.launch("conv_bwd_data", opkit.Elems(out.TotalSize()), xs, in[0], opkit.InArg(1), opkit.InArg(0), opkit.OutArg)
		},
	}
}

// filterGrad computes dL/dw of a FusedConv2D from x and dL/dout: Σ_b dY_b · cols_bᵀ.
func (c fusedConv) filterGrad() *opkit.OpSpec {
	k := c.win.Kernel
	ws := func(s []tensor.Shape) tensor.Shape { return tensor.Shape{s[1][1], s[0][1], k[0], k[1]} }
	return &opkit.OpSpec{
		Name:    "FusedConv2DGradW",
		Params:  c.win.String(),
		In:      gradInputs(opkit.ConvInputs()[0]),
		OutRank: 4,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			return ws(s), c.checkOutGrad(s[0], ws(s), s[1])
		},
		Forward: opkit.FloatsWith(c, fusedConvFilterGrad, fusedConvFilterGrad),
		GPU: func(in []tensor.Shape, out tensor.Shape) opkit.Launch {
			return c.launch("conv_bwd_filter", [2]int{out.TotalSize(), 1}, in[0], out, opkit.InArg(0), opkit.InArg(1), opkit.OutArg)
		},
	}
}

// fusedConvForward is FusedConv2D's Forward: y = x ⋆ w + b.
func fusedConvForward[T opkit.Float](c fusedConv, a opkit.Args[T]) {
	convForward(convRunOf(a, c.geom(a.InShapes[0], a.InShapes[1], a.Workers)), a.In[0], a.In[1], bias(a), a.Out)
}

// dataGradOf is what dL/dx of a FusedConv2D depends on: the convolution and x's shape.
type dataGradOf struct {
	c  fusedConv
	xs tensor.Shape
}

// fusedConvDataGrad is FusedConv2DGradX's Forward: dL/dx from w and dL/dout.
func fusedConvDataGrad[T opkit.Float](d dataGradOf, a opkit.Args[T]) {
	convDataGrad(convRunOf(a, d.c.geom(d.xs, a.InShapes[0], a.Workers)), a.In[0], a.In[1], a.Out)
}

// fusedConvFilterGrad is FusedConv2DGradW's Forward: dL/dw from x and dL/dout.
func fusedConvFilterGrad[T opkit.Float](c fusedConv, a opkit.Args[T]) {
	convFilterGrad(convRunOf(a, c.geom(a.InShapes[0], a.OutShape, a.Workers)), a.In[0], a.In[1], a.Out)
}

// fusedConvBiasGrad is FusedConv2DGradB's Forward: dL/db from dL/dout.
func fusedConvBiasGrad[T opkit.Float](a opkit.Args[T]) {
	convBiasGrad(convRunOf(a, biasGeom(a.InShapes[0], a.Workers)), a.In[0], a.Out)
}

// biasGrad computes dL/db of a FusedConv2D from dL/dout: the sum over the batch and the
// output plane, shaped (co) or (1, co, 1, 1) as the bias is (dims 1 or 4).
func biasGrad(dims int) *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "FusedConv2DGradB",
		Params:  fmt.Sprintf("%d-D", dims),
		In:      []opkit.Input{{Name: "output gradient", Rank: 4, DimNames: "(n, co, oh, ow)"}},
		OutRank: dims,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			if dims == 1 {
				return tensor.Shape{s[0][1]}, nil
			}
			return tensor.Shape{1, s[0][1], 1, 1}, nil
		},
		Forward: opkit.Floats(fusedConvBiasGrad, fusedConvBiasGrad),
		GPU: func(in []tensor.Shape, _ tensor.Shape) opkit.Launch {
			s := in[0]
			return opkit.Launch{Kernel: "conv_bwd_bias", Grid: [2]int{s[1], 1}, Block: opkit.Threads256,
				Args: []any{opkit.InArg(0), opkit.OutArg, s[0], s[1], s[2] * s[3]}}
		},
	}
}

// biasGeom is the geometry convBiasGrad reads of an output gradient of shape (n, co,
// oh, ow): n, co and the output plane.
func biasGeom(s tensor.Shape, workers int) convGeom {
	return convGeom{n: s[0], co: s[1], oh: s[2], ow: s[3], workers: workers}
}

// convGeom is the geometry of one convolution: input (n, c, h, w), filters (co, c, kh,
// kw), padding, stride and output plane (oh, ow); and the op's workers setting, which
// the kernels share the images out by (parallel.For).
type convGeom struct {
	n, c, h, w     int
	co, kh, kw     int
	ph, pw, sh, sw int
	oh, ow         int
	workers        int
}

// cols is the number of rows of an im2col matrix, c·kh·kw (its columns are oh·ow).
func (g *convGeom) cols() int { return g.c * g.kh * g.kw }

// plane is oh·ow, the pixels of one output channel.
func (g *convGeom) plane() int { return g.oh * g.ow }

// direct reports whether im2col is the identity (1×1 kernel, stride 1, no padding), so
// the products can read and write the images in place.
func (g *convGeom) direct() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
}

// cost is the multiply-adds of one image's product, what parallel.For weighs.
func (g *convGeom) cost() int { return g.co * g.cols() * g.plane() }
