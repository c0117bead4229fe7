package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocated runs f and returns the bytes allocated meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// idxHeader is an IDX file of unsigned bytes with the given dimensions and have data
// bytes.
func idxHeader(dims []uint32, have int) []byte {
	return idxFile(len(dims), dims, make([]byte, have))
}

// Headers that lie about the size are refused before their data is allocated: under
// the published names against the published sizes, under other names (or without
// verification) as soon as the data runs out; both cost about the header.
func TestLyingHeadersCostNothing(t *testing.T) {
	huge := []uint32{1_300_000, 28, 28} // 1,019,200,000 bytes, just under MaxBytes
	cases := []struct {
		name       string
		file       string
		data       []byte
		skipVerify bool
		want       error
		msg        string
	}{
		{"published name, gzip", TrainImagesFile + ".gz", gz(idxHeader(huge, 1000)), false, ErrShape,
			"the header [1300000 28 28] announces 1019200000 data bytes; the published train-images-idx3-ubyte of Fashion-MNIST holds 47040000"},
		{"published name, plain", TestImagesFile, idxHeader(huge, 1000), false, ErrShape,
			"the published t10k-images-idx3-ubyte of Fashion-MNIST holds 7840000"},
		{"published labels name", TrainLabelsFile + ".gz", gz(idxHeader([]uint32{900_000_000}, 10)), false, ErrShape,
			"the header [900000000] announces 900000000 data bytes; the published train-labels-idx1-ubyte of Fashion-MNIST holds 60000"},
		{"no verification, gzip", TrainImagesFile + ".gz", gz(idxHeader(huge, 1000)), true, ErrTruncated,
			"the gzip stream ends after 1000 of the 1019200000 data bytes"},
		{"other name, plain", "other-idx3-ubyte", idxHeader(huge, 1000), false, ErrTruncated,
			"the file ends after 1000 of the 1019200000 data bytes"},
	}
	for _, tc := range cases {
		path := filepath.Join(t.TempDir(), tc.file)
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		rank := 3
		if strings.Contains(tc.file, "labels") {
			rank = 1
		}
		var verify *Source
		if !tc.skipVerify {
			verify = FashionMNIST
		}
		var err error
		alloc := allocated(func() { _, _, err = readIDXFile(path, rank, verify) })
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "dataset: "+path+": ") {
			t.Errorf("%s: %v; want %v naming the file and saying %q", tc.name, err, tc.want, tc.msg)
		}
		if alloc > 4<<20 {
			t.Errorf("%s: allocated %d KiB", tc.name, alloc>>10)
		}
	}
}
