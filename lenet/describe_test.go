package lenet

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// The classic LeNet's rows, every number worked out by hand: PyTorch's modules, the
// shapes without the batch dimension, parameters, multiply-adds (out·H·W·in·kh·kw for a
// convolution, in·out for a dense layer) and receptive fields (a 2x2 stride-2 pooling
// adds 1 at jump 1, the second 5x5 convolution 4 at jump 2, the second pooling 1 at
// jump 4: 5, 6, 14, 16; the dense layers see the whole image).
func TestDescribeClassic(t *testing.T) {
	d, err := Describe(ClassicSpec())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		module string
		shape  []int
		params int64
		macs   int64
		rf     int64
	}{
		{"Conv2d(1, 6, kernel_size=5, padding=2)", []int{6, 28, 28}, 156, 6 * 28 * 28 * 25, 5},
		{"ReLU()", []int{6, 28, 28}, 0, 0, 5},
		{"AvgPool2d(kernel_size=2, stride=2)", []int{6, 14, 14}, 0, 0, 6},
		{"Conv2d(6, 16, kernel_size=5)", []int{16, 10, 10}, 2416, 16 * 10 * 10 * 6 * 25, 14},
		{"Sigmoid()", []int{16, 10, 10}, 0, 0, 14},
		{"AvgPool2d(kernel_size=2, stride=2)", []int{16, 5, 5}, 0, 0, 16},
		{"Flatten()", []int{400}, 0, 0, 16},
		{"Linear(400, 120)", []int{120}, 48120, 48000, 28},
		{"Sigmoid()", []int{120}, 0, 0, 28},
		{"Linear(120, 84)", []int{84}, 10164, 10080, 28},
		{"Sigmoid()", []int{84}, 0, 0, 28},
		{"Linear(84, 10)", []int{10}, 850, 840, 28},
	}
	if len(d.Layers) != len(want) {
		t.Fatalf("%d rows, want %d", len(d.Layers), len(want))
	}
	for i, w := range want {
		l := d.Layers[i]
		if l.Index != i || l.Module != w.module || !slices.Equal(l.Shape, w.shape) || l.Params != w.params || l.MACs != w.macs ||
			l.ReceptiveField != [2]int64{w.rf, w.rf} || l.Implied != (i == 11) {
			t.Errorf("row %d: %+v; want %+v", i, l, w)
		}
	}
	// The input of each row is the output of the one before.
	if !slices.Equal(d.Layers[0].Input, []int{1, 28, 28}) || !slices.Equal(d.Layers[7].Input, []int{400}) {
		t.Errorf("inputs %v and %v", d.Layers[0].Input, d.Layers[7].Input)
	}
	if d.Params != 61706 || d.MACs != 416520 {
		t.Errorf("totals: %d parameters, %d multiply-adds; want 61706 and 416520", d.Params, d.MACs)
	}
	// 784 input values, then every row's output.
	const acts = 784 + 2*4704 + 1176 + 2*1600 + 400 + 400 + 2*120 + 2*84 + 10
	if d.Activations != acts || d.ActivationBytes(256, false) != acts*256*4 || d.ActivationBytes(256, true) != acts*256*8 {
		t.Errorf("%d activations, %d and %d bytes for 256; want %d", d.Activations, d.ActivationBytes(256, false), d.ActivationBytes(256, true), acts)
	}
	if err := d.CheckBatch(256, true); err != nil {
		t.Error(err)
	}
	// 15786 values · 20000 examples · 8 bytes = 2.35 GiB.
	err = d.CheckBatch(20000, true)
	if want := "training (values and gradients) a batch of 20000 needs 2.4 GB for the layers' outputs, over the limit of 2.0 GB; use a batch of 17004 or less, or smaller layers"; fmt.Sprint(err) != want {
		t.Errorf("CheckBatch(20000): %v; want %q", err, want)
	}
	if _, err := New(Config{BatchSize: 20000}); err == nil || err.Error() != "lenet: training (values and gradients) a batch of 20000 needs 2.4 GB for the layers' outputs, over the limit of 2.0 GB; use a batch of 17004 or less, or smaller layers" {
		t.Errorf("New with batch 20000: %v", err)
	}
	if _, err := New(Config{EvalBatch: 40000}); err == nil || err.Error() != "lenet: evaluating a batch of 40000 needs 2.4 GB for the layers' outputs, over the limit of 2.0 GB; use a batch of 34009 or less, or smaller layers" {
		t.Errorf("New with evaluation batch 40000: %v", err)
	}
	// The JSON form cmd/describe writes.
	b, err := json.Marshal(d.Layers[0])
	if want := `{"kind":"conv","module":"Conv2d(1, 6, kernel_size=5, padding=2)","shape":[6,28,28],"params":156,"macs":117600,"receptive_field":[5,5]}`; err != nil || string(b) != want {
		t.Errorf("row 0 as JSON: %s, %v; want %s", b, err, want)
	}
}

// The receptive field of one output of each layer: r += (k-1)·jump and jump *= stride
// after a convolution or pooling, padding shifting the window without growing it;
// activations and Flatten keep it; a dense unit sees what all the last map's outputs see
// together, clipped to the 28x28 image.
func TestReceptiveFields(t *testing.T) {
	cases := []struct {
		name string
		spec string
		want []string // one per module, the implied last dense layer included
	}{
		{"two 3x3", "conv1k3p1-conv1k3p1", []string{"3x3", "5x5", "5x5", "28x28"}},
		{"three 3x3 with ReLU", "conv1k3-relu-conv1k3-conv1k3", []string{"3x3", "3x3", "5x5", "7x7", "7x7", "28x28"}},
		// 1+2, then 3+2·2; the dense unit sees 11x11 outputs 2 apart: 7 + 10·2.
		{"stride 2 then 3x3", "conv1k3s2-conv1k3", []string{"3x3", "7x7", "7x7", "27x27"}},
		{"padding does not grow", "max3s2p1", []string{"3x3", "3x3", "28x28"}},
		{"non-square", "conv1k5x3-flatten", []string{"5x3", "5x3", "28x28"}},
		// Strides of 3 and 4: the pooling adds 2·3 rows and 1·4 columns; the dense unit
		// sees the 3x3 outputs' fields, 9 + 2·9 rows and 9 + 2·8 columns.
		{"rectangles and strides", "conv4k3x5p0x1s3x4-max3x2", []string{"3x5", "9x9", "9x9", "27x25"}},
		{"a dense layer sees all", "conv1k3-flatten-dense2", []string{"3x3", "3x3", "28x28", "28x28"}},
		// 13x13 outputs 2 apart cover 3 + 12·2 = 27 rows: the last row of the image is
		// never read.
		{"a dense layer sees what the maps see", "conv1k3s2-dense2", []string{"3x3", "3x3", "27x27", "27x27"}},
		{"reaching the border", "conv1k9p4-conv1k9p4-conv1k9p4-conv1k9p4", []string{"9x9", "17x17", "25x25", "28x28", "28x28", "28x28"}},
		{"no convolution", "dense4", []string{"1x1", "28x28", "28x28"}},
	}
	for _, c := range cases {
		d, err := Describe(mustParse(t, c.spec))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, l := range d.Layers {
			got = append(got, fmt.Sprintf("%dx%d", l.ReceptiveField[0], l.ReceptiveField[1]))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (%s): fields %v, want %v", c.name, c.spec, got, c.want)
		}
	}
}

// Describe reports the first layer that breaks, by its index in the normalized spec,
// for specs built in Go as for parsed ones; the message is the same as ParseSpec's.
func TestDescribeErrors(t *testing.T) {
	cases := []struct {
		spec  Spec
		layer int
		want  string
	}{
		{Spec{}, -1, "the spec has no layers"},
		{Spec{Layers: []Layer{Dense(8), Conv(4, 3, 0)}}, 2, "layer 2 conv4k3: its input is a vector of 8; convolutions and poolings take (channels, height, width) maps, so put them before flatten and the dense layers"},
		{Spec{Layers: []Layer{{Kind: "softmax"}}}, 0, `layer 0 softmax: unknown layer kind "softmax"`},
		{Spec{Layers: []Layer{{Kind: KindConv, Out: 4, Kernel: [2]int{3, 3}, Stride: [2]int{-1, 1}}}}, 0, "layer 0 conv4k3s-1x1: the height stride is -1; want at least 1"},
		{Spec{Layers: []Layer{{Kind: KindMaxPool, Kernel: [2]int{2, 2}, Padding: [2]int{0, -1}}}}, 0, "layer 0 max2p0x-1: the width padding is -1; want 0 or more"},
		{Spec{Layers: []Layer{Conv(4, 3, 0)}, LR: -0.5}, -1, "learning rate -0.5 must be a positive number"},
		{Spec{Layers: []Layer{Conv(4, 3, 0)}, Init: "zeros"}, -1, `unknown init "zeros"; use xavier or kaiming`},
	}
	for i, c := range cases {
		_, err := Describe(c.spec)
		var se *SpecError
		if !errors.As(err, &se) || !errors.Is(err, ErrSpec) || se.Layer != c.layer || err.Error() != c.want {
			t.Errorf("case %d: %v; want a *SpecError of layer %d: %q", i, err, c.layer, c.want)
		}
	}
}
