package lenet

import (
	"fmt"
	"math"
)

// TrainedFor describes how long the checkpoint's weights were trained, for people:
// "untrained", "trained 1 epoch", "trained 10 epochs, test acc 0.822".
func (h CheckpointHeader) TrainedFor() string {
	if h.Epoch == 0 {
		return "untrained"
	}
	s := fmt.Sprintf("trained %d epoch", h.Epoch)
	if h.Epoch != 1 {
		s += "s"
	}
	if _, _, acc := h.History.Last(); !math.IsNaN(acc) {
		s += fmt.Sprintf(", test acc %.3f", acc)
	}
	return s
}
