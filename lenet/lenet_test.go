package lenet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
)

// fashion returns the real Fashion-MNIST (see dataset/fashiontest).
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
	// A network that cannot be built is refused by New, naming the layer and the arithmetic.
	_, err := New(Config{Spec: Spec{Layers: []Layer{Conv(6, 29, 0)}}})
	if want := "lenet: layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"; err == nil || err.Error() != want || !errors.Is(err, ErrSpec) {
		t.Errorf("unbuildable spec: %v; want ErrSpec %q", err, want)
	}
}

// Weights that are not finite before training starts are the caller's problem (a
// broken checkpoint), not divergence: the error says so and does not blame the rate.
func TestTrainRefusesNonFiniteStart(t *testing.T) {
	train, test := fashion(t)
	c := newClassifier(t, Config{BatchSize: 64})
	f32(c.Params()[0])[3] = float32(math.NaN())
	_, err := Train(context.Background(), c, train.Head(256), test.Head(100), TrainConfig{Epochs: 3, LR: 0.9})
	var de *DivergedError
	if err == nil || errors.As(err, &de) || !strings.Contains(err.Error(), "conv1.weight[3] is NaN before training") {
		t.Errorf("got %v, want an error naming conv1.weight[3] that is no *DivergedError", err)
	}
}

// A run that blows up is stopped at the first batch whose loss is over 100 times that
// of a uniform guess, long before the loss overflows to infinity or NaN.
func TestTrainStopsWhenTheLossExplodes(t *testing.T) {
	train, test := fashion(t)
	c := newClassifier(t, Config{BatchSize: 64})
	_, err := Train(context.Background(), c, train.Head(256), test.Head(100), TrainConfig{Epochs: 3, LR: 1e30})
	var de *DivergedError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a *DivergedError", err)
	}
	if de.Epoch != 1 || de.Batch != 2 || de.LR != 1e30 || !(de.Loss > 230) || math.IsInf(de.Loss, 0) {
		t.Errorf("got %+v: want batch 2 of epoch 1 with a finite loss over 230", de)
	}
	if !strings.Contains(err.Error(), "at epoch 1, batch 2 with learning rate 1e+30, more than 100 times the 2.30 of a uniform guess") {
		t.Errorf("message %q", err)
	}
}

// A short real run: the loss of the last recorded point is well below the first, the
// history has five train points per epoch and one test point, and accuracy beats chance.
func TestShortTrainingRunLearns(t *testing.T) {
	train, test := fashion(t)
	c := newClassifier(t, Config{Spec: ModernSpec(), BatchSize: 32, Seed: 1})
	res, err := Train(context.Background(), c, train.Head(960), test.Head(500), TrainConfig{Epochs: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var trainPts, testPts int
	var first, last float64
	for _, p := range res.State.History {
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
	if res.TestAcc < 0.3 || res.State.Epoch != 2 || res.ExamplesPerSec <= 0 {
		t.Errorf("result %+v: want test acc > 0.3 after 2 epochs", res)
	}
}

// header is a valid checkpoint header for a run of batch 64, seed 5, lr 0.9.
func header(st TrainState, epochs int) CheckpointHeader {
	if st.Epoch > 0 && len(st.History) == 0 { // the test accuracy a run records at the end of an epoch
		st.History = History{{Epoch: float64(st.Epoch), TestAcc: ptr(0.5)}}
	}
	return CheckpointHeader{Epochs: epochs, BatchSize: 64, Seed: 5, TrainExamples: 512, Optimizer: Optimizer{Name: "sgd", LR: 0.9}, TrainState: st}
}

// saveAndLoad saves c's checkpoint with header h to a file, loads it, and restores it
// into a new classifier initialised otherwise.
func saveAndLoad(t *testing.T, c *Classifier, h CheckpointHeader) (*Checkpoint, *Classifier) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ck.bin")
	if err := Snapshot(c, h).Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	fresh := newClassifier(t, Config{BatchSize: c.BatchSize(), Seed: 99})
	if err := loaded.Restore(fresh); err != nil {
		t.Fatal(err)
	}
	return loaded, fresh
}

// Saving and loading a checkpoint gives identical predictions. Generated images do: what
// is checked is that the two networks agree, not what they learn.
func TestCheckpointRoundTrip(t *testing.T) {
	train, test := fashiontest.Random(t, 512, 3), fashiontest.Random(t, 300, 4)
	c := newClassifier(t, Config{BatchSize: 64, Seed: 2})
	res, err := Train(context.Background(), c, train, test, TrainConfig{Epochs: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	loaded, fresh := saveAndLoad(t, c, header(res.State, 2))
	want, err := c.Logits(nil, floats(test))
	if err != nil {
		t.Fatal(err)
	}
	got, err := fresh.Logits(nil, floats(test))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != test.N*Classes || len(got) != len(want) {
		t.Fatalf("%d and %d logits for %d images; want %d each", len(want), len(got), test.N, test.N*Classes)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("logit %d: %v after loading, %v before saving", i, got[i], want[i])
		}
	}
	if loaded.Epoch != 1 || len(loaded.History) != len(res.State.History) || loaded.Seed != 5 {
		t.Errorf("loaded header %+v", loaded.CheckpointHeader)
	}
}

// stopAt cancels training after the given batch of the given epoch.
func stopAt(epoch, batch int) (context.Context, func(BatchInfo)) {
	ctx, cancel := context.WithCancel(context.Background())
	return ctx, func(b BatchInfo) {
		if b.Epoch == epoch && b.Batch == batch {
			cancel()
		}
	}
}

// A run interrupted anywhere (inside an epoch, or during an evaluation), saved,
// loaded into a network initialised otherwise and trained on from the saved state,
// ends with exactly the weights, numbers and history of the run that was never
// interrupted.
func TestInterruptedRunResumesExactly(t *testing.T) {
	// 8 batches of 64 per epoch; generated images, as what is compared is two runs.
	train, test := fashiontest.Random(t, 512, 3), fashiontest.Random(t, 300, 4)
	ref := newClassifier(t, Config{BatchSize: 64, Seed: 2})
	var streamed History // OnPoint's points: the whole history, each point once
	want, err := Train(context.Background(), ref, train, test, TrainConfig{Epochs: 2, Seed: 5,
		OnPoint: func(p Point) { streamed = append(streamed, p) },
		OnEpoch: func(e EpochInfo, st TrainState) error {
			if !slices.EqualFunc(streamed, st.History, samePoint) {
				t.Errorf("at the end of epoch %d, OnPoint has given %v; the state's history is %v", e.Epoch, streamed, st.History)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	// With 8 batches an epoch, every batch records a point (8/5 rounds down to 1): 16
	// training points and 2 test points.
	if len(streamed) != 18 || !slices.EqualFunc(streamed, want.State.History, samePoint) {
		t.Errorf("OnPoint gave %d points %v; want the 18 of the history %v", len(streamed), streamed, want.State.History)
	}
	for _, stop := range []struct{ epoch, batch, examples int }{{1, 3, 192}, {2, 1, 64}, {2, 8, 512}} {
		c := newClassifier(t, Config{BatchSize: 64, Seed: 2})
		ctx, onBatch := stopAt(stop.epoch, stop.batch)
		streamed = nil
		onPoint := func(p Point) { streamed = append(streamed, p) }
		res, err := Train(ctx, c, train, test, TrainConfig{Epochs: 2, Seed: 5, OnBatch: onBatch, OnPoint: onPoint})
		if err != nil {
			t.Fatal(err)
		}
		st := res.State
		if !res.Interrupted || st.Epoch != stop.epoch-1 || st.Examples != stop.examples || st.Partial.N != float64(stop.examples) {
			t.Fatalf("stopped after batch %d of epoch %d: interrupted %v, state %d epochs + %d examples (totals over %v)",
				stop.batch, stop.epoch, res.Interrupted, st.Epoch, st.Examples, st.Partial.N)
		}
		loaded, fresh := saveAndLoad(t, c, header(st, 2))
		got, err := Train(context.Background(), fresh, train, test, TrainConfig{Epochs: 2, Seed: loaded.Seed, LR: loaded.Optimizer.LR, Start: loaded.TrainState, OnPoint: onPoint})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(streamed, want.State.History, samePoint) {
			t.Errorf("stop at %d/%d: OnPoint gave %v before and after the interruption; want each point of %v once", stop.epoch, stop.batch, streamed, want.State.History)
		}
		if got.TrainLoss != want.TrainLoss || got.TrainAcc != want.TrainAcc || got.TestAcc != want.TestAcc {
			t.Errorf("stop at %d/%d: resumed run ends at loss %v, train acc %v, test acc %v; uninterrupted %v, %v, %v",
				stop.epoch, stop.batch, got.TrainLoss, got.TrainAcc, got.TestAcc, want.TrainLoss, want.TrainAcc, want.TestAcc)
		}
		if !slices.EqualFunc(got.State.History, want.State.History, samePoint) {
			t.Errorf("stop at %d/%d: resumed history %v, uninterrupted %v", stop.epoch, stop.batch, got.State.History, want.State.History)
		}
		for i, p := range fresh.Params() {
			if !slices.Equal(f32(p), f32(ref.Params()[i])) {
				t.Errorf("stop at %d/%d: %s differs from the uninterrupted run's", stop.epoch, stop.batch, p.Name())
			}
		}
	}
}

func samePoint(a, b Point) bool {
	eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Epoch == b.Epoch && eq(a.TrainLoss, b.TrainLoss) && eq(a.TrainAcc, b.TrainAcc) && eq(a.TestAcc, b.TestAcc)
}

// Resuming an epoch with another batch size trains each of its remaining examples
// once: one short batch reaches the new size's batch boundary, then whole batches.
func TestResumeWithAnotherBatchSize(t *testing.T) {
	train, test := fashiontest.Random(t, 512, 3), fashiontest.Random(t, 100, 4)
	c := newClassifier(t, Config{BatchSize: 64, Seed: 2})
	ctx, onBatch := stopAt(1, 3)
	res, err := Train(ctx, c, train, test, TrainConfig{Epochs: 1, Seed: 5, OnBatch: onBatch})
	if err != nil || res.State.Examples != 192 {
		t.Fatalf("interrupted run: %v, %d examples", err, res.State.Examples)
	}
	other := newClassifier(t, Config{BatchSize: 100, Seed: 2})
	var sizes, batches []int
	got, err := Train(context.Background(), other, train, test, TrainConfig{Epochs: 1, Seed: 5, Start: res.State,
		OnBatch: func(b BatchInfo) { sizes, batches = append(sizes, b.Examples), append(batches, b.Batch) }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{8, 100, 100, 100, 12}) || !slices.Equal(batches, []int{2, 3, 4, 5, 6}) {
		t.Errorf("resumed batches %v of sizes %v; want numbers 2..6 of sizes 8, 100, 100, 100, 12", batches, sizes)
	}
	if got.State.Epoch != 1 || got.State.Examples != 0 {
		t.Errorf("state after the epoch: %+v", got.State)
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
	if _, err := Snapshot(c, header(TrainState{Epoch: 1}, 1)).WriteTo(&buf); err != nil {
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
	modern := newClassifier(t, Config{Spec: ModernSpec(), BatchSize: 4})
	if err := ck.Restore(modern); !errors.Is(err, ErrWrongModel) {
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

// TrainBatch's step is exactly w ← w − lr·g with the gradients Gradients returns (read
// back through device.ToHost, as on a GPU).
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

// forge encodes a checkpoint in the LENETCKP format of earlier versions, as their
// WriteTo did, with a correct digest but without WriteTo's checks: what an old,
// hand-edited or hostile file looks like.
func forge(h CheckpointHeader, weights [][]float32) []byte {
	hdr, _ := json.Marshal(h)
	var b bytes.Buffer
	b.WriteString(legacyMagic)
	binary.Write(&b, binary.LittleEndian, uint32(legacyVersion))
	binary.Write(&b, binary.LittleEndian, uint32(len(hdr)))
	b.Write(hdr)
	for _, w := range weights {
		binary.Write(&b, binary.LittleEndian, w)
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// forgeSafetensors is forge for the safetensors format.
func forgeSafetensors(h CheckpointHeader, weights [][]float32) []byte {
	f, err := (&Checkpoint{CheckpointHeader: h, Weights: weights}).toSafetensors()
	if err != nil {
		panic(err) // the parameters are a classifier's own
	}
	var b bytes.Buffer
	f.WriteTo(&b)
	return b.Bytes()
}

// A checkpoint with a correct digest but values no run could continue from is refused
// on loading, with one message naming the value; the writer never makes one.
func TestCheckpointInvalidValues(t *testing.T) {
	for name, forge := range map[string]func(CheckpointHeader, [][]float32) []byte{"LENETCKP": forge, "safetensors": forgeSafetensors} {
		t.Run(name, func(t *testing.T) { testInvalidValues(t, forge) })
	}
}

func testInvalidValues(t *testing.T, forge func(CheckpointHeader, [][]float32) []byte) {
	c := newClassifier(t, Config{BatchSize: 4})
	ck := Snapshot(c, header(TrainState{Epoch: 1}, 2))
	if _, err := ReadCheckpoint(bytes.NewReader(forge(ck.CheckpointHeader, ck.Weights))); err != nil {
		t.Fatalf("the forger's own valid checkpoint: %v", err)
	}
	nan := func(w [][]float32) [][]float32 {
		w = slices.Clone(w)
		w[2] = slices.Clone(w[2])
		w[2][5] = float32(math.NaN())
		return w
	}
	cases := []struct {
		name    string
		edit    func(h *CheckpointHeader)
		weights [][]float32
		want    string
	}{
		{"lr 0", func(h *CheckpointHeader) { h.Optimizer.LR = 0 }, nil, "learning rate 0 (a run trains with a positive one)"},
		{"lr negative", func(h *CheckpointHeader) { h.Optimizer.LR = -0.5 }, nil, "learning rate -0.5"},
		{"NaN weight", func(*CheckpointHeader) {}, nan(ck.Weights), "conv2.weight[5] is NaN: it was saved from a run whose weights had already diverged; use an earlier checkpoint"},
		{"batch 0", func(h *CheckpointHeader) { h.BatchSize = 0 }, nil, "batch size 0"},
		{"epoch past the target", func(h *CheckpointHeader) { h.Epoch = 3 }, nil, "3 epochs done of 2"},
		{"position past the set", func(h *CheckpointHeader) { h.Examples, h.Partial.N = 600, 600 }, nil, "position of 600 examples into epoch 2 of 2 (training set of 512)"},
		{"totals of other examples", func(h *CheckpointHeader) { h.Examples = 64 }, nil, "running totals"},
		{"unknown data set", func(h *CheckpointHeader) { h.Dataset = "cifar" }, nil, `data set: unknown data set "cifar": choose fashion-mnist or mnist`},
		{"empty history", func(h *CheckpointHeader) { h.History = nil }, nil, "the history has no test accuracy for epoch 1, the last one finished (0 points)"},
		{"last point without test accuracy", func(h *CheckpointHeader) {
			h.Epoch, h.History = 2, History{{Epoch: 1, TestAcc: ptr(0.179)}, {Epoch: 1.5, TrainLoss: ptr(1)}, {Epoch: 2, TrainLoss: ptr(0.9), TrainAcc: ptr(0.2)}}
		}, nil, "the history has no test accuracy for epoch 2, the last one finished (3 points)"},
		{"points out of order", func(h *CheckpointHeader) {
			h.History = History{{Epoch: 0.8, TrainLoss: ptr(1)}, {Epoch: 0.4, TrainLoss: ptr(1)}, {Epoch: 1, TestAcc: ptr(0.5)}}
		}, nil, "history point 1 (epoch 0.4) comes after one at epoch 0.8"},
		{"point past the position", func(h *CheckpointHeader) {
			h.History = History{{Epoch: 1, TestAcc: ptr(0.5)}, {Epoch: 7, TrainLoss: ptr(1)}}
		}, nil, "history point 1 is at epoch 7, outside (0, 2]"},
		{"accuracy above 1", func(h *CheckpointHeader) { h.History = History{{Epoch: 1, TestAcc: ptr(1.5)}} }, nil, "history point 0 (epoch 1) has test accuracy 1.5, outside [0, 1]"},
		{"negative loss", func(h *CheckpointHeader) {
			h.History = History{{Epoch: 0.5, TrainLoss: ptr(-1)}, {Epoch: 1, TestAcc: ptr(0.5)}}
		}, nil, "history point 0 (epoch 0.5) has train loss -1"},
		{"test accuracy inside an epoch", func(h *CheckpointHeader) {
			h.History = History{{Epoch: 0.5, TestAcc: ptr(0.5)}, {Epoch: 1, TestAcc: ptr(0.5)}}
		}, nil, "history point 0 has a test accuracy at epoch 0.5, which is not the end of a finished epoch"},
		{"an empty point", func(h *CheckpointHeader) { h.History = History{{Epoch: 0.5}, {Epoch: 1, TestAcc: ptr(0.5)}} }, nil, "history point 0 (epoch 0.5) holds no metric"},
		{"every problem at once", func(h *CheckpointHeader) { h.Optimizer.LR, h.Dataset, h.History = 0, "cifar", nil }, nil,
			`learning rate 0 (a run trains with a positive one); data set: unknown data set "cifar": choose fashion-mnist or mnist; the history has no test accuracy for epoch 1`},
	}
	for _, tc := range cases {
		h := ck.CheckpointHeader
		tc.edit(&h)
		w := ck.Weights
		if tc.weights != nil {
			w = tc.weights
		}
		_, err := ReadCheckpoint(bytes.NewReader(forge(h, w)))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want ErrInvalid, one line mentioning %q", tc.name, err, tc.want)
		}
	}
	bad := &Checkpoint{CheckpointHeader: ck.CheckpointHeader, Weights: nan(ck.Weights)}
	if _, err := bad.WriteTo(io.Discard); err == nil || !strings.Contains(err.Error(), "conv2.weight[5] is NaN") {
		t.Errorf("writing NaN weights: %v, want a refusal", err)
	}
}

// A version-1 checkpoint (no position inside an epoch) still loads, as one taken at an
// epoch boundary; an unknown version is refused.
func TestCheckpointVersions(t *testing.T) {
	c := newClassifier(t, Config{BatchSize: 4})
	ck := Snapshot(c, header(TrainState{Epoch: 1}, 2))
	for _, tc := range []struct {
		version uint32
		want    error
	}{{1, nil}, {2, nil}, {3, ErrVersion}} {
		b := forge(ck.CheckpointHeader, ck.Weights)
		binary.LittleEndian.PutUint32(b[len(legacyMagic):], tc.version)
		sum := sha256.Sum256(b[:len(b)-sha256.Size])
		copy(b[len(b)-sha256.Size:], sum[:])
		got, err := ReadCheckpoint(bytes.NewReader(b))
		if !errors.Is(err, tc.want) || (err == nil && (got.Epoch != 1 || got.Examples != 0)) {
			t.Errorf("version %d: %v", tc.version, err)
		}
	}
}
