package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode: no input panics; every rejection is a one-line *FormatError; every
// accepted file accounts for each of its bytes and survives a write and a second read
// unchanged.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	sample().WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add(raw(`{}`))
	f.Add(raw(`{"__metadata__":{"a":"b"}}`))
	f.Add(raw(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[],"data_offsets":[2,4]}}`, 1, 2, 3, 4))
	f.Add(raw(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"I8","shape":[0,5],"data_offsets":[0,0]}}`))
	f.Add(raw(`{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"t":1}`, make([]byte, 8)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error %q is not a one-line *FormatError", err)
			}
			return
		}
		hlen := binary.LittleEndian.Uint64(data)
		total := 8 + int(hlen)
		for _, ts := range file.Tensors {
			n := ts.NumElements()
			if n < 0 || n*ts.DType.Size() != len(ts.Data) {
				t.Fatalf("tensor %q: %d bytes for %s %v", ts.Name, len(ts.Data), ts.DType, ts.Shape)
			}
			total += len(ts.Data)
		}
		if total != len(data) {
			t.Fatalf("header and tensors cover %d of %d bytes", total, len(data))
		}
		var out bytes.Buffer
		if _, err := file.WriteTo(&out); err != nil {
			// A valid file may hold what the writer refuses: an empty tensor name.
			if _, ok := file.Tensor(""); ok {
				return
			}
			t.Fatalf("writing back a file just read: %v", err)
		}
		again, err := Decode(out.Bytes())
		if err != nil {
			t.Fatalf("reading back a file just written: %v", err)
		}
		if len(again.Metadata) == 0 && len(file.Metadata) == 0 {
			again.Metadata, file.Metadata = nil, nil // an empty object is not written
		}
		if !reflect.DeepEqual(again, file) || again.Sum() != file.Sum() {
			t.Fatalf("a write and a read changed the file:\n%+v\n%+v", file, again)
		}
	})
}
