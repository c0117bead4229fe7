package lenet

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// torchKinds maps a PyTorch module's class to the LayerKind Describe gives it.
var torchKinds = map[string]LayerKind{
	"Conv2d": KindConv, "MaxPool2d": KindMaxPool, "AvgPool2d": KindAvgPool, "ReLU": KindReLU,
	"Sigmoid": KindSigmoid, "Tanh": KindTanh, "Flatten": KindFlatten, "Linear": KindLinear,
}

// TestDescribeMatchesPyTorch holds Describe against the shapes and parameter counts
// PyTorch computed for the same networks (testdata/torch_shapes.json, made by
// scripts/torch_shapes.py from cmd/describe -pytorch: make torch-shapes), every
// layer kind among them.
func TestDescribeMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/torch_shapes.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Specs map[string][]struct {
			Module string `json:"module"`
			Shape  []int  `json:"shape"`
			Params int64  `json:"params"`
		} `json:"specs"`
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	kinds := map[LayerKind]bool{}
	for spec, rows := range table.Specs {
		s, err := ParseSpec(spec)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		d, err := Describe(s)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		if len(d.Layers) != len(rows) {
			t.Errorf("%s: %d modules, PyTorch has %d", spec, len(d.Layers), len(rows))
			continue
		}
		var total int64
		for i, r := range rows {
			m := d.Layers[i]
			class, _, _ := strings.Cut(r.Module, "(")
			if torchKinds[class] != m.Kind || !slices.Equal(m.Shape, r.Shape) || m.Params != r.Params {
				t.Errorf("%s module %d: %s %v %d params; PyTorch %s %v %d", spec, i, m.Kind, m.Shape, m.Params, r.Module, r.Shape, r.Params)
			}
			kinds[m.Kind] = true
			total += r.Params
		}
		if d.Params != total {
			t.Errorf("%s: %d parameters, PyTorch %d", spec, d.Params, total)
		}
	}
	for k := range torchKinds {
		if !kinds[torchKinds[k]] {
			t.Errorf("the table has no %s layer", k)
		}
	}
}
