package lenet_test

import (
	"errors"
	"path/filepath"
	"reflect"
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
	for _, v := range append(slices.Clone(lenet.Presets), "conv4k3x5p1x2s2-tanh-max3s2p1-conv6k3-avg2-flatten-sigmoid-dense12-tanh-dense7", "dense5") {
		spec := mustSpec(t, v)
		c := inspectClassifier(t, v, 1)
		var want []lenet.ParamInfo
		for i, l := range c.Net().Layers() {
			for j, p := range l.Params() {
				suffix := []string{"weight", "bias"}[j]
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
				want = append(want, lenet.ParamInfo{Name: strconv.Itoa(i) + "." + suffix, Shape: s})
			}
		}
		got, err := lenet.StateDict(spec)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: StateDict %v (%v); the layers give %v", v, got, err, want)
		}
	}
	classic, err := lenet.StateDict(lenet.ClassicSpec())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range classic {
		keys = append(keys, p.Name)
	}
	if want := []string{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"}; !slices.Equal(keys, want) {
		t.Errorf("classic state_dict %v; want %v", keys, want)
	}
	if _, err := lenet.StateDict(badSpec); !errors.Is(err, lenet.ErrSpec) || err.Error() != badSpecErr {
		t.Errorf("StateDict of a network that cannot be built: %v", err)
	}
}

// torchForward runs one image through the network as PyTorch would, from the
// checkpoint's tensors alone: convolution weights (out, in, kh, kw), biases (out),
// linear weights (out, in) applied as W x + b, Flatten of (16, 5, 5) in row-major order.
func torchForward(t *testing.T, f *safetensors.File, v string, x []float32) []float64 {
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
	for vi, v := range lenet.Presets {
		c := inspectClassifier(t, v, uint64(10+vi))
		sd, err := lenet.StateDict(mustSpec(t, v))
		if err != nil {
			t.Fatal(err)
		}
		shapes := map[string][]int{}
		var keys []string
		for _, p := range sd {
			keys = append(keys, p.Name)
			shapes[p.Name] = p.Shape
		}
		path := filepath.Join(t.TempDir(), "ck.safetensors")
		if err := lenet.Snapshot(c, lenet.CheckpointHeader{}).Save(path); err != nil {
			t.Fatal(err)
		}
		f := checkpointtest.ReadFile(t, path)
		if names := f.Names(); !slices.Equal(names, keys) {
			t.Errorf("%s: tensors %v, want %v", v, names, keys)
		}
		for _, tn := range f.Tensors {
			if tn.DType != safetensors.F32 || !slices.Equal(tn.Shape, shapes[tn.Name]) {
				t.Errorf("%s: %s is %s %v", v, tn.Name, tn.DType, tn.Shape)
			}
		}
		if f.Metadata["format"] != "pt" || f.Metadata["lenet.variant"] != v || f.Metadata["lenet.spec"] != mustSpec(t, v).Arch() || len(f.Metadata["lenet.sha256"]) != 64 {
			t.Errorf("%s: metadata %v", v, f.Metadata)
		}
		for k := range 2 {
			x := testImage(uint64(k))
			got, err := c.Logits(nil, x)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, v+" logits", got, torchForward(t, f, v, x), 1e-5)
		}
	}
}
