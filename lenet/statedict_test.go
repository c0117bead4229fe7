package lenet_test

import (
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/d2l-go/convnets/internal/checkpointtest"
	"github.com/d2l-go/convnets/internal/safetensors"
	"github.com/d2l-go/convnets/layers"
	"github.com/d2l-go/convnets/lenet"
)

// The state_dict keys are the PyTorch module indices of the layers that hold the
// parameters: the network's own layer order, so the key table cannot drift from it.
func TestStateDictKeysFollowTheLayers(t *testing.T) {
	for _, v := range lenet.Variants {
		c := inspectClassifier(t, v, 1)
		var keys []string
		var shapes [][]int
		for i, l := range c.Net().Layers() {
			for j, p := range l.Params() {
				suffix := []string{"weight", "bias"}[j]
				keys = append(keys, strconv.Itoa(i)+"."+suffix)
				s := slices.Clone([]int(p.Shape()))
				switch l.(type) {
				case *layers.Linear:
					if suffix == "weight" {
						s[0], s[1] = s[1], s[0] // (in, out) here, (out, in) in PyTorch
					}
				case *layers.Conv2D:
					if suffix == "bias" {
						s = s[1:2] // (1, C, 1, 1) here, (C) in PyTorch
					}
				}
				shapes = append(shapes, s)
			}
		}
		if want := lenet.StateDictKeys(); !slices.Equal(keys, want) {
			t.Fatalf("%s: layers give keys %v, the table %v", v, keys, want)
		}
		for i, k := range keys {
			if got := lenet.StateDictShape(k); !slices.Equal(got, shapes[i]) {
				t.Errorf("%s: %s has shape %v in the table, %v from the layer", v, k, got, shapes[i])
			}
		}
	}
	if lenet.StateDictShape("1.weight") != nil {
		t.Error("1.weight (an activation) has a shape")
	}
}

// torchForward runs one image through the network as PyTorch would, from the
// checkpoint's tensors alone: convolution weights (out, in, kh, kw), biases (out),
// linear weights (out, in) applied as W x + b, Flatten of (16, 5, 5) in row-major order.
func torchForward(t *testing.T, f *safetensors.File, v lenet.Variant, x []float32) []float64 {
	t.Helper()
	get := func(key string) []float64 {
		tn, ok := f.Tensor(key)
		if !ok {
			t.Fatalf("no tensor %s", key)
		}
		vals, err := tn.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		return f64(vals)
	}
	linear := func(x []float64, key string) []float64 {
		w, b := get(key+".weight"), get(key+".bias")
		y := make([]float64, len(b))
		for o := range y {
			y[o] = b[o]
			for i, xi := range x {
				y[o] += w[o*len(x)+i] * xi
			}
		}
		return y
	}
	hidden, isMax := sigmoid, false
	if v == lenet.Modern {
		hidden, isMax = relu, true
	}
	h := apply(refConv(f64(x), 1, 28, 28, get("0.weight"), get("0.bias"), 6, 5, 2), relu)
	h = refPool(h, 6, 28, 28, isMax)
	h = apply(refConv(h, 6, 14, 14, get("3.weight"), get("3.bias"), 16, 5, 0), hidden)
	h = refPool(h, 16, 10, 10, isMax) // (16, 5, 5), flattened as it lies
	h = apply(linear(h, "7"), hidden)
	h = apply(linear(h, "9"), hidden)
	return linear(h, "11")
}

// A saved checkpoint is the PyTorch state_dict: the network PyTorch would build from its
// tensors computes the Classifier's logits.
func TestCheckpointComputesLikePyTorch(t *testing.T) {
	for vi, v := range lenet.Variants {
		c := inspectClassifier(t, v, uint64(10+vi))
		path := filepath.Join(t.TempDir(), "ck.safetensors")
		if err := lenet.Snapshot(c, lenet.CheckpointHeader{}).Save(path); err != nil {
			t.Fatal(err)
		}
		f := checkpointtest.ReadFile(t, path)
		if names := f.Names(); !slices.Equal(names, lenet.StateDictKeys()) {
			t.Errorf("%s: tensors %v, want %v", v, names, lenet.StateDictKeys())
		}
		for _, tn := range f.Tensors {
			if tn.DType != safetensors.F32 || !slices.Equal(tn.Shape, lenet.StateDictShape(tn.Name)) {
				t.Errorf("%s: %s is %s %v", v, tn.Name, tn.DType, tn.Shape)
			}
		}
		if f.Metadata["format"] != "pt" || f.Metadata["lenet.variant"] != string(v) || len(f.Metadata["lenet.sha256"]) != 64 {
			t.Errorf("%s: metadata %v", v, f.Metadata)
		}
		for k := range 2 {
			x := testImage(uint64(k))
			got, err := c.Logits(nil, x)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, string(v)+" logits", got, torchForward(t, f, v, x), 1e-5)
		}
	}
}
