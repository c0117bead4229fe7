package gemm

import "math"

// fma32 returns a*b + c rounded once to float32, as the FMA instructions of the
// assembly kernels compute it, so that the portable kernels give their bits. Writing
// a*b + c in Go does not do it: the compiler may fuse the two operations or not (on
// amd64 it fuses only from GOAMD64=v3 on, and not when an operand comes from memory).
//
// The product of two float32 is exact in float64, so a*b + c rounded to float64 is off
// by less than half a float64 ulp, and rounding that to float32 gives the right result
// unless it lands exactly halfway between two float32 (then the tie may be broken the
// wrong way), or the result is below float32's normal range (where its spacing is
// coarser). Those rare sums take the exact path: the float64 sum's rounding error is
// found exactly (TwoSum) and the sum rounded to odd (an inexact sum whose last bit is
// even moves one ulp towards the exact value); a float64 rounded to odd rounds to the
// nearest float32 as the exact value would.
func fma32(a, b, c float32) float32 {
	s := float64(a)*float64(b) + float64(c) // the product is exact: one rounding
	if roundsRight(s) {
		return float32(s)
	}
	return fma32Slow(a, b, c, s)
}

// roundsRight reports whether the float64 rounding s of a*b + c rounds to a*b + c's
// float32 rounding: unless s is a tie (the mantissa bits below float32's exactly one
// half), below float32's normal range (a biased exponent under 1023-126), Inf or NaN.
// The hot loops inline it and call fma32Slow themselves when it fails.
func roundsRight(s float64) bool {
	bits := math.Float64bits(s)
	return bits&(1<<29-1) != 1<<28 && bits&(0x7ff<<52)-(1023-126)<<52 < (0x7ff-1023+126)<<52
}

// fma32Slow is fma32's exact path for a*b + c, whose float64 rounding is s; out of
// line, as it is rarely taken.
//
//go:noinline
func fma32Slow(a, b, c float32, s float64) float32 {
	p, cd := float64(a)*float64(b), float64(c)
	if s-s != 0 {
		return float32(s) // Inf or NaN
	}
	bv := s - p
	e := (p - (s - bv)) + (cd - bv)
	if e != 0 {
		if bits := math.Float64bits(s); bits&1 == 0 {
			// Towards e: away from zero when e has s's sign, else towards zero. (s
			// is not zero: a sum that rounds to zero is an exact cancellation.)
			if (e > 0) == (s > 0) {
				bits++
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}
