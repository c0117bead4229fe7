package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/opkit"
)

// poolSpecials are the values that decide a window's pick: NaNs, infinities, signed
// zeros and ties.
var poolSpecials = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1, 1, -1}

// poolPlanes returns n values, mostly random, a third of them drawn from poolSpecials.
func poolPlanes[T opkit.Float](seed uint64, n int) []T {
	rng := rand.New(rand.NewPCG(seed, 7))
	v := make([]T, n)
	for i := range v {
		if rng.IntN(3) == 0 {
			v[i] = T(poolSpecials[rng.IntN(len(poolSpecials))])
		} else {
			v[i] = T(rng.Float64()*2 - 1)
		}
	}
	return v
}

// sameBits reports the first index where got and want differ in their bits, -1 if
// none; with anyZero, +0 and -0 count as the same.
func sameBits[T opkit.Float](got, want []T, anyZero bool) int {
	for i := range got {
		if anyZero && got[i] == 0 && want[i] == 0 {
			continue
		}
		var g, w uint64
		switch gv := any(got[i]).(type) {
		case float32:
			g, w = uint64(math.Float32bits(gv)), uint64(math.Float32bits(any(want[i]).(float32)))
		case float64:
			g, w = math.Float64bits(gv), math.Float64bits(any(want[i]).(float64))
		}
		if g != w {
			return i
		}
	}
	return -1
}

// checkFast2x2 runs the 2x2 fast passes and the general windows pass of kind on planes
// of shape xs and reports every bit that differs.
func checkFast2x2[T opkit.Float](t *testing.T, kind pool4DKind, xs [4]int, seed uint64) {
	t.Helper()
	two := [2]int{2, 2}
	win := geom.Window{Kernel: two, Stride: two}
	n, h, w := xs[0]*xs[1], xs[2], xs[3]
	g := pool4DGeom{kh: 2, kw: 2, sh: 2, sw: 2, h: h, w: w, oh: h / 2, ow: w / 2, workers: 1}
	if oh, ow := win.OutputPlane(h, w); oh != g.oh || ow != g.ow {
		t.Fatalf("geometry %dx%d: window gives %dx%d", h, w, oh, ow)
	}
	x := poolPlanes[T](seed, n*h*w)
	gy := poolPlanes[T](seed+1, n*g.oh*g.ow)
	for _, backward := range []bool{false, true} {
		size := n * g.oh * g.ow
		if backward {
			size = n * h * w
		}
		fast, general := make([]T, size), make([]T, size)
		for i := range fast {
			fast[i], general[i] = 99, 99 // every element must be written
		}
		r := poolRun[T]{kind: kind, g: g, backward: backward, x: x, gy: gy, out: fast}
		if !r.g.is2x2() {
			t.Fatalf("%v is not the 2x2 geometry", g)
		}
		r.Range(0, 0, n)
		r.out = general
		r.rows = pool4DSpans(nil, g.oh, h, 2, 0, 2)
		r.cols = pool4DSpans(nil, g.ow, w, 2, 0, 2)
		r.reference = true
		r.windows(0, n)
		// The average's backward pass writes d/4 where the general one adds it to a
		// zero, so a -0 gradient arrives as -0 there and +0 here: the sign of a zero is
		// all that may differ.
		if i := sameBits(fast, general, kind == pool4DAvg && backward); i >= 0 {
			t.Errorf("%v %v backward=%v: element %d is %v (bits differ), the general pass gives %v", kind, xs, backward, i, fast[i], general[i])
		}
	}
}

// TestPool2x2FastPathsBitExact: the 2x2, stride-2, unpadded passes (max and average,
// forward and backward) give the general pass's bits (but for the sign of a zero in the
// average's gradient) on planes full of NaNs, infinities,
// signed zeros and ties, on even and odd planes, in both dtypes.
func TestPool2x2FastPathsBitExact(t *testing.T) {
	for i, xs := range [][4]int{{2, 3, 4, 6}, {1, 2, 5, 7}, {3, 1, 7, 4}, {1, 1, 3, 3}, {2, 2, 2, 2}, {4, 6, 28, 28}} {
		for _, kind := range []pool4DKind{pool4DMax, pool4DAvg} {
			t.Run(fmt.Sprintf("%v/%v", kind, xs), func(t *testing.T) {
				checkFast2x2[float32](t, kind, xs, uint64(10*i))
				checkFast2x2[float64](t, kind, xs, uint64(10*i+5))
			})
		}
	}
}

// checkInterior runs the general windows pass of kind on planes of shape xs with the
// window win twice, with and without the interior and branch-free paths, and reports
// every bit that differs, forward and backward.
func checkInterior[T opkit.Float](t *testing.T, kind pool4DKind, xs [4]int, win geom.Window, seed uint64, x []T) {
	t.Helper()
	n := xs[0] * xs[1]
	g := newPool4DGeom(win, []int{xs[0], xs[1], xs[2], xs[3]}, 1)
	if x == nil {
		x = poolPlanes[T](seed, n*g.h*g.w)
	}
	gy := poolPlanes[T](seed+1, n*g.oh*g.ow)
	for _, backward := range []bool{false, true} {
		size := n * g.oh * g.ow
		if backward {
			size = n * g.h * g.w
		}
		// The general pass, the fast one in Go alone, the fast one with the vector
		// kernel where it runs.
		var got [3][]T
		for k := range got {
			got[k] = make([]T, size)
			for i := range got[k] {
				got[k][i] = 99 // every element must be written
			}
			r := poolRun[T]{kind: kind, g: g, backward: backward, x: x, gy: gy, out: got[k]}
			r.prepare()
			if k < 2 {
				r.offs = nil
			}
			r.reference = k == 0
			r.windows(0, n)
		}
		for k, path := range []string{"", "the fast pass in Go", "the fast pass with the vector kernel"} {
			if i := sameBits(got[k], got[0], false); k > 0 && i >= 0 {
				t.Errorf("%v %v %v backward=%v: %s gives element %d = %v (bits %x), the general pass %v (%x)",
					kind, xs, win, backward, path, i, got[k][i], bitsOf(got[k][i]), got[0][i], bitsOf(got[0][i]))
			}
		}
	}
}

func bitsOf[T opkit.Float](v T) uint64 {
	if f, ok := any(v).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(any(v).(float64))
}

// TestPoolInteriorBitExact: the interior windows and the branch-free maxima give the
// general pass's bits, max and average, forward and backward, both dtypes, on planes
// full of NaNs, infinities, signed zeros and ties, on planes of only zeros of both signs
// and of a few repeated values, with the unrolled sizes (3x3 stride 2 and 1, 2x2 stride
// 1) and others: padding up to half the window, stride beyond the window, rectangles,
// windows as large as the plane, planes and rows with more interior windows than a
// poolChunk.
func TestPoolInteriorBitExact(t *testing.T) {
	type c struct {
		xs                  [4]int
		kernel, pad, stride [2]int
	}
	cases := []c{
		{[4]int{2, 3, 28, 28}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}},
		{[4]int{2, 3, 28, 27}, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}},
		{[4]int{2, 3, 10, 10}, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}},
		{[4]int{2, 2, 10, 10}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}},
		{[4]int{1, 2, 9, 7}, [2]int{3, 3}, [2]int{0, 0}, [2]int{2, 2}},
		{[4]int{1, 2, 9, 8}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}},
		{[4]int{2, 1, 7, 9}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1}},
		{[4]int{2, 1, 7, 9}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}},
		{[4]int{1, 3, 8, 8}, [2]int{2, 2}, [2]int{1, 1}, [2]int{2, 2}},
		{[4]int{1, 2, 11, 13}, [2]int{2, 3}, [2]int{1, 1}, [2]int{3, 2}},
		{[4]int{1, 2, 12, 9}, [2]int{4, 2}, [2]int{2, 1}, [2]int{1, 3}},
		{[4]int{1, 2, 13, 13}, [2]int{2, 2}, [2]int{0, 1}, [2]int{5, 4}},
		{[4]int{1, 1, 15, 14}, [2]int{5, 5}, [2]int{2, 2}, [2]int{2, 3}},
		{[4]int{2, 1, 5, 5}, [2]int{5, 5}, [2]int{0, 0}, [2]int{1, 1}},
		{[4]int{2, 1, 4, 6}, [2]int{4, 6}, [2]int{2, 3}, [2]int{1, 1}},
		{[4]int{1, 2, 1, 1}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}},
		{[4]int{1, 1, 3, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1}},
		{[4]int{2, 1, 40, 41}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}}, // more interior windows than a chunk
		{[4]int{1, 1, 5, 262}, [2]int{3, 3}, [2]int{0, 0}, [2]int{1, 1}}, // a row longer than a chunk
		{[4]int{1, 2, 4, 526}, [2]int{3, 3}, [2]int{0, 1}, [2]int{1, 2}},
		{[4]int{1, 2, 9, 19}, [2]int{2, 2}, [2]int{1, 0}, [2]int{2, 2}}, // 9 windows a row
		{[4]int{1, 2, 6, 21}, [2]int{1, 5}, [2]int{0, 2}, [2]int{1, 2}},
	}
	negZero := math.Copysign(0, -1)
	fill := func(n int, vals ...float64) []float64 {
		rng := rand.New(rand.NewPCG(uint64(n), 3))
		v := make([]float64, n)
		for i := range v {
			v[i] = vals[rng.IntN(len(vals))]
		}
		return v
	}
	for i, tc := range cases {
		win := geom.Window{Kernel: tc.kernel, Pad: tc.pad, Stride: tc.stride}
		size := tc.xs[0] * tc.xs[1] * tc.xs[2] * tc.xs[3]
		planes := map[string][]float64{
			"specials": nil,
			"zeros":    fill(size, 0, negZero),
			"ties":     fill(size, -1, 2, 2, 0, negZero, math.Inf(-1)),
		}
		for name, x64 := range planes {
			for _, kind := range []pool4DKind{pool4DMax, pool4DAvg} {
				t.Run(fmt.Sprintf("%v/%v/%v/%s", kind, tc.xs, win, name), func(t *testing.T) {
					var x32 []float32
					for _, v := range x64 {
						x32 = append(x32, float32(v))
					}
					checkInterior(t, kind, tc.xs, win, uint64(10*i), x32)
					checkInterior(t, kind, tc.xs, win, uint64(10*i+5), x64)
				})
			}
		}
	}
}

// avgSpecials32 are the float32 values whose sums the vector average kernels must round
// as the Go loop does: NaNs of other payloads and signs (which NaN a sum keeps depends
// on the order of its operands), infinities of both signs (whose sum is a NaN), signed
// zeros, subnormals, the largest finite values (whose sums overflow).
var avgSpecials32 = []float32{
	float32(math.NaN()), math.Float32frombits(0x7fc00123), math.Float32frombits(0xffc00456),
	math.Float32frombits(0x7f800001), // signaling: the sum quiets it
	float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
	math.Float32frombits(1), math.Float32frombits(0x80000003), math.Float32frombits(0x007fffff),
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32 * 4,
}

// avgPlanes32 returns n values, mostly random, a third of them drawn from avgSpecials32.
func avgPlanes32(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		if rng.IntN(3) == 0 {
			v[i] = avgSpecials32[rng.IntN(len(avgSpecials32))]
		} else {
			v[i] = float32(rng.NormFloat64())
		}
	}
	return v
}

// TestAvg2x2VectorBitExact: the float32 2x2 average passes with avg2x2Rows and
// avg2x2GradRows give the Go loop's bits, forward and backward, on random planes full
// of NaNs of several payloads, infinities, signed zeros, subnormals and overflowing
// sums, with rows of 1 to 40 outputs (whole blocks of eight and four, and tails), odd
// and even heights and widths, and planes of one row (no outputs).
func TestAvg2x2VectorBitExact(t *testing.T) {
	if !havePoolVector {
		t.Skip("no vector unit: avg2x2Rows does not run")
	}
	rng := rand.New(rand.NewPCG(11, 3))
	for ow := 1; ow <= 40; ow++ {
		for _, shape := range [][3]int{{1, 2, 0}, {3, 3, 1}, {2, 5, 0}, {2, 4, 1}, {2, 1, 0}} {
			n, h, w := shape[0], shape[1], 2*ow+shape[2]
			g := pool4DGeom{kh: 2, kw: 2, sh: 2, sw: 2, h: h, w: w, oh: h / 2, ow: ow, workers: 1}
			x := avgPlanes32(rng, n*h*w)
			gy := avgPlanes32(rng, n*g.oh*g.ow)
			for _, backward := range []bool{false, true} {
				size := n * g.oh * g.ow
				if backward {
					size = n * h * w
				}
				var got [2][]float32
				for k := range got {
					got[k] = make([]float32, size)
					for i := range got[k] {
						got[k][i] = 99 // every element must be written
					}
					r := poolRun[float32]{kind: pool4DAvg, g: g, backward: backward, x: x, gy: gy, out: got[k], noVector: k == 0}
					r.Range(0, 0, n)
				}
				if i := sameBits(got[1], got[0], false); i >= 0 {
					t.Errorf("%d planes %dx%d backward=%v: element %d is %v (bits %08x), the Go loop gives %v (%08x)",
						n, h, w, backward, i, got[1][i], math.Float32bits(got[1][i]), got[0][i], math.Float32bits(got[0][i]))
				}
			}
		}
	}
}
