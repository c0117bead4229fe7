package plotting_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/d2l-go/convnets/plotting"
)

// The test accuracy is known once per epoch: NaN leaves the other series
// without a point there, like d2l's None.
func ExampleAnimator_Series() {
	a := plotting.NewAnimator(plotting.AnimatorConfig{
		XLabel: "epoch", XMin: 1, XMax: 2,
		Legend: []string{"train loss", "test acc"},
	})
	for _, p := range [][3]float64{{0.5, 2.1, math.NaN()}, {1, 1.3, 0.71}, {1.5, 0.9, math.NaN()}, {2, 0.7, 0.78}} {
		if err := a.Add(p[0], p[1], p[2]); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println(a.Series(0))
	fmt.Println(a.Series(1))
	fmt.Println(a.Add(2.5, 0.6)) // one value for two series
	// Output:
	// [{0.5 2.1} {1 1.3} {1.5 0.9} {2 0.7}]
	// [{1 0.71} {2 0.78}]
	// plotting: animator Add at x=2.5 got 1 values for 2 series ["train loss" "test acc"]: give one per legend entry, NaN for none: invalid plot input
}

// FigureSize tells how many pixels a figure will have before it is drawn.
func ExampleFigureSize() {
	probs := &plotting.BarChart{Values: make([]float64, 10), Mark: -1}
	w, h, err := plotting.FigureSize("", [][]plotting.Panel{{probs}})
	fmt.Println(w, h, err)
	// Output: 570 414 <nil>
}

// Bad input is one error wrapping ErrInvalid, and no file is written.
func ExampleSaveConfusion() {
	err := plotting.SaveConfusion("confusion.png", [][]int{{5, 1}, {2, 7}}, []string{"coat", "shirt", "bag"})
	fmt.Println(err)
	fmt.Println(errors.Is(err, plotting.ErrInvalid))
	// Output:
	// plotting: confusion matrix has 2 rows but 3 class names: give one name per class: invalid plot input
	// true
}

// A RangeBars chart summarises repeated timings: each bar is a median, its whisker the
// spread; one chart holds a figure per group and series. Its size is known before it is
// drawn.
func ExampleRangeBars() {
	chart := &plotting.RangeBars{
		Groups: []string{"classic", "modern"},
		Series: []plotting.RangeSeries{
			{Name: "Go", Min: []float64{29000, 23000}, Median: []float64{30000, 23700}, Max: []float64{30100, 24000}},
			{Name: "PyTorch", Min: []float64{8400, 10600}, Median: []float64{9300, 10700}, Max: []float64{10300, 10700}},
		},
		Notes: []string{"3.23x", "2.21x"},
	}
	w, h, err := plotting.FigureSize("", [][]plotting.Panel{{chart}})
	fmt.Println(w, h, err)
	chart.Series[1].Max[1] = 10000 // below its median
	fmt.Println(plotting.SaveRangeBars("throughput.png", chart))
	// Output:
	// 750 462 <nil>
	// plotting: range bar series "PyTorch", group "modern": min 10600, median 10700, max 10000 must be finite with 0 <= min <= median <= max: invalid plot input
}
