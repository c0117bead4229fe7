package graph

import (
	"fmt"
	"testing"

	"github.com/d2l-go/convnets/internal/gradcheck"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestAvgPool2x2FastPath covers the 2x2, stride-2, unpadded average pooling path on even
// and odd planes (an odd last row or column belongs to no window, so its gradient is
// zero): values against the naive loops in both dtypes, gradients against finite
// differences.
func TestAvgPool2x2FastPath(t *testing.T) {
	two, none := [2]int{2, 2}, [2]int{0, 0}
	for i, xs := range [][4]int{{2, 3, 4, 6}, {1, 2, 5, 7}, {3, 1, 7, 4}, {1, 1, 3, 3}, {2, 2, 2, 2}} {
		vals := ctRandom(uint64(600+i), xs[0]*xs[1]*xs[2]*xs[3])
		want, ws := naivePool4D(true, vals, xs, two, none, two)
		for _, dt := range ctDtypes {
			name := fmt.Sprintf("case %d %v %v", i, xs, dt)
			got, gs := ctRun(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return AvgPool2D(in[0], two, none, two)
			}, ctDense(dt, vals, xs[:]...))
			if !gs.Eq(tensor.Shape(ws[:])) {
				t.Fatalf("%s: shape %v, want %v", name, gs, ws)
			}
			tol := 1e-15
			if dt == tensor.Float32 {
				tol = 1e-6
			}
			ctCheckClose(t, name, got, want, tol)
		}
		err := gradcheck.Check([]*tensor.Dense{ctDense(tensor.Float64, vals, xs[:]...)}, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
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
	op := &pool4DOp{kind: pool4DAvg, kernel: [2]int{2, 2}, stride: [2]int{2, 2}}
	grad := &pool4DGradOp{fwd: *op}
	x := ctDense(tensor.Float32, ctRandom(7, 35), 1, 1, 5, 7)
	gy := ctDense(tensor.Float32, ctArange(6, 1), 1, 1, 2, 3)
	pre := ctDense(tensor.Float32, make([]float64, 35), 1, 1, 5, 7)
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
	ctCheckClose(t, "dx", ctFloats(t, got), want, 0)
}
