package lenet

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/layers"
)

// Config sets up a Classifier. The zero value is the classic LeNet, batch 256, seed 1,
// on the CPU: the defaults of cmd/train.
//
// Every training setting has one home: the network and its learning rate, epochs and
// init in Spec (ParseSpec reads them from "...-lr0.05-epochs3-kaiming"), the batch
// size and seed here. TrainConfig's zero LR, Epochs and Seed mean these, so a
// Classifier built from a spec trains with the learning rate the spec names.
type Config struct {
	Spec      Spec          // the network; the zero Spec is the classic preset
	BatchSize int           // training batch size; default DefaultBatch (256)
	EvalBatch int           // evaluation batch size; default DefaultEvalBatch (1000)
	Seed      uint64        // seeds the weight initialisation and the shuffling; 0 means DefaultSeed (1)
	Device    device.Device // default device.CPU
	// Ops computes the convolutions and activations: nn.FastOps (the default, the
	// project's own ops) or nn.GorgoniaOps (the Gorgonia primitives they replace).
	Ops nn.Ops
	// Shards is how many parts each batch is cut into on the CPU; each part runs the
	// whole forward and backward pass on a machine of its own, the parts in parallel on
	// up to GOMAXPROCS cores (each part's ops sharing the cores left over, if any), and
	// their gradients are summed in part order. 0 means the default: 4 parts of 64
	// examples for a batch of 256 (parts of at least 64 examples, at most 16 parts).
	// The results depend on the batch size and Shards, never on the number of cores. A
	// GPU computes a batch in one part.
	Shards int
}

func (c Config) withDefaults() Config {
	c.Spec = c.Spec.orClassic()
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatch
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = DefaultEvalBatch
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Device.IsGPU() {
		c.Shards = 1
	}
	return c
}

// Classifier is a network with its training and evaluation graphs and machines, built once
// and reused for every batch. It is not safe for concurrent use.
//
// Training cuts each batch into shards (see Config.Shards): one graph of the whole
// network per shard, every shard's parameters bound to the same tensors, the shards'
// gradients summed in a fixed order into one SGD step. Evaluation cuts its batches the
// same way, on graphs of its own that hold a copy of the parameters.
type Classifier struct {
	cfg Config

	shards     []*shard // training
	size       int      // examples per training shard
	params     []*gorgonia.Node
	weights    [][]float32   // the parameters' values, read at each step
	grads      [][]float32   // the last step's gradients, summed over the shards
	shardGrads [][][]float32 // each shard's gradients, read at each step
	chunks     []paramChunk  // how the sum is shared out over goroutines
	stepped    bool          // grads holds a step's gradients

	eshards []*shard // evaluation
	esize   int
	eparams []*gorgonia.Node
	stale   bool // the evaluation parameters lag the training ones

	errs []error // forShards' per-shard errors
}

// New builds a Classifier.
func New(cfg Config) (*Classifier, error) {
	cfg = cfg.withDefaults()
	d, err := Describe(cfg.Spec)
	if err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	if cfg.BatchSize < 1 || cfg.EvalBatch < 1 {
		return nil, fmt.Errorf("lenet: batch sizes must be positive, got %d and %d", cfg.BatchSize, cfg.EvalBatch)
	}
	if err := d.CheckBatch(cfg.BatchSize, true); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	if err := d.CheckBatch(cfg.EvalBatch, false); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	if cfg.Shards < 0 {
		return nil, fmt.Errorf("lenet: %d shards; want 0 (the default) or more", cfg.Shards)
	}
	if cfg.Ops == nn.GorgoniaOps && device.CUDABuild {
		return nil, fmt.Errorf("lenet: Ops %v (the Gorgonia primitives) needs a build without the cuda tag: Gorgonia places its own ops on the GPU by type, whatever the device", cfg.Ops)
	}
	c := &Classifier{cfg: cfg, stale: true}
	if c.shards, c.size, err = newShards(cfg, cfg.BatchSize, true, ""); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	c.params = c.shards[0].params
	if c.eshards, c.esize, err = newShards(cfg, cfg.EvalBatch, false, "eval_"); err != nil {
		c.Close()
		return nil, fmt.Errorf("lenet: evaluation: %w", err)
	}
	c.eparams = c.eshards[0].params
	if len(c.eparams) != len(c.params) {
		c.Close()
		return nil, fmt.Errorf("lenet: evaluation network has %d parameters, training network %d", len(c.eparams), len(c.params))
	}
	c.grads = make([][]float32, len(c.params))
	c.weights = make([][]float32, len(c.params))
	for i, p := range c.params {
		c.grads[i] = make([]float32, p.Shape().TotalSize())
	}
	c.shardGrads = make([][][]float32, len(c.shards))
	for k := range c.shardGrads {
		c.shardGrads[k] = make([][]float32, len(c.params))
	}
	c.chunks = paramChunks(c.grads)
	c.errs = make([]error, max(len(c.shards), len(c.eshards), len(c.chunks)))
	return c, nil
}

// newShards builds the shards of batches of b examples (see Config.Shards), the first
// one's parameters shared by the others, and returns them with their size.
func newShards(cfg Config, b int, train bool, prefix string) ([]*shard, int, error) {
	n, size := shardPlan(b, cfg.Shards)
	shards := make([]*shard, 0, n)
	for k := range n {
		s, err := newShard(cfg, size, shardWorkers(n), train, prefix)
		if err == nil && k > 0 {
			err = s.share(shards[0].params)
		}
		if err != nil {
			for _, s := range shards {
				s.close()
			}
			return nil, 0, err
		}
		shards = append(shards, s)
	}
	return shards, size, nil
}

// Close releases the machines.
func (c *Classifier) Close() error {
	var errs []error
	for _, s := range append(c.shards[:len(c.shards):len(c.shards)], c.eshards...) {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// Spec returns the network the Classifier was built from, with its training settings.
func (c *Classifier) Spec() Spec { return c.cfg.Spec }

// Seed returns the seed of the weight initialisation, which Train also shuffles with
// by default.
func (c *Classifier) Seed() uint64 { return c.cfg.Seed }

// BatchSize returns the training batch size.
func (c *Classifier) BatchSize() int { return c.cfg.BatchSize }

// Device returns where the machines run.
func (c *Classifier) Device() device.Device { return c.cfg.Device }

// Shards returns how many parts each training batch is cut into (see Config.Shards).
func (c *Classifier) Shards() int { return len(c.shards) }

// Net returns the training network of the first shard, for its layers and shape summary
// (its batch dimension is a shard's, a BatchSize/Shards share of the batch).
func (c *Classifier) Net() *layers.Sequential { return c.shards[0].net }

// Params returns the trainable parameters in a fixed order (layer by layer, weight
// before bias).
func (c *Classifier) Params() []*gorgonia.Node { return c.params }

// f32 returns the float32 values of a tensor node, without the allocation of Data.
func f32(n *gorgonia.Node) []float32 {
	if d, ok := n.Value().(*tensor.Dense); ok && d.Dtype() == tensor.Float32 {
		return d.Float32s()
	}
	return n.Value().Data().([]float32)
}

// TrainBatch runs one SGD step on n examples: x holds n images as (n,1,28,28) pixels in
// [0,1] and labels their classes. n may be smaller than the batch size. It returns the
// mean loss and how many of the n examples the network classified correctly before the
// step.
func (c *Classifier) TrainBatch(x []float32, labels []int, lr float64) (loss float64, correct int, err error) {
	n := len(labels)
	B := c.cfg.BatchSize
	if n < 1 || n > B {
		return 0, 0, fmt.Errorf("lenet: batch of %d examples; want 1 to %d", n, B)
	}
	px := Height * Width
	if len(x) != n*px {
		return 0, 0, fmt.Errorf("lenet: batch of %d labels holds %d pixels; want %d", n, len(x), n*px)
	}
	for i, l := range labels {
		if l < 0 || l >= Classes {
			return 0, 0, fmt.Errorf("lenet: label %d of example %d is outside 0..%d", l, i, Classes-1)
		}
	}
	// Every example weighs 1/n, so that the shards' losses and gradients add up to the
	// batch's means; a shard left without examples does not run.
	inv := float32(1) / float32(n)
	active := (n + c.size - 1) / c.size
	err = forShards(active, c.errs, func(k int) error {
		lo, hi := k*c.size, min((k+1)*c.size, n)
		return c.shards[k].run(x[lo*px:hi*px], labels[lo:hi], inv)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("lenet: training step: %w", err)
	}
	for k, s := range c.shards[:active] {
		lv, ok := s.loss.Value().(*gorgonia.F32)
		if !ok {
			return 0, 0, fmt.Errorf("lenet: the loss is %T, want a float32 scalar", s.loss.Value())
		}
		loss += float64(*lv)
		lo, hi := k*c.size, min((k+1)*c.size, n)
		correct += countCorrect(f32(s.logits)[:(hi-lo)*Classes], labels[lo:hi])
	}
	// A loss that is not finite takes no step: the caller reports divergence with its
	// context.
	finite := !math.IsNaN(loss) && !math.IsInf(loss, 0)
	if err := c.reduce(active, float32(lr), finite); err != nil {
		return 0, 0, err
	}
	return loss, correct, nil
}

// sync copies the training parameters into the evaluation graphs.
func (c *Classifier) sync() {
	if !c.stale {
		return
	}
	for i, p := range c.params {
		copy(f32(c.eparams[i]), f32(p))
	}
	c.stale = false
}

// Logits runs the evaluation graphs on n images (n*784 pixels) and appends the (n,10)
// logits to dst.
func (c *Classifier) Logits(dst []float32, x []float32) ([]float32, error) {
	px := Height * Width
	if len(x)%px != 0 {
		return dst, fmt.Errorf("lenet: %d pixels is not a whole number of %dx%d images", len(x), Height, Width)
	}
	c.sync()
	for len(x) > 0 {
		n := min(len(x)/px, c.cfg.EvalBatch)
		active := (n + c.esize - 1) / c.esize
		err := forShards(active, c.errs, func(k int) error {
			lo, hi := k*c.esize, min((k+1)*c.esize, n)
			return c.eshards[k].run(x[lo*px:hi*px], nil, 0)
		})
		if err != nil {
			return dst, fmt.Errorf("lenet: evaluation: %w", err)
		}
		for k, s := range c.eshards[:active] {
			rows := min((k+1)*c.esize, n) - k*c.esize
			dst = append(dst, f32(s.logits)[:rows*Classes]...)
		}
		x = x[n*px:]
	}
	return dst, nil
}

// countCorrect counts the rows of logits whose largest entry is at the label.
func countCorrect(logits []float32, labels []int) int {
	correct := 0
	for i, l := range labels {
		if Argmax(logits[i*Classes:(i+1)*Classes]) == l {
			correct++
		}
	}
	return correct
}

// Argmax returns the index of the largest value (the first one on ties).
func Argmax(v []float32) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// Softmax returns the probabilities of one row of logits, computed stably.
func Softmax(logits []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	p := make([]float64, len(logits))
	var s float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v) - m)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// Gradients returns copies of the gradients of the last TrainBatch's loss with respect
// to the parameters, in Params order (nil before the first step): the sums over the
// shards, which the step applied. They are read back to the host on every device, so the
// CPU and GPU builds of one graph can be compared.
func (c *Classifier) Gradients() [][]float32 {
	if !c.stepped {
		return nil
	}
	out := make([][]float32, len(c.grads))
	for i, g := range c.grads {
		out[i] = slices.Clone(g)
	}
	return out
}
