package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// WriteTo writes f in the safetensors format: the tensors in the order of f.Tensors, the
// metadata (when not empty) first in the header. It checks f first and writes nothing
// when a name is empty, repeated, "__metadata__" or not UTF-8, a metadata entry is not
// UTF-8, a dtype is unknown, or a tensor's byte count does not match its dtype and shape.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	hdr, err := f.header()
	if err != nil {
		return 0, err
	}
	var lenBytes [8]byte
	binary.LittleEndian.PutUint64(lenBytes[:], uint64(len(hdr)))
	n, err := w.Write(lenBytes[:])
	total := int64(n)
	if err != nil {
		return total, err
	}
	n, err = w.Write(hdr)
	total += int64(n)
	if err != nil {
		return total, err
	}
	for _, t := range f.Tensors {
		n, err = w.Write(t.Data)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// header builds the padded JSON header, checking every tensor.
func (f *File) header() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(f.Metadata) > 0 {
		for k, v := range f.Metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, formatErr(ErrHeader, "metadata entry %q: %q is not valid UTF-8", k, v)
			}
		}
		meta, err := json.Marshal(f.Metadata) // keys sorted, so the output is deterministic
		if err != nil {
			return nil, fmt.Errorf("safetensors: encoding the metadata: %w", err)
		}
		b.WriteString(strconv.Quote(MetadataKey) + ":")
		b.Write(meta)
	}
	seen := make(map[string]bool, len(f.Tensors))
	var offset int
	for i := range f.Tensors {
		t := &f.Tensors[i]
		switch {
		case t.Name == "" || t.Name == MetadataKey || !utf8.ValidString(t.Name):
			return nil, formatErr(ErrHeader, "tensor %d is named %q; want a non-empty UTF-8 name other than %s", i, t.Name, MetadataKey)
		case seen[t.Name]:
			return nil, formatErr(ErrHeader, "two tensors are named %q", t.Name)
		}
		seen[t.Name] = true
		if err := t.checkSize(); err != nil {
			return nil, err
		}
		size := len(t.Data)
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(t.Name) // a valid UTF-8 string always encodes
		shape, _ := json.Marshal(append(make([]int, 0, len(t.Shape)), t.Shape...))
		fmt.Fprintf(&b, `%s:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, name, string(t.DType), shape, offset, offset+size)
		offset += size
	}
	b.WriteByte('}')
	// Pad with spaces so that the data part starts on an 8-byte boundary.
	for (8+b.Len())%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderBytes {
		return nil, formatErr(ErrHeader, "the header would be %d bytes, over the limit of %d", b.Len(), MaxHeaderBytes)
	}
	return b.Bytes(), nil
}
