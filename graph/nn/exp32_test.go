package nn

import "math"

// exp32 is exp(x) in float32, within 2 ulp: expReduced32 where it applies, +Inf above
// 88.72, 0 below -103.97, math.Exp at the edges between, NaN for NaN:
// the exponential over all of float32 that the tests hold expReduced32 to.
func exp32(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > 88.72283:
		return float32(math.Inf(1))
	case x > 88 || x < -87.33654 && x >= -103.97208:
		return float32(math.Exp(float64(x))) // the edges: 2^128, subnormals
	case x < -103.97208:
		return 0
	}
	return expReduced32(x)
}
