package safetensors

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"slices"
)

// TensorInfo is what the header says of one tensor: its name, element type, shape and
// the byte range of its values in the data part (Offset from the data part's start,
// Size bytes).
type TensorInfo struct {
	Name   string
	DType  DType
	Shape  []int
	Offset int64
	Size   int64
}

// Reader reads a safetensors file header first: Open reads and checks only the header,
// and each tensor's bytes are read when asked for, one tensor at a time. A caller can so
// check the names, dtypes and shapes against what it expects before reading any values,
// and memory stays within the header and the one tensor being read, whatever the file
// holds. A Reader is safe for concurrent use when its io.ReaderAt is (an *os.File is).
type Reader struct {
	r         io.ReaderAt
	dataStart int64        // the data part's offset in the file: 8 + the header's length
	infos     []TensorInfo // in the order of their bytes in the file
	metadata  map[string]string
}

// Open reads and checks the header of the safetensors file of size bytes that r holds,
// with the header length capped at MaxHeaderBytes; see OpenMax.
func Open(r io.ReaderAt, size int64) (*Reader, error) {
	return OpenMax(r, size, MaxHeaderBytes)
}

// OpenMax is Open with the header length capped at maxHeader bytes (at most
// MaxHeaderBytes): a caller that expects a few tensors caps what a hostile header can
// cost, its JSON decoded included. It checks what Read checks, without reading the
// tensors' bytes: the header's length against the cap and against size, the JSON, each
// tensor's byte count against its dtype and shape, that the byte ranges tile the data
// part exactly, and that the data part ends where the file does (size). Its failures
// are those of Read, with the same messages.
func OpenMax(r io.ReaderAt, size int64, maxHeader int64) (*Reader, error) {
	maxHeader = min(maxHeader, MaxHeaderBytes)
	var lenBytes [9]byte
	n, err := r.ReadAt(lenBytes[:min(size, 9)], 0)
	if err != nil && !(isEOF(err) && int64(n) == min(size, 9)) {
		return nil, fmt.Errorf("safetensors: reading: %w", err)
	}
	if size < 8 {
		return nil, formatErr(ErrNotSafetensors, "%d bytes; the format starts with an 8-byte header length", max(size, 0))
	}
	hlen := binary.LittleEndian.Uint64(lenBytes[:8])
	switch {
	case size == 8 && hlen == 0:
		return nil, formatErr(ErrHeader, "header length 0; the smallest header, {}, has 2 bytes")
	case size == 8:
		return nil, formatErr(ErrTruncated, "the file ends after the header length (%d bytes announced)", hlen)
	case lenBytes[8] != '{':
		return nil, formatErr(ErrNotSafetensors, "the header does not start with '{' (byte 8 is 0x%02x)", lenBytes[8])
	case hlen < 2:
		return nil, formatErr(ErrHeader, "header length %d; the smallest header, {}, has 2 bytes", hlen)
	case hlen > uint64(maxHeader):
		return nil, formatErr(ErrHeader, "header length %d exceeds the limit of %d bytes", hlen, maxHeader)
	case hlen > uint64(size-8):
		return nil, formatErr(ErrTruncated, "the header is %d bytes, the file holds %d of them", hlen, size-8)
	}
	hdr := make([]byte, hlen)
	if _, err := r.ReadAt(hdr, 8); err != nil && !isEOF(err) {
		return nil, fmt.Errorf("safetensors: reading: %w", err)
	} else if err != nil {
		return nil, formatErr(ErrTruncated, "the file ends inside its %d-byte header", hlen)
	}
	f, spans, dataLen, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	dataStart := 8 + int64(hlen)
	switch have := size - dataStart; {
	case int64(dataLen) > have:
		return nil, formatErr(ErrTruncated, "the header announces %d bytes of tensor data, the file holds %d", dataLen, have)
	case int64(dataLen) < have:
		extra := have - int64(dataLen)
		follow := "bytes follow"
		if extra == 1 {
			follow = "byte follows"
		}
		return nil, formatErr(ErrTrailingData, "%d %s the %d bytes of tensor data the header announces", extra, follow, dataLen)
	}
	rd := &Reader{r: r, dataStart: dataStart, metadata: f.Metadata, infos: make([]TensorInfo, len(spans))}
	for i, s := range spans {
		t := f.Tensors[i]
		rd.infos[i] = TensorInfo{Name: t.Name, DType: t.DType, Shape: t.Shape, Offset: int64(s.begin), Size: int64(s.end - s.begin)}
	}
	return rd, nil
}

// Tensors returns what the header says of every tensor, in the order of their bytes in
// the file.
func (rd *Reader) Tensors() []TensorInfo {
	out := make([]TensorInfo, len(rd.infos))
	for i, t := range rd.infos {
		t.Shape = slices.Clone(t.Shape)
		out[i] = t
	}
	return out
}

// Names returns the tensors' names in file order.
func (rd *Reader) Names() []string {
	names := make([]string, len(rd.infos))
	for i, t := range rd.infos {
		names[i] = t.Name
	}
	return names
}

// Info returns what the header says of the tensor named name.
func (rd *Reader) Info(name string) (TensorInfo, bool) {
	i := rd.index(name)
	if i < 0 {
		return TensorInfo{}, false
	}
	t := rd.infos[i]
	t.Shape = slices.Clone(t.Shape)
	return t, true
}

func (rd *Reader) index(name string) int {
	return slices.IndexFunc(rd.infos, func(t TensorInfo) bool { return t.Name == name })
}

// Metadata returns a copy of the header's "__metadata__" (nil when absent).
func (rd *Reader) Metadata() map[string]string { return maps.Clone(rd.metadata) }

// DataSize is the length of the data part, the sum of every tensor's Size.
func (rd *Reader) DataSize() int64 {
	if len(rd.infos) == 0 {
		return 0
	}
	last := rd.infos[len(rd.infos)-1]
	return last.Offset + last.Size
}

// Tensor reads the bytes of the tensor named name; it allocates that tensor's Size and
// nothing more.
func (rd *Reader) Tensor(name string) (*Tensor, error) {
	i := rd.index(name)
	if i < 0 {
		return nil, formatErr(ErrHeader, "the file has no tensor %q", name)
	}
	info := rd.infos[i]
	data := make([]byte, info.Size)
	if _, err := rd.r.ReadAt(data, rd.dataStart+info.Offset); err != nil && !(isEOF(err) && info.Size == 0) {
		if isEOF(err) {
			return nil, formatErr(ErrTruncated, "tensor %q: the file ends inside its bytes (it shrank after Open)", name)
		}
		return nil, fmt.Errorf("safetensors: reading tensor %q: %w", name, err)
	}
	return &Tensor{Name: info.Name, DType: info.DType, Shape: slices.Clone(info.Shape), Data: data}, nil
}

// Float32s reads the tensor named name and converts it as Tensor.Float32s does.
func (rd *Reader) Float32s(name string) ([]float32, error) {
	t, err := rd.Tensor(name)
	if err != nil {
		return nil, err
	}
	return t.Float32s()
}

// Float64s reads the tensor named name and converts it as Tensor.Float64s does.
func (rd *Reader) Float64s(name string) ([]float64, error) {
	t, err := rd.Tensor(name)
	if err != nil {
		return nil, err
	}
	return t.Float64s()
}

// File reads every tensor into a File, the result Read would give; its memory is the
// whole data part, so call it only after checking DataSize.
func (rd *Reader) File() (*File, error) {
	f := &File{Metadata: maps.Clone(rd.metadata), Tensors: make([]Tensor, len(rd.infos))}
	for i, info := range rd.infos {
		t, err := rd.Tensor(info.Name)
		if err != nil {
			return nil, err
		}
		f.Tensors[i] = *t
	}
	return f, nil
}

// Sum is File.Sum of the file, computed reading the tensors one at a time through a
// fixed buffer: its memory does not grow with the file.
func (rd *Reader) Sum(skip ...string) ([sha256.Size]byte, error) {
	entries := make([]sumEntry, len(rd.infos))
	for i, t := range rd.infos {
		entries[i] = sumEntry{name: t.Name, dtype: t.DType, shape: t.Shape, size: t.Size}
	}
	buf := make([]byte, 1<<16)
	return sum(entries, rd.metadata, skip, func(i int, w io.Writer) error {
		t := rd.infos[i]
		sec := io.NewSectionReader(rd.r, rd.dataStart+t.Offset, t.Size)
		n, err := io.CopyBuffer(w, sec, buf)
		if err == nil && n < t.Size {
			err = formatErr(ErrTruncated, "tensor %q: the file ends inside its bytes (it shrank after Open)", t.Name)
		}
		return err
	})
}
