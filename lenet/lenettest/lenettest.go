// Package lenettest holds what the tests of LeNet's users share: a Classifier that
// lives as long as the test, and parameters set by hand: nonzero biases (a fresh
// network's are zero, which would hide a bias that is added wrongly or not at all), or
// a network that always predicts one class.
//
// Set the parameters before the Classifier first evaluates: it copies them into its
// evaluation graph then, and again only after a training step or a Restore.
package lenettest

import (
	"strings"
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

// New returns lenet.New(cfg), failing tb on an error; the Classifier is closed when the
// test ends.
func New(tb testing.TB, cfg lenet.Config) *lenet.Classifier {
	tb.Helper()
	c, err := lenet.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// SetBiases sets element i of every bias of c to value(i), the biases taken in the
// order of c.Params().
func SetBiases(c *lenet.Classifier, value func(i int) float32) {
	for _, p := range c.Params() {
		if strings.HasSuffix(p.Name(), ".bias") {
			d := p.Value().Data().([]float32)
			for i := range d {
				d[i] = value(i)
			}
		}
	}
}

// Predict makes c predict class k for every image: every weight and bias is zero but
// fc3.bias[k], the last parameter's, which is 1.
func Predict(c *lenet.Classifier, k int) {
	ps := c.Params()
	for _, p := range ps {
		clear(p.Value().Data().([]float32))
	}
	ps[len(ps)-1].Value().Data().([]float32)[k] = 1
}
