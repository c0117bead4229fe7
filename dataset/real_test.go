package dataset_test

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
)

// rawLabels reads the first n labels of a gzipped IDX labels file without
// this package's decoder.
func rawLabels(t *testing.T, path string, n int) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8+n)
	if _, err := io.ReadFull(zr, b); err != nil {
		t.Fatal(err)
	}
	return b[8:]
}

func TestLoadRealFashionMNIST(t *testing.T) {
	dir := fashiontest.Dir(t)
	train, test, err := dataset.Load(dataset.Options{Dir: dir}) // verifies all four SHA-256 digests
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		s           *dataset.Set
		n           int
		file        string
		firstLabels []byte
	}{
		{"train", train, 60000, dataset.TrainLabelsFile, []byte{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}},
		{"test", test, 10000, dataset.TestLabelsFile, []byte{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}},
	} {
		if c.s.N != c.n || c.s.Rows != 28 || c.s.Cols != 28 || len(c.s.Images) != c.n*784 || len(c.s.Labels) != c.n {
			t.Errorf("%s: %v with %d pixels and %d labels, want %d images of 28x28", c.name, c.s, len(c.s.Images), len(c.s.Labels), c.n)
		}
		raw := rawLabels(t, filepath.Join(dir, c.file+".gz"), 10)
		if !slices.Equal(raw, c.firstLabels) || !slices.Equal(c.s.Labels[:10], c.firstLabels) {
			t.Errorf("%s: first labels: file %v, loaded %v, want %v", c.name, raw, c.s.Labels[:10], c.firstLabels)
		}
		// Fashion-MNIST is balanced: N/10 examples of every class.
		var perClass [dataset.NumClasses]int
		for _, l := range c.s.Labels {
			perClass[l]++
		}
		for k, got := range perClass {
			if got != c.n/dataset.NumClasses {
				t.Errorf("%s: class %d (%s) has %d examples, want %d", c.name, k, dataset.LabelNames[k], got, c.n/dataset.NumClasses)
			}
		}
		// Pixels span the full byte range 0..255.
		if lo, hi := slices.Min(c.s.Images), slices.Max(c.s.Images); lo != 0 || hi != 255 {
			t.Errorf("%s: pixel range %d..%d, want 0..255", c.name, lo, hi)
		}
	}
	if err := dataset.Verify(dir); err != nil {
		t.Errorf("Verify(%s) = %v", dir, err)
	}
}

// BenchmarkLoad reads both splits of the real data, with and without the SHA-256
// verification.
func BenchmarkLoad(b *testing.B) {
	dir := fashiontest.Dir(b)
	for _, c := range []struct {
		name string
		skip bool
	}{{"verify", false}, {"noverify", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := dataset.Load(dataset.Options{Dir: dir, SkipVerify: c.skip}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
