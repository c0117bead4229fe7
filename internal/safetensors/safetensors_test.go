package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// raw assembles a file from a header and data part, with the true header length.
func raw(header string, data ...byte) []byte {
	return rawLen(uint64(len(header)), header, data...)
}

// rawLen assembles a file whose length field says hlen.
func rawLen(hlen uint64, header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, hlen)
	return append(append(b, header...), data...)
}

// sample is a file with every kind of tensor the format allows: several dtypes, a
// scalar, an empty tensor, and metadata.
func sample() *File {
	return &File{
		Tensors: []Tensor{
			FromFloat32s("conv.weight", []int{2, 1, 1, 2}, []float32{1, -2, 0.5, 3}),
			FromFloat32s("scale", []int{}, []float32{7}),
			{Name: "steps", DType: I64, Shape: []int{2}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}},
			{Name: "empty", DType: F16, Shape: []int{0, 3}, Data: []byte{}},
			{Name: "half", DType: F16, Shape: []int{3}, Data: []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c}},
		},
		Metadata: map[string]string{"format": "pt", "note": `quotes " and newlines \n survive`},
	}
}

func encode(t *testing.T, f *File) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := f.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	data := encode(t, want)
	hlen := binary.LittleEndian.Uint64(data)
	if (8+hlen)%8 != 0 {
		t.Errorf("the data part starts at byte %d, not a multiple of 8", 8+hlen)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Tensors {
		w, g := want.Tensors[i], got.Tensors[i]
		if g.Name != w.Name || g.DType != w.DType || !reflect.DeepEqual(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("tensor %d: got %+v, want %+v", i, g, w)
		}
	}
	if !reflect.DeepEqual(got.Metadata, want.Metadata) {
		t.Errorf("metadata %v, want %v", got.Metadata, want.Metadata)
	}
	if got.Sum() != want.Sum() {
		t.Error("Sum differs after a round trip")
	}
	// Read gives the same as Decode, and the tensors' bytes cannot grow into each other.
	again, err := Read(bytes.NewReader(data))
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("Read: %v, %+v", err, again)
	}
	if c := cap(got.Tensors[0].Data); c != len(got.Tensors[0].Data) {
		t.Errorf("tensor data has capacity %d beyond its length %d", c, len(got.Tensors[0].Data))
	}
}

// The header of a small file, byte for byte: metadata first, then the tensors in the
// order given, offsets contiguous, spaces up to an 8-byte boundary.
func TestHeaderLayout(t *testing.T) {
	f := &File{
		Tensors:  []Tensor{FromFloat32s("b", []int{2}, []float32{1, 2}), FromFloat32s("a", []int{}, []float32{3})},
		Metadata: map[string]string{"k": "v"},
	}
	data := encode(t, f)
	want := `{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}`
	want += strings.Repeat(" ", (8-(8+len(want))%8)%8)
	hlen := binary.LittleEndian.Uint64(data)
	if got := string(data[8 : 8+hlen]); got != want {
		t.Errorf("header\n%q\nwant\n%q", got, want)
	}
	if len(data) != 8+len(want)+12 {
		t.Errorf("file is %d bytes, want %d", len(data), 8+len(want)+12)
	}
}

// Tensors come back in the order of their bytes, whatever the order of the header, as
// other writers (the reference one sorts by dtype and name) lay files out differently.
func TestTensorsInDataOrder(t *testing.T) {
	hdr := `{"y":{"dtype":"U8","shape":[1],"data_offsets":[2,3]},"__metadata__":{},"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`
	f, err := Decode(raw(hdr, 10, 11, 12))
	if err != nil {
		t.Fatal(err)
	}
	if names := f.Names(); !reflect.DeepEqual(names, []string{"x", "y"}) {
		t.Errorf("names %v", names)
	}
	if x, _ := f.Tensor("x"); !bytes.Equal(x.Data, []byte{10, 11}) {
		t.Errorf("x = %v", x.Data)
	}
	if y, ok := f.Tensor("y"); !ok || !bytes.Equal(y.Data, []byte{12}) {
		t.Errorf("y = %v", y)
	}
	if _, ok := f.Tensor("z"); ok {
		t.Error("found a tensor z")
	}
	if f.Metadata == nil || len(f.Metadata) != 0 {
		t.Errorf("metadata %v, want empty and not nil", f.Metadata)
	}
}

// malformedCase is an input Read and Open refuse, the sentinel and part of the message.
type malformedCase struct {
	name string
	data []byte
	want error
	msg  string
}

// malformedCases are the inputs both Read (TestMalformed) and Open (TestOpenMalformed)
// refuse with the same message.
func malformedCases() []malformedCase {
	t1 := func(entry string) string { return `{"t":` + entry + `}` }
	good := `{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	data8 := make([]byte, 8)
	return []malformedCase{
		{"empty", nil, ErrNotSafetensors, "0 bytes; the format starts with an 8-byte header length"},
		{"short", []byte("hello"), ErrNotSafetensors, "5 bytes"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), ErrNotSafetensors, "byte 8 is 0x00"},
		{"not JSON", rawLen(4, "abcd"), ErrNotSafetensors, "does not start with '{'"},
		{"length only", rawLen(10, ""), ErrTruncated, "ends after the header length (10 bytes announced)"},
		{"zero length", rawLen(0, ""), ErrHeader, "header length 0"},
		{"one-byte header", rawLen(1, "{}"), ErrHeader, "header length 1"},
		{"huge header length", rawLen(1<<40, "{}"), ErrHeader, "header length 1099511627776 exceeds the limit of 100000000 bytes"},
		{"header cut short", rawLen(100, "{}"), ErrTruncated, "the header is 100 bytes, the file holds 2 of them"},
		{"bad JSON", raw(`{"t":}`), ErrHeader, "invalid character"},
		{"unterminated", raw(`{"t":{`), ErrHeader, "tensor \"t\""},
		{"not UTF-8", raw("{\"\xff\":1}"), ErrHeader, "not valid UTF-8"},
		{"JSON after the object", raw(`{}{}`), ErrHeader, "more after the header's JSON object"},
		{"garbage after the object", raw(`{}x`), ErrHeader, "more after the header's JSON object"},
		{"NUL padding", raw("{}\x00\x00"), ErrHeader, "more after the header's JSON object"},
		{"duplicate tensor", raw(`{"t":`+good+`,"t":`+good+`}`, data8...), ErrHeader, `the header has the key "t" twice`},
		{"duplicate field", raw(t1(`{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}`), data8...), ErrHeader, `tensor "t" has the key "dtype" twice`},
		{"duplicate metadata", raw(`{"__metadata__":{"a":"1","a":"2"}}`), ErrHeader, `__metadata__ has the key "a" twice`},
		{"metadata number", raw(`{"__metadata__":{"a":1}}`), ErrHeader, `__metadata__["a"] is 1, not a string`},
		{"metadata null", raw(`{"__metadata__":null}`), ErrHeader, "__metadata__ is null; want a JSON object"},
		{"metadata list", raw(`{"__metadata__":["a"]}`), ErrHeader, "__metadata__ is a list; want a JSON object"},
		{"entry not an object", raw(`{"t":3}`), ErrHeader, `tensor "t" is 3; want a JSON object`},
		{"unknown dtype", raw(t1(`{"dtype":"F33","shape":[2],"data_offsets":[0,8]}`), data8...), ErrDType, `tensor "t" has dtype "F33"; known dtypes are BOOL, U8`},
		{"4-bit dtype", raw(t1(`{"dtype":"F4","shape":[2],"data_offsets":[0,1]}`), 0), ErrDType, `dtype "F4"`},
		{"dtype not a string", raw(t1(`{"dtype":4,"shape":[2],"data_offsets":[0,8]}`), data8...), ErrHeader, "dtype is 4, not a string"},
		{"unknown field", raw(t1(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"stride":[1]}`), data8...), ErrHeader, `unknown field "stride"`},
		{"no offsets", raw(t1(`{"dtype":"F32","shape":[2]}`), data8...), ErrHeader, `tensor "t" has no data_offsets`},
		{"no shape", raw(t1(`{"dtype":"F32","data_offsets":[0,8]}`), data8...), ErrHeader, `tensor "t" has no shape`},
		{"no dtype", raw(t1(`{"shape":[2],"data_offsets":[0,8]}`), data8...), ErrHeader, `tensor "t" has no dtype`},
		{"negative dim", raw(t1(`{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}`), data8...), ErrHeader, "shape[0] is -2, not a non-negative integer"},
		{"fractional dim", raw(t1(`{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}`), data8...), ErrHeader, "shape[0] is 2.0"},
		{"shape not a list", raw(t1(`{"dtype":"F32","shape":2,"data_offsets":[0,8]}`), data8...), ErrHeader, "shape is 2, not a list"},
		{"three offsets", raw(t1(`{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}`), data8...), ErrHeader, "data_offsets has 3 numbers"},
		{"offsets backwards", raw(t1(`{"dtype":"F32","shape":[0],"data_offsets":[8,0]}`), data8...), ErrHeader, "end before they begin"},
		{"gap", raw(t1(`{"dtype":"F32","shape":[2],"data_offsets":[4,12]}`), make([]byte, 12)...), ErrHeader, "leave a gap after byte 0"},
		{"overlap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8...), ErrHeader, `tensor "b": data_offsets [4, 8] overlap the previous tensor, which ends at 8`},
		{"size mismatch", raw(t1(`{"dtype":"F32","shape":[3],"data_offsets":[0,8]}`), data8...), ErrHeader, "hold 8 bytes; F32 [3] needs 12"},
		{"shape overflow", raw(t1(`{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}`), data8...), ErrHeader, "negative or too large"},
		{"offset overflow", raw(t1(`{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]}`), data8...), ErrHeader, "not a non-negative integer"},
		{"data cut short", raw(t1(good), 1, 2, 3), ErrTruncated, "the header announces 8 bytes of tensor data, the file holds 3"},
		{"a byte too many", raw(t1(good), make([]byte, 9)...), ErrTrailingData, "1 byte follows the 8 bytes of tensor data"},
		{"two bytes too many", raw(t1(good), make([]byte, 10)...), ErrTrailingData, "2 bytes follow the 8 bytes of tensor data"},
		{"offsets beyond int", raw(`{"a":{"dtype":"U8","shape":[9223372036854775807],"data_offsets":[0,9223372036854775807]},"b":{"dtype":"U8","shape":[2],"data_offsets":[9223372036854775807,9223372036854775809]}}`), ErrHeader, `tensor "b": data_offsets [9223372036854775807, 9223372036854775809] lie beyond what this machine can address`},
	}
}

func TestMalformed(t *testing.T) {
	for i, tc := range malformedCases() {
		_, err := Decode(tc.data)
		if !errors.Is(err, tc.want) {
			t.Errorf("case %d %s: got %v, want %v", i, tc.name, err, tc.want)
			continue
		}
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("case %d %s: %T is not a *FormatError", i, tc.name, err)
		}
		if msg := err.Error(); !strings.Contains(msg, tc.msg) || strings.ContainsAny(msg, "\n\r") {
			t.Errorf("case %d %s: message %q; want one line containing %q", i, tc.name, msg, tc.msg)
		}
	}
}

// A header may announce far more data than the input holds: Read fails on the missing
// bytes without allocating what was announced.
func TestHugeAnnouncementCostsNothing(t *testing.T) {
	data := raw(`{"t":{"dtype":"F64","shape":[1073741824],"data_offsets":[0,8589934592]}}`, 1, 2, 3)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(data)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v, want ErrTruncated", err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
		t.Errorf("decoding allocated %d bytes for a 100-byte input", grown)
	}
}

var errDisk = errors.New("disk on fire")

// A reader's own failure is passed on, not reported as a format problem, wherever in
// the file it happens.
func TestReadError(t *testing.T) {
	data := encode(t, sample())
	hlen := int(binary.LittleEndian.Uint64(data))
	for _, n := range []int{0, 3, 8, 9, 20, 8 + hlen, len(data) - 1, len(data)} {
		_, err := Read(io.MultiReader(bytes.NewReader(data[:n]), iotest.ErrReader(errDisk)))
		var fe *FormatError
		if !errors.Is(err, errDisk) || errors.As(err, &fe) {
			t.Errorf("after %d bytes: %v", n, err)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	ok := FromFloat32s("w", []int{2}, []float32{1, 2})
	cases := []struct {
		name string
		f    File
		want error
		msg  string
	}{
		{"empty name", File{Tensors: []Tensor{FromFloat32s("", nil, []float32{1})}}, ErrHeader, `tensor 0 is named ""`},
		{"metadata name", File{Tensors: []Tensor{FromFloat32s(MetadataKey, nil, []float32{1})}}, ErrHeader, "other than __metadata__"},
		{"not UTF-8", File{Tensors: []Tensor{FromFloat32s("\xff", nil, []float32{1})}}, ErrHeader, `named "\xff"`},
		{"twice", File{Tensors: []Tensor{ok, ok}}, ErrHeader, `two tensors are named "w"`},
		{"short data", File{Tensors: []Tensor{FromFloat32s("w", []int{3}, []float32{1, 2})}}, ErrHeader, `tensor "w" holds 8 bytes; F32 [3] needs 12`},
		{"unknown dtype", File{Tensors: []Tensor{{Name: "w", DType: "F12", Shape: []int{1}}}}, ErrDType, `dtype "F12"`},
		{"negative dim", File{Tensors: []Tensor{{Name: "w", DType: F32, Shape: []int{-1}}}}, ErrHeader, "negative or too large"},
		{"bad metadata", File{Metadata: map[string]string{"k": "\xfe"}}, ErrHeader, `metadata entry "k"`},
	}
	for i, tc := range cases {
		var buf bytes.Buffer
		_, err := tc.f.WriteTo(&buf)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("case %d %s: got %v, want %v containing %q", i, tc.name, err, tc.want, tc.msg)
		}
		if buf.Len() != 0 {
			t.Errorf("case %d %s: wrote %d bytes of a bad file", i, tc.name, buf.Len())
		}
	}
	// A writer's failure is returned.
	if _, err := sample().WriteTo(failingWriter{}); !errors.Is(err, errDisk) {
		t.Errorf("failing writer: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDisk }

// Float32s converts every float dtype; it and Float64s refuse other dtypes and sizes that
// do not fit the shape.
func TestFloat32s(t *testing.T) {
	le16 := func(v ...uint16) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint16(b, x)
		}
		return b
	}
	f64 := func(v ...float64) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	inf := float32(math.Inf(1))
	cases := []struct {
		name string
		t    Tensor
		want []float32
	}{
		{"F32", FromFloat32s("x", []int{2}, []float32{1.5, -0.25}), []float32{1.5, -0.25}},
		// 1, -2, the largest half (65504), the smallest subnormal (2^-24), the largest
		// subnormal, the smallest normal (2^-14), +Inf, -Inf, -0.
		{"F16", Tensor{Name: "x", DType: F16, Shape: []int{9}, Data: le16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x8000)},
			[]float32{1, -2, 65504, 1.0 / (1 << 24), 1023.0 / (1 << 24), 1.0 / (1 << 14), inf, -inf, float32(math.Copysign(0, -1))}},
		{"BF16", Tensor{Name: "x", DType: BF16, Shape: []int{3}, Data: le16(0x3f80, 0xc040, 0x7f80)}, []float32{1, -3, inf}},
		{"F64", Tensor{Name: "x", DType: F64, Shape: []int{3}, Data: f64(0.1, -1e300, 1e-50)}, []float32{0.1, -inf, 0}},
	}
	for i, tc := range cases {
		got, err := tc.t.Float32s()
		if err != nil {
			t.Fatalf("case %d %s: %v", i, tc.name, err)
		}
		for j := range tc.want {
			if math.Float32bits(got[j]) != math.Float32bits(tc.want[j]) {
				t.Errorf("case %d %s: element %d = %v, want %v", i, tc.name, j, got[j], tc.want[j])
			}
		}
	}
	// A NaN stays NaN.
	nan, _ := (&Tensor{Name: "x", DType: F16, Shape: []int{1}, Data: le16(0x7e00)}).Float32s()
	if !math.IsNaN(float64(nan[0])) {
		t.Errorf("F16 0x7e00 = %v, want NaN", nan[0])
	}
	// Float32s's errors, and Float64s's (f64).
	bad := []struct {
		t    Tensor
		f64  bool
		want error
		msg  string
	}{
		{Tensor{Name: "i", DType: I32, Shape: []int{1}, Data: make([]byte, 4)}, false, ErrDType, `tensor "i" is I32; only F32, F64, F16 and BF16 convert to float32`},
		{Tensor{Name: "s", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}, false, ErrHeader, `tensor "s" holds 4 bytes; F32 [2] needs 8`},
		{Tensor{Name: "i", DType: I64, Shape: []int{1}, Data: make([]byte, 8)}, true, ErrDType, `tensor "i" is I64; only F32, F64, F16 and BF16 convert to float64`},
		{Tensor{Name: "s", DType: F64, Shape: []int{2}, Data: make([]byte, 8)}, true, ErrHeader, `tensor "s" holds 8 bytes; F64 [2] needs 16`},
		{Tensor{Name: "h", DType: F16, Shape: []int{2}, Data: make([]byte, 2)}, true, ErrHeader, `tensor "h" holds 2 bytes; F16 [2] needs 4`},
	}
	for i, tc := range bad {
		var err error
		if tc.f64 {
			_, err = tc.t.Float64s()
		} else {
			_, err = tc.t.Float32s()
		}
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("bad case %d: %v", i, err)
		}
	}
}

// Sum changes with every part of the content and not with the layout.
func TestSum(t *testing.T) {
	base := sample().Sum()
	reordered := sample()
	reordered.Tensors[0], reordered.Tensors[4] = reordered.Tensors[4], reordered.Tensors[0]
	if reordered.Sum() != base {
		t.Error("Sum depends on the tensors' order")
	}
	withKey := sample()
	withKey.Metadata["digest"] = "anything"
	if withKey.Sum("digest") != base || withKey.Sum() == base {
		t.Error("skip does not leave the key out, or an added key does not count")
	}
	changes := map[string]func(f *File){
		"name":           func(f *File) { f.Tensors[0].Name = "conv.weigh" },
		"dtype":          func(f *File) { f.Tensors[2].DType = U64 },
		"shape":          func(f *File) { f.Tensors[0].Shape = []int{1, 2, 1, 2} },
		"byte":           func(f *File) { f.Tensors[0].Data[3] ^= 1 },
		"metadata value": func(f *File) { f.Metadata["format"] = "np" },
		"metadata key":   func(f *File) { f.Metadata["formats"] = f.Metadata["format"]; delete(f.Metadata, "format") },
		"boundary":       func(f *File) { f.Metadata["format"], f.Metadata["note"] = "p", "t"+f.Metadata["note"] },
		"tensor dropped": func(f *File) { f.Tensors = f.Tensors[:4] },
	}
	for name, change := range changes {
		f := sample()
		change(f)
		if f.Sum() == base {
			t.Errorf("%s: Sum did not change", name)
		}
	}
}

// A file read back through a reader that returns one byte at a time is the same.
func TestReadOneByteAtATime(t *testing.T) {
	data := encode(t, sample())
	got, err := Read(iotest.OneByteReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Decode(data)
	if !reflect.DeepEqual(got, want) {
		t.Error("one-byte reads give another file")
	}
}

// Float64s gives every float dtype exactly, F64 written by FromFloat64s bit for bit.
func TestFloat64s(t *testing.T) {
	tiny := math.Float64frombits(1) // the smallest subnormal, not a float32
	cases := []struct {
		name string
		t    Tensor
		want []float64
	}{
		{"F64", FromFloat64s("x", []int{2, 2}, []float64{0.1, -1e300, tiny, math.Copysign(0, -1)}), []float64{0.1, -1e300, tiny, math.Copysign(0, -1)}},
		{"F32", FromFloat32s("x", []int{2}, []float32{0.1, -3}), []float64{float64(float32(0.1)), -3}},
		{"BF16", Tensor{Name: "x", DType: BF16, Shape: []int{1}, Data: []byte{0x40, 0xc0}}, []float64{-3}},
		{"scalar", FromFloat64s("s", []int{}, []float64{7}), []float64{7}},
	}
	for i, tc := range cases {
		got, err := tc.t.Float64s()
		if err != nil {
			t.Fatalf("case %d %s: %v", i, tc.name, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("case %d %s: %d values, want %d", i, tc.name, len(got), len(tc.want))
		}
		for j := range tc.want {
			if math.Float64bits(got[j]) != math.Float64bits(tc.want[j]) {
				t.Errorf("case %d %s: element %d = %v, want %v", i, tc.name, j, got[j], tc.want[j])
			}
		}
	}
}
