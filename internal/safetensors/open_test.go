package safetensors

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// Open refuses every malformed input that Read refuses, with the same message.
func TestOpenMalformed(t *testing.T) {
	for i, tc := range malformedCases() {
		_, want := Decode(tc.data)
		_, err := Open(bytes.NewReader(tc.data), int64(len(tc.data)))
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("case %d %s: Open says %v, Read says %v", i, tc.name, err, want)
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("case %d %s: %v does not wrap %v", i, tc.name, err, tc.want)
		}
	}
}

// Open gives the names, dtypes, shapes and byte ranges without reading any tensor, and
// each tensor reads back as Read gives it.
func TestOpenReadsOneTensorAtATime(t *testing.T) {
	want := sample()
	data := encode(t, want)
	rec := &recordingReaderAt{r: bytes.NewReader(data)}
	rd, err := Open(rec, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	dataStart := int64(len(data)) - rd.DataSize()
	if rec.maxEnd > dataStart {
		t.Errorf("Open read up to byte %d; the tensors start at %d", rec.maxEnd, dataStart)
	}
	infos := rd.Tensors()
	if len(infos) != len(want.Tensors) {
		t.Fatalf("%d tensors, want %d", len(infos), len(want.Tensors))
	}
	var offset int64
	for i, info := range infos {
		w := want.Tensors[i]
		if info.Name != w.Name || info.DType != w.DType || !reflect.DeepEqual(info.Shape, w.Shape) ||
			info.Offset != offset || info.Size != int64(len(w.Data)) {
			t.Errorf("tensor %d: %+v, want %s %s %v at %d, %d bytes", i, info, w.Name, w.DType, w.Shape, offset, len(w.Data))
		}
		offset += int64(len(w.Data))
	}
	if !reflect.DeepEqual(rd.Metadata(), want.Metadata) {
		t.Errorf("metadata %v, want %v", rd.Metadata(), want.Metadata)
	}
	if got := strings.Join(rd.Names(), ","); got != "conv.weight,scale,steps,empty,half" {
		t.Errorf("names %s", got)
	}
	v, err := rd.Float32s("conv.weight")
	if err != nil || !reflect.DeepEqual(v, []float32{1, -2, 0.5, 3}) {
		t.Errorf("Float32s(conv.weight) = %v, %v", v, err)
	}
	v64, err := rd.Float64s("half")
	if err != nil || !reflect.DeepEqual(v64, []float64{1, -2, inf}) {
		t.Errorf("Float64s(half) = %v, %v", v64, err)
	}
	if _, err := rd.Float32s("steps"); !errors.Is(err, ErrDType) {
		t.Errorf("Float32s of an I64 tensor: %v, want ErrDType", err)
	}
	if _, err := rd.Tensor("nope"); err == nil || err.Error() != `invalid safetensors header: the file has no tensor "nope"` {
		t.Errorf("a missing tensor: %v", err)
	}
	if info, ok := rd.Info("scale"); !ok || info.Size != 4 || len(info.Shape) != 0 {
		t.Errorf("Info(scale) = %+v, %v", info, ok)
	}
	f, err := rd.File()
	if err != nil || !reflect.DeepEqual(f, want) {
		t.Errorf("File() = %+v, %v; want %+v", f, err, want)
	}
	for _, skip := range [][]string{nil, {"note"}} {
		got, err := rd.Sum(skip...)
		if err != nil || got != want.Sum(skip...) {
			t.Errorf("Sum(%v) = %x, %v; want File.Sum's %x", skip, got, err, want.Sum(skip...))
		}
	}
}

var inf = float64(float32(1) / float32(zero))

var zero float32

// A header that announces terabytes over a file that is that large costs Open nothing
// (the size given is the file's), and reading one small tensor costs that tensor.
func TestOpenHugeFileCostsTheHeader(t *testing.T) {
	header := `{"big":{"dtype":"F64","shape":[1073741824],"data_offsets":[0,8589934592]},"small":{"dtype":"F32","shape":[2],"data_offsets":[8589934592,8589934600]}}`
	head := raw(header)
	size := int64(len(head)) + 8589934600
	r := &sparseReaderAt{head: head, size: size}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rd, err := Open(r, size)
	if err != nil {
		t.Fatal(err)
	}
	v, err := rd.Float32s("small")
	runtime.ReadMemStats(&after)
	if err != nil || !reflect.DeepEqual(v, []float32{0, 0}) {
		t.Errorf("Float32s(small) = %v, %v", v, err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
		t.Errorf("Open and one small tensor allocated %d bytes", grown)
	}
}

// OpenMax caps the header below MaxHeaderBytes; a failing ReaderAt is passed on, not
// reported as a format problem.
func TestOpenMaxAndReadErrors(t *testing.T) {
	data := encode(t, sample())
	_, err := OpenMax(bytes.NewReader(data), int64(len(data)), 100)
	if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), "exceeds the limit of 100 bytes") {
		t.Errorf("OpenMax 100: %v", err)
	}
	if _, err := OpenMax(bytes.NewReader(data), int64(len(data)), 1<<20); err != nil {
		t.Errorf("OpenMax 1 MiB: %v", err)
	}
	for _, at := range []int64{0, 8, int64(len(data)) - 1} {
		r := &failingReaderAt{r: bytes.NewReader(data), at: at}
		rd, err := Open(r, int64(len(data)))
		if err == nil {
			_, err = rd.File()
		}
		if !errors.Is(err, errDisk) {
			t.Errorf("failing at byte %d: %v, want the reader's error", at, err)
		}
		var fe *FormatError
		if errors.As(err, &fe) {
			t.Errorf("failing at byte %d: %v is reported as a format error", at, err)
		}
	}
}

// FuzzOpen: Open accepts exactly what Read accepts, with the same message when it
// refuses, and the same tensors and Sum when it accepts.
func FuzzOpen(f *testing.F) {
	var buf bytes.Buffer
	sample().WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add(raw(`{}`))
	f.Add(raw(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, 1, 2, 3))
	f.Add(raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 1, 2, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := Decode(data)
		rd, err := Open(bytes.NewReader(data), int64(len(data)))
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("Open says %v, Read says %v", err, wantErr)
		}
		if err != nil {
			return
		}
		got, err := rd.File()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Open's file %+v, Read's %+v", got, want)
		}
		if s, err := rd.Sum(); err != nil || s != want.Sum() {
			t.Fatalf("Sum %x, %v; want %x", s, err, want.Sum())
		}
	})
}

// recordingReaderAt remembers the furthest byte read.
type recordingReaderAt struct {
	r      io.ReaderAt
	maxEnd int64
}

func (r *recordingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	r.maxEnd = max(r.maxEnd, off+int64(len(p)))
	return r.r.ReadAt(p, off)
}

// sparseReaderAt is a file of size bytes that starts with head and holds zeros after it.
type sparseReaderAt struct {
	head []byte
	size int64
}

func (r *sparseReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off+int64(n) < r.size {
		i := off + int64(n)
		if i < int64(len(r.head)) {
			p[n] = r.head[i]
		} else {
			p[n] = 0
		}
		n++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// failingReaderAt fails every read that reaches byte at.
type failingReaderAt struct {
	r  io.ReaderAt
	at int64
}

func (r *failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.at {
		return 0, errDisk
	}
	return r.r.ReadAt(p, off)
}
