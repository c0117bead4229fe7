package layers

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/nn"
)

// Conv2DConfig sets up a Conv2D layer. Zero values mean PyTorch's defaults where it has
// one; In, Out and Kernel have none and must be set.
type Conv2DConfig struct {
	// In and Out are the numbers of input and output channels (at least 1).
	In, Out int
	// Kernel is (kh, kw), each at least 1.
	Kernel [2]int
	// Padding is the number of zero rows (top and bottom) and columns (left and right)
	// added on each side. Default 0.
	Padding [2]int
	// Stride is (rows, columns); a zero entry means 1. Default (1, 1).
	Stride [2]int
	// NoBias leaves out the per-channel bias. Default: with bias.
	NoBias bool
	// Dtype is tensor.Float32 or tensor.Float64. Default Float32.
	Dtype tensor.Dtype
	// Ops chooses how the convolution and bias are computed: nn.FastOps (the
	// default), the project's fused op nn.FusedConv2D, or nn.GorgoniaOps,
	// graph.Conv2D (Gorgonia's Conv2d) followed by Gorgonia's BroadcastAdd. Both have
	// the same parameters and give the same results up to rounding.
	Ops nn.Ops
}

// Conv2D is PyTorch's nn.Conv2d (dilation 1, groups 1): a convolution plus a bias per
// output channel,
//
//	out[b, o, i, j] = conv2d(x, weight)[b, o, i, j] + bias[o]
//
// with weight (Out, In, kh, kw) and bias (1, Out, 1, 1), mapping (n, In, h, w) to
// (n, Out, oh, ow), oh = floor((h - kh + 2*ph) / sh) + 1 and likewise ow. It is one
// nn.FusedConv2D node, or graph.Conv2D and a BroadcastAdd (Conv2DConfig.Ops).
type Conv2D struct {
	name   string
	cfg    Conv2DConfig
	weight *gorgonia.Node
	bias   *gorgonia.Node
}

// NewConv2D adds the parameters NAME.weight (Xavier-uniform from rng) and NAME.bias
// (zeros, unless cfg.NoBias) to g. It returns an error for a bad configuration or a
// name already used in g (see ErrNameTaken).
func NewConv2D(g *gorgonia.ExprGraph, name string, cfg Conv2DConfig, rng *rand.Rand) (*Conv2D, error) {
	what := fmt.Sprintf("layers: NewConv2D %q", name)
	for i := range 2 {
		if cfg.Stride[i] == 0 {
			cfg.Stride[i] = 1
		}
	}
	switch {
	case cfg.In < 1 || cfg.Out < 1:
		return nil, fmt.Errorf("%s: %d input and %d output channels; both must be at least 1", what, cfg.In, cfg.Out)
	case cfg.Kernel[0] < 1 || cfg.Kernel[1] < 1:
		return nil, fmt.Errorf("%s: kernel %dx%d; both sides must be at least 1", what, cfg.Kernel[0], cfg.Kernel[1])
	case cfg.Padding[0] < 0 || cfg.Padding[1] < 0:
		return nil, fmt.Errorf("%s: padding (%d,%d) must not be negative", what, cfg.Padding[0], cfg.Padding[1])
	case cfg.Stride[0] < 0 || cfg.Stride[1] < 0:
		return nil, fmt.Errorf("%s: stride (%d,%d) must not be negative (0 means 1)", what, cfg.Stride[0], cfg.Stride[1])
	case cfg.Ops != nn.FastOps && cfg.Ops != nn.GorgoniaOps:
		return nil, fmt.Errorf("%s: unknown ops %v; use nn.FastOps or nn.GorgoniaOps", what, cfg.Ops)
	}
	suffixes := []string{"weight"}
	if !cfg.NoBias {
		suffixes = append(suffixes, "bias")
	}
	dt, err := checkNewLayer(what, g, name, cfg.Dtype, rng, suffixes...)
	if err != nil {
		return nil, err
	}
	cfg.Dtype = dt
	kh, kw := cfg.Kernel[0], cfg.Kernel[1]
	w := newTensor(dt, cfg.Out, cfg.In, kh, kw)
	if err := XavierUniform(w, cfg.In*kh*kw, cfg.Out*kh*kw, rng); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	l := &Conv2D{name: name, cfg: cfg, weight: newParam(g, name, "weight", w)}
	if !cfg.NoBias {
		l.bias = newParam(g, name, "bias", newTensor(dt, 1, cfg.Out, 1, 1))
	}
	return l, nil
}

// Forward returns conv2d(x, weight) + bias for x of shape (n, In, h, w).
func (l *Conv2D) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	what := "layers: Conv2D " + l.name
	if err := checkInput(what, x, l.weight, 4, fmt.Sprintf("(n, %d, h, w)", l.cfg.In)); err != nil {
		return nil, err
	}
	if c := x.Shape()[1]; c != l.cfg.In {
		return nil, fmt.Errorf("%s: input has %d channels (shape %v); the layer takes %d", what, c, x.Shape(), l.cfg.In)
	}
	if l.cfg.Ops == nn.FastOps {
		y, err := nn.FusedConv2D(x, l.weight, l.bias, l.cfg.Padding, l.cfg.Stride)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return y, nil
	}
	y, err := graph.Conv2D(x, l.weight, l.cfg.Padding, l.cfg.Stride)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if l.bias == nil {
		return y, nil
	}
	if y, err = gorgonia.BroadcastAdd(y, l.bias, nil, []byte{0, 2, 3}); err != nil {
		return nil, fmt.Errorf("%s: adding the bias: %w", what, err)
	}
	return y, nil
}

// Params returns the weight and, unless NoBias, the bias.
func (l *Conv2D) Params() []*gorgonia.Node {
	if l.bias == nil {
		return []*gorgonia.Node{l.weight}
	}
	return []*gorgonia.Node{l.weight, l.bias}
}

// Weight is the (Out, In, kh, kw) kernel node.
func (l *Conv2D) Weight() *gorgonia.Node { return l.weight }

// Bias is the (1, Out, 1, 1) bias node, nil with NoBias.
func (l *Conv2D) Bias() *gorgonia.Node { return l.bias }

// Config returns the configuration with defaults filled in.
func (l *Conv2D) Config() Conv2DConfig { return l.cfg }

// String is "Conv2d(In->Out, khxkw[, padding p][, stride s][, no bias])".
func (l *Conv2D) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Conv2d(%d->%d, %dx%d", l.cfg.In, l.cfg.Out, l.cfg.Kernel[0], l.cfg.Kernel[1])
	if l.cfg.Padding != [2]int{} {
		fmt.Fprintf(&b, ", padding %s", formatPair(l.cfg.Padding))
	}
	if l.cfg.Stride != [2]int{1, 1} {
		fmt.Fprintf(&b, ", stride %s", formatPair(l.cfg.Stride))
	}
	if l.cfg.NoBias {
		b.WriteString(", no bias")
	}
	b.WriteString(")")
	return b.String()
}

// Corr2DLayer is the textbook's first, hand-made Conv2D: one learnable (kh, kw) kernel and
// one scalar bias on a single-channel (h, w) image,
//
//	out = corr2d(x, weight) + bias     (h, w) -> (h-kh+1, w-kw+1)
//
// built on the custom op graph.Corr2D.
type Corr2DLayer struct {
	name   string
	weight *gorgonia.Node
	bias   *gorgonia.Node
}

// NewCorr2DLayer adds NAME.weight, a (kh, kw) kernel drawn uniformly from [0, 1) like
// the textbook's torch.rand, and NAME.bias, a zero scalar, to g. dtype zero means Float32.
func NewCorr2DLayer(g *gorgonia.ExprGraph, name string, kh, kw int, dtype tensor.Dtype, rng *rand.Rand) (*Corr2DLayer, error) {
	what := fmt.Sprintf("layers: NewCorr2DLayer %q", name)
	if kh < 1 || kw < 1 {
		return nil, fmt.Errorf("%s: kernel %dx%d; both sides must be at least 1", what, kh, kw)
	}
	dt, err := checkNewLayer(what, g, name, dtype, rng, "weight", "bias")
	if err != nil {
		return nil, err
	}
	w := newTensor(dt, kh, kw)
	switch d := w.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = rng.Float32()
		}
	case []float64:
		for i := range d {
			d[i] = rng.Float64()
		}
	}
	var zero any = float32(0)
	if dt == tensor.Float64 {
		zero = float64(0)
	}
	return &Corr2DLayer{
		name:   name,
		weight: newParam(g, name, "weight", w),
		bias:   gorgonia.NewScalar(g, dt, gorgonia.WithName(name+".bias"), gorgonia.WithValue(zero)),
	}, nil
}

// Forward returns corr2d(x, weight) + bias for a 2-D x.
func (l *Corr2DLayer) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	what := "layers: Corr2DLayer " + l.name
	if err := checkInput(what, x, l.weight, 2, "a 2-D (h, w) image"); err != nil {
		return nil, err
	}
	y, err := graph.Corr2D(x, l.weight)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if y, err = gorgonia.Add(y, l.bias); err != nil {
		return nil, fmt.Errorf("%s: adding the bias: %w", what, err)
	}
	return y, nil
}

// Params returns the kernel and the scalar bias.
func (l *Corr2DLayer) Params() []*gorgonia.Node { return []*gorgonia.Node{l.weight, l.bias} }

// Weight is the (kh, kw) kernel node.
func (l *Corr2DLayer) Weight() *gorgonia.Node { return l.weight }

// Bias is the scalar bias node.
func (l *Corr2DLayer) Bias() *gorgonia.Node { return l.bias }

// String is "Corr2D(khxkw) + bias".
func (l *Corr2DLayer) String() string {
	s := l.weight.Shape()
	return fmt.Sprintf("Corr2D(%dx%d) + bias", s[0], s[1])
}
