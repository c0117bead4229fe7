package nn

import (
	"fmt"
	"strings"
)

// Impl selects how a layer computes an operation that the project re-implemented for
// speed: with the project's own op (ImplFast, the zero value) or with the Gorgonia
// primitives that op replaces (ImplGorgonia). Both give the same values and gradients
// up to float rounding (the tests check each pair); ImplGorgonia is there to compare
// with and to fall back on.
//
//	operation        ImplFast              ImplGorgonia
//	conv + bias      FusedConv2D           Conv2D (Gorgonia's Conv2d) + BroadcastAdd
//	ReLU             ReLU                  x ⊙ (x > 0): gorgonia.Gt, HadamardProd
//	sigmoid          Sigmoid               gorgonia.Sigmoid
//
// (layers.ReLU builds the Gorgonia version with a strict comparison rather than calling
// gorgonia.Rectify, whose x >= 0 passes the gradient at 0, so that both follow PyTorch.)
type Impl int

const (
	// ImplFast is the project's own ops.
	ImplFast Impl = iota
	// ImplGorgonia is Gorgonia's primitives.
	ImplGorgonia
)

// Impls lists every implementation, in the order help texts show them.
var Impls = []Impl{ImplFast, ImplGorgonia}

// String is "fast" or "gorgonia", the names ParseImpl accepts.
func (i Impl) String() string {
	switch i {
	case ImplFast:
		return "fast"
	case ImplGorgonia:
		return "gorgonia"
	}
	return fmt.Sprintf("Impl(%d)", int(i))
}

// ParseImpl returns the implementation named s ("fast" or "gorgonia").
func ParseImpl(s string) (Impl, error) {
	names := make([]string, len(Impls))
	for i, c := range Impls {
		if c.String() == s {
			return c, nil
		}
		names[i] = c.String()
	}
	return 0, fmt.Errorf("unknown implementation %q: choose one of %s", s, strings.Join(names, ", "))
}
