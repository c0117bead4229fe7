package graph

import (
	"fmt"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/gradcheck"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// TestAvgPool2x2FastPath covers the 2x2, stride-2, unpadded average pooling path on even
// and odd planes (an odd last row or column belongs to no window, so its gradient is
// zero): values against the naive loops in both dtypes, gradients against finite
// differences.
func TestAvgPool2x2FastPath(t *testing.T) {
	two, none := [2]int{2, 2}, [2]int{0, 0}
	for i, xs := range [][4]int{{2, 3, 4, 6}, {1, 2, 5, 7}, {3, 1, 7, 4}, {1, 1, 3, 3}, {2, 2, 2, 2}} {
		vals := optest.Random(uint64(600+i), xs[0]*xs[1]*xs[2]*xs[3])
		want, ws := naivePool4D(true, vals, xs, two, none, two)
		for _, dt := range optest.Dtypes {
			name := fmt.Sprintf("case %d %v %v", i, xs, dt)
			got, gs := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return AvgPool2D(in[0], two, none, two)
			}, optest.Dense(dt, vals, xs[:]...))
			if !gs.Eq(tensor.Shape(ws[:])) {
				t.Fatalf("%s: shape %v, want %v", name, gs, ws)
			}
			tol := 1e-15
			if dt == tensor.Float32 {
				tol = 1e-6
			}
			optest.Close(t, name, got, want, tol)
		}
		err := gradcheck.Check([]*tensor.Dense{optest.Dense(tensor.Float64, vals, xs[:]...)}, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return AvgPool2D(in[0], two, none, two)
		}, 1e-6, uint64(i))
		if err != nil {
			t.Errorf("case %d %v: %v", i, xs, err)
		}
	}
}

// TestAvgPool2x2BackwardOverwrites: the gradient op overwrites every element of a
// preallocated value, the pixels no window covers included.
func TestAvgPool2x2BackwardOverwrites(t *testing.T) {
	grad := opkit.New(pool4DGrad(pool4DAvg, opkit.Window{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}}))
	x := optest.Dense(tensor.Float32, optest.Random(7, 35), 1, 1, 5, 7)
	gy := optest.Dense(tensor.Float32, optest.Arange(6, 1), 1, 1, 2, 3)
	pre := optest.Dense(tensor.Float32, make([]float64, 35), 1, 1, 5, 7)
	for i := range pre.Data().([]float32) {
		pre.Data().([]float32)[i] = 99
	}
	got, err := grad.UsePreallocDo(pre, x, gy)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 35)
	for i := range 2 {
		for j := range 3 {
			for u := range 2 {
				for v := range 2 {
					want[(2*i+u)*7+2*j+v] = float64(i*3+j+1) / 4
				}
			}
		}
	}
	optest.Close(t, "dx", optest.Floats(t, got), want, 0)
}
