package lenet

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph/nn"
)

// BenchmarkTrainStep times one SGD step of the classic LeNet at batch 256 (synthetic
// images) with the project's ops and with Gorgonia's primitives, and reports examples
// per second and the step's allocations:
//
//	go test -run '^$' -bench TrainStep -benchmem -benchtime 20x ./lenet/
func BenchmarkTrainStep(b *testing.B) {
	x, labels := syntheticBatch(1, 256)
	for _, ops := range nn.AllOps {
		b.Run(ops.String(), func(b *testing.B) {
			c, err := New(Config{BatchSize: 256, Seed: 1, Ops: ops})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if _, _, err := c.TrainBatch(x, labels, 0.1); err != nil { // warm up: buffers, pools
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.TrainBatch(x, labels, 0.1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

// BenchmarkTrainLoop times Train over whole epochs of 16 batches of 256 synthetic
// images (the evaluation after each epoch is on 16 images): what cmd/train does per
// batch, the shuffled batch's assembly and the bookkeeping included. It reports the time
// and the allocations per training step (ns/step, allocs/step), the epoch's evaluation
// and history included.
func BenchmarkTrainLoop(b *testing.B) {
	const steps, batch = 16, 256
	train := syntheticSet(b, 1, steps*batch)
	test := syntheticSet(b, 2, 16)
	c, err := New(Config{BatchSize: batch, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	cfg := TrainConfig{Epochs: 1, LR: 0.1, Seed: 1}
	if _, err := Train(context.Background(), c, train, test, cfg); err != nil { // warm up
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Train(context.Background(), c, train, test, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	n := float64(b.N * steps)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/step")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/step")
	b.ReportMetric(float64(batch)*n/b.Elapsed().Seconds(), "examples/s")
}

// syntheticSet returns n random 28x28 images with random labels.
func syntheticSet(tb testing.TB, seed uint64, n int) *dataset.Set {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 9))
	images := make([]uint8, n*Height*Width)
	for i := range images {
		images[i] = uint8(rng.IntN(256))
	}
	labels := make([]uint8, n)
	for i := range labels {
		labels[i] = uint8(rng.IntN(Classes))
	}
	s, err := dataset.NewSet(images, labels, n, Height, Width)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
