package nn

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/parallel"
)

// activation is an element-wise function y = f(x) on tensors of any rank, whose
// gradient is computed from the output: dL/dx = dL/dy · f'(x), f' written in terms of y.
// An activation is the two computations; the ops, their checks, their parallel loops
// and their GPU versions are made here.
type activation struct {
	name string
	// forward computes y from x (In[0]); backward computes dL/dx from y (In[0]) and
	// dL/dy (In[1]). Both are element-wise: build them with perElement.
	forward, backward opkit.Fn
	// kernel is the kind the act_fwd and act_bwd kernels (gpu/kernels/kernels.cu) take
	// for this function, or noKernel: the op then runs on the host in a graph placed on
	// a GPU.
	kernel int
}

// The activation kinds that the act_fwd and act_bwd kernels (and the fused conv_act_fwd
// and gemm_act) take; noKernel marks an activation without a GPU version.
const (
	kernelReLU    = 0
	kernelSigmoid = 1
	noKernel      = -1
)

// apply returns the node of the activation of x, which may be any float32 or float64
// tensor.
func (f *activation) apply(x *gorgonia.Node) (*gorgonia.Node, error) {
	dims := 0
	if x != nil {
		dims = x.Shape().Dims()
	}
	return opkit.Apply(f.opSpec(dims), x)
}

func (f *activation) opSpec(dims int) *opkit.OpSpec {
	s := &opkit.OpSpec{
		Name:    f.name,
		Params:  fmt.Sprintf("%d-D", dims),
		In:      []opkit.Input{{Name: "x", Rank: dims}},
		OutRank: dims,
		Shape:   func(s []tensor.Shape) (tensor.Shape, error) { return same(s[0]) },
		Forward: f.forward,
		Grad: func(_ gorgonia.Nodes, y, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dx, err := opkit.Apply(f.grad(dims), y, dy)
			return gorgonia.Nodes{dx}, err
		},
	}
	if f.kernel != noKernel {
		s.GPU = func(_ []tensor.Shape, out tensor.Shape) opkit.Launch {
			n := out.TotalSize()
			return opkit.Launch{Kernel: "act_fwd", Grid: opkit.Elems(n), Block: opkit.Threads256, Args: []any{opkit.InArg(0), opkit.OutArg, n, f.kernel}}
		}
	}
	return s
}

// same is the shape rule of an element-wise function.
func same(x tensor.Shape) (tensor.Shape, error) { return x.Clone(), nil }

// grad computes dL/dx from y and dL/dy.
func (f *activation) grad(dims int) *opkit.OpSpec {
	s := &opkit.OpSpec{
		Name:    f.name + "Grad",
		Params:  fmt.Sprintf("%d-D", dims),
		In:      []opkit.Input{{Name: "y", Rank: dims}, {Name: "output gradient", Rank: dims}},
		OutRank: dims,
		Shape:   opkit.GradShape(same),
		Forward: f.backward,
	}
	if f.kernel != noKernel {
		s.GPU = func(_ []tensor.Shape, out tensor.Shape) opkit.Launch {
			n := out.TotalSize()
			return opkit.Launch{Kernel: "act_bwd", Grid: opkit.Elems(n), Block: opkit.Threads256, Args: []any{opkit.InArg(0), opkit.InArg(1), opkit.OutArg, n, f.kernel}}
		}
	}
	return s
}

// perElement returns the computation that applies f32 or f64 to the elements, shared
// out over goroutines on large tensors in ranges 16 elements apart. f gets equally long
// slices: out, and in[k] for operand k.
func perElement(f32 func(out []float32, in [][]float32), f64 func(out []float64, in [][]float64)) opkit.Fn {
	return opkit.FloatsWith(elementFns{f32, f64}, elementRanges, elementRanges)
}

// elementFns is an element-wise function in both float dtypes.
type elementFns struct {
	f32 func(out []float32, in [][]float32)
	f64 func(out []float64, in [][]float64)
}

// elementRanges applies fs, in a's dtype, to a's elements.
func elementRanges[T opkit.Float](fs elementFns, a opkit.Args[T]) {
	f, ok := any(fs.f32).(func(out []T, in [][]T))
	if !ok {
		f = any(fs.f64).(func(out []T, in [][]T))
	}
	n := len(a.Out)
	r := opkit.Scratch[elementRun[T]](a)
	*r = elementRun[T]{f: f, out: a.Out, in: a.In, parts: r.parts}
	for len(r.parts) < parallel.Parts(a.Workers, (n+15)/16, 16) {
		r.parts = append(r.parts, make([][]T, len(a.In))) // an op's operands are as many at every run
	}
	parallel.ForBody(a.Workers, (n+15)/16, 16, r)
	*r = elementRun[T]{parts: r.parts} // hold no operand's memory between runs
	for _, in := range r.parts {
		clear(in)
	}
}

// elementRun is one run of elementRanges, kept by the op between runs (opkit.Scratch):
// f and its operands, and the slices of in that each part hands f.
type elementRun[T opkit.Float] struct {
	f     func(out []T, in [][]T)
	out   []T
	in    [][]T
	parts [][][]T
}

// Range applies f to elements [16·lo, 16·hi).
func (r *elementRun[T]) Range(part, lo, hi int) {
	lo, hi = lo*16, min(hi*16, len(r.out))
	in := r.parts[part]
	for k, s := range r.in {
		in[k] = s[lo:hi]
	}
	r.f(r.out[lo:hi], in)
}
