package optest

// ConvCase is one convolution configuration: input x (n, c, h, w), kernel w (co, c, kh,
// kw), padding and stride.
type ConvCase struct {
	X, W        [4]int
	Pad, Stride [2]int
}

// ConvCases are the configurations every convolution is tested on: LeNet's two layers
// (small batches), padding, strides, non-square kernels, 1×1 kernels (a direct path),
// a kernel as large as the (padded) input, odd batch sizes that split unevenly, and
// the chapter's 3×3 input with a 2×2 kernel.
var ConvCases = []ConvCase{
	{[4]int{3, 1, 28, 28}, [4]int{6, 1, 5, 5}, [2]int{2, 2}, [2]int{1, 1}},
	{[4]int{5, 6, 14, 14}, [4]int{16, 6, 5, 5}, [2]int{0, 0}, [2]int{1, 1}},
	{[4]int{2, 3, 7, 6}, [4]int{4, 3, 3, 3}, [2]int{1, 1}, [2]int{1, 1}},
	{[4]int{2, 2, 8, 8}, [4]int{3, 2, 5, 3}, [2]int{2, 1}, [2]int{1, 1}},
	{[4]int{1, 2, 8, 8}, [4]int{2, 2, 3, 5}, [2]int{0, 1}, [2]int{3, 4}},
	{[4]int{3, 1, 9, 7}, [4]int{2, 1, 3, 2}, [2]int{1, 0}, [2]int{2, 1}},
	{[4]int{7, 4, 5, 5}, [4]int{2, 4, 1, 1}, [2]int{0, 0}, [2]int{1, 1}},
	{[4]int{2, 3, 5, 5}, [4]int{2, 3, 1, 1}, [2]int{1, 0}, [2]int{2, 2}},
	{[4]int{2, 1, 6, 5}, [4]int{1, 1, 6, 5}, [2]int{0, 0}, [2]int{1, 1}},
	{[4]int{1, 1, 4, 4}, [4]int{1, 1, 3, 3}, [2]int{2, 2}, [2]int{2, 3}},
	{[4]int{1, 1, 3, 3}, [4]int{1, 1, 2, 2}, [2]int{0, 0}, [2]int{1, 1}},
}

// Conv2D is the textbook definition of a padded, strided, multi-channel
// cross-correlation, written as plain loops: the reference the convolutions are tested
// against. x is (n, c, h, w), w is (co, c, kh, kw), b is nil or the (co) bias every
// output of its channel starts from; it returns the (n, co, oh, ow) result and its shape.
func Conv2D(x []float64, xs [4]int, w []float64, ws [4]int, b []float64, pad, stride [2]int) ([]float64, [4]int) {
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	co, kh, kw := ws[0], ws[2], ws[3]
	oh := (h-kh+2*pad[0])/stride[0] + 1
	ow := (wd-kw+2*pad[1])/stride[1] + 1
	out := make([]float64, n*co*oh*ow)
	for bi := range n {
		for o := range co {
			for i := range oh {
				for j := range ow {
					var s float64
					if b != nil {
						s = b[o]
					}
					for ci := range c {
						for u := range kh {
							for v := range kw {
								r, q := i*stride[0]+u-pad[0], j*stride[1]+v-pad[1]
								if r < 0 || r >= h || q < 0 || q >= wd {
									continue
								}
								s += x[((bi*c+ci)*h+r)*wd+q] * w[((o*c+ci)*kh+u)*kw+v]
							}
						}
					}
					out[((bi*co+o)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return out, [4]int{n, co, oh, ow}
}
