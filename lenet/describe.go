package lenet

import (
	"fmt"
	"math"
	"strings"

	"github.com/d2l-go/convnets/graph/geom"
)

// The limits every spec is held to before anything is allocated for it, so that a
// spec from a command line, a web request or a checkpoint's metadata cannot make the
// program ask for more memory than the machine has.
const (
	// MaxDim bounds every number of a layer: channels, widths, kernels, strides and
	// paddings.
	MaxDim = 1 << 20
	// MaxParams bounds the trainable parameters (200 MB of float32 weights, and as
	// much again for their gradients).
	MaxParams = 50_000_000
	// MaxActivationBytes bounds the float32 values (and, for training, their
	// gradients) that the layers' outputs take for one batch: see
	// Description.ActivationBytes.
	MaxActivationBytes = 2 << 30
)

// Defaults of the training settings: the same in Go, on the command line and in the
// page.
const (
	DefaultEpochs    = 10
	DefaultBatch     = 256
	DefaultEvalBatch = 1000
	DefaultSeed      = 1
)

// LayerInfo describes one module of the network, as PyTorch's nn.Sequential numbers
// them (Index), for one example: its input and output shapes without the batch
// dimension ((C, H, W) for maps, (N) for vectors), its parameters, its multiply-adds
// and the receptive field of one of its outputs on the input image.
type LayerInfo struct {
	Index  int       `json:"-"`
	Layer  Layer     `json:"-"` // with its defaults resolved
	Kind   LayerKind `json:"kind"`
	Module string    `json:"module"` // the PyTorch module, e.g. "Conv2d(1, 6, kernel_size=5, padding=2)"
	Input  []int     `json:"-"`
	Shape  []int     `json:"shape"`
	Params int64     `json:"params"`
	// MACs counts the multiply-adds of convolutions and dense layers; poolings and
	// activations count 0.
	MACs int64 `json:"macs"`
	// ReceptiveField is the window (rows, columns) of the input image that one output
	// of the layer depends on, at most the whole image: after a window layer r +=
	// (k-1)·jump and jump *= stride (padding shifts the window without growing it);
	// Flatten keeps it; a dense unit sees every pixel the last map's outputs see.
	ReceptiveField [2]int64 `json:"receptive_field"`
	// Window maps an output cell of a (C, H, W) output to the input rows and columns it
	// depends on (see RFWindow); zero for vectors.
	Window RFWindow `json:"-"`
	// Implied marks the last dense layer, to the classes, which a Spec never lists.
	Implied bool `json:"implied,omitempty"`
}

// RFWindow says which input pixels the output cell (r, c) of a map depends on: rows
// r·Jump[0] − Offset[0] to that plus Size[0] − 1, columns likewise, before clipping to
// the image (rows outside it are padding).
type RFWindow struct {
	Size   [2]int64 `json:"size"`
	Jump   [2]int64 `json:"jump"`
	Offset [2]int64 `json:"offset"`
}

// Description is what Describe tells of a spec: its modules in order and the totals.
type Description struct {
	Layers []LayerInfo `json:"layers"`
	Params int64       `json:"params"`
	MACs   int64       `json:"macs"`
	// Activations is the number of values the modules output for one example, the
	// input included.
	Activations int64 `json:"-"`
}

// ActivationBytes is the float32 memory of a batch's layer outputs: the values, and
// when training as much again for their gradients.
func (d *Description) ActivationBytes(batch int, training bool) int64 {
	b := mul(mul(d.Activations, int64(batch)), 4)
	if training {
		b = mul(b, 2)
	}
	return b
}

// CheckBatch refuses a batch whose layer outputs would take more than
// MaxActivationBytes.
func (d *Description) CheckBatch(batch int, training bool) error {
	if b := d.ActivationBytes(batch, training); b > MaxActivationBytes {
		what := "evaluating"
		if training {
			what = "training (values and gradients)"
		}
		per := d.ActivationBytes(1, training)
		return fmt.Errorf("%s a batch of %d needs %s for the layers' outputs, over the limit of %s; use a batch of %d or less, or smaller layers",
			what, batch, bytesText(b), bytesText(MaxActivationBytes), MaxActivationBytes/per)
	}
	return nil
}

// Describe works out every module of s for a 1x28x28 input without building anything:
// the spec's layers (normalized, see Spec.Normalized) and the last dense layer to the
// classes. For a spec that cannot be built it returns a *SpecError naming the first
// layer that breaks and why, with the arithmetic: a window larger than its padded
// input, a convolution after Flatten, a spec over MaxParams or MaxActivationBytes for
// one example.
func Describe(s Spec) (*Description, error) {
	s = s.Normalized()
	if len(s.Layers) == 0 {
		return nil, specErr(-1, "", "the spec has no layers")
	}
	if err := s.checkTraining(); err != nil {
		return nil, err
	}
	d := &Description{}
	st := walkState{shape: []int{1, Height, Width}, rf: [2]int64{1, 1}, jump: [2]int64{1, 1}}
	d.Activations = int64(Height * Width)
	mods := append(s.Layers, Dense(Classes))
	for i, l := range mods {
		info, err := st.next(l)
		if err != nil {
			return nil, &SpecError{Layer: i, Token: l.Token(), Err: err}
		}
		info.Index, info.Implied = i, i == len(s.Layers)
		d.Layers = append(d.Layers, info)
		d.Params = add(d.Params, info.Params)
		d.MACs = add(d.MACs, info.MACs)
		d.Activations = add(d.Activations, numel64(info.Shape))
		if d.Params > MaxParams {
			return nil, specErr(i, l.Token(), "the network reaches %d parameters here, over the limit of %d; use fewer channels or a narrower layer", d.Params, MaxParams)
		}
		if b := d.ActivationBytes(1, true); b > MaxActivationBytes {
			return nil, specErr(i, l.Token(), "the layers' outputs reach %s for one example here, over the limit of %s; use fewer channels, more stride or less padding", bytesText(b), bytesText(MaxActivationBytes))
		}
	}
	return d, nil
}

// walkState is the shape and receptive-field arithmetic carried from layer to layer.
type walkState struct {
	shape []int    // (C, H, W) or (N)
	rf    [2]int64 // receptive field of one output of the last layer, unclipped
	jump  [2]int64 // input pixels between neighbouring outputs of the last layer
	off   [2]int64 // minus the first input row (column) output cell 0 depends on
	whole [2]int64 // after Flatten: the field of all the last map's outputs together
}

// next describes layer l on the current input and moves past it.
func (st *walkState) next(l Layer) (LayerInfo, error) {
	l = l.Resolved()
	info := LayerInfo{Layer: l, Kind: l.Kind, Input: st.shape}
	maps := len(st.shape) == 3
	switch {
	case l.Kind.windowed():
		if !maps {
			return info, fmt.Errorf("its input is a vector of %d; convolutions and poolings take (channels, height, width) maps, so put them before flatten and the dense layers", st.shape[0])
		}
		if err := st.window(&info); err != nil {
			return info, err
		}
	case l.Kind.elementwise():
		info.Shape = st.shape
	case l.Kind == KindFlatten:
		if !maps {
			return info, fmt.Errorf("its input is already a vector of %d", st.shape[0])
		}
		info.Shape = []int{st.shape[0] * st.shape[1] * st.shape[2]}
		for i := range 2 {
			st.whole[i] = add(st.rf[i], mul(int64(st.shape[1+i]-1), st.jump[i]))
		}
	case l.Kind == KindLinear:
		if maps {
			return info, fmt.Errorf("its input is a %s map; flatten it first", shapeText(st.shape))
		}
		if l.Out < 1 {
			return info, fmt.Errorf("width %d must be at least 1", l.Out)
		}
		info.Shape = []int{l.Out}
		st.rf = st.whole
		info.Params = add(mul(int64(st.shape[0]), int64(l.Out)), int64(l.Out))
		info.MACs = mul(int64(st.shape[0]), int64(l.Out))
	default:
		return info, fmt.Errorf("unknown layer kind %q", l.Kind)
	}
	info.Module = torchModule(l, st.shape)
	if len(info.Shape) == 3 {
		info.Window = RFWindow{Size: st.rf, Jump: st.jump, Offset: st.off}
	}
	info.ReceptiveField = [2]int64{min(st.rf[0], Height), min(st.rf[1], Width)}
	st.shape = info.Shape
	return info, nil
}

// window describes a convolution or pooling: checks its numbers and the fit of its
// window, and sets the output shape, parameters, multiply-adds and receptive field.
func (st *walkState) window(info *LayerInfo) error {
	l := info.Layer
	c, h, w := st.shape[0], st.shape[1], st.shape[2]
	what := "window"
	if l.Kind == KindConv {
		what = "kernel"
		if l.Out < 1 {
			return fmt.Errorf("%d output channels; want at least 1", l.Out)
		}
	}
	for i, dim := range [2]string{"height", "width"} {
		switch {
		case l.Kernel[i] < 1:
			return fmt.Errorf("the %s %s is %d; want at least 1", what, dim, l.Kernel[i])
		case l.Stride[i] < 1:
			return fmt.Errorf("the %s stride is %d; want at least 1", dim, l.Stride[i])
		case l.Padding[i] < 0:
			return fmt.Errorf("the %s padding is %d; want 0 or more", dim, l.Padding[i])
		case l.Kind != KindConv && 2*l.Padding[i] > l.Kernel[i]:
			return fmt.Errorf("padding %s is more than half the %dx%d window (PyTorch's rule for pooling); use at most %s",
				pairText(l.Padding), l.Kernel[0], l.Kernel[1], pairText([2]int{l.Kernel[0] / 2, l.Kernel[1] / 2}))
		}
	}
	in := [2]int{h, w}
	var out [2]int
	for i := range 2 {
		out[i] = geom.OutputSize(in[i], l.Kernel[i], l.Padding[i], l.Stride[i])
		if out[i] < 1 {
			dim := ""
			if i == 1 && out[0] >= 1 {
				dim = "width: "
			}
			num := in[i] - l.Kernel[i] + 2*l.Padding[i]
			return fmt.Errorf("input %dx%d is smaller than the %dx%d %s; %sfloor((%d - %d + %d) / %d) + 1 = %d",
				h, w, l.Kernel[0], l.Kernel[1], what, dim, in[i], l.Kernel[i], 2*l.Padding[i], l.Stride[i], floorDiv(num, l.Stride[i])+1)
		}
	}
	info.Shape = []int{c, out[0], out[1]}
	if l.Kind == KindConv {
		info.Shape[0] = l.Out
		k := mul(mul(int64(c), int64(l.Kernel[0])), int64(l.Kernel[1]))
		info.Params = add(mul(int64(l.Out), k), int64(l.Out))
		info.MACs = mul(mul(mul(int64(l.Out), int64(out[0])), int64(out[1])), k)
	}
	for i := range 2 {
		st.rf[i] = add(st.rf[i], mul(int64(l.Kernel[i]-1), st.jump[i]))
		st.off[i] = add(st.off[i], mul(int64(l.Padding[i]), st.jump[i]))
		st.jump[i] = mul(st.jump[i], int64(l.Stride[i]))
	}
	return nil
}

// torchModule is the PyTorch constructor of layer l on an input of the given shape,
// as the generated Python writes it.
func torchModule(l Layer, in []int) string {
	py := func(p [2]int) string {
		if p[0] == p[1] {
			return fmt.Sprint(p[0])
		}
		return fmt.Sprintf("(%d, %d)", p[0], p[1])
	}
	switch l.Kind {
	case KindConv:
		s := fmt.Sprintf("Conv2d(%d, %d, kernel_size=%s", in[0], l.Out, py(l.Kernel))
		if l.Stride != [2]int{1, 1} {
			s += ", stride=" + py(l.Stride)
		}
		if l.Padding != [2]int{} {
			s += ", padding=" + py(l.Padding)
		}
		return s + ")"
	case KindMaxPool, KindAvgPool:
		s := fmt.Sprintf("%s(kernel_size=%s, stride=%s", map[LayerKind]string{KindMaxPool: "MaxPool2d", KindAvgPool: "AvgPool2d"}[l.Kind], py(l.Kernel), py(l.Stride))
		if l.Padding != [2]int{} {
			s += ", padding=" + py(l.Padding)
		}
		return s + ")"
	case KindLinear:
		return fmt.Sprintf("Linear(%d, %d)", in[0], l.Out)
	}
	if a, ok := activationOf(l.Kind); ok {
		return a.torch
	}
	return map[LayerKind]string{KindFlatten: "Flatten()"}[l.Kind]
}

// floorDiv is floor(a / b) for b > 0.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// mul and add saturate at math.MaxInt64, so that arithmetic on hostile sizes stays
// above every limit instead of wrapping round below it.
func mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

func add(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func numel64(shape []int) int64 {
	n := int64(1)
	for _, d := range shape {
		n = mul(n, int64(d))
	}
	return n
}

// shapeText writes (6, 28, 28) as 6x28x28.
func shapeText(s []int) string {
	t := make([]string, len(s))
	for i, d := range s {
		t[i] = fmt.Sprint(d)
	}
	return strings.Join(t, "x")
}

// bytesText writes a size in MB or GB.
func bytesText(b int64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.1f GB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}
