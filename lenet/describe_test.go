package lenet_test

import (
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

func TestTrainedFor(t *testing.T) {
	acc, loss := 0.8216, 0.4
	cases := []struct {
		epoch   int
		history lenet.History
		want    string
	}{
		{0, nil, "untrained"},
		{1, nil, "trained 1 epoch"},
		{1, lenet.History{{Epoch: 0.5, TrainLoss: &loss}}, "trained 1 epoch"},
		{10, lenet.History{{Epoch: 10, TestAcc: &acc}, {Epoch: 10.2, TrainLoss: &loss}}, "trained 10 epochs, test acc 0.822"},
	}
	for i, tc := range cases {
		var h lenet.CheckpointHeader
		h.Epoch, h.History = tc.epoch, tc.history
		if got := h.TrainedFor(); got != tc.want {
			t.Errorf("case %d: %q, want %q", i, got, tc.want)
		}
	}
}
