package lenet

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/d2l-go/convnets/graph/nn"
)

func TestShardPlan(t *testing.T) {
	cases := []struct {
		batch, want       int
		shards, size, all int // all: shards·size, the examples the shards hold
	}{
		{256, 0, 4, 64, 256},
		{1000, 0, 15, 67, 1005},
		{64, 0, 1, 64, 64},
		{100, 0, 1, 100, 100},
		{127, 0, 1, 127, 127},
		{128, 0, 2, 64, 128},
		{8, 0, 1, 8, 8},
		{1, 0, 1, 1, 1},
		{4096, 0, 16, 256, 4096},
		{256, 1, 1, 256, 256},
		{256, 16, 16, 16, 256},
		{256, 3, 3, 86, 258},
		{10, 4, 4, 3, 12},
		{3, 8, 3, 1, 3},
	}
	for _, c := range cases {
		shards, size := shardPlan(c.batch, c.want)
		if shards != c.shards || size != c.size || shards*size != c.all {
			t.Errorf("shardPlan(%d, %d) = %d shards of %d; want %d of %d", c.batch, c.want, shards, size, c.shards, c.size)
		}
		if (shards-1)*size >= c.batch {
			t.Errorf("shardPlan(%d, %d): the last of %d shards of %d is empty", c.batch, c.want, shards, size)
		}
	}
}

// Each shard's ops get the cores left over from one per shard.
func TestShardWorkers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct{ procs, shards, want int }{{1, 4, 1}, {2, 4, 1}, {4, 4, 1}, {16, 4, 4}, {16, 16, 1}, {6, 4, 2}, {2, 1, 2}} {
		runtime.GOMAXPROCS(c.procs)
		if got := shardWorkers(c.shards); got != c.want {
			t.Errorf("GOMAXPROCS %d, %d shards: %d workers each, want %d", c.procs, c.shards, got, c.want)
		}
	}
}

// forShards runs every k once, whatever GOMAXPROCS, and returns the error of the lowest
// k that failed.
func TestForShards(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 5} {
		runtime.GOMAXPROCS(procs)
		const n = 40
		ran := make([]int, n)
		errs := make([]error, n)
		err := forShards(n, errs, func(k int) error {
			ran[k]++
			if k == 7 || k == 31 {
				return fmt.Errorf("shard %d failed", k)
			}
			return nil
		})
		if err == nil || err.Error() != "shard 7 failed" {
			t.Errorf("GOMAXPROCS %d: error %v, want shard 7's", procs, err)
		}
		for k, r := range ran {
			if r != 1 {
				t.Fatalf("GOMAXPROCS %d: shard %d ran %d times", procs, k, r)
			}
		}
		if err := forShards(3, errs, func(int) error { return nil }); err != nil {
			t.Errorf("GOMAXPROCS %d: %v from a run without errors (stale errors of the last run?)", procs, err)
		}
	}
}

// trainSteps trains a fresh classifier on four batches (the last two partial: 50 and 9
// examples, the last leaving most shards idle) and returns the losses, the correct counts,
// the parameters and the logits of a further batch.
func trainSteps(t *testing.T, cfg Config) (losses []float64, correct []int, params [][]float32, logits []float32) {
	t.Helper()
	c := newClassifier(t, cfg)
	for step, n := range []int{64, 64, 50, 9} {
		x, labels := syntheticBatch(uint64(10+step), n)
		loss, k, err := c.TrainBatch(x, labels, 0.9)
		if err != nil {
			t.Fatal(err)
		}
		losses, correct = append(losses, loss), append(correct, k)
	}
	for _, p := range c.Params() {
		params = append(params, slices.Clone(f32(p)))
	}
	x, _ := syntheticBatch(99, 45)
	logits, err := c.Logits(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	return losses, correct, params, logits
}

// A batch cut into shards trains as the whole batch in one graph does, up to the
// rounding of the sums, for both presets and both sets of ops; evaluation cut into
// shards gives the same logits.
func TestShardsTrainAsOneBatch(t *testing.T) {
	for _, run := range []struct {
		v   string
		ops nn.Ops
	}{{Classic, nn.FastOps}, {Modern, nn.FastOps}, {Classic, nn.GorgoniaOps}} {
		v := run.v
		spec, err := ParseSpec(v)
		if err != nil {
			t.Fatal(err)
		}
		base := Config{Spec: spec, BatchSize: 64, EvalBatch: 20, Seed: 4, Ops: run.ops}
		one := base
		one.Shards = 1
		l1, c1, p1, g1 := trainSteps(t, one)
		for _, shards := range []int{0, 3, 64} {
			cfg := base
			cfg.Shards = shards
			l, k, p, g := trainSteps(t, cfg)
			name := fmt.Sprintf("%s, %v ops, %d shards", v, run.ops, shards)
			for i := range l {
				if math.Abs(l[i]-l1[i]) > 1e-5 || k[i] != c1[i] {
					t.Errorf("%s: step %d: loss %v, %d correct; in one part %v, %d correct", name, i, l[i], k[i], l1[i], c1[i])
				}
			}
			for i := range p {
				if d := maxAbsDiff(p[i], p1[i]); d > 1e-5 {
					t.Errorf("%s: parameter %d differs from the one-part run by %.2g", name, i, d)
				}
			}
			if d := maxAbsDiff(g, g1); d > 1e-5 || len(g) != 45*Classes {
				t.Errorf("%s: %d logits, differing from the one-part run by %.2g; want %d", name, len(g), d, 45*Classes)
			}
		}
	}
}

// The results do not depend on the number of cores: every bit of the losses, the
// parameters and the logits is the same at GOMAXPROCS 1, 2 and 7, with one shard (whose
// ops share out their work over the cores) and with three (run side by side, their ops
// on one core each, or on two at GOMAXPROCS 7).
func TestShardsIndependentOfCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, shards := range []int{0, 3} {
		runtime.GOMAXPROCS(1)
		cfg := Config{BatchSize: 64, EvalBatch: 20, Seed: 5, Shards: shards}
		l1, c1, p1, g1 := trainSteps(t, cfg)
		for _, procs := range []int{2, 7} {
			runtime.GOMAXPROCS(procs)
			name := fmt.Sprintf("%d shards, GOMAXPROCS %d", shards, procs)
			l, k, p, g := trainSteps(t, cfg)
			if !slices.Equal(l, l1) || !slices.Equal(k, c1) {
				t.Errorf("%s: losses %v, correct %v; at 1: %v, %v", name, l, k, l1, c1)
			}
			for i := range p {
				if !slices.Equal(p[i], p1[i]) {
					t.Errorf("%s: parameter %d differs from GOMAXPROCS 1's by %.2g", name, i, maxAbsDiff(p[i], p1[i]))
				}
			}
			if !slices.Equal(g, g1) {
				t.Errorf("%s: logits differ from GOMAXPROCS 1's by %.2g", name, maxAbsDiff(g, g1))
			}
		}
	}
}

// Every shard computes with the one set of weights: a change made through Params is seen
// by all, and a step moves all.
func TestShardsShareWeights(t *testing.T) {
	c := newClassifier(t, Config{BatchSize: 48, Seed: 6, Shards: 3})
	if c.Shards() != 3 {
		t.Fatalf("%d shards for a batch of 48; want 3", c.Shards())
	}
	x, labels := syntheticBatch(1, 48)
	if _, _, err := c.TrainBatch(x, labels, 0.5); err != nil {
		t.Fatal(err)
	}
	for k, s := range c.shards {
		for i, p := range s.params {
			if &f32(p)[0] != &f32(c.Params()[i])[0] {
				t.Errorf("shard %d: %s has values of its own", k, p.Name())
			}
		}
	}
}

// A shard whose machine fails makes TrainBatch fail with its error, and no step is taken.
func TestShardErrorStopsTheStep(t *testing.T) {
	c := newClassifier(t, Config{BatchSize: 32, Seed: 7, Shards: 2})
	before := slices.Clone(f32(c.Params()[0]))
	c.shards[1].vm = failingVM{c.shards[1].vm}
	x, labels := syntheticBatch(1, 32)
	if _, _, err := c.TrainBatch(x, labels, 0.5); err == nil || !errors.Is(err, errBrokenMachine) {
		t.Fatalf("got %v, want the failing shard's error", err)
	}
	if !slices.Equal(f32(c.Params()[0]), before) {
		t.Error("the weights moved although a shard failed")
	}
}

var errBrokenMachine = errors.New("broken machine")

// failingVM is a machine whose every run fails.
type failingVM struct{ vmLike }

type vmLike interface {
	Reset()
	Close() error
}

func (failingVM) RunAll() error { return errBrokenMachine }

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}
