package nn

import "github.com/d2l-go/convnets/internal/opkit"

// addTo adds src to dst element-wise (the col2im sums): float32 eight at a time on a
// CPU with AVX2, else one at a time; float64 through opkit.AddTo. Each element is one
// addition, so every path gives the same bits.
func addTo[T opkit.Float](dst, src []T) {
	d, ok := any(dst).([]float32)
	if !ok {
		opkit.AddTo(dst, src)
		return
	}
	s := any(src).([]float32)
	s = s[:len(d)]
	for i := addVector(d, s); i < len(d); i++ {
		d[i] += s[i]
	}
}
