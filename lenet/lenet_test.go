package lenet

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/fashiontest"
)

// fashion returns the real Fashion-MNIST (see internal/fashiontest).
func fashion(t *testing.T) (train, test *dataset.Set) {
	t.Helper()
	return fashiontest.Load(t)
}

func newClassifier(t *testing.T, cfg Config) *Classifier {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// With every parameter zero the logits are all zero: the loss of every example is
// exactly log(10), and argmax picks class 0, so only label-0 examples count as correct.
func TestTrainBatchLossAndAccuracyOnZeroLogits(t *testing.T) {
	c := newClassifier(t, Config{BatchSize: 8})
	for _, p := range c.Params() {
		clear(f32(p))
	}
	labels := []int{0, 3, 0, 9, 2}
	x := make([]float32, len(labels)*Height*Width)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	loss, correct, err := c.TrainBatch(x, labels, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Log(10); math.Abs(loss-want) > 1e-6 {
		t.Errorf("loss %v, want log(10) = %v", loss, want)
	}
	if correct != 2 {
		t.Errorf("correct %d, want 2 (the two label-0 examples)", correct)
	}
}

// A smaller last batch is padded with zero-weight rows: it must give the same loss and
// the same update as a graph built for exactly that many examples.
func TestPartialBatchEqualsExactBatch(t *testing.T) {
	labels := []int{1, 7, 4}
	x := make([]float32, len(labels)*Height*Width)
	for i := range x {
		x[i] = float32((i*37)%255) / 255
	}
	padded := newClassifier(t, Config{BatchSize: 8, Seed: 3})
	exact := newClassifier(t, Config{BatchSize: 3, Seed: 3})
	l1, c1, err := padded.TrainBatch(x, labels, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	l2, c2, err := exact.TrainBatch(x, labels, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l1-l2) > 1e-6 || c1 != c2 {
		t.Fatalf("padded batch: loss %v correct %d; exact batch: loss %v correct %d", l1, c1, l2, c2)
	}
	for i, p := range padded.Params() {
		a, b := f32(p), f32(exact.Params()[i])
		for j := range a {
			if math.Abs(float64(a[j]-b[j])) > 1e-6 {
				t.Fatalf("%s[%d] after the step: padded %v, exact %v", p.Name(), j, a[j], b[j])
			}
		}
	}
}

func TestTrainBatchRejectsBadInput(t *testing.T) {
	c := newClassifier(t, Config{BatchSize: 4})
	img := make([]float32, Height*Width)
	cases := []struct {
		x      []float32
		labels []int
		want   string
	}{
		{nil, nil, "batch of 0 examples"},
		{make([]float32, 5*Height*Width), []int{0, 1, 2, 3, 4}, "batch of 5 examples"},
		{img[:100], []int{1}, "holds 100 pixels"},
		{img, []int{10}, "label 10 of example 0 is outside 0..9"},
	}
	for i, tc := range cases {
		_, _, err := c.TrainBatch(tc.x, tc.labels, 0.1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: got %v, want an error containing %q", i, err, tc.want)
		}
	}
	if _, err := New(Config{Variant: "lenet5"}); err == nil || !strings.Contains(err.Error(), `unknown model "lenet5"`) {
		t.Errorf("unknown variant: %v", err)
	}
}

// A NaN loss stops training at the first batch with the epoch, batch and learning rate.
func TestTrainStopsOnNaN(t *testing.T) {
	train, test := fashion(t)
	c := newClassifier(t, Config{BatchSize: 64})
	f32(c.Params()[0])[0] = float32(math.NaN())
	_, err := Train(context.Background(), c, train.Head(256), test.Head(100), TrainConfig{Epochs: 3, LR: 0.9})
	var de *DivergedError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a *DivergedError", err)
	}
	if de.Epoch != 1 || de.Batch != 1 || de.LR != 0.9 || !math.IsNaN(de.Loss) {
		t.Errorf("got %+v", de)
	}
	if !strings.Contains(err.Error(), "epoch 1, batch 1 with learning rate 0.9") {
		t.Errorf("message %q lacks the epoch, batch and learning rate", err)
	}
}

// A short real run: the loss of the last recorded point is well below the first, the
// history has five train points per epoch and one test point, and accuracy beats chance.
func TestShortTrainingRunLearns(t *testing.T) {
	train, test := fashion(t)
	c := newClassifier(t, Config{Variant: Modern, BatchSize: 32, Seed: 1})
	res, err := Train(context.Background(), c, train.Head(960), test.Head(500), TrainConfig{Epochs: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var trainPts, testPts int
	var first, last float64
	for _, p := range res.History {
		if p.TrainLoss != nil {
			if trainPts == 0 {
				first = *p.TrainLoss
			}
			last = *p.TrainLoss
			trainPts++
		}
		if p.TestAcc != nil {
			testPts++
		}
	}
	if trainPts != 10 || testPts != 2 {
		t.Errorf("history has %d train and %d test points; want 10 and 2", trainPts, testPts)
	}
	if !(last < first-0.3) {
		t.Errorf("loss fell from %.3f to %.3f; want a drop of more than 0.3", first, last)
	}
	if res.TestAcc < 0.3 || res.Epochs != 2 || res.ExamplesPerSec <= 0 {
		t.Errorf("result %+v: want test acc > 0.3 after 2 epochs", res)
	}
}

// Saving and loading a checkpoint gives identical predictions, and resuming continues
// the epoch count and the metrics.
func TestCheckpointRoundTripAndResume(t *testing.T) {
	train, test := fashion(t)
	train, test = train.Head(512), test.Head(300)
	c := newClassifier(t, Config{BatchSize: 64, Seed: 2})
	res, err := Train(context.Background(), c, train, test, TrainConfig{Epochs: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ck.bin")
	ck := Snapshot(c, CheckpointHeader{Epoch: 1, Epochs: 2, BatchSize: 64, Seed: 5, Optimizer: Optimizer{Name: "sgd", LR: 0.9}, History: res.History})
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	fresh := newClassifier(t, Config{BatchSize: 64, Seed: 99})
	if err := loaded.Restore(fresh); err != nil {
		t.Fatal(err)
	}
	want, _ := c.Logits(nil, floats(test))
	got, _ := fresh.Logits(nil, floats(test))
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("logit %d: %v after loading, %v before saving", i, got[i], want[i])
		}
	}

	// Resume both and train the second epoch: same weights, same shuffling seed, so the
	// same result; the history continues from the saved points.
	r1, err := Train(context.Background(), c, train, test, TrainConfig{Epochs: 2, Seed: 5, StartEpoch: 1, History: res.History})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Train(context.Background(), fresh, train, test, TrainConfig{Epochs: 2, Seed: loaded.Seed, StartEpoch: loaded.Epoch, History: loaded.History, LR: loaded.Optimizer.LR})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Epochs != 2 || len(r2.History) != 2*len(res.History) {
		t.Errorf("resumed run: %d epochs, %d points; want 2 and %d", r2.Epochs, len(r2.History), 2*len(res.History))
	}
	if r2.History[len(r2.History)-1].Epoch != 2 || r2.History[0].Epoch != res.History[0].Epoch {
		t.Errorf("resumed history runs from epoch %v to %v", r2.History[0].Epoch, r2.History[len(r2.History)-1].Epoch)
	}
	if math.Abs(r1.TrainLoss-r2.TrainLoss) > 1e-6 || r1.TestAcc != r2.TestAcc {
		t.Errorf("continued run: loss %v acc %v; resumed run: loss %v acc %v", r1.TrainLoss, r1.TestAcc, r2.TrainLoss, r2.TestAcc)
	}
}

func floats(s *dataset.Set) []float32 {
	out := make([]float32, len(s.Images))
	for i, v := range s.Images {
		out[i] = float32(v) / 255
	}
	return out
}

func TestCheckpointErrors(t *testing.T) {
	c := newClassifier(t, Config{BatchSize: 4})
	var buf bytes.Buffer
	if _, err := Snapshot(c, CheckpointHeader{Epoch: 1}).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotCheckpoint},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), ErrNotCheckpoint},
		{"truncated", good[:len(good)-100], ErrCorrupt},
		{"flipped bit", flipped, ErrCorrupt},
		{"header only", good[:20], ErrCorrupt},
	}
	for _, tc := range cases {
		_, err := ReadCheckpoint(bytes.NewReader(tc.data))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	ck, err := ReadCheckpoint(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	modern := newClassifier(t, Config{Variant: Modern, BatchSize: 4})
	if err := ck.Restore(modern); !errors.Is(err, ErrWrongVariant) {
		t.Errorf("restoring classic into modern: %v", err)
	}
	ck.Params[0].Shape = []int{1, 2, 3}
	if err := ck.Restore(c); !errors.Is(err, ErrParamsMismatch) {
		t.Errorf("mismatched shape: %v", err)
	}
}

func TestAccumulator(t *testing.T) {
	var a Accumulator
	if !math.IsNaN(a.Loss()) || !math.IsNaN(a.Accuracy()) {
		t.Error("an empty accumulator must report NaN")
	}
	a.Add(2.0, 3, 4) // loss sum 8
	a.Add(0.5, 1, 2) // loss sum 1
	if a.Loss() != 9.0/6 || a.Accuracy() != 4.0/6 || a.N != 6 {
		t.Errorf("got loss %v acc %v n %v; want 1.5, 0.667, 6", a.Loss(), a.Accuracy(), a.N)
	}
}

func TestArgmaxAndSoftmax(t *testing.T) {
	if got := Argmax([]float32{1, 5, 5, -2}); got != 1 {
		t.Errorf("Argmax: %d, want 1 (first of the ties)", got)
	}
	p := Softmax([]float32{1000, 1000, -1000})
	if math.Abs(p[0]-0.5) > 1e-12 || math.Abs(p[1]-0.5) > 1e-12 || p[2] != 0 {
		t.Errorf("Softmax of large logits: %v", p)
	}
	logits := make([]float32, 3*Classes)
	logits[0*Classes+1] = 1 // row 0 predicts 1
	logits[1*Classes+7] = 2 // row 1 predicts 7
	logits[2*Classes+0] = 3 // row 2 predicts 0
	if got := countCorrect(logits, []int{1, 1, 0}); got != 2 {
		t.Errorf("countCorrect: %d, want 2", got)
	}
}

func TestParseVariant(t *testing.T) {
	for _, s := range []string{"classic", "modern"} {
		if v, err := ParseVariant(s); err != nil || string(v) != s {
			t.Errorf("%s: %v %v", s, v, err)
		}
	}
	if _, err := ParseVariant("alexnet"); err == nil || !strings.Contains(err.Error(), "choose one of classic, modern") {
		t.Errorf("alexnet: %v", err)
	}
}

// TrainBatch's step is exactly w ← w − lr·g with the gradients Gradients returns (read
// back through graph.ToHost, as on a GPU).
func TestStepUsesReadGradients(t *testing.T) {
	c := newClassifier(t, Config{BatchSize: 4, Seed: 3})
	if g := c.Gradients(); g != nil {
		t.Fatalf("Gradients before any step: %d tensors, want nil", len(g))
	}
	before := make([][]float32, len(c.Params()))
	for i, p := range c.Params() {
		before[i] = append([]float32(nil), f32(p)...)
	}
	labels := []int{1, 2, 3, 4}
	x := make([]float32, len(labels)*Height*Width)
	for i := range x {
		x[i] = float32(i%11) / 11
	}
	const lr = 0.5
	if _, _, err := c.TrainBatch(x, labels, lr); err != nil {
		t.Fatal(err)
	}
	grads := c.Gradients()
	if len(grads) != len(before) {
		t.Fatalf("%d gradients for %d parameters", len(grads), len(before))
	}
	nonzero := 0
	for i, p := range c.Params() {
		w := f32(p)
		if len(grads[i]) != len(w) {
			t.Fatalf("%s: gradient of %d values for %d weights", p.Name(), len(grads[i]), len(w))
		}
		for j := range w {
			if want := before[i][j] - lr*grads[i][j]; w[j] != want {
				t.Fatalf("%s[%d] = %v after the step, want %v - %v·%v = %v", p.Name(), j, w[j], before[i][j], lr, grads[i][j], want)
			}
			if grads[i][j] != 0 {
				nonzero++
			}
		}
	}
	if nonzero == 0 {
		t.Error("every gradient is zero")
	}
}
