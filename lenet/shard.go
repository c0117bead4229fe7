package lenet

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/layers"
)

// How a batch is cut into shards (see Config.Shards): into at most maxShards shards of
// at least minShard examples each, whatever the number of cores. Every pass through a
// graph has a fixed cost (Gorgonia's machine, each op's bookkeeping), which shards of 16
// examples pay so often that they train 8 to 30% slower than shards of 64 on one or two
// cores; more cores than shards share out each op's work instead (shardWorkers).
const (
	maxShards = 16
	minShard  = 64
)

// shardPlan returns how many shards of how many examples a batch of b examples is cut
// into: shards·size >= b, the last shard possibly part empty. want > 0 asks for that
// many shards (at most b); 0 applies the default rule.
func shardPlan(b, want int) (shards, size int) {
	shards = want
	if shards <= 0 {
		shards = min(maxShards, max(1, b/minShard))
	}
	shards = min(shards, b)
	size = (b + shards - 1) / shards
	return (b + size - 1) / size, size
}

// shardWorkers is how many goroutines each op of a shard's graph may use when shards
// machines run at once: the cores left over from one per shard, shared evenly. Every op
// gives the same result for any number of workers (device.SetWorkers), so this changes
// the speed alone.
func shardWorkers(shards int) int {
	return max(1, (runtime.GOMAXPROCS(0)+shards-1)/shards)
}

// shard is one part of a batch: a graph of the whole network for size examples, with
// its own input and machine. Its parameter nodes are bound to the tensors of the first
// shard's, so that every shard computes with the same weights.
type shard struct {
	g      *gorgonia.ExprGraph
	net    *layers.Sequential
	params []*gorgonia.Node
	x      *gorgonia.Node // (size, 1, 28, 28)
	logits *gorgonia.Node // host copy of the (size, 10) logits
	vm     gorgonia.VM

	// Training shards only: one-hot targets (size, 10), row weights (size), the loss
	// (the weighted sum over the shard's rows) and the parameters' gradients (host
	// copies of them on a GPU).
	y, w  *gorgonia.Node
	loss  *gorgonia.Node
	grads []*gorgonia.Node
}

// newShard builds a shard for size examples whose ops use up to workers goroutines: for
// training (the loss and the parameters' gradients) or, when !train, the forward pass
// alone. Its parameters are initialised from cfg.Seed; bind them to shared tensors with
// share. prefix starts every node's name.
func newShard(cfg Config, size, workers int, train bool, prefix string) (*shard, error) {
	dt := tensor.Float32
	s := &shard{g: gorgonia.NewGraph()}
	device.SetDevice(s.g, cfg.Device)
	device.SetWorkers(s.g, workers)
	var err error
	if s.net, err = NewNet(s.g, prefix, cfg.Spec, dt, cfg.Ops, rand.New(rand.NewPCG(cfg.Seed, 0x1e7e7))); err != nil {
		return nil, fmt.Errorf("building the network: %w", err)
	}
	s.params = s.net.Params()
	s.x = gorgonia.NewTensor(s.g, dt, 4, gorgonia.WithShape(size, 1, Height, Width), gorgonia.WithName(prefix+"input"), gorgonia.WithInit(gorgonia.Zeroes()))
	logits, err := s.net.Forward(s.x)
	if err != nil {
		return nil, fmt.Errorf("forward pass: %w", err)
	}
	// The step reads a host copy of the logits, the loss (computed on the host on every
	// device) and the parameters' gradients. Only what these need is compiled: Grad also
	// builds dL/dinput, which nothing needs.
	if s.logits, err = device.ToHost(logits); err != nil {
		return nil, err
	}
	outputs := []*gorgonia.Node{s.logits}
	if train {
		if outputs, err = s.addLoss(logits, size, cfg.Device, outputs); err != nil {
			return nil, err
		}
	}
	if s.vm, err = device.NewMachineFor(outputs, cfg.Device); err != nil {
		return nil, err
	}
	return s, nil
}

// addLoss adds the targets, row weights, loss and gradients of a training shard and
// returns outputs with the loss and the gradients appended.
func (s *shard) addLoss(logits *gorgonia.Node, size int, dev device.Device, outputs []*gorgonia.Node) ([]*gorgonia.Node, error) {
	dt := tensor.Float32
	s.y = gorgonia.NewMatrix(s.g, dt, gorgonia.WithShape(size, Classes), gorgonia.WithName("targets"), gorgonia.WithInit(gorgonia.Zeroes()))
	s.w = gorgonia.NewVector(s.g, dt, gorgonia.WithShape(size), gorgonia.WithName("row_weights"), gorgonia.WithInit(gorgonia.Zeroes()))
	var err error
	if s.loss, err = nn.SoftmaxCrossEntropy(logits, s.y, s.w); err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	grads, err := gorgonia.Grad(s.loss, s.params...)
	if err != nil {
		return nil, fmt.Errorf("gradients: %w", err)
	}
	outputs = append(outputs, s.loss)
	s.grads = grads
	if dev.IsGPU() {
		// A gradient's own value lives in device memory, and gradients bound as dual
		// values come back zero from Gorgonia's CUDA machine (docs/gorgonia.md,
		// BindDualValues): the step reads host copies. On the CPU the values are the
		// host's already, and Gorgonia keeps the memory of a parameter's gradient to the
		// end of the run.
		s.grads = make([]*gorgonia.Node, len(grads))
		for i, gn := range grads {
			if s.grads[i], err = device.ToHost(gn); err != nil {
				return nil, err
			}
		}
	}
	return append(outputs, s.grads...), nil
}

// share binds s's parameters to the values of params (the first shard's), which every
// run then reads.
func (s *shard) share(params []*gorgonia.Node) error {
	if len(params) != len(s.params) {
		return fmt.Errorf("a shard has %d parameters, the first one %d", len(s.params), len(params))
	}
	for i, p := range s.params {
		if err := gorgonia.Let(p, params[i].Value()); err != nil {
			return fmt.Errorf("sharing %s: %w", p.Name(), err)
		}
	}
	return nil
}

// run loads n images (x holds n·784 pixels, n <= the shard's size; the other rows are
// zeroed) and runs the machine. For a training shard, labels gives the classes and every
// row of a real example weighs weight in the loss; padding rows weigh 0.
func (s *shard) run(x []float32, labels []int, weight float32) error {
	xd := f32(s.x)
	copy(xd, x)
	clear(xd[len(x):])
	if s.y != nil {
		yd, wd := f32(s.y), f32(s.w)
		clear(yd)
		clear(wd)
		for i, l := range labels {
			yd[i*Classes+l] = 1
			wd[i] = weight
		}
	}
	s.vm.Reset()
	return s.vm.RunAll()
}

func (s *shard) close() error { return s.vm.Close() }

// forShards calls fn(k) for every k in [0, n) on up to GOMAXPROCS goroutines, the
// caller's among them, each taking the next k from a shared counter (so that a core
// slowed by other work simply takes fewer), and returns when all are done. errs (at
// least n long) receives each call's error; the first non-nil one in k order is
// returned. Which goroutine runs which k changes no result: each k writes only its own
// state.
func forShards(n int, errs []error, fn func(k int) error) error {
	var next atomic.Int64
	work := func() {
		for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
			errs[k] = fn(k)
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	for _, err := range errs[:n] {
		if err != nil {
			return err
		}
	}
	return nil
}

// blas32 is gonum's BLAS, for its vectorised float32 axpy.
var blas32 gonum.Implementation

// paramChunk is a range [lo, hi) of parameter p's values: a part of the gradients' sum
// that one goroutine computes.
type paramChunk struct{ p, lo, hi int }

// chunkLen is the most values of a paramChunk: enough work to be worth a hand-off, few
// enough that LeNet's largest weight (48,000 values) makes several chunks.
const chunkLen = 8192

// paramChunks cuts parameters of the given lengths into paramChunks.
func paramChunks(grads [][]float32) []paramChunk {
	var chunks []paramChunk
	for p, g := range grads {
		for lo := 0; lo < len(g); lo += chunkLen {
			chunks = append(chunks, paramChunk{p, lo, min(lo+chunkLen, len(g))})
		}
	}
	return chunks
}

// reduce sums the gradients of the first active shards into c.grads, shard by shard in
// order (so that each value's sum is the same whichever goroutine computes it), and when
// apply is set takes the SGD step w ← w − lr·g in the same pass.
func (c *Classifier) reduce(active int, lr float32, apply bool) error {
	for i, p := range c.params {
		c.weights[i] = f32(p)
	}
	for k, s := range c.shards[:active] {
		for i, gn := range s.grads {
			if gn.Value() == nil {
				return fmt.Errorf("lenet: no gradient of %s was computed", c.params[i].Name())
			}
			g := f32(gn)
			if len(g) != len(c.grads[i]) {
				return fmt.Errorf("lenet: gradient of %s holds %d values for %d weights", c.params[i].Name(), len(g), len(c.grads[i]))
			}
			c.shardGrads[k][i] = g
		}
	}
	err := forShards(len(c.chunks), c.errs, func(t int) error {
		ch := c.chunks[t]
		sum := c.grads[ch.p][ch.lo:ch.hi]
		copy(sum, c.shardGrads[0][ch.p][ch.lo:ch.hi])
		// gonum's axpy, vectorised, multiplies and adds without fusing: sum + 1·g is
		// sum + g, and w + (-lr)·g is w - lr·g, to the bit.
		for _, g := range c.shardGrads[1:active] {
			blas32.Saxpy(len(sum), 1, g[ch.p][ch.lo:ch.hi], 1, sum, 1)
		}
		if apply {
			blas32.Saxpy(len(sum), -lr, sum, 1, c.weights[ch.p][ch.lo:ch.hi], 1)
		}
		return nil
	})
	c.stepped = true
	if apply {
		c.stale = true
	}
	return err
}
