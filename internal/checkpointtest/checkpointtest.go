// Package checkpointtest reads and writes safetensors files for tests, and makes damaged
// LeNet checkpoints: files that a checkpoint's own checks (the safetensors structure,
// the lenet.sha256 digest) accept, but whose values no run should continue from.
package checkpointtest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"testing"

	"github.com/d2l-go/convnets/internal/safetensors"
)

// digestKey is the metadata entry of a checkpoint's digest (lenet/safetensors.go).
const digestKey = "lenet.sha256"

// NaNFirstWeight returns a copy of the checkpoint file good whose first weight
// (0.weight[0], conv1.weight[0] in the project's names) is NaN, with its digest made
// to match: what a diverged run would have saved if the writer let it.
func NaNFirstWeight(tb testing.TB, good []byte) []byte {
	tb.Helper()
	f, err := safetensors.Decode(good)
	if err != nil {
		tb.Fatal(err)
	}
	if _, ok := f.Metadata[digestKey]; !ok || len(f.Tensors) == 0 || f.Tensors[0].DType != safetensors.F32 {
		tb.Fatalf("not a checkpoint of this project: tensors %v, metadata keys %d", f.Names(), len(f.Metadata))
	}
	binary.LittleEndian.PutUint32(f.Tensors[0].Data, 0x7fc00000)
	sum := f.Sum(digestKey)
	f.Metadata[digestKey] = hex.EncodeToString(sum[:])
	return encode(tb, f)
}

// ReadFile reads and checks the safetensors file at path, failing tb on an error.
func ReadFile(tb testing.TB, path string) *safetensors.File {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := safetensors.Decode(data)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return f
}

// WriteFile writes f to path as a safetensors file, failing tb on an error.
func WriteFile(tb testing.TB, path string, f *safetensors.File) {
	tb.Helper()
	if err := os.WriteFile(path, encode(tb, f), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// encode returns f in the safetensors format, failing tb on an error.
func encode(tb testing.TB, f *safetensors.File) []byte {
	tb.Helper()
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
