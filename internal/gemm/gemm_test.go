package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// kernels lists the micro-kernels this build and CPU can run, fastest first; tests
// run each one.
func kernels() []int32 {
	var ks []int32
	for k := bestKernel(); k >= kGeneric; k-- {
		ks = append(ks, k)
	}
	return ks
}

// withKernel runs f with micro-kernel k.
func withKernel(t testing.TB, k int32, f func()) {
	t.Helper()
	prev := kernel.Load()
	kernel.Store(k + 1)
	defer kernel.Store(prev)
	f()
}

// config is a setting of the package's path choices. Tests run every
// config so that each code path sees every shape, not only the shapes for
// which the heuristics pick it.
type config struct {
	name     string
	dotMode  int // see dotMode
	rowMajor int // rowMajorMaxKN
	directM  int // directBMaxM
}

var configs = []config{
	{"default", 0, 64 << 10, 6},
	{"dot,colwise,packB", 1, 0, 0},
	{"nodot,rowwise,directB18", -1, 1 << 30, 18},
}

// withConfig runs f under cfg and restores the defaults.
func withConfig(cfg config, f func()) {
	d, r, m := dotMode, rowMajorMaxKN, directBMaxM
	defer func() { dotMode, rowMajorMaxKN, directBMaxM = d, r, m }()
	dotMode, rowMajorMaxKN, directBMaxM = cfg.dotMode, cfg.rowMajor, cfg.directM
	f()
}

// eachSetting runs f under every kernel and config, stopping at the first
// setting that fails.
func eachSetting(t *testing.T, f func()) {
	t.Helper()
	for _, asm := range kernels() {
		for _, cfg := range configs {
			withKernel(t, asm, func() { withConfig(cfg, f) })
			if t.Failed() {
				t.Fatalf("kernel %s, config %s failed", kernelName(asm), cfg.name)
			}
		}
	}
}

// splitEverything lets every product split across threads (parMinWork 1)
// until t ends, and then restores the default threads and threshold.
func splitEverything(t *testing.T) {
	prev := parMinWork
	parMinWork = 1
	t.Cleanup(func() {
		parMinWork = prev
		SetThreads(0)
	})
}

func kernelName(k int32) string { return kernelNames[k] }

// problem is one Sgemm call on sub-matrices: the stored matrices carry
// extra columns (lda > row length etc.) and an offset, and C's padding is
// filled with a sentinel that must survive.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra columns in the stored A and B
	padC           int // extra columns in C
	offA, offB     int // leading elements before A's and B's first element
	offC           int
}

func (p problem) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s m=%d n=%d k=%d alpha=%g beta=%g pad=%d/%d/%d off=%d/%d/%d",
		t(p.transA), t(p.transB), p.m, p.n, p.k, p.alpha, p.beta,
		p.padA, p.padB, p.padC, p.offA, p.offB, p.offC)
}

const sentinel = float32(-12345.5)

// check runs p with the current kernel and compares C against a float64
// triple loop. The tolerance is relative to k: float32 accumulation of k
// products errs by at most about k*eps times the sum of their magnitudes.
func check(t *testing.T, rng *rand.Rand, p problem) {
	t.Helper()
	aRows, aCols := p.m, p.k
	if p.transA {
		aRows, aCols = p.k, p.m
	}
	bRows, bCols := p.k, p.n
	if p.transB {
		bRows, bCols = p.n, p.k
	}
	lda, ldb, ldc := max(1, aCols+p.padA), max(1, bCols+p.padB), max(1, p.n+p.padC)
	a := randSlice(rng, p.offA+aRows*lda)
	b := randSlice(rng, p.offB+bRows*ldb)
	c := make([]float32, p.offC+p.m*ldc)
	for i := range c {
		c[i] = sentinel
	}
	c0 := make([]float32, len(c))
	for i := range p.m {
		for j := range p.n {
			v := float32(rng.Float64()*2 - 1)
			if p.beta == 0 && (i+j)%5 == 0 {
				v = float32(math.NaN()) // must not propagate when beta == 0
			}
			c[p.offC+i*ldc+j] = v
		}
	}
	copy(c0, c)
	at := func(i, q int) float64 {
		if p.transA {
			return float64(a[p.offA+q*lda+i])
		}
		return float64(a[p.offA+i*lda+q])
	}
	bt := func(q, j int) float64 {
		if p.transB {
			return float64(b[p.offB+j*ldb+q])
		}
		return float64(b[p.offB+q*ldb+j])
	}

	Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a[p.offA:], lda, b[p.offB:], ldb, p.beta, c[p.offC:], ldc)

	const eps = 1.0 / (1 << 23)
	bad := 0
	for i := range p.m {
		for j := range p.n {
			var sum, mag float64
			for q := range p.k {
				x := at(i, q) * bt(q, j)
				sum += x
				mag += math.Abs(x)
			}
			want := float64(p.alpha) * sum
			bound := math.Abs(float64(p.alpha)) * mag
			if p.beta != 0 {
				cv := float64(c0[p.offC+i*ldc+j])
				want += float64(p.beta) * cv
				bound += math.Abs(float64(p.beta) * cv)
			}
			tol := 2*float64(p.k+2)*eps*bound + 1e-30
			got := float64(c[p.offC+i*ldc+j])
			if !(math.Abs(got-want) <= tol) {
				if bad < 5 {
					t.Errorf("%v: C[%d,%d] = %v, want %v (tol %.3g)", p, i, j, got, want, tol)
				}
				bad++
			}
		}
	}
	// Nothing outside the m x n sub-matrix of C may change.
	for x := range c {
		i, j := (x-p.offC)/ldc, (x-p.offC)%ldc
		inside := x >= p.offC && i < p.m && j < p.n
		if !inside && c[x] != c0[x] {
			if bad < 5 {
				t.Errorf("%v: element %d outside C changed from %v to %v", p, x, c0[x], c[x])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%v: %d bad elements", p, bad)
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

type shape struct{ m, n, k int }

var smallShapes = []shape{
	{1, 1, 1}, {1, 1, 7}, {7, 13, 5}, {13, 7, 5}, {5, 7, 13},
	{6, 16, 1}, {6, 16, 4}, {6, 16, 9}, {5, 15, 3}, {7, 17, 11},
	{12, 32, 8}, {11, 33, 19}, {2, 100, 3}, {100, 2, 3}, {3, 3, 100},
	{1, 40, 40}, {40, 1, 40}, {31, 29, 37},
}

// TestSgemmAllCombos covers every transA/transB and alpha/beta class on
// small and ragged shapes, plain and strided, with both kernels.
func TestSgemmAllCombos(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(1, 2))
	eachSetting(t, func() {
		SetThreads(1)
		for _, s := range smallShapes {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, alpha := range []float32{0, 1, -1.5} {
						for _, beta := range []float32{0, 1, 0.75} {
							for _, pad := range []int{0, 3} {
								check(t, rng, problem{
									transA: tA, transB: tB, m: s.m, n: s.n, k: s.k,
									alpha: alpha, beta: beta,
									padA: pad, padB: 2 * pad, padC: pad + pad/2,
									offA: pad, offB: 1 + pad, offC: 2 * pad,
								})
							}
						}
					}
				}
			}
		}
	})
}

// TestSgemmBlockEdges crosses the cache-block boundaries (kc = 256,
// mc = 144, nc = 4080) by one either way.
func TestSgemmBlockEdges(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := []shape{
		{blockM - 1, 17, blockK - 1}, {blockM + 1, 33, blockK + 1}, {blockM, 16, blockK},
		{2*blockM + 5, 20, 2*blockK + 3}, {7, blockN + 1, 9}, {13, blockN - 1, blockK + 7},
		{6, 2*blockN + 16, 3}, {5, blockN + 20, 2},
	}
	eachSetting(t, func() {
		SetThreads(1)
		for i, s := range shapes {
			for combo := range 4 {
				check(t, rng, problem{
					transA: combo&1 != 0, transB: combo&2 != 0, m: s.m, n: s.n, k: s.k,
					alpha: 0.5, beta: float32(i%3) * 0.5, padA: i % 2, padB: 1, padC: 2,
				})
			}
		}
	})
}

// lenetCase is one product of LeNet training (batch 256, im2col layout).
type lenetCase struct {
	name           string
	transA, transB bool
	m, n, k        int
}

var lenetCases = []lenetCase{
	{"conv1-fwd-img", false, false, 6, 784, 25},
	{"conv1-fwd-batch", false, false, 6, 200704, 25},
	{"conv2-fwd-img", false, false, 16, 100, 150},
	{"conv2-fwd-batch", false, false, 16, 25600, 150},
	{"conv1-dW-img", false, true, 6, 25, 784},
	{"conv1-dW-batch", false, true, 6, 25, 200704},
	{"conv2-dW-img", false, true, 16, 150, 100},
	{"conv2-dW-batch", false, true, 16, 150, 25600},
	{"conv1-dX-img", true, false, 25, 784, 6},
	{"conv1-dX-batch", true, false, 25, 200704, 6},
	{"conv2-dX-img", true, false, 150, 100, 16},
	{"conv2-dX-batch", true, false, 150, 25600, 16},
	{"fc1-fwd", false, false, 256, 120, 400},
	{"fc2-fwd", false, false, 256, 84, 120},
	{"fc3-fwd", false, false, 256, 10, 84},
	{"fc1-dX", false, true, 256, 400, 120},
	{"fc2-dX", false, true, 256, 120, 84},
	{"fc3-dX", false, true, 256, 84, 10},
	{"fc1-dW", true, false, 400, 120, 256},
	{"fc2-dW", true, false, 120, 84, 256},
	{"fc3-dW", true, false, 84, 10, 256},
}

// TestSgemmLeNet runs LeNet's products with both kernels, one and two
// threads, and beta 0 and 1 (the accumulating gradient).
func TestSgemmLeNet(t *testing.T) {
	if testing.Short() {
		t.Skip("large products; run without -short")
	}
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, asm := range kernels() {
		withKernel(t, asm, func() {
			for i, lc := range lenetCases {
				SetThreads(1 + i%2)
				check(t, rng, problem{transA: lc.transA, transB: lc.transB, m: lc.m, n: lc.n, k: lc.k,
					alpha: 1, beta: float32(i % 2)})
			}
		})
	}
}

// TestSgemmParallel forces the parallel paths (splits along n, m and k)
// with small thresholds and odd thread counts.
func TestSgemmParallel(t *testing.T) {
	splitEverything(t)
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := []shape{
		{6, 200, 25},    // split n
		{200, 20, 30},   // split m
		{7, 9, 1500},    // split k
		{6, 16, 600},    // split k, one tile
		{13, 130, 513},  // split n, ragged
		{5, 40, 2000},   // dot path: split k with a ragged last part
		{100, 30, 1030}, // dot path (NT), split k
		{3, 3, 3},       // too small to split
	}
	eachSetting(t, func() {
		for _, nw := range []int{2, 3, 5} {
			SetThreads(nw)
			for i, s := range shapes {
				for combo := range 4 {
					check(t, rng, problem{
						transA: combo&1 != 0, transB: combo&2 != 0, m: s.m, n: s.n, k: s.k,
						alpha: 1.25, beta: []float32{0, 1, -0.5}[i%3], padA: 1, padB: 2, padC: 3,
					})
				}
			}
		}
	})
}

// TestSgemmDeterministic: with a fixed thread count, repeated parallel
// calls give bit-identical results however the parts are scheduled.
func TestSgemmDeterministic(t *testing.T) {
	splitEverything(t)
	rng := rand.New(rand.NewPCG(17, 18))
	for i, s := range []struct {
		shape
		tA, tB bool
	}{{shape{6, 25, 30000}, false, true}, {shape{16, 150, 3000}, false, true}, {shape{9, 9, 5000}, false, false}, {shape{64, 700, 300}, true, false}} {
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		a, b := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n)
		run := func() []float32 {
			c := make([]float32, s.m*s.n)
			Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
			return c
		}
		SetThreads(3)
		first := run()
		for rep := range 10 {
			again := run()
			for x := range first {
				if math.Float32bits(first[x]) != math.Float32bits(again[x]) {
					t.Fatalf("case %d (%v), repeat %d: element %d = %v, first run %v", i, s, rep, x, again[x], first[x])
				}
			}
		}
	}
}

// TestSgemmAlphaZeroIgnoresAB: with alpha == 0, NaN in A and B must not
// reach C (BLAS semantics).
func TestSgemmAlphaZeroIgnoresAB(t *testing.T) {
	nan := float32(math.NaN())
	a := []float32{nan, nan, nan, nan}
	b := []float32{nan, nan, nan, nan}
	for _, tc := range []struct {
		beta float32
		want []float32
	}{{0, []float32{0, 0, 0, 0}}, {2, []float32{2, 4, 6, 8}}, {1, []float32{1, 2, 3, 4}}} {
		c := []float32{1, 2, 3, 4}
		Sgemm(false, false, 2, 2, 2, 0, a, 2, b, 2, tc.beta, c, 2)
		for i := range c {
			if c[i] != tc.want[i] {
				t.Errorf("beta=%g: c = %v, want %v", tc.beta, c, tc.want)
				break
			}
		}
	}
}

// TestSgemmKZero: k == 0 scales C by beta and reads neither A nor B.
func TestSgemmKZero(t *testing.T) {
	c := []float32{1, 2, float32(math.NaN()), 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
	for i, v := range c {
		if v != 0 {
			t.Fatalf("c[%d] = %v, want 0", i, v)
		}
	}
	c = []float32{1, 2, 3, 4}
	Sgemm(true, true, 2, 2, 0, 1, nil, 2, nil, 1, -1, c, 2)
	for i, v := range c {
		if v != -float32(i+1) {
			t.Fatalf("beta=-1: c[%d] = %v, want %v", i, v, -float32(i+1))
		}
	}
}

// TestSgemmPanics checks each documented programmer error.
func TestSgemmPanics(t *testing.T) {
	s := make([]float32, 100)
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"neg m", func() { Sgemm(false, false, -1, 2, 2, 1, s, 2, s, 2, 0, s, 2) }, errNegDim},
		{"neg n", func() { Sgemm(false, false, 2, -1, 2, 1, s, 2, s, 2, 0, s, 2) }, errNegDim},
		{"neg k", func() { Sgemm(false, false, 2, 2, -1, 1, s, 2, s, 2, 0, s, 2) }, errNegDim},
		{"lda N", func() { Sgemm(false, false, 2, 3, 4, 1, s, 3, s, 3, 0, s, 3) }, errBadLdA},
		{"lda T", func() { Sgemm(true, false, 2, 3, 4, 1, s, 1, s, 3, 0, s, 3) }, errBadLdA},
		{"lda 0", func() { Sgemm(false, false, 0, 0, 0, 1, s, 0, s, 1, 0, s, 1) }, errBadLdA},
		{"ldb N", func() { Sgemm(false, false, 2, 3, 4, 1, s, 4, s, 2, 0, s, 3) }, errBadLdB},
		{"ldb T", func() { Sgemm(false, true, 2, 3, 4, 1, s, 4, s, 3, 0, s, 3) }, errBadLdB},
		{"ldc", func() { Sgemm(false, false, 2, 3, 4, 1, s, 4, s, 3, 0, s, 2) }, errBadLdC},
		{"short a", func() { Sgemm(false, false, 2, 3, 4, 1, s[:7], 4, s, 3, 0, s, 3) }, errShortA},
		{"short a T", func() { Sgemm(true, false, 2, 3, 4, 1, s[:7], 2, s, 3, 0, s, 3) }, errShortA},
		{"short b", func() { Sgemm(false, false, 2, 3, 4, 1, s, 4, s[:11], 3, 0, s, 3) }, errShortB},
		{"short b T", func() { Sgemm(false, true, 2, 3, 4, 1, s, 4, s[:11], 4, 0, s, 3) }, errShortB},
		{"short c", func() { Sgemm(false, false, 2, 3, 4, 1, s, 4, s, 3, 0, s[:5], 3) }, errShortC},
		{"short a alpha 0", func() { Sgemm(false, false, 2, 3, 4, 0, s[:7], 4, s, 3, 0, s, 3) }, errShortA},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if msg != tc.want || !strings.HasPrefix(msg, "gemm: ") {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
	// Exactly long enough, empty and strided-but-minimal inputs must not panic.
	Sgemm(false, false, 2, 3, 4, 1, s[:8], 4, s[:12], 3, 0, s[:6], 3)
	Sgemm(false, false, 0, 3, 4, 1, nil, 4, nil, 3, 0, nil, 3)
	Sgemm(false, false, 2, 3, 2, 1, s[:2*5-3], 5, s[:2*3], 3, 0, s[50:50+6], 3)
}

// TestThreads covers SetThreads and its default.
func TestThreads(t *testing.T) {
	defer SetThreads(0)
	SetThreads(3)
	if got := Threads(); got != 3 {
		t.Errorf("Threads() = %d after SetThreads(3)", got)
	}
	SetThreads(-2)
	if got := Threads(); got < 1 {
		t.Errorf("Threads() = %d after SetThreads(-2), want GOMAXPROCS", got)
	}
}

// TestKernelName reports the kernel and checks the switch used by tests.
func TestKernelName(t *testing.T) {
	want := kernelNames[bestKernel()]
	if got := Kernel(); got != want {
		t.Errorf("Kernel() = %q, want %q", got, want)
	}
	withKernel(t, kGeneric, func() {
		if got := Kernel(); got != "generic" {
			t.Errorf("with the switch off, Kernel() = %q", got)
		}
	})
}

// TestSgemmNoAllocs: steady-state calls, serial and parallel, allocate
// nothing.
func TestSgemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct {
		shape
		transB bool
	}{{shape{64, 300, 200}, false}, {shape{6, 25, 20000}, false}, {shape{6, 25, 20000}, true}} {
		a, b, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
		ldb := s.n
		if s.transB {
			ldb = s.k
		}
		for _, nw := range []int{1, 2} {
			SetThreads(nw)
			f := func() { Sgemm(false, s.transB, s.m, s.n, s.k, 1, a, s.k, b, ldb, 0, c, s.n) }
			f()
			if n := testing.AllocsPerRun(20, f); n > 0.5 {
				t.Errorf("%v transB=%v threads=%d: %.1f allocations per call", s.shape, s.transB, nw, n)
			}
		}
	}
}
