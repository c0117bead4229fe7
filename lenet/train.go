package lenet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/d2l-go/convnets/dataset"
)

// DivergedError reports a loss that became NaN or infinite.
type DivergedError struct {
	Epoch int     // 1-based
	Batch int     // 1-based within the epoch
	LR    float64 // the learning rate in use
	Loss  float64
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("training diverged: loss is %v at epoch %d, batch %d with learning rate %g; try a smaller -lr", e.Loss, e.Epoch, e.Batch, e.LR)
}

// BatchInfo describes a finished training batch, for progress reporting.
type BatchInfo struct {
	Epoch, Batch, Batches int
	Loss                  float64 // this batch's mean loss
	Examples              int     // examples in this batch
	ExamplesPerSec        float64 // over the epoch's training steps so far
}

// EpochInfo describes a finished epoch.
type EpochInfo struct {
	Epoch, Epochs      int
	TrainLoss          float64
	TrainAcc, TestAcc  float64
	ExamplesPerSec     float64 // over this epoch's training steps
	TrainTime, EvalDur time.Duration
}

// TrainConfig sets up Train. Zero values mean: 10 epochs, the variant's learning rate,
// seed 0, starting at epoch 1, no hooks.
type TrainConfig struct {
	Epochs     int     // the epoch to stop after (counting from 1); default 10
	LR         float64 // default the variant's DefaultLR
	Seed       uint64  // seeds the shuffling; epoch e shuffles with Seed+e
	StartEpoch int     // epochs already done (resuming); default 0
	History    History // points recorded so far (resuming)

	// OnBatch, when set, is called after every training batch.
	OnBatch func(BatchInfo)
	// OnEpoch, when set, is called after every epoch with the history so far; an error
	// stops training and is returned.
	OnEpoch func(EpochInfo, History) error
}

// Result is the outcome of Train.
type Result struct {
	Epochs         int // epochs completed in total (including resumed ones)
	History        History
	TrainLoss      float64
	TrainAcc       float64
	TestAcc        float64
	ExamplesPerSec float64       // over all training steps of this run
	TrainTime      time.Duration // time in training steps only
	Interrupted    bool          // ctx was cancelled; the partial epoch is not counted
}

// Train fits c to the training set, evaluating on the test set after every epoch, the
// textbook's train_ch6. It stops early, returning the result so far with Interrupted set
// and a nil error, when ctx is cancelled between batches.
func Train(ctx context.Context, c *Classifier, train, test *dataset.Set, cfg TrainConfig) (*Result, error) {
	if cfg.Epochs == 0 {
		cfg.Epochs = 10
	}
	if cfg.LR == 0 {
		cfg.LR = c.Variant().DefaultLR()
	}
	if cfg.LR < 0 || math.IsNaN(cfg.LR) || math.IsInf(cfg.LR, 0) {
		return nil, fmt.Errorf("lenet: learning rate %v must be a positive number", cfg.LR)
	}
	if cfg.Epochs < 1 || cfg.StartEpoch < 0 {
		return nil, fmt.Errorf("lenet: epochs %d (starting after %d) must be positive", cfg.Epochs, cfg.StartEpoch)
	}
	if train == nil || train.N == 0 || test == nil || test.N == 0 {
		return nil, errors.New("lenet: empty training or test set")
	}
	if train.Rows != Height || train.Cols != Width || test.Rows != Height || test.Cols != Width {
		return nil, fmt.Errorf("lenet: images are %dx%d; LeNet takes %dx%d", train.Rows, train.Cols, Height, Width)
	}
	res := &Result{Epochs: cfg.StartEpoch, History: append(History(nil), cfg.History...)}
	res.TrainLoss, res.TrainAcc, res.TestAcc = res.History.Last()
	var examples int
	it := train.Batches(c.BatchSize(), true, cfg.Seed)
	for epoch := cfg.StartEpoch + 1; epoch <= cfg.Epochs; epoch++ {
		it.Reset(cfg.Seed + uint64(epoch))
		nb := it.NumBatches()
		every := max(nb/5, 1)
		var acc Accumulator
		var epochTime time.Duration
		for b := 1; it.Next(); b++ {
			if ctx.Err() != nil {
				res.Interrupted = true
				return res, nil
			}
			start := time.Now()
			loss, correct, err := c.TrainBatch(it.Float32(), it.Labels(), cfg.LR)
			epochTime += time.Since(start)
			if err != nil {
				return res, fmt.Errorf("epoch %d, batch %d: %w", epoch, b, err)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return res, &DivergedError{Epoch: epoch, Batch: b, LR: cfg.LR, Loss: loss}
			}
			n := it.Len()
			acc.Add(loss, correct, n)
			examples += n
			if cfg.OnBatch != nil {
				cfg.OnBatch(BatchInfo{Epoch: epoch, Batch: b, Batches: nb, Loss: loss, Examples: n,
					ExamplesPerSec: acc.N / epochTime.Seconds()})
			}
			if b%every == 0 || b == nb {
				res.History = append(res.History, Point{Epoch: float64(epoch-1) + float64(b)/float64(nb),
					TrainLoss: ptr(acc.Loss()), TrainAcc: ptr(acc.Accuracy())})
			}
		}
		res.TrainTime += epochTime
		evalStart := time.Now()
		testAcc, err := Evaluate(c, test)
		if err != nil {
			return res, fmt.Errorf("epoch %d: %w", epoch, err)
		}
		res.History = append(res.History, Point{Epoch: float64(epoch), TestAcc: ptr(testAcc)})
		res.Epochs = epoch
		res.TrainLoss, res.TrainAcc, res.TestAcc = acc.Loss(), acc.Accuracy(), testAcc
		res.ExamplesPerSec = float64(examples) / res.TrainTime.Seconds()
		if cfg.OnEpoch != nil {
			info := EpochInfo{Epoch: epoch, Epochs: cfg.Epochs, TrainLoss: res.TrainLoss, TrainAcc: res.TrainAcc,
				TestAcc: testAcc, ExamplesPerSec: acc.N / epochTime.Seconds(), TrainTime: epochTime, EvalDur: time.Since(evalStart)}
			if err := cfg.OnEpoch(info, res.History); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// Evaluate returns the accuracy of c on a whole set, in evaluation mode: the textbook's
// evaluate_accuracy_gpu.
func Evaluate(c *Classifier, s *dataset.Set) (float64, error) {
	if s == nil || s.N == 0 {
		return 0, errors.New("lenet: evaluating on an empty set")
	}
	pred, err := Predict(c, s)
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
	it := s.Batches(c.cfg.EvalBatch, false, 0)
	pred := make([]int, 0, s.N)
	var logits []float32
	for it.Next() {
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
