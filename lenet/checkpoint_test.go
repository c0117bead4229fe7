package lenet

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/safetensors"
)

// testCheckpoint is a snapshot of a fresh classic network with a short history.
func testCheckpoint(t *testing.T) (*Checkpoint, *Classifier) {
	t.Helper()
	c := newClassifier(t, Config{BatchSize: 4, Seed: 3})
	h := History{{Epoch: 0.5, TrainLoss: ptr(1.5), TrainAcc: ptr(0.25)}, {Epoch: 1, TestAcc: ptr(0.5)}}
	return Snapshot(c, header(TrainState{Epoch: 1, History: h}, 4)), c
}

// written is what w writes.
func written(t *testing.T, w io.WriterTo) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A checkpoint reads back as it was written, in the new format and in the old one.
func TestCheckpointFormats(t *testing.T) {
	ck, _ := testCheckpoint(t)
	for _, format := range []string{"safetensors", "LENETCKP"} {
		data := written(t, ck)
		if format == "LENETCKP" {
			data = forge(ck.CheckpointHeader, ck.Weights)
		}
		got, err := ReadCheckpoint(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if !reflect.DeepEqual(got, ck) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", format, got.CheckpointHeader, ck.CheckpointHeader)
		}
	}
	// The state is one JSON value of the header, without the parameter list.
	f, err := safetensors.Decode(written(t, ck))
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal([]byte(f.Metadata[metaState]), &state); err != nil {
		t.Fatal(err)
	}
	if state["epoch"] != 1.0 || state["variant"] != "classic" || state["params"] != nil || len(state["history"].([]any)) != 2 || state["train_examples"] != 512.0 {
		t.Errorf("state %v", state)
	}
}

// Truncations, and altered bits in every header byte and in a sample of the data, are
// refused with one line: no change to a checkpoint goes unnoticed.
// A network built from a Spec is saved under its spec string: one with LeNet's tensors
// (other activations and pooling) reads back and restores; one with other shapes has no
// place in LeNet's state_dict and is refused on saving, naming the parameter.
func TestCheckpointOfSpec(t *testing.T) {
	same, err := ParseSpec("conv6k5p2-sigmoid-max2-conv16k5-relu-avg2-dense120-relu-dense84-sigmoid")
	if err != nil {
		t.Fatal(err)
	}
	c := newClassifier(t, Config{Spec: &same, BatchSize: 4, Seed: 2})
	ck := Snapshot(c, header(TrainState{Epoch: 1}, 2))
	got, err := ReadCheckpoint(bytes.NewReader(written(t, ck)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Variant != Variant(same.Arch()) || !reflect.DeepEqual(got.Weights, ck.Weights) {
		t.Errorf("read back variant %q; want %q and the weights written", got.Variant, same.Arch())
	}
	back := newClassifier(t, Config{Variant: got.Variant, BatchSize: 4, Seed: 9})
	if err := got.Restore(back); err != nil {
		t.Errorf("restoring into the spec's network: %v", err)
	}

	other, err := ParseSpec("conv8k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu")
	if err != nil {
		t.Fatal(err)
	}
	c = newClassifier(t, Config{Spec: &other, BatchSize: 4})
	_, err = Snapshot(c, header(TrainState{}, 1)).WriteTo(io.Discard)
	if want := "parameter 0 is conv1.weight [8 1 5 5] with 200 values; want conv1.weight [6 1 5 5]"; !errors.Is(err, ErrParamsMismatch) || !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("saving another shape: %v; want ErrParamsMismatch with %q", err, want)
	}
}

func TestCheckpointRefusesEveryCorruption(t *testing.T) {
	ck, _ := testCheckpoint(t)
	good := written(t, ck)
	hlen := 8 + int(binary.LittleEndian.Uint64(good))
	check := func(what string, data []byte) {
		t.Helper()
		_, err := ReadCheckpoint(bytes.NewReader(data))
		if err == nil {
			t.Fatalf("%s: accepted", what)
		}
		if strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("%s: message of several lines: %q", what, err)
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotCheckpoint) {
			t.Fatalf("%s: %v is neither ErrCorrupt nor ErrNotCheckpoint", what, err)
		}
	}
	for n := 0; n < len(good); n += 1 + n/64 {
		check(fmt.Sprintf("cut to %d bytes", n), good[:n])
	}
	check("one byte added", append(bytes.Clone(good), 0))
	flip := func(at int, bit uint) []byte {
		b := bytes.Clone(good)
		b[at] ^= 1 << bit
		return b
	}
	for at := range hlen {
		// A rotating bit, and bit 5, which changes a letter's case (a hex digit of the
		// digest, a key's name).
		for _, bit := range []uint{uint(at % 8), 5} {
			check(fmt.Sprintf("bit %d of header byte %d", bit, at), flip(at, bit))
		}
	}
	for at := hlen; at < len(good); at += 97 {
		check(fmt.Sprintf("data byte %d", at), flip(at, uint(at%8)))
	}
	check("last byte", flip(len(good)-1, 0))
}

// torchFile is the state_dict of ck as PyTorch would save it: the ten tensors in dtype
// (converted from float32), no metadata.
func torchFile(t *testing.T, ck *Checkpoint, dtype safetensors.DType) *safetensors.File {
	t.Helper()
	f, err := ck.toSafetensors()
	if err != nil {
		t.Fatal(err)
	}
	f.Metadata = nil
	for i := range f.Tensors {
		tn := &f.Tensors[i]
		v, _ := tn.Float32s()
		switch dtype {
		case safetensors.F64:
			tn.Data = nil
			for _, x := range v {
				tn.Data = binary.LittleEndian.AppendUint64(tn.Data, math.Float64bits(float64(x)))
			}
		case safetensors.BF16:
			tn.Data = nil
			for _, x := range v {
				tn.Data = binary.LittleEndian.AppendUint16(tn.Data, uint16(math.Float32bits(x)>>16))
			}
		}
		tn.DType = dtype
	}
	return f
}

// PyTorch's weights alone load, in F32, F64 or BF16, as weights only; the variant comes
// from the lenet.variant metadata when present, else Restore asks for it.
func TestWeightsOnly(t *testing.T) {
	ck, c := testCheckpoint(t)
	x := make([]float32, 3*Height*Width)
	for i := range x {
		x[i] = float32(i%13) / 13
	}
	want, err := c.Logits(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range []safetensors.DType{safetensors.F32, safetensors.F64, safetensors.BF16} {
		got, err := ReadCheckpoint(bytes.NewReader(written(t, torchFile(t, ck, dt))))
		if err != nil {
			t.Fatalf("%s: %v", dt, err)
		}
		if !got.WeightsOnly || !reflect.DeepEqual(got.CheckpointHeader, CheckpointHeader{Params: ck.Params}) {
			t.Errorf("%s: header %+v, weights only %v", dt, got.CheckpointHeader, got.WeightsOnly)
		}
		fresh := newClassifier(t, Config{BatchSize: 4, Seed: 77})
		if err := got.Restore(fresh); !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), "does not say which variant") {
			t.Errorf("%s: restoring without a variant: %v", dt, err)
		}
		got.Variant = Classic
		if err := got.Restore(fresh); err != nil {
			t.Fatal(err)
		}
		logits, _ := fresh.Logits(nil, x)
		tol := 0.0
		if dt == safetensors.BF16 {
			tol = 0.05 // 8 bits of mantissa
		}
		for i := range want {
			if d := math.Abs(float64(logits[i] - want[i])); d > tol {
				t.Fatalf("%s: logit %d is %v, want %v", dt, i, logits[i], want[i])
			}
		}
	}
	// Named variant; saved again, the file stays weights only (no state, no digest).
	f := torchFile(t, ck, safetensors.F32)
	f.Metadata = map[string]string{"lenet.variant": "modern"}
	got, err := ReadCheckpoint(bytes.NewReader(written(t, f)))
	if err != nil || got.Variant != Modern || !got.WeightsOnly {
		t.Fatalf("with lenet.variant: %v, %+v", err, got)
	}
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := got.Save(path); err != nil {
		t.Fatal(err)
	}
	again, err := LoadCheckpoint(path)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("saved weights only: %v, %+v", err, again)
	}
}

// Files that are safetensors but not LeNet weights, or whose metadata contradicts
// itself, are refused with one line naming the problem.
func TestForeignSafetensors(t *testing.T) {
	ck, _ := testCheckpoint(t)
	own, err := ck.toSafetensors()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(f *safetensors.File)
		want   error
		msg    string
	}{
		{"extra tensor", func(f *safetensors.File) {
			f.Tensors = append(f.Tensors, safetensors.FromFloat32s("1.weight", []int{1}, []float32{0}))
		}, ErrParamsMismatch, `the file holds a tensor "1.weight"; LeNet's state_dict is exactly 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias, 11.weight, 11.bias`},
		{"missing tensor", func(f *safetensors.File) { f.Tensors = f.Tensors[1:] }, ErrParamsMismatch, `the file has no tensor "0.weight"`},
		{"transposed linear", func(f *safetensors.File) { f.Tensors[4].Shape = []int{400, 120} }, ErrParamsMismatch, `tensor "7.weight" has shape [400 120]; LeNet's is [120 400]`},
		{"integer weights", func(f *safetensors.File) { f.Tensors[1].DType = safetensors.I32 }, safetensors.ErrDType, `tensor "0.bias" is I32`},
		{"unknown variant", func(f *safetensors.File) { f.Metadata = map[string]string{"lenet.variant": "resnet"} }, nil, `metadata lenet.variant: unknown model "resnet"`},
	}
	for i, tc := range cases {
		f := torchFile(t, ck, safetensors.F32)
		tc.change(f)
		_, err := ReadCheckpoint(bytes.NewReader(written(t, f)))
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("case %d %s: %v; want %v containing %q", i, tc.name, err, tc.want, tc.msg)
		}
	}
	// The project's own metadata, changed consistently with a fresh digest: a state
	// without a digest, or one that contradicts lenet.variant.
	meta := []struct {
		name   string
		change func(m map[string]string)
		msg    string
	}{
		{"no digest", func(m map[string]string) { delete(m, metaDigest) }, "it has lenet.state but no lenet.sha256"},
		{"variants disagree", func(m map[string]string) { m[metaVariant] = "modern" }, `lenet.variant says "modern", lenet.state says "classic"`},
		{"state not JSON", func(m map[string]string) { m[metaState] = "{" }, "lenet.state: unexpected end of JSON input"},
		{"state without variant", func(m map[string]string) { m[metaState] = `{"epoch":1}` }, `lenet.state: unknown model ""`},
	}
	for i, tc := range meta {
		f := *own
		f.Metadata = make(map[string]string)
		for k, v := range own.Metadata {
			f.Metadata[k] = v
		}
		tc.change(f.Metadata)
		if _, ok := f.Metadata[metaDigest]; ok {
			sum := f.Sum(metaDigest)
			f.Metadata[metaDigest] = fmt.Sprintf("%x", sum)
		}
		_, err := ReadCheckpoint(bytes.NewReader(written(t, &f)))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("meta case %d %s: %v; want ErrCorrupt containing %q", i, tc.name, err, tc.msg)
		}
	}
}
