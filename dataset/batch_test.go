package dataset

import (
	"errors"
	"math"
	"slices"
	"testing"
	"unsafe"
)

func seqSet(n, rows, cols int) *Set {
	s := &Set{Images: make([]byte, n*rows*cols), Labels: make([]byte, n), N: n, Rows: rows, Cols: cols}
	for i := range s.Images {
		s.Images[i] = byte(i % 251)
	}
	for i := range s.Labels {
		s.Labels[i] = byte(i % NumClasses)
	}
	return s
}

// epoch collects the batches of one epoch as index lists.
func epoch(it *Iterator) [][]int {
	var out [][]int
	for it.Next() {
		out = append(out, slices.Clone(it.Indices()))
	}
	return out
}

func TestBatchesCoverEveryIndexOnce(t *testing.T) {
	cases := []struct {
		n, batch  int
		wantSizes []int
	}{
		{10, 3, []int{3, 3, 3, 1}}, // last partial batch kept
		{10, 5, []int{5, 5}},
		{10, 10, []int{10}},
		{10, 11, []int{10}}, // batch > N: one batch
		{10, 0, []int{10}},  // batch <= 0: one batch
		{1, 256, []int{1}},
		{1000, 256, []int{256, 256, 256, 232}},
	}
	for i, tc := range cases {
		for _, shuffle := range []bool{false, true} {
			it := seqSet(tc.n, 2, 2).Batches(tc.batch, shuffle, 42)
			if it.Len() != 0 {
				t.Errorf("case %d: Len before Next = %d, want 0", i, it.Len())
			}
			if it.NumBatches() != len(tc.wantSizes) {
				t.Errorf("case %d shuffle=%v: NumBatches = %d, want %d", i, shuffle, it.NumBatches(), len(tc.wantSizes))
			}
			var sizes, all []int
			for it.Next() {
				sizes = append(sizes, it.Len())
				all = append(all, it.Indices()...)
			}
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Errorf("case %d shuffle=%v: batch sizes %v, want %v", i, shuffle, sizes, tc.wantSizes)
			}
			if !shuffle && !slices.IsSorted(all) {
				t.Errorf("case %d: unshuffled order %v is not index order", i, all)
			}
			slices.Sort(all)
			for j, v := range all {
				if v != j {
					t.Fatalf("case %d shuffle=%v: indices of an epoch, sorted, are %v; want 0..%d once each", i, shuffle, all, tc.n-1)
				}
			}
			if len(all) != tc.n {
				t.Errorf("case %d: %d indices, want %d", i, len(all), tc.n)
			}
			if it.Next() || it.Next() || it.Len() != 0 {
				t.Errorf("case %d: Next after the end returned true or Len = %d", i, it.Len())
			}
		}
	}
}

func TestBatchesReproducible(t *testing.T) {
	s := seqSet(100, 1, 1)
	a := epoch(s.Batches(16, true, 7))
	b := epoch(s.Batches(16, true, 7))
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Fatalf("same seed gave different orders:\n%v\n%v", a, b)
	}
	c := epoch(s.Batches(16, true, 8))
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Fatalf("seeds 7 and 8 gave the same order")
	}
	it := s.Batches(16, true, 7)
	epoch(it)
	it.Reset(8)
	if d := epoch(it); !slices.EqualFunc(c, d, slices.Equal) {
		t.Errorf("Reset(8) order differs from a fresh iterator with seed 8")
	}
	it.Reset(7)
	if d := epoch(it); !slices.EqualFunc(a, d, slices.Equal) {
		t.Errorf("Reset(7) does not repeat seed 7's order")
	}
	// The order is part of the contract (the same on every machine and Go
	// version): this permutation was recorded from this implementation.
	got := epoch(seqSet(10, 1, 1).Batches(10, true, 1))[0]
	want := []int{0, 5, 2, 3, 1, 4, 8, 7, 6, 9}
	if !slices.Equal(got, want) {
		t.Errorf("seed 1 permutation of 10 = %v, want %v", got, want)
	}
}

// Every index is equally likely in every position (chi-square over many
// seeds), so the shuffle is unbiased.
func TestShuffleUniform(t *testing.T) {
	const n, trials = 8, 16000
	var count [n][n]int
	p := make([]int, n)
	for seed := range uint64(trials) {
		for i := range p {
			p[i] = i
		}
		permute(p, seed)
		for pos, v := range p {
			count[pos][v]++
		}
	}
	exp := float64(trials) / n
	chi := 0.0
	for pos := range count {
		for v := range count[pos] {
			d := float64(count[pos][v]) - exp
			chi += d * d / exp
		}
	}
	// 64 cells, 49 degrees of freedom: the 99.9th percentile is about 86.
	if chi > 86 {
		t.Errorf("chi-square %.1f over position x value counts: the shuffle is biased", chi)
	}
}

func TestBatchContents(t *testing.T) {
	s := seqSet(7, 2, 3)
	it := s.Batches(3, true, 99)
	var f32addr, f64addr *float32
	for b := 0; it.Next(); b++ {
		idx := it.Indices()
		x32, x64, lab, oh := it.Float32(), it.Float64(), it.Labels(), it.OneHot()
		if len(x32) != it.Len()*6 || len(x64) != it.Len()*6 || len(lab) != it.Len() || len(oh) != it.Len()*NumClasses {
			t.Fatalf("batch %d: lengths %d %d %d %d for Len %d", b, len(x32), len(x64), len(lab), len(oh), it.Len())
		}
		for k, i := range idx {
			for j, p := range s.Image(i) {
				if x32[k*6+j] != float32(p)/255 || math.Abs(x64[k*6+j]-float64(p)/255) > 1e-15 {
					t.Fatalf("batch %d example %d pixel %d: got %v / %v, want %v/255", b, k, j, x32[k*6+j], x64[k*6+j], p)
				}
			}
			if lab[k] != int(s.Labels[i]) {
				t.Errorf("batch %d example %d: label %d, want %d", b, k, lab[k], s.Labels[i])
			}
			for c := range NumClasses {
				want := float32(0)
				if c == int(s.Labels[i]) {
					want = 1
				}
				if oh[k*NumClasses+c] != want {
					t.Errorf("batch %d example %d: one-hot[%d] = %v, want %v", b, k, c, oh[k*NumClasses+c], want)
				}
			}
		}
		// Calling again returns the same buffer without recomputing wrongly.
		if again := it.Float32(); &again[0] != &x32[0] || again[0] != x32[0] {
			t.Errorf("batch %d: second Float32 call changed the buffer", b)
		}
		if b == 0 {
			f32addr = &x32[0]
			f64addr = (*float32)(unsafe.Pointer(&x64[0]))
		} else if &x32[0] != f32addr || (*float32)(unsafe.Pointer(&x64[0])) != f64addr {
			t.Errorf("batch %d: the float buffers were reallocated, want them reused", b)
		}
	}
}

func TestSetHeadAndImage(t *testing.T) {
	s := seqSet(10, 2, 2)
	h := s.Head(3)
	if h.N != 3 || len(h.Images) != 12 || len(h.Labels) != 3 || &h.Images[0] != &s.Images[0] {
		t.Errorf("Head(3) = %v with %d pixels, want 3 images sharing memory", h, len(h.Images))
	}
	if err := h.Validate(); err != nil {
		t.Errorf("Head(3).Validate() = %v", err)
	}
	for _, n := range []int{0, -1, 10, 11} {
		if s.Head(n) != s {
			t.Errorf("Head(%d) is not the whole set", n)
		}
	}
	if got := s.Image(2); !slices.Equal(got, s.Images[8:12]) {
		t.Errorf("Image(2) = %v, want %v", got, s.Images[8:12])
	}
	if n := epoch(h.Batches(2, true, 1)); len(n) != 2 {
		t.Errorf("Head(3) in batches of 2: %d batches, want 2", len(n))
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Image(10) did not panic")
		}
	}()
	s.Image(10)
}

func TestNewSet(t *testing.T) {
	cases := []struct {
		name   string
		images []byte
		labels []byte
		n      int
		want   error
	}{
		{"valid", make([]byte, 8), []byte{0, 9}, 2, nil},
		{"zero images", nil, nil, 0, ErrShape},
		{"pixels short", make([]byte, 7), []byte{0, 9}, 2, ErrShape},
		{"labels short", make([]byte, 8), []byte{0}, 2, ErrCountMismatch},
		{"label 10", make([]byte, 8), []byte{0, 10}, 2, ErrLabelRange},
	}
	for i, tc := range cases {
		s, err := NewSet(tc.images, tc.labels, tc.n, 2, 2)
		if !errors.Is(err, tc.want) || (err == nil) != (s != nil) {
			t.Errorf("case %d (%s): NewSet = %v, %v; want error %v", i, tc.name, s, err, tc.want)
		}
	}
}

// Seek resumes an epoch: at a batch boundary the batches that follow are the tail of
// the whole epoch's; elsewhere one short batch first reaches the next boundary, so the
// batches after it line up with the epoch's again (a resumed run with another batch
// size trains every example of the epoch once).
func TestSeekResumesTheEpoch(t *testing.T) {
	s := seqSet(10, 1, 1)
	full := epoch(s.Batches(4, true, 3)) // [4 4 2]
	cases := []struct {
		k    int
		want [][]int
	}{
		{0, full},
		{4, full[1:]},
		{8, full[2:]},
		{10, nil},
		{1, append([][]int{full[0][1:]}, full[1:]...)},
		{6, append([][]int{full[1][2:]}, full[2:]...)},
		{-5, full},
		{99, nil},
	}
	for _, c := range cases {
		it := s.Batches(4, true, 99)
		it.Reset(3)
		it.Seek(c.k)
		if got := epoch(it); !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("Seek(%d): batches %v, want %v", c.k, got, c.want)
		}
	}
}

// Every byte value converts to float32(p)/255 to the bit, on the vector path (AVX2,
// whole blocks of 8) and on the Go tail alike.
func TestScaleImageEveryByte(t *testing.T) {
	src := make([]uint8, 3*256+5)
	for i := range src {
		src[i] = uint8(i * 7)
	}
	dst := make([]float32, len(src))
	scaleImage(dst, src)
	for i, p := range src {
		if want := float32(p) / 255; math.Float32bits(dst[i]) != math.Float32bits(want) {
			t.Fatalf("pixel %d (%d): %v, want %v", i, p, dst[i], want)
		}
	}
	t.Logf("the vector code converts %d of %d pixels on this CPU", scaleVector(make([]float32, len(src)), src), len(src))
}
