package lenet_test

import (
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

func TestTrainedFor(t *testing.T) {
	acc, loss := 0.8216, 0.4
	cases := []struct {
		epoch, examples int
		history         lenet.History
		want            string
	}{
		{0, 0, nil, "untrained"},
		{0, 256, lenet.History{{Epoch: 0.2, TrainLoss: &loss}}, "trained 0 epochs and 256 examples of the 1st"},
		{1, 0, nil, "trained 1 epoch"},
		{1, 0, lenet.History{{Epoch: 0.5, TrainLoss: &loss}}, "trained 1 epoch"},
		{1, 12800, nil, "trained 1 epoch and 12800 examples of the 2nd"},
		{2, 64, nil, "trained 2 epochs and 64 examples of the 3rd"},
		{10, 0, lenet.History{{Epoch: 10, TestAcc: &acc}, {Epoch: 10.2, TrainLoss: &loss}}, "trained 10 epochs, test acc 0.822"},
		{10, 9, lenet.History{{Epoch: 10, TestAcc: &acc}}, "trained 10 epochs and 9 examples of the 11th, test acc 0.822"},
		{20, 9, nil, "trained 20 epochs and 9 examples of the 21st"},
		{111, 9, nil, "trained 111 epochs and 9 examples of the 112th"},
	}
	for i, tc := range cases {
		var h lenet.CheckpointHeader
		h.Epoch, h.Examples, h.History = tc.epoch, tc.examples, tc.history
		if got := h.TrainedFor(); got != tc.want {
			t.Errorf("case %d: %q, want %q", i, got, tc.want)
		}
	}
}
