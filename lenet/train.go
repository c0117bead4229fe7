package lenet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/d2l-go/convnets/dataset"
)

// divergeFactor sets when training counts as blown up before the loss overflows: a
// batch whose mean cross-entropy exceeds divergeFactor·ln(Classes). An untrained
// network guesses about uniformly, scoring ln(Classes) (2.30 for ten classes), and SGD
// lowers the loss from there; a mean loss 100 times that gives the true classes an
// average probability below e^-230, which only logits hundreds apart (exploded
// weights) produce. Such a run does not come back: it only grows until the loss is
// infinite or NaN.
const divergeFactor = 100

// DivergedError reports a run whose loss became NaN, infinite or far above that of a
// uniform guess (see divergeFactor), or whose weights stopped being finite.
type DivergedError struct {
	Epoch int     // 1-based
	Batch int     // 1-based within the epoch
	LR    float64 // the learning rate in use
	Loss  float64
	Param string // set when a parameter, not the loss, turned NaN or infinite
}

// Error names the diverged quantity, the epoch, batch and learning rate, and what to try.
func (e *DivergedError) Error() string {
	where := fmt.Sprintf("at epoch %d, batch %d with learning rate %g", e.Epoch, e.Batch, e.LR)
	switch {
	case e.Param != "":
		return fmt.Sprintf("training diverged: %s holds NaN or infinite values %s; try a smaller learning rate", e.Param, where)
	case math.IsNaN(e.Loss) || math.IsInf(e.Loss, 0):
		return fmt.Sprintf("training diverged: loss is %v %s; try a smaller learning rate", e.Loss, where)
	}
	return fmt.Sprintf("training diverged: loss is %.3g %s, more than %d times the %.2f of a uniform guess, so the weights have blown up; try a smaller learning rate",
		e.Loss, where, divergeFactor, math.Log(Classes))
}

// BatchInfo describes a finished training batch, for progress reporting.
type BatchInfo struct {
	Epoch, Batch, Batches int
	Loss                  float64 // this batch's mean loss
	Examples              int     // examples in this batch
	ExamplesPerSec        float64 // over the epoch's training steps in this run so far
}

// EpochInfo describes a finished epoch.
type EpochInfo struct {
	Epoch, Epochs      int
	TrainLoss          float64
	TrainAcc, TestAcc  float64
	Examples           int     // examples of this epoch trained in this run (fewer when it resumed inside it)
	ExamplesPerSec     float64 // over them; NaN when Examples is 0
	TrainTime, EvalDur time.Duration
}

// TrainState is where a training run stands. With the weights and the run's settings
// (seed, batch size, learning rate) it is enough to continue the run exactly as if it
// had never stopped: an epoch's shuffling depends only on the seed and the epoch, so
// the examples done locate the next batch. It is what a checkpoint saves.
type TrainState struct {
	Epoch    int         `json:"epoch"`              // epochs completed
	Examples int         `json:"examples,omitempty"` // examples of epoch Epoch+1 trained so far
	Partial  Accumulator `json:"partial"`            // the running totals of those examples
	History  History     `json:"history"`            // every point recorded so far
}

// RestartEpoch returns s without its partial epoch: no examples done, no totals, no
// history points after epoch s.Epoch. It is for resuming with another training set,
// where the partial epoch's position means nothing.
func (s TrainState) RestartEpoch() TrainState {
	h := History(nil)
	for _, p := range s.History {
		if p.Epoch <= float64(s.Epoch) {
			h = append(h, p)
		}
	}
	return TrainState{Epoch: s.Epoch, History: h}
}

// TrainConfig sets up Train. Zero values mean the Classifier's settings (see Config):
// its spec's epochs and learning rate, its seed; starting from scratch, no hooks.
type TrainConfig struct {
	Epochs int        // the epoch to stop after (counting from 1); default Spec().EpochCount()
	LR     float64    // default Spec().LearningRate()
	Seed   uint64     // seeds the shuffling, epoch e with Seed+e; default the Classifier's seed
	Start  TrainState // where to start: a checkpoint's state when resuming

	// OnBatch, when set, is called after every training batch.
	OnBatch func(BatchInfo)
	// OnPoint, when set, is called with every point as it joins the history: five a
	// training epoch (the running loss and accuracy), then its test accuracy, before
	// OnEpoch. Curves drawn from these points grow while an epoch runs. Points of
	// Start.History are not repeated.
	OnPoint func(Point)
	// OnEpoch, when set, is called after every epoch with the state at its end; an
	// error stops training and is returned.
	OnEpoch func(EpochInfo, TrainState) error
}

// Result is the outcome of Train.
type Result struct {
	// State is where training stopped: after cfg.Epochs, or, when Interrupted, inside
	// an epoch (after its last batch when its evaluation was interrupted).
	State          TrainState
	TrainLoss      float64       // of the last completed epoch (NaN before any)
	TrainAcc       float64       // likewise
	TestAcc        float64       // likewise
	Examples       int           // examples trained in this run
	ExamplesPerSec float64       // over this run's training steps (NaN when there were none)
	TrainTime      time.Duration // time in training steps only
	Interrupted    bool          // ctx was cancelled; State says where to resume
}

// Train fits c to the training set, evaluating on the test set after every epoch, the
// textbook's train_ch6, from cfg.Start. When ctx is cancelled it finishes the current
// batch (or abandons the current evaluation) and returns the result so far with
// Interrupted set and a nil error; training again from res.State ends exactly where
// the uninterrupted run would.
func Train(ctx context.Context, c *Classifier, train, test *dataset.Set, cfg TrainConfig) (*Result, error) {
	cfg, err := cfg.check(c, train, test)
	if err != nil {
		return nil, err
	}
	t := &trainer{ctx: ctx, c: c, test: test, cfg: cfg, it: train.Batches(c.BatchSize(), true, cfg.Seed)}
	res := &Result{State: cfg.Start}
	res.State.History = append(History(nil), cfg.Start.History...)
	res.TrainLoss, res.TrainAcc, res.TestAcc = res.State.History.Last()
	for res.State.Epoch < cfg.Epochs && !res.Interrupted {
		if err := t.epoch(res); err != nil {
			return res, err
		}
	}
	res.ExamplesPerSec = float64(res.Examples) / res.TrainTime.Seconds()
	if res.Examples == 0 {
		res.ExamplesPerSec = math.NaN()
	}
	return res, nil
}

// check fills in cfg's defaults and checks it against the data.
func (cfg TrainConfig) check(c *Classifier, train, test *dataset.Set) (TrainConfig, error) {
	if cfg.Epochs == 0 {
		cfg.Epochs = c.Spec().EpochCount()
	}
	if cfg.LR == 0 {
		cfg.LR = c.Spec().LearningRate()
	}
	if cfg.Seed == 0 {
		cfg.Seed = c.Seed()
	}
	s := cfg.Start
	switch {
	case !(cfg.LR > 0) || math.IsInf(cfg.LR, 0):
		return cfg, fmt.Errorf("lenet: learning rate %v must be a positive number", cfg.LR)
	case cfg.Epochs < 1 || s.Epoch < 0 || s.Epoch > cfg.Epochs:
		return cfg, fmt.Errorf("lenet: epochs %d (starting after %d) must be positive and no fewer than those done", cfg.Epochs, s.Epoch)
	case train == nil || train.N == 0 || test == nil || test.N == 0:
		return cfg, errors.New("lenet: empty training or test set")
	case train.Rows != Height || train.Cols != Width || test.Rows != Height || test.Cols != Width:
		return cfg, fmt.Errorf("lenet: images are %dx%d; the network takes %dx%d", train.Rows, train.Cols, Height, Width)
	case s.Examples < 0 || s.Examples > train.N || s.Partial.N != float64(s.Examples) || (s.Examples > 0 && s.Epoch == cfg.Epochs):
		return cfg, fmt.Errorf("lenet: start state of %d examples into epoch %d (totals over %v) does not fit %d training examples and %d epochs",
			s.Examples, s.Epoch+1, s.Partial.N, train.N, cfg.Epochs)
	}
	if where, v := nonFinite(c); where != "" {
		return cfg, fmt.Errorf("lenet: %s is %v before training: the weights did not come from a run that can continue", where, v)
	}
	return cfg, nil
}

// trainer holds what one call of Train shares between epochs.
type trainer struct {
	ctx  context.Context
	c    *Classifier
	test *dataset.Set
	cfg  TrainConfig
	it   *dataset.Iterator
}

// epoch trains the rest of epoch res.State.Epoch+1 and evaluates it, updating res; on
// cancellation it sets res.Interrupted and returns.
func (t *trainer) epoch(res *Result) error {
	st := &res.State
	epoch := st.Epoch + 1
	it := t.it
	it.Reset(t.cfg.Seed + uint64(epoch))
	it.Seek(st.Examples)
	nb, size := it.NumBatches(), it.BatchSize()
	every := max(nb/5, 1)
	var steps time.Duration
	examples, b := 0, st.Examples/size
	for it.Next() {
		if t.ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		n := it.Len()
		b = (st.Examples + n + size - 1) / size // 1-based, counted as from the epoch's start
		start := time.Now()
		loss, correct, err := t.c.TrainBatch(it.Float32(), it.Labels(), t.cfg.LR)
		steps += time.Since(start)
		if err != nil {
			return fmt.Errorf("epoch %d, batch %d: %w", epoch, b, err)
		}
		if !(loss <= divergeFactor*math.Log(Classes)) {
			return &DivergedError{Epoch: epoch, Batch: b, LR: t.cfg.LR, Loss: loss}
		}
		st.Examples += n
		st.Partial.Add(loss, correct, n)
		examples += n
		if t.cfg.OnBatch != nil {
			t.cfg.OnBatch(BatchInfo{Epoch: epoch, Batch: b, Batches: nb, Loss: loss, Examples: n,
				ExamplesPerSec: float64(examples) / steps.Seconds()})
		}
		if b%every == 0 || b == nb {
			t.record(st, Point{Epoch: float64(epoch-1) + float64(b)/float64(nb),
				TrainLoss: ptr(st.Partial.Loss()), TrainAcc: ptr(st.Partial.Accuracy())})
		}
	}
	res.TrainTime += steps
	res.Examples += examples
	if where, _ := nonFinite(t.c); where != "" {
		return &DivergedError{Epoch: epoch, Batch: b, LR: t.cfg.LR, Loss: st.Partial.Loss(), Param: where}
	}
	if res.Interrupted {
		return nil
	}
	evalStart := time.Now()
	testAcc, err := evaluate(t.ctx, t.c, t.test)
	if t.ctx.Err() != nil {
		res.Interrupted = true // every batch is done: a resumed run evaluates first
		return nil
	}
	if err != nil {
		return fmt.Errorf("epoch %d: %w", epoch, err)
	}
	info := EpochInfo{Epoch: epoch, Epochs: t.cfg.Epochs, TrainLoss: st.Partial.Loss(), TrainAcc: st.Partial.Accuracy(), TestAcc: testAcc,
		Examples: examples, ExamplesPerSec: float64(examples) / steps.Seconds(), TrainTime: steps, EvalDur: time.Since(evalStart)}
	if examples == 0 {
		info.ExamplesPerSec = math.NaN()
	}
	t.record(st, Point{Epoch: float64(epoch), TestAcc: ptr(testAcc)})
	st.Epoch, st.Examples, st.Partial = epoch, 0, Accumulator{}
	res.TrainLoss, res.TrainAcc, res.TestAcc = info.TrainLoss, info.TrainAcc, testAcc
	if t.cfg.OnEpoch != nil {
		return t.cfg.OnEpoch(info, *st)
	}
	return nil
}

// record adds p to the history and hands it to OnPoint.
func (t *trainer) record(st *TrainState, p Point) {
	st.History = append(st.History, p)
	if t.cfg.OnPoint != nil {
		t.cfg.OnPoint(p)
	}
}

// nonFinite finds the first NaN or infinity among c's parameters: where it is
// ("conv1.weight[3]", "" if nowhere) and its value.
func nonFinite(c *Classifier) (where string, v float32) {
	for _, p := range c.params {
		if i := firstNonFinite(f32(p)); i >= 0 {
			return fmt.Sprintf("%s[%d]", p.Name(), i), f32(p)[i]
		}
	}
	return "", 0
}

// firstNonFinite returns the index of the first NaN or infinity in w, or -1.
func firstNonFinite(w []float32) int {
	for i, v := range w {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return i
		}
	}
	return -1
}

// Evaluate returns the accuracy of c on a whole set, in evaluation mode: the textbook's
// evaluate_accuracy_gpu.
func Evaluate(c *Classifier, s *dataset.Set) (float64, error) {
	return evaluate(context.Background(), c, s)
}

// evaluate is Evaluate, stopping with ctx's error between batches once ctx is done.
func evaluate(ctx context.Context, c *Classifier, s *dataset.Set) (float64, error) {
	if s == nil || s.N == 0 {
		return 0, errors.New("lenet: evaluating on an empty set")
	}
	pred, err := predict(ctx, c, s)
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, p := range pred {
		if p == int(s.Labels[i]) {
			correct++
		}
	}
	return float64(correct) / float64(s.N), nil
}

// Predict returns the predicted class of every example in s.
func Predict(c *Classifier, s *dataset.Set) ([]int, error) {
	return predict(context.Background(), c, s)
}

// predict is Predict, stopping with ctx's error between batches once ctx is done.
func predict(ctx context.Context, c *Classifier, s *dataset.Set) ([]int, error) {
	it := s.Batches(c.cfg.EvalBatch, false, 0)
	pred := make([]int, 0, s.N)
	var logits []float32
	for it.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if logits, err = c.Logits(logits[:0], it.Float32()); err != nil {
			return nil, err
		}
		for i := 0; i < it.Len(); i++ {
			pred = append(pred, Argmax(logits[i*Classes:(i+1)*Classes]))
		}
	}
	return pred, nil
}
