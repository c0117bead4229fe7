package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Decode parses a whole safetensors file held in data; see Read.
func Decode(data []byte) (*File, error) {
	return Read(bytes.NewReader(data))
}

// Read reads one safetensors file from r, to its end, and checks it (see the package
// doc). The returned tensors' bytes are copies, in one buffer. An error that is not about
// the format (a failing reader) is returned wrapped, not as a *FormatError.
func Read(r io.Reader) (*File, error) {
	var lenBytes [8]byte
	if n, err := io.ReadFull(r, lenBytes[:]); err != nil {
		if isEOF(err) {
			return nil, formatErr(ErrNotSafetensors, "%d bytes; the format starts with an 8-byte header length", n)
		}
		return nil, fmt.Errorf("safetensors: reading: %w", err)
	}
	hlen := binary.LittleEndian.Uint64(lenBytes[:])
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil {
		if !isEOF(err) {
			return nil, fmt.Errorf("safetensors: reading: %w", err)
		}
		if hlen == 0 {
			return nil, formatErr(ErrHeader, "header length 0; the smallest header, {}, has 2 bytes")
		}
		return nil, formatErr(ErrTruncated, "the file ends after the header length (%d bytes announced)", hlen)
	}
	switch {
	case first[0] != '{':
		return nil, formatErr(ErrNotSafetensors, "the header does not start with '{' (byte 8 is 0x%02x)", first[0])
	case hlen < 2:
		return nil, formatErr(ErrHeader, "header length %d; the smallest header, {}, has 2 bytes", hlen)
	case hlen > MaxHeaderBytes:
		return nil, formatErr(ErrHeader, "header length %d exceeds the limit of %d bytes", hlen, MaxHeaderBytes)
	}
	hdr, err := readN(r, first[:], int(hlen))
	if err != nil {
		return nil, err
	}
	if len(hdr) < int(hlen) {
		return nil, formatErr(ErrTruncated, "the header is %d bytes, the file holds %d of them", hlen, len(hdr))
	}
	f, spans, dataLen, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	data, err := readN(r, nil, dataLen)
	if err != nil {
		return nil, err
	}
	if len(data) < dataLen {
		return nil, formatErr(ErrTruncated, "the header announces %d bytes of tensor data, the file holds %d", dataLen, len(data))
	}
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, fmt.Errorf("safetensors: reading: %w", err)
	}
	if extra > 0 {
		follow := "bytes follow"
		if extra == 1 {
			follow = "byte follows"
		}
		return nil, formatErr(ErrTrailingData, "%d %s the %d bytes of tensor data the header announces", extra, follow, dataLen)
	}
	for i, s := range spans {
		f.Tensors[i].Data = data[s.begin:s.end:s.end]
	}
	return f, nil
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// readN reads up to n bytes after prefix (fewer if r ends first). The buffer grows with
// what arrives, never to n up front, so a length from an untrusted header costs only the
// bytes actually present.
func readN(r io.Reader, prefix []byte, n int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(prefix)
	if _, err := io.CopyN(&buf, r, int64(n-len(prefix))); err != nil && !isEOF(err) {
		return nil, fmt.Errorf("safetensors: reading: %w", err)
	}
	return buf.Bytes(), nil
}

// span is a tensor's byte range in the data part.
type span struct {
	index      int // the tensor's position in the header
	begin, end uint64
}

// parseHeader decodes and checks the header; it returns the file with its tensors in
// file order but without their bytes, each tensor's byte range, and the length of the
// data part.
func parseHeader(hdr []byte) (*File, []span, int, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, 0, formatErr(ErrHeader, "the header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	var tensors []Tensor
	var spans []span
	f := &File{}
	err := object(dec, "the header", func(key string) error {
		if key == MetadataKey {
			m, err := readMetadata(dec)
			f.Metadata = m
			return err
		}
		t, s, err := readEntry(dec, key)
		s.index = len(tensors)
		tensors = append(tensors, t)
		spans = append(spans, s)
		return err
	})
	if err != nil {
		return nil, nil, 0, err
	}
	if tok, err := dec.Token(); err != io.EOF {
		return nil, nil, 0, formatErr(ErrHeader, "more after the header's JSON object: %s", describe(tok, err))
	}
	slices.SortStableFunc(spans, func(a, b span) int {
		if c := cmp.Compare(a.begin, b.begin); c != 0 {
			return c
		}
		return cmp.Compare(a.end, b.end)
	})
	var pos uint64
	for _, s := range spans {
		t := &tensors[s.index]
		switch {
		case s.end < s.begin:
			return nil, nil, 0, formatErr(ErrHeader, "tensor %q: data_offsets [%d, %d] end before they begin", t.Name, s.begin, s.end)
		case s.begin < pos:
			return nil, nil, 0, formatErr(ErrHeader, "tensor %q: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", t.Name, s.begin, s.end, pos)
		case s.begin > pos:
			return nil, nil, 0, formatErr(ErrHeader, "tensor %q: data_offsets [%d, %d] leave a gap after byte %d", t.Name, s.begin, s.end, pos)
		case s.end > uint64(maxInt):
			return nil, nil, 0, formatErr(ErrHeader, "tensor %q: data_offsets [%d, %d] lie beyond what this machine can address", t.Name, s.begin, s.end)
		}
		size, err := t.byteSize()
		if err != nil {
			return nil, nil, 0, err
		}
		if s.end-s.begin != uint64(size) {
			return nil, nil, 0, formatErr(ErrHeader, "tensor %q: data_offsets [%d, %d] hold %d bytes; %s %v needs %d", t.Name, s.begin, s.end, s.end-s.begin, t.DType, t.Shape, size)
		}
		pos = s.end
	}
	f.Tensors = make([]Tensor, len(spans))
	for i, s := range spans {
		f.Tensors[i] = tensors[s.index]
	}
	return f, spans, int(pos), nil
}

// object reads one JSON object, calling field for each key with the decoder before the
// key's value, which field must consume. A key seen twice is an error: encoding/json
// would silently keep the last.
func object(dec *json.Decoder, what string, field func(key string) error) error {
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return formatErr(ErrHeader, "%s is %s; want a JSON object", what, describe(tok, err))
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return formatErr(ErrHeader, "in %s: %v", what, err)
		}
		key := tok.(string) // inside an object, Token returns keys as strings
		if seen[key] {
			return formatErr(ErrHeader, "%s has the key %q twice", what, key)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return formatErr(ErrHeader, "in %s: %v", what, err)
	}
	return nil
}

// describe names a JSON token (or the error that came instead) for a message.
func describe(tok json.Token, err error) string {
	switch {
	case err == io.EOF:
		return "the end of the header"
	case err != nil:
		return err.Error()
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "a list"
		}
		return strconv.Quote(v.String())
	case string:
		return "the string " + strconv.Quote(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// value decodes the next JSON value of the header.
func value(dec *json.Decoder, what string) (any, error) {
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, formatErr(ErrHeader, "%s: %v", what, err)
	}
	return v, nil
}

// readMetadata reads the "__metadata__" object, whose values must be strings.
func readMetadata(dec *json.Decoder) (map[string]string, error) {
	m := make(map[string]string)
	err := object(dec, MetadataKey, func(key string) error {
		v, err := value(dec, fmt.Sprintf("%s[%q]", MetadataKey, key))
		if err != nil {
			return err
		}
		s, ok := v.(string)
		if !ok {
			return formatErr(ErrHeader, "%s[%q] is %v, not a string", MetadataKey, key, v)
		}
		m[key] = s
		return nil
	})
	return m, err
}

// readEntry reads one tensor's {"dtype", "shape", "data_offsets"} object.
func readEntry(dec *json.Decoder, name string) (Tensor, span, error) {
	t := Tensor{Name: name}
	var s span
	have := make(map[string]bool)
	what := fmt.Sprintf("tensor %q", name)
	err := object(dec, what, func(key string) error {
		have[key] = true
		v, err := value(dec, what+" "+key)
		if err != nil {
			return err
		}
		switch key {
		case "dtype":
			d, ok := v.(string)
			if !ok {
				return formatErr(ErrHeader, "%s: dtype is %v, not a string", what, v)
			}
			t.DType = DType(d)
			if t.DType.Size() == 0 {
				return formatErr(ErrDType, "%s has dtype %q; known dtypes are %s", what, d, knownDTypes())
			}
		case "shape":
			dims, err := naturals(v, what+" shape")
			if err != nil {
				return err
			}
			t.Shape = make([]int, len(dims))
			for i, d := range dims {
				if d > uint64(maxInt) {
					return formatErr(ErrHeader, "%s: shape %v is too large", what, dims)
				}
				t.Shape[i] = int(d)
			}
		case "data_offsets":
			offs, err := naturals(v, what+" data_offsets")
			if err != nil {
				return err
			}
			if len(offs) != 2 {
				return formatErr(ErrHeader, "%s: data_offsets has %d numbers; want [begin, end]", what, len(offs))
			}
			s.begin, s.end = offs[0], offs[1]
		default:
			return formatErr(ErrHeader, "%s has an unknown field %q (want dtype, shape, data_offsets)", what, key)
		}
		return nil
	})
	if err != nil {
		return t, s, err
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if !have[k] {
			return t, s, formatErr(ErrHeader, "%s has no %s", what, k)
		}
	}
	return t, s, nil
}

// naturals converts a decoded JSON list of non-negative integers.
func naturals(v any, what string) ([]uint64, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, formatErr(ErrHeader, "%s is %v, not a list", what, v)
	}
	out := make([]uint64, len(list))
	for i, x := range list {
		num, ok := x.(json.Number)
		var err error
		if ok {
			out[i], err = strconv.ParseUint(string(num), 10, 64)
		}
		if !ok || err != nil {
			return nil, formatErr(ErrHeader, "%s[%d] is %v, not a non-negative integer", what, i, x)
		}
	}
	return out, nil
}
