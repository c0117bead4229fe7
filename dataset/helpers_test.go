package dataset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// idxFile builds an IDX file of unsigned bytes: magic, big-endian dims, data.
func idxFile(rank int, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(rank)})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func imagesFile(n, rows, cols int, pixels []byte) []byte {
	return idxFile(3, []uint32{uint32(n), uint32(rows), uint32(cols)}, pixels)
}

func labelsFile(labels []byte) []byte {
	return idxFile(1, []uint32{uint32(len(labels))}, labels)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fixture is a small generated Fashion-MNIST look-alike: decompressed file
// contents keyed by file name.
type fixture struct {
	train, test *Set
	raw         map[string][]byte
}

// newFixture makes nTrain and nTest random rows x cols images with labels
// cycling 0..9, seeded.
func newFixture(seed uint64, nTrain, nTest, rows, cols int) *fixture {
	rng := rand.New(rand.NewPCG(seed, 1))
	mk := func(n int) *Set {
		s := &Set{Images: make([]byte, n*rows*cols), Labels: make([]byte, n), N: n, Rows: rows, Cols: cols}
		for i := range s.Images {
			s.Images[i] = byte(rng.IntN(256))
		}
		for i := range s.Labels {
			s.Labels[i] = byte((i*7 + int(seed)) % NumClasses)
		}
		return s
	}
	f := &fixture{train: mk(nTrain), test: mk(nTest)}
	f.raw = map[string][]byte{
		TrainImagesFile: imagesFile(nTrain, rows, cols, f.train.Images),
		TrainLabelsFile: labelsFile(f.train.Labels),
		TestImagesFile:  imagesFile(nTest, rows, cols, f.test.Images),
		TestLabelsFile:  labelsFile(f.test.Labels),
	}
	return f
}

// useDigests makes the package accept the fixture's files as the published
// ones for the duration of the test.
func (f *fixture) useDigests(t *testing.T) { f.replaceDigests(t, &digests) }

// replaceDigests makes *table hold the fixture's digests for the duration of the
// test.
func (f *fixture) replaceDigests(t *testing.T, table *map[string]fileSpec) {
	t.Helper()
	old := *table
	*table = map[string]fileSpec{}
	for name, b := range f.raw {
		(*table)[name] = fileSpec{int64(len(b)), sha(b)}
	}
	t.Cleanup(func() { *table = old })
}

// replaceSizes makes *table hold the fixture's sizes with the published digests for the
// duration of the test: the fixture's files then pass the size check and fail the digest.
func (f *fixture) replaceSizes(t *testing.T, table *map[string]fileSpec) {
	t.Helper()
	old := *table
	*table = map[string]fileSpec{}
	for name, b := range f.raw {
		(*table)[name] = fileSpec{int64(len(b)), old[name].sha256}
	}
	t.Cleanup(func() { *table = old })
}

// write stores the named files (all four when names is empty) in dir, gzipped
// or plain.
func (f *fixture) write(t *testing.T, dir string, compress bool, names ...string) {
	t.Helper()
	if len(names) == 0 {
		names = FileNames[:]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, p := f.raw[name], filepath.Join(dir, name)
		if compress {
			b, p = gz(b), p+".gz"
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// listDir returns the names in dir (nil if it does not exist).
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func mkdir(dir string) error { return os.MkdirAll(dir, 0o755) }
