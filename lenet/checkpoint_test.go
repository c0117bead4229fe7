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
	"slices"
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

// A network built from any Spec is saved under its spec string (Spec.Model), its
// tensors named as the PyTorch nn.Sequential of that spec names them; it reads back,
// restores into a classifier built from the checkpoint's Spec and gives the same
// logits. A network with LeNet's tensors but other activations or pooling keeps its own
// name, and restoring it into the classic network is refused. Weights that do not fit
// the network the checkpoint names are refused on saving, naming the parameter.
func TestCheckpointOfSpec(t *testing.T) {
	x, _ := syntheticBatch(7, 3)
	for _, tc := range []struct {
		spec string
		keys []string // the state_dict's keys
	}{
		{"conv6k5p2-sigmoid-max2-conv16k5-relu-avg2-dense120-relu-dense84-sigmoid",
			[]string{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"}},
		{"conv8k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu",
			[]string{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"}},
		// Strides, rectangles, padded max pooling, tanh and no hidden dense layer.
		{"conv4k3p1s2-tanh-max3s2p1-conv8k3x5p1x0-relu",
			[]string{"0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"}},
	} {
		spec, err := ParseSpec(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		c := newClassifier(t, Config{Spec: spec, BatchSize: 4, EvalBatch: 3, Seed: 2})
		ck := Snapshot(c, header(TrainState{Epoch: 1}, 2))
		f, err := ck.toSafetensors()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.Names(), tc.keys) || f.Metadata[metaVariant] != tc.spec || f.Metadata[metaSpec] != tc.spec {
			t.Errorf("%s: tensors %v, metadata %v; want %v named by the spec", tc.spec, f.Names(), f.Metadata, tc.keys)
		}
		got, err := ReadCheckpoint(bytes.NewReader(written(t, ck)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Model != tc.spec || !reflect.DeepEqual(got.Weights, ck.Weights) || !reflect.DeepEqual(got.Params, ck.Params) {
			t.Errorf("%s: read back model %q; want the spec and the weights written", tc.spec, got.Model)
		}
		gs, err := got.Spec()
		if err != nil || !SameNetwork(gs, spec) {
			t.Fatalf("%s: checkpoint's Spec %v, %v", tc.spec, gs, err)
		}
		back := newClassifier(t, Config{Spec: gs, BatchSize: 4, EvalBatch: 3, Seed: 9})
		if err := got.Restore(back); err != nil {
			t.Fatalf("%s: restoring into the spec's network: %v", tc.spec, err)
		}
		want, _ := c.Logits(nil, x)
		logits, err := back.Logits(nil, x)
		if err != nil || !slices.Equal(logits, want) {
			t.Errorf("%s: logits after restoring %v (%v); want %v", tc.spec, logits, err, want)
		}
		classic := newClassifier(t, Config{BatchSize: 4})
		wantErr := "checkpoint holds another network: the file holds " + spec.Arch() + ", the network is " + ClassicSpec().Arch()
		if err := got.Restore(classic); !errors.Is(err, ErrWrongModel) || err.Error() != wantErr {
			t.Errorf("%s: restoring into the classic network: %v; want %q", tc.spec, err, wantErr)
		}
	}

	other, err := ParseSpec("conv8k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu")
	if err != nil {
		t.Fatal(err)
	}
	ck := Snapshot(newClassifier(t, Config{Spec: other, BatchSize: 4}), header(TrainState{}, 1))
	ck.Model = Classic
	_, err = ck.WriteTo(io.Discard)
	if want := "checkpoint parameters do not match the network: parameter 0 is conv1.weight [8 1 5 5] with 200 values; want conv1.weight [6 1 5 5]"; !errors.Is(err, ErrParamsMismatch) || fmt.Sprint(err) != want {
		t.Errorf("saving weights of another shape as classic: %v; want ErrParamsMismatch %q", err, want)
	}
}

// Truncations, and altered bits in every header byte and in a sample of the data, are
// refused with one line: no change to a checkpoint goes unnoticed.
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

// PyTorch's weights alone load, in F32, F64 or BF16, as weights only; the network comes
// from the lenet.variant metadata when present, else SettleModel says which it is (the
// classic LeNet when the caller does not), and Restore asks for it until then.
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
		if !got.WeightsOnly || !reflect.DeepEqual(got.CheckpointHeader, CheckpointHeader{}) {
			t.Errorf("%s: header %+v, weights only %v; want an empty header until the network is settled", dt, got.CheckpointHeader, got.WeightsOnly)
		}
		fresh := newClassifier(t, Config{BatchSize: 4, Seed: 77})
		if err := got.Restore(fresh); !errors.Is(err, ErrUnsettled) || err.Error() != "the checkpoint does not name its network; SettleModel chooses which network its tensors are read as" {
			t.Errorf("%s: restoring without a network: %v", dt, err)
		}
		if assumed, err := got.SettleModel(""); err != nil || !assumed || got.Model != Classic || !reflect.DeepEqual(got.Params, ck.Params) {
			t.Fatalf("%s: settled on %q (assumed %v, %v) with parameters %v; want classic assumed and %v", dt, got.Model, assumed, err, got.Params, ck.Params)
		}
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
	// Named network; saved again, the file stays weights only (no state).
	f := torchFile(t, ck, safetensors.F32)
	f.Metadata = map[string]string{"lenet.variant": "modern"}
	got, err := ReadCheckpoint(bytes.NewReader(written(t, f)))
	if err != nil || got.Model != Modern || !got.WeightsOnly || !reflect.DeepEqual(got.Params, ck.Params) {
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
	// A network SettleModel assumed is not written into the file: read again, the file
	// still does not name it.
	got, err = ReadCheckpoint(bytes.NewReader(written(t, torchFile(t, ck, safetensors.F32))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := got.SettleModel(""); err != nil {
		t.Fatal(err)
	}
	again, err = ReadCheckpoint(bytes.NewReader(written(t, got)))
	if err != nil || again.Model != "" || again.Params != nil {
		t.Errorf("saved after assuming classic: %v, model %q, %d parameters; want no network named", err, again.Model, len(again.Params))
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
		}, ErrParamsMismatch, `checkpoint parameters do not match the network: the file holds a tensor "1.weight"; the state_dict of classic is exactly 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias, 11.weight, 11.bias`},
		{"missing tensor", func(f *safetensors.File) { f.Tensors = f.Tensors[1:] }, ErrParamsMismatch,
			`checkpoint parameters do not match the network: the file has no tensor "0.weight"; the state_dict of classic is exactly 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias, 11.weight, 11.bias`},
		{"transposed linear", func(f *safetensors.File) { f.Tensors[4].Shape = []int{400, 120} }, ErrParamsMismatch,
			`checkpoint parameters do not match the network: tensor "7.weight" has shape [400 120]; in classic it is [120 400]`},
		{"integer weights", func(f *safetensors.File) { f.Tensors[1].DType = safetensors.I32 }, safetensors.ErrDType, `tensor "0.bias" is I32`},
		{"unknown network", func(f *safetensors.File) { f.Metadata = map[string]string{"lenet.variant": "resnet"} }, ErrCorrupt,
			`checkpoint is corrupt: the network it names (lenet.variant "resnet"): token "resnet": unknown token; ` + TokenHelp},
		{"named network of other shapes", func(f *safetensors.File) {
			f.Metadata = map[string]string{"lenet.variant": "conv8k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu"}
		}, ErrParamsMismatch, `checkpoint parameters do not match the network: tensor "0.weight" has shape [6 1 5 5]; in conv8k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu it is [8 1 5 5]`},
	}
	for i, tc := range cases {
		f := torchFile(t, ck, safetensors.F32)
		tc.change(f)
		got, err := ReadCheckpoint(bytes.NewReader(written(t, f)))
		if err == nil {
			// A file that does not name its network is read as one when it is settled.
			_, err = got.SettleModel("")
		}
		if err == nil || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
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
		{"state without network", func(m map[string]string) {
			m[metaState] = `{"epoch":1}`
			delete(m, metaVariant)
		}, "checkpoint is corrupt: lenet.state names no network"},
		{"state without the network the metadata names", func(m map[string]string) { m[metaState] = `{"epoch":1}` }, `checkpoint is corrupt: lenet.variant says "classic", lenet.state says ""`},
		{"spec disagrees", func(m map[string]string) {
			m[metaSpec] = "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu"
		},
			`checkpoint is corrupt: lenet.spec says "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu", lenet.variant says "conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid"`},
		{"state names a network it cannot build", func(m map[string]string) {
			m[metaState] = `{"variant":"conv6k29","epoch":1}`
			delete(m, metaVariant)
		}, "checkpoint is corrupt: the network it names (lenet.state \"conv6k29\"): layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"},
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
