package gemm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// fma32Exact is a*b + c rounded once to float32 (nearest, ties to even) through exact
// big.Float arithmetic: the reference for fma32.
func fma32Exact(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(0).SetFloat64(float64(a))
	x.SetPrec(200).Mul(x, big.NewFloat(float64(b)).SetPrec(200))
	x.Add(x, big.NewFloat(float64(c)).SetPrec(200))
	f, _ := x.Float32()
	return f
}

// TestFMA32 checks fma32 against exact arithmetic: cases where rounding the float64
// sum first would round twice to the wrong float32, signed zeros, subnormal results,
// and random operands of wildly different sizes.
func TestFMA32(t *testing.T) {
	ulp := float32(math.Nextafter32(1, 2) - 1) // 2^-23
	tie := ulp / 2                             // half an ulp of 1: a float32 tie
	cases := []struct {
		name    string
		a, b, c float32
	}{
		// (1 + 2^-23)·2^-24·(1 - 2^-23) + (1 + 2^-23) = 1 + 2^-23 + 2^-24 - 2^-70,
		// just below a tie: down to 1 + 2^-23. Through float64 the 2^-70 goes first,
		// and the tie then rounds to even, up to 1 + 2^-22.
		{"double rounding", 1 + ulp, tie * (1 - ulp), 1 + ulp},
		{"above a tie", 1 + ulp, tie, 1},
		{"below a tie", 1 - ulp/2, tie, 1},
		{"tie to even", tie, 1, 1},
		{"negative above a tie", -(1 + ulp), tie, -1},
		{"exact cancellation", 3, 5, -15},
		{"signed zero", float32(math.Copysign(0, -1)), 1, float32(math.Copysign(0, -1))},
		{"zero plus minus zero", 0, 1, float32(math.Copysign(0, -1))},
		{"subnormal", float32(math.Ldexp(1, -75)), float32(math.Ldexp(1.5, -70)), float32(math.Ldexp(1, -149))},
		{"overflow", math.MaxFloat32, 2, 0},
	}
	for _, tc := range cases {
		got, want := fma32(tc.a, tc.b, tc.c), fma32Exact(tc.a, tc.b, tc.c)
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("%s: fma32(%g, %g, %g) = %g (%#x), want %g (%#x)", tc.name, tc.a, tc.b, tc.c, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
	// The first case is one that float64 arithmetic rounds wrongly.
	d := cases[0]
	if p := float64(d.a) * float64(d.b); float32(p+float64(d.c)) == fma32Exact(d.a, d.b, d.c) {
		t.Errorf("%s: float64 arithmetic rounds %g*%g+%g right; the case tests nothing", d.name, d.a, d.b, d.c)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	bad := 0
	for range 200000 {
		r := func() float32 {
			return float32(math.Ldexp(rng.Float64()*2-1, rng.IntN(60)-30))
		}
		x, y, z := r(), r(), r()
		switch rng.IntN(4) {
		case 0: // near-cancellations
			z = math.Nextafter32(-x*y, float32(rng.Float64()*2-1))
		case 1: // x*y within a few float64 ulps of half a float32 ulp of z: ties
			_, e := math.Frexp(float64(z))
			x = float32(math.Ldexp(1, e-25))
			y = float32(1 + math.Ldexp(float64(rng.IntN(5)-2), -23))
		}
		got, want := fma32(x, y, z), fma32Exact(x, y, z)
		if math.Float32bits(got) != math.Float32bits(want) {
			if bad < 5 {
				t.Errorf("fma32(%g, %g, %g) = %g, want %g", x, y, z, got, want)
			}
			bad++
		}
	}
	if nan := fma32(float32(math.Inf(1)), 0, 1); nan == nan {
		t.Errorf("fma32(Inf, 0, 1) = %g, want NaN", nan)
	}
	if inf := fma32(float32(math.Inf(-1)), 2, 1); !math.IsInf(float64(inf), -1) {
		t.Errorf("fma32(-Inf, 2, 1) = %g, want -Inf", inf)
	}
}

// TestKernelsBitIdentical: every micro-kernel this CPU runs (AVX-512, AVX2) gives the
// portable kernel's bits, on every path (packed, B read in place, rows or columns
// first, the dot path, the k split), for ragged shapes, alpha and beta classes, one
// thread and several.
func TestKernelsBitIdentical(t *testing.T) {
	if !haveAsm {
		t.Skip("this build has no assembly kernel to compare the portable one with")
	}
	if !have512 {
		t.Log("this CPU has no AVX-512: only the AVX2 kernel is compared")
	}
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(8, 9))
	shapes := append([]shape{{6, 16, 300}, {16, 151, 400}, {150, 200, 16}, {25, 6, 900}, {13, 50, 1030}}, smallShapes...)
	ab := []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {-0.7, 0.3}, {2, -1}}
	for _, cfg := range configs {
		for _, threads := range []int{1, 3} {
			SetThreads(threads)
			for _, s := range shapes {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					x := ab[rng.IntN(len(ab))]
					p := problem{transA: tr[0], transB: tr[1], m: s.m, n: s.n, k: s.k, alpha: x.alpha, beta: x.beta, padA: rng.IntN(3), padB: rng.IntN(3), padC: rng.IntN(3)}
					name := fmt.Sprintf("%s threads %d %v", cfg.name, threads, p)
					withConfig(cfg, func() { compareKernels(t, rng, name, p) })
				}
			}
		}
	}
}

// compareKernels runs p with every micro-kernel on the same inputs and reports the
// first element whose bits differ from the portable kernel's.
func compareKernels(t *testing.T, rng *rand.Rand, name string, p problem) {
	t.Helper()
	aRows, aCols := p.m, p.k
	if p.transA {
		aRows, aCols = p.k, p.m
	}
	bRows, bCols := p.k, p.n
	if p.transB {
		bRows, bCols = p.n, p.k
	}
	lda, ldb, ldc := aCols+p.padA, bCols+p.padB, p.n+p.padC
	a, b, c := randSlice(rng, aRows*lda), randSlice(rng, bRows*ldb), randSlice(rng, p.m*ldc)
	run := func(k int32) []float32 {
		out := append([]float32(nil), c...)
		withKernel(t, k, func() {
			Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a, lda, b, ldb, p.beta, out, ldc)
		})
		return out
	}
	want := run(kGeneric)
	for _, k := range kernels()[:len(kernels())-1] {
		got := run(k)
		for x := range c {
			if math.Float32bits(got[x]) != math.Float32bits(want[x]) {
				t.Errorf("%s: element %d is %g with the %s kernel, %g with the portable one", name, x, got[x], kernelName(k), want[x])
				return
			}
		}
	}
}

// TestSetKernel: every listed kernel can be chosen and is then the one in use; an
// unknown name is refused with the choices; "auto" restores the automatic choice, the
// fastest.
func TestSetKernel(t *testing.T) {
	defer SetKernel("auto")
	names := Kernels()
	if names[len(names)-1] != "generic" || names[0] != kernelNames[bestKernel()] {
		t.Fatalf("Kernels() = %v: want the fastest first and generic last", names)
	}
	for _, name := range names {
		if err := SetKernel(name); err != nil {
			t.Fatalf("SetKernel(%q): %v", name, err)
		}
		if got := Kernel(); got != name {
			t.Errorf("after SetKernel(%q), Kernel() = %q", name, got)
		}
	}
	err := SetKernel("sse9")
	want := `gemm: no micro-kernel "sse9" on this CPU; choose auto or one of ` + strings.Join(names, ", ")
	if err == nil || err.Error() != want {
		t.Errorf("SetKernel(sse9) = %v, want %q", err, want)
	}
	if err := SetKernel("auto"); err != nil || Kernel() != names[0] {
		t.Errorf("SetKernel(auto) = %v, Kernel() = %q; want the fastest, %q", err, Kernel(), names[0])
	}
}
