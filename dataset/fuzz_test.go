package dataset

import (
	"bytes"
	"testing"
)

func fuzzSeeds(f *testing.F, rank int) {
	valid := imagesFile(2, 3, 2, []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255})
	if rank == 1 {
		valid = labelsFile([]byte{9, 0, 0, 3, 0, 2, 7, 2, 5, 5})
	}
	for _, b := range [][]byte{
		valid,
		gz(valid),
		gzStored(valid),
		valid[:len(valid)-1],
		append(bytes.Clone(valid), 0),
		gz(valid)[:len(gz(valid))-5],
		nil,
		{0x1f, 0x8b},
		idxFile(3, []uint32{0xffffffff, 28, 28}, nil),
		idxFile(3, []uint32{1_000_000, 28, 28}, []byte{1, 2, 3}),
		idxFile(1, []uint32{3}, []byte{1, 10, 2}),
		labelsFile([]byte{1}),
		imagesFile(1, 1, 1, []byte{7}),
	} {
		f.Add(b)
	}
}

// FuzzReadImages: no input makes ReadImages panic, and whatever it accepts is
// consistent with its header.
func FuzzReadImages(f *testing.F) {
	fuzzSeeds(f, 3)
	f.Fuzz(func(t *testing.T, in []byte) {
		px, n, rows, cols, err := ReadImages(bytes.NewReader(in))
		if err != nil {
			if px != nil || n != 0 {
				t.Fatalf("error %v with data returned", err)
			}
			return
		}
		if n <= 0 || rows <= 0 || cols <= 0 || len(px) != n*rows*cols {
			t.Fatalf("accepted n=%d rows=%d cols=%d with %d pixels", n, rows, cols, len(px))
		}
		// Accepted plain input is exactly header + pixels.
		if in[0] != 0x1f && !bytes.Equal(in, imagesFile(n, rows, cols, px)) {
			t.Fatalf("accepted %d bytes that do not re-encode to themselves", len(in))
		}
	})
}

// FuzzReadLabels: no input makes ReadLabels panic; accepted labels are 0..9.
func FuzzReadLabels(f *testing.F) {
	fuzzSeeds(f, 1)
	f.Fuzz(func(t *testing.T, in []byte) {
		labels, err := ReadLabels(bytes.NewReader(in))
		if err != nil {
			if labels != nil {
				t.Fatalf("error %v with labels returned", err)
			}
			return
		}
		if len(labels) == 0 {
			t.Fatalf("accepted an empty label set")
		}
		for i, l := range labels {
			if l >= NumClasses {
				t.Fatalf("accepted label %d at %d", l, i)
			}
		}
		if in[0] != 0x1f && !bytes.Equal(in, labelsFile(labels)) {
			t.Fatalf("accepted %d bytes that do not re-encode to themselves", len(in))
		}
	})
}
