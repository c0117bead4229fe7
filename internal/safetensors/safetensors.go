package safetensors

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
)

// MaxHeaderBytes is the longest header Read accepts, the reference implementation's
// limit.
const MaxHeaderBytes = 100_000_000

// MetadataKey is the header key of the free-form string-to-string metadata.
const MetadataKey = "__metadata__"

// The sentinel errors a *FormatError wraps, for errors.Is.
var (
	// ErrNotSafetensors: the input does not start like a safetensors file (shorter than
	// the 8-byte length, or the header is not a JSON object).
	ErrNotSafetensors = errors.New("not a safetensors file")
	// ErrTruncated: the input ends before the header or the data it announces.
	ErrTruncated = errors.New("safetensors file is truncated")
	// ErrTrailingData: bytes follow the last tensor.
	ErrTrailingData = errors.New("safetensors file has bytes after its last tensor")
	// ErrHeader: the header is malformed or inconsistent.
	ErrHeader = errors.New("invalid safetensors header")
	// ErrDType: a dtype that is unknown, or that a conversion does not handle.
	ErrDType = errors.New("unsupported safetensors dtype")
)

// FormatError says why an input is not a valid safetensors file, or why a File cannot be
// written or converted.
type FormatError struct {
	Err    error  // one of the package's sentinel errors
	Detail string // what exactly, on one line
}

// Error is "SENTINEL: DETAIL".
func (e *FormatError) Error() string { return e.Err.Error() + ": " + e.Detail }

// Unwrap returns the sentinel.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(sentinel error, format string, args ...any) error {
	return &FormatError{Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}

// DType is a tensor's element type as the header names it.
type DType string

// The element types of the format. The 4- and 6-bit float types of recent versions,
// which pack several elements per byte, are not supported.
const (
	BOOL   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	F8E8M0 DType = "F8_E8M0"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	I64    DType = "I64"
	U64    DType = "U64"
	F64    DType = "F64"
	C64    DType = "C64"
)

// Size is the number of bytes of one element, 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case BOOL, U8, I8, F8E5M2, F8E4M3, F8E8M0:
		return 1
	case I16, U16, F16, BF16:
		return 2
	case I32, U32, F32:
		return 4
	case I64, U64, F64, C64:
		return 8
	}
	return 0
}

// Tensor is one named tensor: its element type, its shape and its raw bytes
// (little-endian, row-major).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// NumElements is the product of the shape (1 for a scalar), or -1 when it overflows.
func (t *Tensor) NumElements() int {
	n, ok := numElements(t.Shape)
	if !ok {
		return -1
	}
	return n
}

// numElements multiplies the dims, reporting false for a negative dim or an int overflow.
func numElements(shape []int) (int, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > uint64(maxInt) {
			return 0, false
		}
		n = lo
	}
	return int(n), true
}

const maxInt = int(^uint(0) >> 1)

// byteSize is the number of data bytes t's dtype and shape call for.
func (t *Tensor) byteSize() (int, error) {
	size := t.DType.Size()
	if size == 0 {
		return 0, formatErr(ErrDType, "tensor %q has dtype %q; known dtypes are %s", t.Name, string(t.DType), knownDTypes())
	}
	n, ok := numElements(t.Shape)
	if !ok || n > maxInt/size {
		return 0, formatErr(ErrHeader, "tensor %q: shape %v is negative or too large", t.Name, t.Shape)
	}
	return n * size, nil
}

func knownDTypes() string {
	all := []DType{BOOL, U8, I8, F8E5M2, F8E4M3, F8E8M0, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64, C64}
	names := make([]string, len(all))
	for i, d := range all {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// File is the content of a safetensors file.
type File struct {
	// Tensors in the order of their bytes in the file.
	Tensors []Tensor
	// Metadata is the header's "__metadata__" (nil when absent).
	Metadata map[string]string
}

// Tensor returns the tensor named name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// Names returns the tensors' names in file order.
func (f *File) Names() []string {
	names := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		names[i] = t.Name
	}
	return names
}

// Sum is a SHA-256 of the file's content that does not depend on how the header is laid
// out: the tensors in name order (name, dtype, shape, bytes) and the metadata in key
// order, leaving out the keys in skip. A file rewritten by another writer, with its
// header reordered or re-padded, keeps its Sum; any change to a name, dtype, shape, byte
// or metadata entry changes it. Every string and list is preceded by its length, so no
// two different contents hash the same sequence.
func (f *File) Sum(skip ...string) [sha256.Size]byte {
	entries := make([]sumEntry, len(f.Tensors))
	for i, t := range f.Tensors {
		entries[i] = sumEntry{name: t.Name, dtype: t.DType, shape: t.Shape, size: int64(len(t.Data))}
	}
	s, _ := sum(entries, f.Metadata, skip, func(i int, w io.Writer) error {
		_, err := w.Write(f.Tensors[i].Data)
		return err
	})
	return s
}

// sumEntry is what Sum hashes of one tensor besides its bytes.
type sumEntry struct {
	name  string
	dtype DType
	shape []int
	size  int64 // the number of bytes data writes
}

// sum computes File.Sum of the tensors entries and the metadata; data writes tensor i's
// bytes into the hash, so that they need not be in memory all at once.
func sum(entries []sumEntry, metadata map[string]string, skip []string, data func(i int, w io.Writer) error) ([sha256.Size]byte, error) {
	var out [sha256.Size]byte
	h := sha256.New()
	var num [8]byte
	putInt := func(v int64) {
		binary.LittleEndian.PutUint64(num[:], uint64(v))
		h.Write(num[:])
	}
	putString := func(s string) {
		putInt(int64(len(s)))
		h.Write([]byte(s))
	}
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(entries[a].name, entries[b].name) })
	putInt(int64(len(order)))
	for _, i := range order {
		e := &entries[i]
		putString(e.name)
		putString(string(e.dtype))
		putInt(int64(len(e.shape)))
		for _, d := range e.shape {
			putInt(int64(d))
		}
		putInt(e.size)
		if err := data(i, h); err != nil {
			return out, err
		}
	}
	keys := make([]string, 0, len(metadata))
	for k := range metadata {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	putInt(int64(len(keys)))
	for _, k := range keys {
		putString(k)
		putString(metadata[k])
	}
	h.Sum(out[:0])
	return out, nil
}
