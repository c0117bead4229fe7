package dataset

import (
	"math/bits"
	"math/rand/v2"
)

// Iterator walks one epoch of mini-batches over a Set. It is created by
// Set.Batches; call Next before reading the first batch:
//
//	it := train.Batches(256, true, seed)
//	for epoch := range epochs {
//		it.Reset(seed + uint64(epoch))
//		for it.Next() {
//			x := it.Float32() // (it.Len(), 1, rows, cols), pixels/255
//			y := it.Labels()  // it.Len() class indices
//			...
//		}
//	}
//
// The slices returned by Float32, Float64, Labels, OneHot and Indices are
// reused by the next batch: copy them to keep them. An Iterator is not safe
// for concurrent use.
type Iterator struct {
	set     *Set
	batch   int
	shuffle bool
	perm    []int
	pos     int // start of the current batch in perm
	n       int // size of the current batch; 0 before the first Next
	started bool

	f32    []float32
	f64    []float64
	labels []int
	onehot []float32
	have   uint8 // which buffers hold the current batch
}

const (
	haveF32 = 1 << iota
	haveF64
	haveLabels
	haveOneHot
)

// Batches returns an iterator over mini-batches of batchSize examples. With
// shuffle, each epoch visits the examples in a random order drawn from seed
// (the same seed gives the same order on every machine); without it, in
// index order. The last batch holds the remainder when batchSize does not
// divide N (PyTorch DataLoader's default, drop_last=False). batchSize <= 0 or
// > N means one batch of the whole set. s must be valid (see Validate); sets
// from Load and NewSet are.
func (s *Set) Batches(batchSize int, shuffle bool, seed uint64) *Iterator {
	if batchSize <= 0 || batchSize > s.N {
		batchSize = s.N
	}
	it := &Iterator{set: s, batch: batchSize, shuffle: shuffle, perm: make([]int, s.N)}
	it.Reset(seed)
	return it
}

// Reset starts a new epoch. When shuffling, the order is a fresh permutation
// drawn from seed; otherwise seed is ignored.
func (it *Iterator) Reset(seed uint64) {
	for i := range it.perm {
		it.perm[i] = i
	}
	if it.shuffle {
		permute(it.perm, seed)
	}
	it.pos, it.n, it.started, it.have = 0, 0, false, 0
}

// permute shuffles p in place (Fisher-Yates) with a PCG generator seeded by
// seed and Lemire's unbiased bounded draw, both fixed here so the order never
// changes with the Go version.
func permute(p []int, seed uint64) {
	src := rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	for i := len(p) - 1; i > 0; i-- {
		j := bounded(src, uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
}

// bounded returns a uniform integer in [0, n) (Lemire, "Fast Random Integer
// Generation in an Interval", 2019).
func bounded(src *rand.PCG, n uint64) int {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return int(hi)
}

// Seek makes the next batch start at example k of the epoch's order (clamped to
// 0..N) and end at the next multiple of the batch size, so that the batches
// after it are those of the epoch read from its start. It resumes an
// interrupted epoch: Reset with the epoch's seed, then Seek to the examples
// already done.
func (it *Iterator) Seek(k int) {
	it.pos, it.n, it.started, it.have = min(max(k, 0), len(it.perm)), 0, false, 0
}

// Next advances to the next batch and reports whether there is one; it
// returns false at the end of the epoch (call Reset to start another).
func (it *Iterator) Next() bool {
	if it.started {
		it.pos += it.n
	}
	it.started = true
	it.have = 0
	it.n = min(it.batch-it.pos%it.batch, len(it.perm)-it.pos)
	if it.n <= 0 {
		it.n = 0
		return false
	}
	return true
}

// Len returns the number of examples in the current batch (batchSize, or
// less for the last one; 0 before Next or after the end).
func (it *Iterator) Len() int { return it.n }

// BatchSize returns the nominal batch size.
func (it *Iterator) BatchSize() int { return it.batch }

// NumBatches returns the number of batches per epoch, ceil(N / batchSize).
func (it *Iterator) NumBatches() int { return (len(it.perm) + it.batch - 1) / it.batch }

// Indices returns the dataset indices of the current batch (read only).
func (it *Iterator) Indices() []int { return it.perm[it.pos : it.pos+it.n] }

// scale maps a pixel byte to [0, 1].
var scale32, scale64 = func() (a [256]float32, b [256]float64) {
	for i := range 256 {
		a[i] = float32(i) / 255
		b[i] = float64(i) / 255
	}
	return
}()

// Float32 returns the current batch as a (Len, 1, Rows, Cols) tensor in
// row-major (NCHW) order, each pixel divided by 255 so it lies in [0, 1].
// The buffer is reused by the next batch.
func (it *Iterator) Float32() []float32 {
	return batchImages(it, &it.f32, haveF32, scaleImage)
}

// batchImages returns the current batch's images, each pixel turned to T by scale,
// in *buf (made on the first call, reused after), filling it only once per batch:
// bit of it.have says it holds the current batch.
func batchImages[T float32 | float64](it *Iterator, buf *[]T, bit uint8, scale func(dst []T, src []uint8)) []T {
	px := it.set.Rows * it.set.Cols
	if *buf == nil {
		*buf = make([]T, it.batch*px)
	}
	out := (*buf)[:it.n*px]
	if it.have&bit == 0 {
		for k, idx := range it.Indices() {
			scale(out[k*px:(k+1)*px], it.set.Images[idx*px:(idx+1)*px])
		}
		it.have |= bit
	}
	return out
}

// scaleImage writes src's pixels divided by 255 to dst, eight at a time on a CPU with
// AVX2 (to the same bits).
func scaleImage(dst []float32, src []uint8) {
	done := scaleVector(dst, src)
	dst = dst[done:len(src)]
	for j, p := range src[done:] {
		dst[j] = scale32[p]
	}
}

// Float64 is Float32 in float64 (its own reused buffer).
func (it *Iterator) Float64() []float64 {
	return batchImages(it, &it.f64, haveF64, func(dst []float64, src []uint8) {
		for j, p := range src {
			dst[j] = scale64[p]
		}
	})
}

// Labels returns the class indices of the current batch (reused buffer).
func (it *Iterator) Labels() []int {
	if it.labels == nil {
		it.labels = make([]int, it.batch)
	}
	out := it.labels[:it.n]
	if it.have&haveLabels == 0 {
		for k, idx := range it.Indices() {
			out[k] = int(it.set.Labels[idx])
		}
		it.have |= haveLabels
	}
	return out
}

// OneHot returns the labels of the current batch one-hot encoded, a
// (Len, NumClasses) row-major matrix of 0s and 1s (reused buffer).
func (it *Iterator) OneHot() []float32 {
	if it.onehot == nil {
		it.onehot = make([]float32, it.batch*NumClasses)
	}
	out := it.onehot[:it.n*NumClasses]
	if it.have&haveOneHot == 0 {
		clear(out)
		for k, idx := range it.Indices() {
			if l := int(it.set.Labels[idx]); l < NumClasses {
				out[k*NumClasses+l] = 1
			}
		}
		it.have |= haveOneHot
	}
	return out
}
