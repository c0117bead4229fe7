package lenet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/layers"
)

// Config sets up a Classifier. The zero value is the classic LeNet, batch 256, seed 0,
// on the CPU.
type Config struct {
	Variant   Variant      // default Classic; a preset name or a spec string (SpecOf)
	Spec      *Spec        // when set, the network (Variant is then left empty)
	BatchSize int          // training batch size; default 256
	EvalBatch int          // evaluation batch size; default 1000
	Seed      uint64       // seeds the weight initialisation
	Device    graph.Device // default graph.CPU
	// Ops computes the convolutions and activations: graph.ImplFast (the default, the
	// project's own ops) or graph.ImplGorgonia (the Gorgonia primitives they replace).
	Ops graph.Impl
}

func (c Config) withDefaults() Config {
	if c.Variant == "" && c.Spec == nil {
		c.Variant = Classic
	}
	if c.BatchSize == 0 {
		c.BatchSize = 256
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = 1000
	}
	return c
}

// Classifier is LeNet with its training and evaluation graphs and machines, built once
// and reused for every batch. It is not safe for concurrent use.
type Classifier struct {
	cfg Config

	// Training graph: input x (B,1,28,28), one-hot targets (B,10), row weights (B).
	g       *gorgonia.ExprGraph
	net     *layers.Sequential
	x, y, w *gorgonia.Node
	logits  *gorgonia.Node
	loss    *gorgonia.Node
	params  []*gorgonia.Node
	vm      gorgonia.VM
	// Host copies of the step's results (graph.ToHost): on a GPU the nodes' own values
	// live in device memory.
	hostLogits *gorgonia.Node
	hostGrads  []*gorgonia.Node

	// Evaluation graph: forward only, its own copy of the parameters.
	eg      *gorgonia.ExprGraph
	enet    *layers.Sequential
	ex      *gorgonia.Node
	elogits *gorgonia.Node
	ehost   *gorgonia.Node
	eparams []*gorgonia.Node
	evm     gorgonia.VM
	stale   bool // the evaluation parameters lag the training ones
}

// New builds a Classifier.
func New(cfg Config) (*Classifier, error) {
	cfg = cfg.withDefaults()
	spec, err := cfg.resolveSpec()
	if err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	cfg.Variant, cfg.Spec = spec.Variant(), &spec
	if cfg.BatchSize < 1 || cfg.EvalBatch < 1 {
		return nil, fmt.Errorf("lenet: batch sizes must be positive, got %d and %d", cfg.BatchSize, cfg.EvalBatch)
	}
	c := &Classifier{cfg: cfg, stale: true}
	dt := tensor.Float32
	B := cfg.BatchSize

	if cfg.Ops == graph.ImplGorgonia && graph.CUDABuild {
		return nil, fmt.Errorf("lenet: the Gorgonia primitives (-ops gorgonia) need a build without the cuda tag: Gorgonia places its own ops on the GPU by type, whatever the device")
	}
	c.g = gorgonia.NewGraph()
	graph.SetDevice(c.g, cfg.Device)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1e7e7))
	net, err := NewNetSpec(c.g, "", spec, dt, cfg.Ops, rng)
	if err != nil {
		return nil, fmt.Errorf("lenet: building the network: %w", err)
	}
	c.net = net
	c.x = gorgonia.NewTensor(c.g, dt, 4, gorgonia.WithShape(B, 1, Height, Width), gorgonia.WithName("input"), gorgonia.WithInit(gorgonia.Zeroes()))
	c.y = gorgonia.NewMatrix(c.g, dt, gorgonia.WithShape(B, Classes), gorgonia.WithName("targets"), gorgonia.WithInit(gorgonia.Zeroes()))
	c.w = gorgonia.NewVector(c.g, dt, gorgonia.WithShape(B), gorgonia.WithName("row_weights"), gorgonia.WithInit(gorgonia.Zeroes()))
	if c.logits, err = net.Forward(c.x); err != nil {
		return nil, fmt.Errorf("lenet: forward pass: %w", err)
	}
	if c.loss, err = graph.SoftmaxCrossEntropy(c.logits, c.y, c.w); err != nil {
		return nil, fmt.Errorf("lenet: loss: %w", err)
	}
	c.params = net.Params()
	grads, err := gorgonia.Grad(c.loss, c.params...)
	if err != nil {
		return nil, fmt.Errorf("lenet: gradients: %w", err)
	}
	// The step reads the loss (computed on the host on every device), and host copies
	// of the logits and of the parameters' gradients. (Gradients bound as dual values
	// come back zero from Gorgonia's CUDA machine: docs/gorgonia.md, BindDualValues.)
	// Only what these need is compiled: Grad also built dL/dinput, which nothing needs.
	if c.hostLogits, err = graph.ToHost(c.logits); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	outputs := []*gorgonia.Node{c.loss, c.hostLogits}
	c.hostGrads = make([]*gorgonia.Node, len(grads))
	for i, gn := range grads {
		if c.hostGrads[i], err = graph.ToHost(gn); err != nil {
			return nil, fmt.Errorf("lenet: %w", err)
		}
		outputs = append(outputs, c.hostGrads[i])
	}
	if c.vm, err = graph.NewMachineFor(outputs, cfg.Device); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}

	c.eg = gorgonia.NewGraph()
	graph.SetDevice(c.eg, cfg.Device)
	if c.enet, err = NewNetSpec(c.eg, "eval_", spec, dt, cfg.Ops, rand.New(rand.NewPCG(cfg.Seed, 0x1e7e7))); err != nil {
		return nil, fmt.Errorf("lenet: building the evaluation network: %w", err)
	}
	c.ex = gorgonia.NewTensor(c.eg, dt, 4, gorgonia.WithShape(cfg.EvalBatch, 1, Height, Width), gorgonia.WithName("eval_input"), gorgonia.WithInit(gorgonia.Zeroes()))
	if c.elogits, err = c.enet.Forward(c.ex); err != nil {
		return nil, fmt.Errorf("lenet: evaluation forward pass: %w", err)
	}
	c.eparams = c.enet.Params()
	if len(c.eparams) != len(c.params) {
		return nil, fmt.Errorf("lenet: evaluation network has %d parameters, training network %d", len(c.eparams), len(c.params))
	}
	if c.ehost, err = graph.ToHost(c.elogits); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	if c.evm, err = graph.NewMachineFor([]*gorgonia.Node{c.ehost}, cfg.Device); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	return c, nil
}

// Close releases the machines.
func (c *Classifier) Close() error {
	return errors.Join(c.vm.Close(), c.evm.Close())
}

// Variant returns the architecture.
func (c *Classifier) Variant() Variant { return c.cfg.Variant }

// BatchSize returns the training batch size.
func (c *Classifier) BatchSize() int { return c.cfg.BatchSize }

// Device returns where the machines run.
func (c *Classifier) Device() graph.Device { return c.cfg.Device }

// Net returns the training network, for its shape summary.
func (c *Classifier) Net() *layers.Sequential { return c.net }

// Params returns the trainable parameters in a fixed order (layer by layer, weight
// before bias).
func (c *Classifier) Params() []*gorgonia.Node { return c.params }

func f32(n *gorgonia.Node) []float32 { return n.Value().Data().([]float32) }

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
	if len(x) != n*Height*Width {
		return 0, 0, fmt.Errorf("lenet: batch of %d labels holds %d pixels; want %d", n, len(x), n*Height*Width)
	}
	xd, yd, wd := f32(c.x), f32(c.y), f32(c.w)
	copy(xd, x)
	clear(xd[len(x):])
	clear(yd)
	clear(wd)
	inv := float32(1) / float32(n)
	for i, l := range labels {
		if l < 0 || l >= Classes {
			return 0, 0, fmt.Errorf("lenet: label %d of example %d is outside 0..%d", l, i, Classes-1)
		}
		yd[i*Classes+l] = 1
		wd[i] = inv
	}
	c.vm.Reset()
	if err := c.vm.RunAll(); err != nil {
		return 0, 0, fmt.Errorf("lenet: training step: %w", err)
	}
	lv, ok := c.loss.Value().(*gorgonia.F32)
	if !ok {
		return 0, 0, fmt.Errorf("lenet: the loss is %T, want a float32 scalar", c.loss.Value())
	}
	loss = float64(*lv)
	correct = countCorrect(f32(c.hostLogits)[:n*Classes], labels)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, correct, nil // the caller reports divergence with its context
	}
	if err := c.step(float32(lr)); err != nil {
		return 0, 0, err
	}
	return loss, correct, nil
}

// step applies w ← w − lr·g to every parameter, g being the gradient the last run read.
func (c *Classifier) step(lr float32) error {
	for i, p := range c.params {
		gv := c.hostGrads[i].Value()
		if gv == nil {
			return fmt.Errorf("lenet: no gradient of %s was computed", p.Name())
		}
		w, g := f32(p), gv.Data().([]float32)
		if len(g) != len(w) {
			return fmt.Errorf("lenet: gradient of %s holds %d values for %d weights", p.Name(), len(g), len(w))
		}
		for j, gj := range g {
			w[j] -= lr * gj
		}
	}
	c.stale = true
	return nil
}

// sync copies the training parameters into the evaluation graph.
func (c *Classifier) sync() {
	if !c.stale {
		return
	}
	for i, p := range c.params {
		copy(f32(c.eparams[i]), f32(p))
	}
	c.stale = false
}

// Logits runs the evaluation graph on n images (n*784 pixels) and appends the (n,10)
// logits to dst.
func (c *Classifier) Logits(dst []float32, x []float32) ([]float32, error) {
	px := Height * Width
	if len(x)%px != 0 {
		return dst, fmt.Errorf("lenet: %d pixels is not a whole number of %dx%d images", len(x), Height, Width)
	}
	c.sync()
	E := c.cfg.EvalBatch
	xd := f32(c.ex)
	for start := 0; start < len(x); start += E * px {
		end := min(start+E*px, len(x))
		copy(xd, x[start:end])
		clear(xd[end-start:])
		c.evm.Reset()
		if err := c.evm.RunAll(); err != nil {
			return dst, fmt.Errorf("lenet: evaluation: %w", err)
		}
		dst = append(dst, f32(c.ehost)[:(end-start)/px*Classes]...)
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
// to the parameters, in Params order (nil before the first step). They are read back to
// the host on every device, so the CPU and GPU builds of one graph can be compared.
func (c *Classifier) Gradients() [][]float32 {
	out := make([][]float32, len(c.hostGrads))
	for i, n := range c.hostGrads {
		if n.Value() == nil {
			return nil
		}
		out[i] = append([]float32(nil), f32(n)...)
	}
	return out
}
