package lenet

import "math"

// Accumulator sums the textbook's three running totals over a stretch of training:
// the loss times the examples it covers, the correct predictions, and the examples.
type Accumulator struct {
	LossSum float64 `json:"loss_sum"` // Σ loss·n
	Correct float64 `json:"correct"`  // Σ correct
	N       float64 `json:"n"`        // Σ n
}

// Add accounts for one batch of n examples with mean loss and correct predictions.
func (a *Accumulator) Add(loss float64, correct, n int) {
	a.LossSum += loss * float64(n)
	a.Correct += float64(correct)
	a.N += float64(n)
}

// Loss is the mean loss so far (NaN before any example).
func (a *Accumulator) Loss() float64 { return a.ratio(a.LossSum) }

// Accuracy is the fraction classified correctly so far (NaN before any example).
func (a *Accumulator) Accuracy() float64 { return a.ratio(a.Correct) }

func (a *Accumulator) ratio(x float64) float64 {
	if a.N == 0 {
		return math.NaN()
	}
	return x / a.N
}

// Point is one recorded moment of training: Epoch counts epochs done, fractionally
// within an epoch (1.2 is a fifth into the second epoch). A nil metric was not recorded
// at that moment: train metrics are recorded five times per epoch, test accuracy once.
type Point struct {
	Epoch     float64  `json:"epoch"`
	TrainLoss *float64 `json:"train_loss,omitempty"`
	TrainAcc  *float64 `json:"train_acc,omitempty"`
	TestAcc   *float64 `json:"test_acc,omitempty"`
}

// History is every recorded point, in order.
type History []Point

// Last returns the latest recorded train loss, train accuracy and test accuracy (NaN
// for any never recorded).
func (h History) Last() (loss, trainAcc, testAcc float64) {
	loss, trainAcc, testAcc = math.NaN(), math.NaN(), math.NaN()
	for _, p := range h {
		if p.TrainLoss != nil {
			loss = *p.TrainLoss
		}
		if p.TrainAcc != nil {
			trainAcc = *p.TrainAcc
		}
		if p.TestAcc != nil {
			testAcc = *p.TestAcc
		}
	}
	return loss, trainAcc, testAcc
}

// value is a NaN-to-missing conversion for plotting: a nil metric is NaN.
func value(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// Values returns the point's three metrics with NaN for those not recorded.
func (p Point) Values() (trainLoss, trainAcc, testAcc float64) {
	return value(p.TrainLoss), value(p.TrainAcc), value(p.TestAcc)
}

func ptr(v float64) *float64 { return &v }
