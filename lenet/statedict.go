package lenet

import (
	"fmt"
	"slices"
	"strings"
)

// The d2l LeNet in PyTorch is one nn.Sequential, modules numbered from 0:
//
//	0 Conv2d(1, 6, kernel_size=5, padding=2)   6 Flatten()
//	1 activation                               7 Linear(400, 120)
//	2 pooling, 2x2 stride 2                    8 activation
//	3 Conv2d(6, 16, kernel_size=5)             9 Linear(120, 84)
//	4 activation                              10 activation
//	5 pooling, 2x2 stride 2                   11 Linear(84, 10)
//
// (classic: ReLU at 1, Sigmoid at 4, 8, 10, AvgPool2d; modern: ReLU everywhere,
// MaxPool2d), the order of NewNet's layers. Its state_dict names each parameter
// "INDEX.weight" or "INDEX.bias", in PyTorch's layouts: a convolution's weight is
// (out, in, kh, kw) as here, its bias (out) where this project keeps (1, out, 1, 1) for
// broadcasting; a linear layer's weight is (out, in), the transpose of this project's
// (in, out). Flatten takes (16, 5, 5) in row-major order on both sides.

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

// stateDict lists the parameters in Classifier.Params order.
var stateDict = []stateDictEntry{
	{"0.weight", "conv1.weight", []int{6, 1, 5, 5}, sameLayout},
	{"0.bias", "conv1.bias", []int{6}, convBias},
	{"3.weight", "conv2.weight", []int{16, 6, 5, 5}, sameLayout},
	{"3.bias", "conv2.bias", []int{16}, convBias},
	{"7.weight", "fc1.weight", []int{120, 400}, linearWeight},
	{"7.bias", "fc1.bias", []int{120}, sameLayout},
	{"9.weight", "fc2.weight", []int{84, 120}, linearWeight},
	{"9.bias", "fc2.bias", []int{84}, sameLayout},
	{"11.weight", "fc3.weight", []int{10, 84}, linearWeight},
	{"11.bias", "fc3.bias", []int{10}, sameLayout},
}

// StateDictKeys returns the keys of the d2l LeNet's PyTorch state_dict, in the order of
// Classifier.Params: "0.weight", "0.bias", "3.weight", ..., "11.bias".
func StateDictKeys() []string {
	keys := make([]string, len(stateDict))
	for i, e := range stateDict {
		keys[i] = e.key
	}
	return keys
}

// StateDictShape returns PyTorch's shape of the state_dict entry key, or nil when LeNet
// has no such entry.
func StateDictShape(key string) []int {
	for _, e := range stateDict {
		if e.key == key {
			return slices.Clone(e.shape)
		}
	}
	return nil
}

// stateDictList is the keys as a message lists them.
func stateDictList() string { return strings.Join(StateDictKeys(), ", ") }

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
