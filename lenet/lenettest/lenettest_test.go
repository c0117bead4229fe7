package lenettest

import (
	"slices"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

func TestSetBiases(t *testing.T) {
	c := New(t, lenet.Config{BatchSize: 1})
	next := float32(0)
	SetBiases(c, func(i int) float32 { next++; return next })
	// The biases hold 1, 2, 3, ... in the order of the parameters.
	want := float32(0)
	biases := 0
	for _, p := range c.Params() {
		if !strings.HasSuffix(p.Name(), ".bias") {
			continue
		}
		biases++
		for i, v := range p.Value().Data().([]float32) {
			want++
			if v != want {
				t.Fatalf("%s[%d] = %v, want %v", p.Name(), i, v, want)
			}
		}
	}
	if biases != 5 || want != 6+16+120+84+10 {
		t.Errorf("%d biases with %v values, want LeNet's 5 with 236", biases, want)
	}
}

func TestPredict(t *testing.T) {
	x := make([]float32, 2*lenet.Height*lenet.Width)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	for _, k := range []int{0, 4, 9} {
		c := New(t, lenet.Config{BatchSize: 1, EvalBatch: 2, Seed: 3})
		Predict(c, k)
		logits, err := c.Logits(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		for n := range 2 {
			row := logits[n*10 : (n+1)*10]
			if slices.Index(row, slices.Max(row)) != k || row[k] != 1 {
				t.Errorf("Predict(%d), image %d: logits %v", k, n, row)
			}
		}
	}
}
