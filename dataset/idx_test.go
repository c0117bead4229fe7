package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestReadImagesValid(t *testing.T) {
	pixels := []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}
	raw := imagesFile(2, 2, 3, pixels)
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"plain", raw}, {"gzip", gz(raw)}} {
		got, n, rows, cols, err := ReadImages(bytes.NewReader(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n != 2 || rows != 2 || cols != 3 || !bytes.Equal(got, pixels) {
			t.Errorf("%s: got n=%d rows=%d cols=%d pixels=%v, want 2 2 3 %v", tc.name, n, rows, cols, got, pixels)
		}
	}
}

func TestReadLabelsValid(t *testing.T) {
	labels := []byte{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"plain", labelsFile(labels)}, {"gzip", gz(labelsFile(labels))}} {
		got, err := ReadLabels(bytes.NewReader(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(got, labels) {
			t.Errorf("%s: got %v, want %v", tc.name, got, labels)
		}
	}
}

// gzStored gzips b without compression, so byte offsets inside the stream are
// predictable.
func gzStored(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

func TestReadMalformed(t *testing.T) {
	img := imagesFile(2, 2, 2, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	lab := labelsFile([]byte{1, 2, 3})
	stored := gzStored(img)
	withBlockType3 := bytes.Clone(gz(img))
	withBlockType3[10] = 0x07 // first deflate block: BFINAL=1, BTYPE=11 (reserved)

	cases := []struct {
		name   string
		labels bool // read with ReadLabels instead of ReadImages
		in     []byte
		want   error
		msg    string
	}{
		{"empty file", false, nil, ErrEmpty, "no bytes"},
		{"empty labels file", true, nil, ErrEmpty, "no bytes"},
		{"gzip of nothing", false, gz(nil), ErrEmpty, "gzip stream holds no bytes"},
		{"one byte", false, []byte{0}, ErrTruncated, "16-byte IDX header"},
		{"three bytes", false, []byte{0, 0, 8}, ErrTruncated, "file ends inside"},
		{"zip file", false, []byte("PK\x03\x04rest of a zip file"), ErrBadMagic, "magic 0x504b0304, want 0x00000803"},
		{"float type", false, idxFile(3, []uint32{1, 1, 1}, []byte{0, 0, 0, 0})[0:3], ErrTruncated, "header"},
		{"float IDX", false, append([]byte{0, 0, 0x0d, 3}, make([]byte, 12)...), ErrBadMagic, "magic 0x00000d03"},
		{"labels file read as images", false, lab, ErrRank, "has 1 dimensions, want 3"},
		{"images file read as labels", true, img, ErrRank, "has 3 dimensions, want 1"},
		{"rank 2", false, idxFile(2, []uint32{2, 4}, make([]byte, 8)), ErrRank, "magic 0x00000802"},
		{"dims cut short", false, img[:10], ErrTruncated, "dimensions"},
		{"zero rows", false, imagesFile(2, 0, 2, nil), ErrShape, "dimension 1 of the header is 0"},
		{"zero labels", true, labelsFile(nil), ErrShape, "dimension 0 of the header is 0"},
		{"absurd header", false, idxFile(3, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), ErrTooLarge, "more than 1073741824 bytes"},
		{"too large", false, imagesFile(1<<21, 28, 28, nil), ErrTooLarge, "[2097152 28 28]"},
		{"data cut short", false, img[:len(img)-3], ErrTruncated, "the file ends after 5 of the 8 data bytes the header [2 2 2] announces"},
		{"header only", false, img[:16], ErrTruncated, "after 0 of the 8 data bytes"},
		{"labels cut short", true, lab[:len(lab)-1], ErrTruncated, "after 2 of the 3 data bytes"},
		{"trailing bytes", false, append(bytes.Clone(img), 9, 9), ErrShape, "2 bytes follow the 8 the header [2 2 2] announces"},
		{"trailing label", true, append(bytes.Clone(lab), 1), ErrShape, "1 bytes follow"},
		{"label 10", true, labelsFile([]byte{0, 9, 10}), ErrLabelRange, "label 10 at index 2 is outside 0..9"},
		{"label 255", true, labelsFile([]byte{255}), ErrLabelRange, "label 255 at index 0"},
		{"gzip cut in half", false, gz(img)[:len(gz(img))/2], ErrTruncated, "gzip stream ends"},
		{"gzip short garbage after", false, append(gz(img), "junk"...), ErrCorrupt, "4 bytes that are not gzip follow the gzip stream (garbage appended to the file)"},
		{"gzip without trailer", false, stored[:len(stored)-8], ErrTruncated, "gzip stream ends"},
		{"gzip header only", false, gz(img)[:10], ErrTruncated, "gzip stream ends"},
		{"gzip magic only", false, []byte{0x1f, 0x8b}, ErrTruncated, "gzip header"},
		{"gzip bad method", false, flip(gz(img), 2), ErrCorrupt, "invalid header"},
		{"gzip flipped data byte", false, flip(stored, 10+5+20), ErrCorrupt, "checksum"},
		{"gzip bad CRC", false, flip(stored, len(stored)-6), ErrCorrupt, "checksum"},
		{"gzip bad deflate block", false, withBlockType3, ErrCorrupt, "corrupt input"},
		{"gzip trailing garbage", false, append(gz(img), "trailing garbage"...), ErrCorrupt, "16 bytes that are not gzip follow the gzip stream"},
		{"gzip of wrong magic", false, gz([]byte{0, 0, 9, 3, 1}), ErrBadMagic, "0x00000903"},
		{"gzip of short data", false, gz(img[:20]), ErrTruncated, "the gzip stream ends after 4 of the 8"},
	}
	for i, tc := range cases {
		var err error
		if tc.labels {
			_, err = ReadLabels(bytes.NewReader(tc.in))
		} else {
			_, _, _, _, err = ReadImages(bytes.NewReader(tc.in))
		}
		if err == nil {
			t.Errorf("case %d (%s): no error, want %v", i, tc.name, tc.want)
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("case %d (%s): error %q does not wrap %v", i, tc.name, err, tc.want)
		}
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("case %d (%s): error %q is not a *FormatError", i, tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("case %d (%s): error %q does not mention %q", i, tc.name, err, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), "dataset: <reader>: ") {
			t.Errorf("case %d (%s): error %q lacks the dataset: <reader>: prefix", i, tc.name, err)
		}
	}
}

// A header announcing 784 MB (allowed) in a tiny file must not allocate
// 784 MB before finding out the data is missing, whether read from a reader,
// a plain file, or a gzip file whose ISIZE trailer lies too.
func TestReadLyingHeaderAllocatesLittle(t *testing.T) {
	in := imagesFile(1_000_000, 28, 28, make([]byte, 10))
	lying := gz(in)
	binary.LittleEndian.PutUint32(lying[len(lying)-4:], 784_000_016) // ISIZE agrees with the header
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "plain"), in, 0o644)
	os.WriteFile(filepath.Join(dir, "lying.gz"), lying, 0o644)
	for i, read := range []func() error{
		func() error { _, _, _, _, err := ReadImages(bytes.NewReader(in)); return err },
		func() error { _, _, _, _, err := ReadImagesFile(filepath.Join(dir, "plain")); return err },
		func() error { _, _, _, _, err := ReadImagesFile(filepath.Join(dir, "lying.gz")); return err },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := read()
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
			t.Errorf("case %d: err = %v, want ErrTruncated or ErrCorrupt", i, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Errorf("case %d: allocated %d bytes for a tiny file, want < 4 MiB", i, got)
		}
	}
}

// Real-size data arrives in pieces when the file's size cannot vouch for the
// header: the reader must grow its buffer correctly.
func TestReadGrowsBuffer(t *testing.T) {
	n, rows, cols := 3000, 28, 28 // 2.35 MB > the 1 MiB first allocation
	pixels := make([]byte, n*rows*cols)
	for i := range pixels {
		pixels[i] = byte(i * 31)
	}
	got, gn, _, _, err := ReadImages(bytes.NewReader(gz(imagesFile(n, rows, cols, pixels))))
	if err != nil || gn != n || !bytes.Equal(got, pixels) {
		t.Fatalf("ReadImages: n=%d err=%v, equal=%v", gn, err, bytes.Equal(got, pixels))
	}
}

func TestReadFilesNameTheFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name   string
		labels bool
		data   []byte
		want   error
	}{
		{"bad.gz", false, gz([]byte{1, 2, 3, 4, 5}), ErrBadMagic},
		{"empty", true, nil, ErrEmpty},
		{"range", true, labelsFile([]byte{11}), ErrLabelRange},
		{"cut.gz", false, gz(imagesFile(1, 2, 2, nil)), ErrTruncated},
	}
	for i, tc := range cases {
		p := filepath.Join(dir, tc.name)
		if err := os.WriteFile(p, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		if tc.labels {
			_, err = ReadLabelsFile(p)
		} else {
			_, _, _, _, err = ReadImagesFile(p)
		}
		var fe *FormatError
		if !errors.Is(err, tc.want) || !errors.As(err, &fe) || fe.File != p {
			t.Errorf("case %d (%s): err = %v, want %v in a *FormatError for %s", i, tc.name, err, tc.want, p)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "dataset: "+p+": ") {
			t.Errorf("case %d (%s): message %q does not start with the file", i, tc.name, err)
		}
	}
	_, _, _, _, err := ReadImagesFile(filepath.Join(dir, "missing"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want os.ErrNotExist", err)
	}
}

// LoadTest reads the test split alone, from the folder Load would use.
func TestLoadTest(t *testing.T) {
	f := newFixture(5, 12, 5, 4, 3)
	dir := t.TempDir()
	f.write(t, dir, true, TestImagesFile, TestLabelsFile)
	if _, err := LoadTest(Options{Dir: dir, SkipVerify: true}); !errors.Is(err, ErrNotFound) {
		t.Errorf("without the training files: err = %v, want ErrNotFound (the folder is not complete)", err)
	}
	f.write(t, dir, true)
	s, err := LoadTest(Options{Dir: dir, SkipVerify: true})
	if err != nil || s.N != 5 || !bytes.Equal(s.Images, f.test.Images) || !bytes.Equal(s.Labels, f.test.Labels) {
		t.Errorf("LoadTest: %v, err %v; want the fixture's 5 test images", s, err)
	}
	_, err = LoadTest(Options{Dir: dir})
	if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "the header [5 4 3] announces 60 data bytes; the published t10k-images-idx3-ubyte of Fashion-MNIST holds 7840000") {
		t.Errorf("generated files under the real names: err = %v, want ErrShape naming the published size", err)
	}
	f.replaceSizes(t, &digests)
	if _, err := LoadTest(Options{Dir: dir}); !errors.Is(err, ErrDigest) {
		t.Errorf("generated files of the published sizes under the real names: err = %v, want ErrDigest", err)
	}
}

func TestLoadFiles(t *testing.T) {
	f := newFixture(3, 12, 5, 4, 3)
	dir := t.TempDir()
	f.write(t, dir, true)
	f.write(t, dir, false, TestImagesFile, TestLabelsFile) // plain copies too

	// Generated files under the real names: the published sizes reject them before
	// their data is read, and with the published sizes the published digests do.
	_, err := LoadFiles(filepath.Join(dir, TrainImagesFile+".gz"), filepath.Join(dir, TrainLabelsFile+".gz"), Options{})
	if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "the published train-images-idx3-ubyte of Fashion-MNIST holds 47040000") {
		t.Fatalf("generated data under the real name: err = %v, want ErrShape naming the published size", err)
	}
	f.replaceSizes(t, &digests)
	_, err = LoadFiles(filepath.Join(dir, TrainImagesFile+".gz"), filepath.Join(dir, TrainLabelsFile+".gz"), Options{})
	if !errors.Is(err, ErrDigest) {
		t.Fatalf("generated data under the real name: err = %v, want ErrDigest", err)
	}
	for _, want := range []string{sha(f.raw[TrainImagesFile]), digests[TrainImagesFile].sha256, TrainImagesFile + ".gz"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("digest error %q does not mention %s", err, want)
		}
	}
	// SkipVerify: other IDX datasets under these names load.
	s, err := LoadFiles(filepath.Join(dir, TrainImagesFile+".gz"), filepath.Join(dir, TrainLabelsFile+".gz"), Options{SkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 12 || s.Rows != 4 || s.Cols != 3 || !bytes.Equal(s.Images, f.train.Images) || !bytes.Equal(s.Labels, f.train.Labels) {
		t.Errorf("SkipVerify: got %v, want the fixture's training set", s)
	}
	// With the fixture's digests, verification passes, gz or plain.
	f.useDigests(t)
	for _, suffix := range []string{".gz", ""} {
		s, err := LoadFiles(filepath.Join(dir, TestImagesFile+suffix), filepath.Join(dir, TestLabelsFile+suffix), Options{})
		if err != nil || !bytes.Equal(s.Images, f.test.Images) || !bytes.Equal(s.Labels, f.test.Labels) {
			t.Errorf("verified load (%q): err=%v", suffix, err)
		}
	}
	// A corrupted plain file fails its digest even though it parses.
	bad := flip(f.raw[TestImagesFile], 20)
	os.WriteFile(filepath.Join(dir, TestImagesFile), bad, 0o644)
	_, err = LoadFiles(filepath.Join(dir, TestImagesFile), filepath.Join(dir, TestLabelsFile), Options{})
	if !errors.Is(err, ErrDigest) || !strings.Contains(err.Error(), sha(bad)) || !strings.Contains(err.Error(), sha(f.raw[TestImagesFile])) {
		t.Errorf("flipped pixel: err = %v, want ErrDigest with both digests", err)
	}

	// Counts that disagree, under names without a published digest.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "imgs"), imagesFile(3, 2, 2, make([]byte, 12)), 0o644)
	os.WriteFile(filepath.Join(other, "labs"), labelsFile([]byte{1, 2}), 0o644)
	_, err = LoadFiles(filepath.Join(other, "imgs"), filepath.Join(other, "labs"), Options{})
	var fe *FormatError
	if !errors.Is(err, ErrCountMismatch) || !errors.As(err, &fe) || fe.File != filepath.Join(other, "labs") ||
		!strings.Contains(err.Error(), "2 labels, but "+filepath.Join(other, "imgs")+" holds 3 images") {
		t.Errorf("count mismatch: err = %v", err)
	}
}

// A gzip file of several members (gzip's concatenation) reads as their concatenation;
// only bytes that start no member are garbage.
func TestGzipMembers(t *testing.T) {
	img := imagesFile(2, 2, 2, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	px, n, _, _, err := ReadImages(bytes.NewReader(append(gz(img[:10]), gz(img[10:])...)))
	if err != nil || n != 2 || !bytes.Equal(px, img[16:]) {
		t.Errorf("two members: %v, %d images, err %v; want the 8 pixels", px, n, err)
	}
}
