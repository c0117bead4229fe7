package graph

import (
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestFormat(t *testing.T) {
	f64 := gorgonia.F64(2.5)
	f32 := gorgonia.F32(0.1)
	cases := []struct {
		name string
		v    gorgonia.Value
		want string
	}{
		{"F64 scalar", &f64, "2.5"},
		{"F32 scalar uses float32's shortest form", &f32, "0.1"},
		{"0-d tensor", tensor.New(tensor.FromScalar(3.0)), "3"},
		{"vector, right-aligned", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, -2, 30})), "[ 1, -2, 30]"},
		{"float32 matrix", tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{0.5, 1, -1, 0.25})),
			"[[ 0.5,    1],\n [  -1, 0.25]]"},
		{"3-d", tensor.New(tensor.WithShape(2, 1, 2), tensor.WithBacking([]float64{1, 2, 3, 4})),
			"[[[1, 2]],\n\n [[3, 4]]]"},
		{"1x1", tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{7})), "[[7]]"},
		{"ints fall back to %v", tensor.New(tensor.WithShape(2), tensor.WithBacking([]int{1, 2})), "[1  2]"},
	}
	for i, c := range cases {
		if got := Format(c.v); got != c.want {
			t.Errorf("case %d %s: got\n%s\nwant\n%s", i, c.name, got, c.want)
		}
	}
}
