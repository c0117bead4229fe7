package plotting

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// niceTicks is a plot.Ticker with about Target intervals between major
// ticks, spaced 1, 2, 2.5 or 5 times a power of ten, and no minor ticks:
// matplotlib's look, denser than gonum's default of three ticks.
type niceTicks struct {
	Target int
}

var _ plot.Ticker = niceTicks{}

// niceStep returns the step of 1, 2, 2.5 or 5 times a power of ten that
// divides span into the number of intervals nearest to target (the larger
// step on a tie).
func niceStep(span float64, target int) float64 {
	target = max(1, target)
	mag := math.Pow(10, math.Floor(math.Log10(span/float64(target))))
	best, bestDiff := 0.0, math.Inf(1)
	for _, m := range []float64{0.5, 1, 2, 2.5, 5, 10, 20} {
		step := m * mag
		if d := math.Abs(span/step - float64(target)); d <= bestDiff+1e-9 {
			best, bestDiff = step, d
		}
	}
	return best
}

// Ticks implements plot.Ticker.
func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	step := niceStep(hi-lo, t.Target)
	// Decimals needed to write multiples of step exactly.
	exp := int(math.Floor(math.Log10(step) + 1e-9))
	dec := -exp
	if m := step / math.Pow(10, float64(exp)); math.Abs(m-2.5) < 1e-6 {
		dec++ // 0.25, 2.5: one digit more than the power of ten
	}
	dec = max(0, dec)
	first := math.Ceil(lo/step - 1e-9)
	var out []plot.Tick
	for k := first; k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', dec, 64)})
	}
	return out
}
