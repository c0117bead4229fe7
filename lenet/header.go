package lenet

import (
	"fmt"
	"math"

	"github.com/d2l-go/convnets/dataset"
)

// TrainedFor describes how long the checkpoint's weights were trained, for people:
// "untrained", "trained 1 epoch", "trained 10 epochs, test acc 0.822", "trained 3
// epochs and 12800 examples of the 4th" (a run saved inside an epoch).
func (h CheckpointHeader) TrainedFor() string {
	if h.Epoch == 0 && h.Examples == 0 {
		return "untrained"
	}
	s := fmt.Sprintf("trained %d epoch", h.Epoch)
	if h.Epoch != 1 {
		s += "s"
	}
	if h.Examples > 0 {
		s += fmt.Sprintf(" and %d examples of the %s", h.Examples, ordinal(h.Epoch+1))
	}
	if _, _, acc := h.History.Last(); !math.IsNaN(acc) {
		s += fmt.Sprintf(", test acc %.3f", acc)
	}
	return s
}

// ordinal writes 1st, 2nd, 3rd, 4th, 11th, 21st.
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprint(n) + suffix
}

// Source is the data set the checkpoint's weights were trained on: the one Dataset
// names, or Fashion-MNIST when it names none (a Fashion-MNIST run, an older
// checkpoint, PyTorch's weights).
func (h CheckpointHeader) Source() (*dataset.Source, error) {
	if h.Dataset == "" {
		return dataset.FashionMNIST, nil
	}
	return dataset.ParseSource(h.Dataset)
}
