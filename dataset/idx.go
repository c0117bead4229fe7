package dataset

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxBytes is the largest data payload (product of the header's dimensions)
// the IDX reader accepts. Larger headers are refused with ErrTooLarge before
// anything is allocated. Fashion-MNIST's training images take 47,040,000
// bytes; 1 GiB leaves room for bigger IDX datasets such as EMNIST.
const MaxBytes = 1 << 30

// NumClasses is the number of Fashion-MNIST classes; labels lie in 0..9.
const NumClasses = 10

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte)
// and the number of dimensions.
const (
	MagicImages = 0x00000803 // unsigned bytes, 3 dimensions (n, rows, cols)
	MagicLabels = 0x00000801 // unsigned bytes, 1 dimension (n)
)

const (
	idxTypeUbyte = 0x08
	// minAlloc is the first buffer size when the header's size cannot be
	// confirmed from the file size: a lying header costs at most this much
	// before the data itself proves it.
	minAlloc = 1 << 20
	// maxHintAlloc caps the first buffer that a gzip file's size trailer asks
	// for: the trailer can be forged, and only the data arriving proves it.
	// Fashion-MNIST's largest file (47,040,000 bytes) still fits at once.
	maxHintAlloc = 64 << 20
)

// ReadImages decodes an IDX images file (magic 0x00000803) from r, plain or
// gzip-compressed (sniffed from the magic bytes 0x1f 0x8b). It returns the
// pixels, n*rows*cols bytes in row-major order, and the three dimensions.
//
// It never panics on bad input: a wrong magic or rank, a zero dimension, a
// header announcing more than MaxBytes, data shorter or longer than the
// header says, an empty input or a corrupt gzip stream each give one
// *FormatError wrapping the matching sentinel (ErrBadMagic, ErrRank,
// ErrShape, ErrTooLarge, ErrTruncated, ErrEmpty, ErrCorrupt).
func ReadImages(r io.Reader) (pixels []uint8, n, rows, cols int, err error) {
	dims, data, err := readIDX(r, 3, nil, 0, 0)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return data, dims[0], dims[1], dims[2], nil
}

// ReadLabels decodes an IDX labels file (magic 0x00000801) from r, plain or
// gzip-compressed. Every label must lie in 0..NumClasses-1 (ErrLabelRange);
// the other failures are those of ReadImages.
func ReadLabels(r io.Reader) ([]uint8, error) {
	_, data, err := readIDX(r, 1, nil, 0, 0)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(data); err != nil {
		return nil, err
	}
	return data, nil
}

// ReadImagesFile is ReadImages on the file at path; errors name the file.
// Verification of the SHA-256 digest is done by Load and LoadFiles, not here.
func ReadImagesFile(path string) (pixels []uint8, n, rows, cols int, err error) {
	dims, data, err := readIDXFile(path, 3, nil)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return data, dims[0], dims[1], dims[2], nil
}

// ReadLabelsFile is ReadLabels on the file at path; errors name the file.
func ReadLabelsFile(path string) ([]uint8, error) {
	_, data, err := readIDXFile(path, 1, nil)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(data); err != nil {
		return nil, withFile(path, err)
	}
	return data, nil
}

func checkLabels(labels []uint8) error {
	for i, l := range labels {
		if int(l) >= NumClasses {
			return formatErr("", ErrLabelRange, "label %d at index %d is outside 0..%d", l, i, NumClasses-1)
		}
	}
	return nil
}

// readIDXFile opens path, reads an IDX file of the given rank and, when
// verify is not nil and the base name is one of its four files, checks the
// SHA-256 of the decompressed bytes against verify's published digest.
func readIDXFile(path string, rank int, verify *Source) ([]int, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	var h hash.Hash
	var want fileSpec
	var payload int64 // the published file's data bytes, 0 when not known
	if verify != nil {
		var known bool
		if want, known = verify.knownFile(path); known {
			h = newHash()
			payload = want.size - int64(4+4*rank)
		}
	}
	dims, data, err := readIDX(f, rank, h, sizeHint(f), payload)
	if sm := (*sizeMismatch)(nil); errors.As(err, &sm) {
		name := strings.TrimSuffix(filepath.Base(path), ".gz")
		return nil, nil, formatErr(path, ErrShape, "the header %v announces %d data bytes; the published %s of %s holds %d: replace the file (delete it to re-download), or skip verification for other IDX datasets",
			sm.dims, sm.total, name, verify.title, payload)
	}
	if err != nil {
		return nil, nil, withFile(path, err)
	}
	if h != nil {
		if got := hex.EncodeToString(h.Sum(nil)); got != want.sha256 {
			return nil, nil, digestErr(path, got, want.sha256)
		}
	}
	return dims, data, nil
}

func digestErr(file, got, want string) error {
	return formatErr(file, ErrDigest,
		"SHA-256 of the decompressed data is %s, want %s (the published file): replace the file (delete it to re-download), or skip verification for other IDX datasets",
		got, want)
}

// sizeHint guesses the decompressed size of f from its length (plain files)
// or the gzip ISIZE trailer (decompressed size mod 2^32), so the payload can
// be allocated once. It is only a hint: a wrong value costs a reallocation or
// a larger first buffer (never more than the header's size, and for gzip
// never more than maxHintAlloc), never correctness.
func sizeHint(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	size := st.Size()
	var b [4]byte
	if size < 18 {
		return size
	}
	if _, err := f.ReadAt(b[:2], 0); err != nil {
		return 0
	}
	if b[0] != 0x1f || b[1] != 0x8b {
		return size
	}
	if _, err := f.ReadAt(b[:], size-4); err != nil {
		return 0
	}
	// Deflate expands at most 1032:1; a trailer claiming more is a lie, and one
	// claiming less may be one too: only the data arriving proves it.
	return min(int64(binary.LittleEndian.Uint32(b[:])), size*1032, maxHintAlloc)
}

// sizeMismatch is a header whose size is not the published file's.
type sizeMismatch struct {
	dims  []int
	total uint64
}

func (e *sizeMismatch) Error() string {
	return fmt.Sprintf("the header %v announces %d data bytes, not the published size", e.dims, e.total)
}

// readIDX decodes one IDX file of unsigned bytes with the given rank. h, when
// non-nil, receives every decompressed byte. hint is the expected
// decompressed size in bytes (0 when unknown). payload, when positive, is the
// only data size accepted: a header announcing another is refused (a
// *sizeMismatch) before anything is allocated for the data.
func readIDX(r io.Reader, rank int, h hash.Hash, hint, payload int64) (dims []int, data []byte, err error) {
	src, gz, err := openIDX(r, h)
	if err != nil {
		return nil, nil, err
	}
	dims, total, err := readHeader(src, rank, gz)
	if err != nil {
		return nil, nil, err
	}
	if payload > 0 && total != uint64(payload) {
		return nil, nil, &sizeMismatch{dims, total}
	}
	if data, err = readPayload(src, gz, dims, total, hint-int64(4+4*rank)); err != nil {
		return nil, nil, err
	}
	return dims, data, nil
}

// openIDX returns the decompressed stream of r (gzip is sniffed from its magic bytes),
// teed into h when h is non-nil, and whether it was gzip.
func openIDX(r io.Reader, h hash.Hash) (src io.Reader, gz bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, perr := br.Peek(2)
	if len(head) == 0 {
		if perr == nil || errors.Is(perr, io.EOF) {
			return nil, false, formatErr("", ErrEmpty, "no bytes at all")
		}
		return nil, false, &FormatError{Err: perr}
	}
	src = br
	gz = len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b
	if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, false, streamErr(err, true, "gzip header")
		}
		zr.Multistream(false)
		src = &gzipMembers{br: br, zr: zr}
	}
	if h != nil {
		src = io.TeeReader(src, h)
	}
	return src, gz, nil
}

// readHeader reads the IDX header: the magic, then rank big-endian uint32
// dimensions, whose product (the payload's size, total) is at most MaxBytes.
func readHeader(src io.Reader, rank int, gz bool) (dims []int, total uint64, err error) {
	var hdr [4 + 4*3]byte
	if _, err := io.ReadFull(src, hdr[:4]); err != nil {
		if errors.Is(err, io.EOF) && gz {
			return nil, 0, formatErr("", ErrEmpty, "the gzip stream holds no bytes")
		}
		return nil, 0, streamErr(err, gz, "the 16-byte IDX header")
	}
	if hdr[0] != 0 || hdr[1] != 0 || hdr[2] != idxTypeUbyte {
		return nil, 0, formatErr("", ErrBadMagic, "magic 0x%08x, want 0x%08x (%s)",
			binary.BigEndian.Uint32(hdr[:4]), 0x800|rank, kindName(rank))
	}
	if int(hdr[3]) != rank {
		return nil, 0, formatErr("", ErrRank, "magic 0x%08x has %d dimensions, want %d (%s, magic 0x%08x)",
			binary.BigEndian.Uint32(hdr[:4]), hdr[3], rank, kindName(rank), 0x800|rank)
	}
	if _, err := io.ReadFull(src, hdr[4:4+4*rank]); err != nil {
		return nil, 0, streamErr(err, gz, "the IDX header's dimensions")
	}
	dims = make([]int, rank)
	total = 1
	for i := range dims {
		d := uint64(binary.BigEndian.Uint32(hdr[4+4*i:]))
		if d == 0 {
			return nil, 0, formatErr("", ErrShape, "dimension %d of the header is 0", i)
		}
		if total > MaxBytes/d {
			return nil, 0, formatErr("", ErrTooLarge, "header dimensions %v announce more than %d bytes", dimsOf(hdr[4:4+4*rank]), MaxBytes)
		}
		total *= d
		dims[i] = int(d)
	}
	return dims, total, nil
}

// readPayload reads the total data bytes the header announces, and checks that
// nothing follows them. hint is the payload size sizeHint suggests (0 or less
// when unknown): the first buffer takes that much but never more than the
// header announces; beyond it the buffer grows only as the data arrives.
func readPayload(src io.Reader, gz bool, dims []int, total uint64, hint int64) ([]byte, error) {
	alloc := uint64(max(minAlloc, hint))
	data := make([]byte, min(alloc, total))
	off := 0
	for uint64(off) < total {
		if off == len(data) {
			grown := make([]byte, min(total, 2*uint64(len(data))))
			copy(grown, data)
			data = grown
		}
		m, err := io.ReadFull(src, data[off:])
		off += m
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				where := "the file"
				if gz {
					where = "the gzip stream"
				}
				return nil, formatErr("", ErrTruncated, "%s ends after %d of the %d data bytes the header %v announces", where, off, total, dims)
			}
			return nil, streamErr(err, gz, "the data")
		}
	}
	// The data must end exactly here (this also makes gzip check its CRC).
	var extra [1]byte
	m, err := io.ReadFull(src, extra[:])
	if m > 0 {
		rest, _ := io.Copy(io.Discard, io.LimitReader(src, MaxBytes))
		return nil, formatErr("", ErrShape, "%d bytes follow the %d the header %v announces", int64(m)+rest, total, dims)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, streamErr(err, gz, "what follows the data")
	}
	return data, nil
}

// gzipMembers reads the members of a gzip file one after the other, as gzip.Reader's
// multistream mode does, but tells bytes that follow a member and do not start another
// (garbage appended to a file) from a member cut short: they are an ErrCorrupt error
// saying so, where the gzip package would report a truncated next member.
type gzipMembers struct {
	br *bufio.Reader
	zr *gzip.Reader
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if n > 0 { // the member's end is met again on the next call
			return n, nil
		}
		head, _ := g.br.Peek(2)
		switch {
		case len(head) == 0:
			return 0, io.EOF
		case len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b:
			if err := g.zr.Reset(g.br); err != nil {
				return 0, err
			}
			g.zr.Multistream(false)
		default:
			rest, _ := io.Copy(io.Discard, io.LimitReader(g.br, MaxBytes))
			return 0, formatErr("", ErrCorrupt, "%d bytes that are not gzip follow the gzip stream (garbage appended to the file)", rest)
		}
	}
}

// streamErr classifies an error from the (possibly gzip) stream while reading
// what. A *FormatError (from gzipMembers) is returned as it is.
func streamErr(err error, gz bool, what string) error {
	var ce flate.CorruptInputError
	if fe := (*FormatError)(nil); errors.As(err, &fe) {
		return fe
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if gz {
			return formatErr("", ErrTruncated, "the gzip stream ends inside %s", what)
		}
		return formatErr("", ErrTruncated, "the file ends inside %s", what)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &ce):
		return formatErr("", ErrCorrupt, "%v (reading %s)", err, what)
	default:
		return &FormatError{Err: fmt.Errorf("reading %s: %w", what, err)}
	}
}

func kindName(rank int) string {
	if rank == 3 {
		return "an images file"
	}
	return "a labels file"
}

func dimsOf(b []byte) []uint32 {
	d := make([]uint32, len(b)/4)
	for i := range d {
		d[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return d
}
