package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// Corr2DMultiIn returns the cross-correlation of a multi-channel input with a kernel that
// has one 2-D slice per input channel, summed over the channels:
//
//	x (c, h, w), k (c, kh, kw) -> y (h-kh+1, w-kw+1)
//	y = Σ_c Corr2D(x[c], k[c])
//
// It is built from Corr2D, Gorgonia's Slice and Add, exactly as the formula reads, so it
// is differentiable in x and k. x and k must be 3-D with the same channel count and
// dtype (float32 or float64), and the kernel must fit inside the input.
func Corr2DMultiIn(x, k *gorgonia.Node) (y *gorgonia.Node, err error) {
	const fn = "Corr2DMultiIn"
	if err := corrCheck(fn, corrInputs(3, 3, "(c, h, w)", "(c, kh, kw)"), x, k, 0); err != nil {
		return nil, err
	}
	defer opkit.Recover(fn, &err)
	return corr2dSumChannels(fn, x, k, 0)
}

// Corr2DMultiInOut returns one multi-input cross-correlation per output channel, stacked:
//
//	x (c, h, w), k (co, c, kh, kw) -> y (co, h-kh+1, w-kw+1)
//	y[o] = Corr2DMultiIn(x, k[o])
//
// Each output channel has its own (c, kh, kw) kernel and sees every input channel; a
// layer built on it has co·c·kh·kw weights and would add one bias per output channel.
// Computing it costs O(c·co·kh·kw·oh·ow) multiply-adds. It is built from Corr2D,
// Gorgonia's Reshape, Slice and Add, and a stacking op of this package, and is
// differentiable in x and k. x must be 3-D, k 4-D, with matching channel counts and
// dtypes.
func Corr2DMultiInOut(x, k *gorgonia.Node) (y *gorgonia.Node, err error) {
	const fn = "Corr2DMultiInOut"
	if err := corrCheck(fn, corrInputs(3, 4, "(c, h, w)", "(co, c, kh, kw)"), x, k, 1); err != nil {
		return nil, err
	}
	defer opkit.Recover(fn, &err)
	// Gorgonia v0.9.18 turns a one-element slice into a scalar value, and slicing that
	// again panics at run time; so the kernel is flattened to (co·c, kh, kw) and sliced
	// once per (output, input) channel pair instead of twice.
	ks := k.Shape()
	co, c := ks[0], ks[1]
	kf, err := gorgonia.Reshape(k, tensor.Shape{co * c, ks[2], ks[3]})
	if err != nil {
		return nil, fmt.Errorf("graph: %s: flattening the kernel: %w", fn, err)
	}
	outs := make([]*gorgonia.Node, co)
	for o := range co {
		if outs[o], err = corr2dSumChannels(fn, x, kf, o*c); err != nil {
			return nil, err
		}
	}
	return opkit.Apply(stack(co), outs...)
}

// corr2dSumChannels returns Σ_c Corr2D(x[c], k[base+c]) for checked x (c, h, w) and
// k (n, kh, kw) with n ≥ base+c. Both are sliced once, never a slice of a slice.
func corr2dSumChannels(fn string, x, k *gorgonia.Node, base int) (*gorgonia.Node, error) {
	var sum *gorgonia.Node
	for c := range x.Shape()[0] {
		xc, err := gorgonia.Slice(x, gorgonia.S(c))
		if err != nil {
			return nil, fmt.Errorf("graph: %s: input channel %d: %w", fn, c, err)
		}
		kc, err := gorgonia.Slice(k, gorgonia.S(base+c))
		if err != nil {
			return nil, fmt.Errorf("graph: %s: kernel channel %d: %w", fn, c, err)
		}
		y, err := Corr2D(xc, kc)
		if err != nil {
			return nil, fmt.Errorf("graph: %s: channel %d: %w", fn, c, err)
		}
		if sum == nil {
			sum = y
			continue
		}
		if sum, err = gorgonia.Add(sum, y); err != nil {
			return nil, fmt.Errorf("graph: %s: summing channel %d: %w", fn, c, err)
		}
	}
	return sum, nil
}

// stack stacks n 2-D (oh, ow) planes into one (n, oh, ow) tensor. Gorgonia's Concat
// would do, but its DoDiff (LispMachine) gives wrong gradients for 3-D inputs and for
// 1x1 pieces; this op's gradient hands each plane its own slice, pick(i).
func stack(n int) *opkit.OpSpec {
	in := make([]opkit.Input, n)
	for i := range in {
		in[i] = opkit.Input{Name: fmt.Sprintf("plane %d", i), Rank: 2, DimNames: "(oh, ow)"}
	}
	return &opkit.OpSpec{
		Name:    "Stack",
		Params:  fmt.Sprint(n),
		In:      in,
		OutRank: 3,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			for i, p := range s {
				if !p.Eq(s[0]) {
					return nil, fmt.Errorf("plane %d has shape %v, want %v", i, p, s[0])
				}
			}
			return tensor.Shape{n, s[0][0], s[0][1]}, nil
		},
		Forward: opkit.Floats(stackForward, stackForward),
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			ds := make(gorgonia.Nodes, len(in))
			for i := range in {
				var err error
				if ds[i], err = opkit.Apply(pick(i), dy); err != nil {
					return nil, err
				}
			}
			return ds, nil
		},
	}
}

func stackForward[T opkit.Float](a opkit.Args[T]) {
	plane := a.OutShape[1] * a.OutShape[2]
	for i, p := range a.In {
		copy(a.Out[i*plane:(i+1)*plane], p)
	}
}

// pick returns plane i of a 3-D (n, oh, ow) tensor as an (oh, ow) tensor (never as a
// scalar, unlike Gorgonia's Slice of a one-element plane). It is the gradient of stack
// and is not differentiable itself.
func pick(i int) *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "Pick",
		Params:  fmt.Sprint(i),
		In:      []opkit.Input{{Name: "x", Rank: 3, DimNames: "(n, oh, ow)"}},
		OutRank: 2,
		Shape: func(s []tensor.Shape) (tensor.Shape, error) {
			if i < 0 || i >= s[0][0] {
				return nil, fmt.Errorf("want a 3-D value with more than %d planes, got shape %v", i, s[0])
			}
			return tensor.Shape{s[0][1], s[0][2]}, nil
		},
		Forward: opkit.FloatsWith(i, pickForward, pickForward),
	}
}

// pickForward copies plane i of the operand into the result.
func pickForward[T opkit.Float](i int, a opkit.Args[T]) { copy(a.Out, a.In[0][i*len(a.Out):]) }
