package checkpointtest

import (
	"bytes"
	"encoding/hex"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/d2l-go/convnets/internal/safetensors"
)

// A file written by WriteFile reads back equal; NaNFirstWeight of it has a NaN first
// weight, the other values as they were, and a digest that matches again.
func TestWriteReadAndNaNFirstWeight(t *testing.T) {
	f := &safetensors.File{
		Tensors: []safetensors.Tensor{
			safetensors.FromFloat32s("0.weight", []int{2, 2}, []float32{1, 2, 3, 4}),
			safetensors.FromFloat32s("0.bias", []int{2}, []float32{5, 6}),
		},
		Metadata: map[string]string{digestKey: "", "lenet.variant": "classic"},
	}
	sum := f.Sum(digestKey)
	f.Metadata[digestKey] = hex.EncodeToString(sum[:])
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	WriteFile(t, path, f)
	got := ReadFile(t, path)
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("read back %+v, want %+v", got, f)
	}

	var good bytes.Buffer
	if _, err := f.WriteTo(&good); err != nil {
		t.Fatal(err)
	}
	bad, err := safetensors.Decode(NaNFirstWeight(t, good.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	w, err := bad.Tensors[0].Float32s()
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(w[0])) || w[1] != 2 || w[3] != 4 {
		t.Errorf("weights %v, want NaN, 2, 3, 4", w)
	}
	if sum := bad.Sum(digestKey); bad.Metadata[digestKey] != hex.EncodeToString(sum[:]) || bad.Metadata[digestKey] == f.Metadata[digestKey] {
		t.Errorf("digest %s does not match the changed tensors", bad.Metadata[digestKey])
	}
}
