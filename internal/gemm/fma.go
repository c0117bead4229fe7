package gemm

import "math"

// fma32 returns a*b + c rounded once to float32, as the FMA instructions of the
// assembly kernels compute it, so that the portable kernels give their bits.
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
	p := float64(a) * float64(b)
	cd := float64(c)
	s := p + cd
	const low = 1<<29 - 1 // the float64 mantissa bits below float32's
	if bits := math.Float64bits(s); bits&low != 1<<28 && math.Abs(s) >= 0x1p-126 || s-s != 0 {
		return float32(s) // not a tie, or Inf or NaN
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
