package lenet_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

func checkConfusion(t *testing.T, what string, c *lenet.Classifier, s *dataset.Set, counts [][]int) {
	t.Helper()
	if len(counts) != 10 {
		t.Fatalf("%s: %d rows, want 10", what, len(counts))
	}
	total, diag := 0, 0
	for i, row := range counts {
		if len(row) != 10 {
			t.Fatalf("%s: row %d has %d entries", what, i, len(row))
		}
		rowSum := 0
		for j, v := range row {
			total += v
			rowSum += v
			if i == j {
				diag += v
			}
		}
		labelled := 0
		for _, l := range s.Labels {
			if int(l) == i {
				labelled++
			}
		}
		if rowSum != labelled {
			t.Errorf("%s: row %d sums to %d, but %d examples have that label", what, i, rowSum, labelled)
		}
	}
	if total != s.N {
		t.Errorf("%s: counts sum to %d, want %d", what, total, s.N)
	}
	acc, err := lenet.Evaluate(c, s)
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(diag) / float64(s.N); math.Abs(got-acc) > 1e-12 {
		t.Errorf("%s: diagonal/N = %v, Evaluate says %v", what, got, acc)
	}
	if got, n := lenet.ConfusionAccuracy(counts); n != s.N || math.Abs(got-acc) > 1e-12 {
		t.Errorf("%s: ConfusionAccuracy = %v, %d; want %v, %d", what, got, n, acc, s.N)
	}
}

// With every weight zero and fc3.bias one-hot at class k, every image is predicted as
// k: column k holds the label counts and everything else is zero.
func TestConfusionConstantPrediction(t *testing.T) {
	s := fashiontest.Random(t, 23, 2) // labels 0..9, 0..9, 0,1,2: three classes have 3 examples
	for _, k := range []int{0, 2, 7} {
		c := lenettest.New(t, lenet.Config{BatchSize: 4, EvalBatch: 5})
		lenettest.Predict(c, k)
		counts, err := lenet.Confusion(c, s)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			for j := range 10 {
				want := 0
				if j == k {
					want = 2
					if i < 3 {
						want = 3
					}
				}
				if counts[i][j] != want {
					t.Errorf("class %d: counts[%d][%d] = %d, want %d", k, i, j, counts[i][j], want)
				}
			}
		}
		checkConfusion(t, "constant", c, s, counts)
		c.Close()
	}
}

func TestConfusionRandomWeights(t *testing.T) {
	s := fashiontest.Random(t, 57, 3)
	for seed := range uint64(3) {
		c := lenettest.New(t, lenet.Config{BatchSize: 4, EvalBatch: 8, Seed: seed})
		counts, err := lenet.Confusion(c, s)
		if err != nil {
			t.Fatal(err)
		}
		checkConfusion(t, "random weights", c, s, counts)
		c.Close()
	}
}

// On the real test set: 10000 examples, and the diagonal matches Evaluate.
func TestConfusionRealData(t *testing.T) {
	_, test := fashiontest.Load(t)
	c := lenettest.New(t, lenet.Config{BatchSize: 4, Seed: 4})
	counts, err := lenet.Confusion(c, test)
	if err != nil {
		t.Fatal(err)
	}
	if test.N != 10000 {
		t.Fatalf("test set has %d images, want 10000", test.N)
	}
	checkConfusion(t, "real test set", c, test, counts)
}

func TestConfusionErrors(t *testing.T) {
	c := lenettest.New(t, lenet.Config{BatchSize: 2, EvalBatch: 2})
	small, err := dataset.NewSet(make([]uint8, 2*8*8), []uint8{1, 2}, 2, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		c    *lenet.Classifier
		s    *dataset.Set
		want string
	}{
		{"nil set", c, nil, "empty set"},
		{"empty set", c, &dataset.Set{Rows: 28, Cols: 28}, "empty set"},
		{"wrong size", c, small, "images are 8x8; the network takes 28x28"},
		{"nil classifier", nil, small, "nil Classifier"},
	}
	for i, tc := range cases {
		if _, err := lenet.Confusion(tc.c, tc.s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d %s: error %v, want %q", i, tc.name, err, tc.want)
		}
	}
	if _, err := lenet.ConfusionOf([]uint8{1, 2}, []int{1}); err == nil || !strings.Contains(err.Error(), "2 labels but 1 predictions") {
		t.Errorf("ConfusionOf length mismatch: %v", err)
	}
	if _, err := lenet.ConfusionOf([]uint8{1, 2}, []int{1, 10}); err == nil || !strings.Contains(err.Error(), "example 1 has label 2 and prediction 10") {
		t.Errorf("ConfusionOf bad prediction: %v", err)
	}
}

func TestPerClassAccuracy(t *testing.T) {
	counts := [][]int{
		{3, 1, 0},
		{0, 0, 0},
		{2, 2, 4},
	}
	got := lenet.PerClassAccuracy(counts)
	want := []float64{0.75, math.NaN(), 0.5}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(got[i]) || !math.IsNaN(want[i]) && math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("class %d: %v, want %v", i, got[i], want[i])
		}
	}
	if acc, n := lenet.ConfusionAccuracy(counts); n != 12 || math.Abs(acc-7.0/12) > 1e-15 {
		t.Errorf("ConfusionAccuracy = %v, %d; want 7/12, 12", acc, n)
	}
	if acc, n := lenet.ConfusionAccuracy(nil); n != 0 || !math.IsNaN(acc) {
		t.Errorf("ConfusionAccuracy(nil) = %v, %d; want NaN, 0", acc, n)
	}
	labels := []uint8{0, 0, 1, 2}
	pred := []int{0, 1, 1, 0}
	m, err := lenet.ConfusionOf(labels, pred)
	if err != nil {
		t.Fatal(err)
	}
	if m[0][0] != 1 || m[0][1] != 1 || m[1][1] != 1 || m[2][0] != 1 {
		t.Errorf("ConfusionOf: %v", m[:3])
	}
}

// Per-class accuracy is each row's diagonal share.
func ExamplePerClassAccuracy() {
	counts, err := lenet.ConfusionOf([]uint8{0, 0, 0, 1, 1, 2}, []int{0, 0, 1, 1, 2, 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	acc := lenet.PerClassAccuracy(counts)
	fmt.Printf("%.3f %.3f %.3f\n", acc[0], acc[1], acc[2])
	all, n := lenet.ConfusionAccuracy(counts)
	fmt.Printf("%.3f of %d\n", all, n)
	// Output:
	// 0.667 0.500 1.000
	// 0.667 of 6
}
