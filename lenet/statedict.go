package lenet

import (
	"fmt"
	"slices"
	"strings"
)

// A network is one PyTorch nn.Sequential, modules numbered from 0 in the order of
// Describe's rows (activations and Flatten included), so the chapter's LeNet is
//
//	0 Conv2d(1, 6, kernel_size=5, padding=2)   6 Flatten()
//	1 ReLU()                                   7 Linear(400, 120)
//	2 AvgPool2d(kernel_size=2, stride=2)       8 Sigmoid()
//	3 Conv2d(6, 16, kernel_size=5)             9 Linear(120, 84)
//	4 Sigmoid()                               10 Sigmoid()
//	5 AvgPool2d(kernel_size=2, stride=2)      11 Linear(84, 10)
//
// Its state_dict names each parameter "INDEX.weight" or "INDEX.bias", in PyTorch's
// layouts: a convolution's weight is (out, in, kh, kw) as here, its bias (out) where
// this project keeps (1, out, 1, 1) for broadcasting; a linear layer's weight is (out,
// in), the transpose of this project's (in, out). Flatten takes (C, H, W) in row-major
// order on both sides.

// layout says how a parameter's PyTorch layout differs from this project's.
type layout int

const (
	sameLayout   layout = iota // the same shape and order
	convBias                   // PyTorch (C), here (1, C, 1, 1): the same values
	linearWeight               // PyTorch (out, in), here (in, out): transposed
)

// stateDictEntry ties one of Classifier.Params to its state_dict key.
type stateDictEntry struct {
	key    string // in the state_dict
	param  string // the parameter's name here
	shape  []int  // PyTorch's shape
	layout layout
}

// stateDict lists the parameters of the described network in Classifier.Params order
// (module by module, weight before bias).
func stateDict(d *Description) []stateDictEntry {
	names := paramLayerNames(d)
	var out []stateDictEntry
	for i, m := range d.Layers {
		key := func(p string) string { return fmt.Sprintf("%d.%s", m.Index, p) }
		switch m.Kind {
		case KindConv:
			l := m.Layer
			out = append(out,
				stateDictEntry{key("weight"), names[i] + ".weight", []int{l.Out, m.Input[0], l.Kernel[0], l.Kernel[1]}, sameLayout},
				stateDictEntry{key("bias"), names[i] + ".bias", []int{l.Out}, convBias})
		case KindLinear:
			out = append(out,
				stateDictEntry{key("weight"), names[i] + ".weight", []int{m.Layer.Out, m.Input[0]}, linearWeight},
				stateDictEntry{key("bias"), names[i] + ".bias", []int{m.Layer.Out}, sameLayout})
		}
	}
	return out
}

// StateDict returns the keys of the PyTorch state_dict of the network s describes,
// with their shapes, in the order of Classifier.Params: for the classic LeNet
// "0.weight" (6, 1, 5, 5), "0.bias" (6), "3.weight", ..., "11.bias" (10).
func StateDict(s Spec) ([]ParamInfo, error) {
	d, err := Describe(s.orClassic())
	if err != nil {
		return nil, err
	}
	var out []ParamInfo
	for _, e := range stateDict(d) {
		out = append(out, ParamInfo{Name: e.key, Shape: slices.Clone(e.shape)})
	}
	return out, nil
}

// stateDictList is the keys as a message lists them.
func stateDictList(entries []stateDictEntry) string {
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.key
	}
	return strings.Join(keys, ", ")
}

// localShape is the parameter's shape here.
func (e stateDictEntry) localShape() []int {
	switch e.layout {
	case convBias:
		return []int{1, e.shape[0], 1, 1}
	case linearWeight:
		return []int{e.shape[1], e.shape[0]}
	}
	return slices.Clone(e.shape)
}

// toTorch returns the values of a parameter (in this project's layout) in PyTorch's.
func (e stateDictEntry) toTorch(v []float32) []float32 {
	if e.layout == linearWeight {
		return transpose(v, e.shape[1], e.shape[0])
	}
	return slices.Clone(v)
}

// fromTorch is the inverse of toTorch.
func (e stateDictEntry) fromTorch(v []float32) []float32 {
	if e.layout == linearWeight {
		return transpose(v, e.shape[0], e.shape[1])
	}
	return slices.Clone(v)
}

// transpose returns the (cols, rows) transpose of the row-major (rows, cols) matrix m.
func transpose(m []float32, rows, cols int) []float32 {
	if len(m) != rows*cols {
		panic(fmt.Sprintf("lenet: transpose of %d values as %dx%d", len(m), rows, cols))
	}
	t := make([]float32, len(m))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = m[i*cols+j]
		}
	}
	return t
}
