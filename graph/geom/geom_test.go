package geom

import (
	"testing"

	"gorgonia.org/tensor"
)

func TestOutputSize(t *testing.T) {
	cases := []struct{ n, k, p, s, want int }{
		{8, 3, 1, 1, 8}, {8, 3, 1, 2, 4}, {8, 5, 0, 4, 1}, {8, 9, 0, 1, 0}, {8, 9, 1, 1, 2},
		{8, 0, 0, 1, 0}, {8, 3, -1, 1, 0}, {8, 3, 0, 0, 0}, {28, 5, 2, 1, 28}, {14, 5, 0, 1, 10},
	}
	for i, c := range cases {
		if got := OutputSize(c.n, c.k, c.p, c.s); got != c.want {
			t.Errorf("case %d: OutputSize(%d, %d, %d, %d) = %d, want %d", i, c.n, c.k, c.p, c.s, got, c.want)
		}
	}
}

// The shape rules give OutputSize along each dimension, and say which of the window's
// settings does not fit.
func TestWindowShapes(t *testing.T) {
	win := func(k, p, s [2]int) Window { return Window{Kernel: k, Pad: p, Stride: s} }
	x := tensor.Shape{2, 3, 8, 7}
	cases := []struct {
		name    string
		w       Window
		ws      tensor.Shape // nil: pooling
		want    tensor.Shape
		wantErr string
	}{
		{"pool 2x2 stride 2", win([2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}), nil, tensor.Shape{2, 3, 4, 3}, ""},
		{"pool 3x3 pad 1 stride 2", win([2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}), nil, tensor.Shape{2, 3, 4, 4}, ""},
		{"pool pad over half", win([2]int{2, 2}, [2]int{2, 0}, [2]int{1, 1}), nil, nil,
			"padding (2,0) with kernel 2x2: the height padding must be at most half the kernel"},
		{"pool too large", win([2]int{9, 2}, [2]int{0, 0}, [2]int{1, 1}), nil, nil,
			"kernel 9x2 is larger than the padded input 8x7 (input (2, 3, 8, 7), padding (0,0))"},
		{"pool zero stride", win([2]int{2, 2}, [2]int{0, 0}, [2]int{1, 0}), nil, nil,
			"stride (1,0): the width stride must be at least 1"},
		{"conv 5x5 pad 2", win([2]int{5, 5}, [2]int{2, 2}, [2]int{1, 1}), tensor.Shape{6, 3, 5, 5}, tensor.Shape{2, 6, 8, 7}, ""},
		{"conv pad 3 over half", win([2]int{3, 3}, [2]int{3, 0}, [2]int{2, 1}), tensor.Shape{4, 3, 3, 3}, tensor.Shape{2, 4, 6, 5}, ""},
		{"conv channels", win([2]int{3, 3}, [2]int{0, 0}, [2]int{1, 1}), tensor.Shape{4, 2, 3, 3}, nil,
			"x has 3 input channels (shape (2, 3, 8, 7)) but w expects 2 (shape (4, 2, 3, 3))"},
		{"conv kernel", win([2]int{3, 3}, [2]int{0, 0}, [2]int{1, 1}), tensor.Shape{4, 3, 3, 2}, nil,
			"w (4, 3, 3, 2) does not have the kernel 3x3"},
		{"conv negative pad", win([2]int{3, 3}, [2]int{0, -1}, [2]int{1, 1}), tensor.Shape{4, 3, 3, 3}, nil,
			"padding (0,-1): the width padding must not be negative"},
	}
	for _, c := range cases {
		var got tensor.Shape
		var err error
		if c.ws == nil {
			got, err = c.w.PoolShape(x)
		} else {
			got, err = c.w.ConvShape(x, c.ws)
		}
		switch {
		case c.wantErr != "" && (err == nil || err.Error() != c.wantErr):
			t.Errorf("%s: got %v, error %v; want the error %q", c.name, got, err, c.wantErr)
		case c.wantErr == "" && (err != nil || !got.Eq(c.want)):
			t.Errorf("%s: got %v, error %v; want %v", c.name, got, err, c.want)
		}
		if oh, ow := c.w.OutputPlane(x[2], x[3]); c.wantErr == "" && (oh != c.want[2] || ow != c.want[3]) {
			t.Errorf("%s: OutputPlane = %dx%d, want %dx%d", c.name, oh, ow, c.want[2], c.want[3])
		}
	}
}
