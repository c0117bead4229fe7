package nn

import (
	"fmt"
	"strings"
)

// Ops is the choice of ops a layer computes with, for the operations the project
// re-implemented for speed: the project's own op (FastOps, the zero value) or the
// Gorgonia primitives that op replaces (GorgoniaOps). Its names are those of the
// commands' -ops flag. Both give the same values and gradients
// up to float rounding (the tests check each pair); GorgoniaOps is there to compare
// with and to fall back on.
//
//	operation        FastOps               GorgoniaOps
//	conv + bias      FusedConv2D           Conv2D (Gorgonia's Conv2d) + BroadcastAdd
//	ReLU             ReLU                  x ⊙ (x > 0): gorgonia.Gt, HadamardProd
//	sigmoid          Sigmoid               gorgonia.Sigmoid
//
// (layers.ReLU builds the Gorgonia version with a strict comparison rather than calling
// gorgonia.Rectify, whose x >= 0 passes the gradient at 0, so that both follow PyTorch.)
type Ops int

const (
	// FastOps is the project's own ops.
	FastOps Ops = iota
	// GorgoniaOps is Gorgonia's primitives.
	GorgoniaOps
)

// AllOps lists every choice of ops, in the order help texts show them.
var AllOps = []Ops{FastOps, GorgoniaOps}

// String is "fast" or "gorgonia", the names ParseOps accepts.
func (o Ops) String() string {
	switch o {
	case FastOps:
		return "fast"
	case GorgoniaOps:
		return "gorgonia"
	}
	return fmt.Sprintf("Ops(%d)", int(o))
}

// ParseOps returns the choice of ops named s ("fast" or "gorgonia").
func ParseOps(s string) (Ops, error) {
	names := make([]string, len(AllOps))
	for i, c := range AllOps {
		if c.String() == s {
			return c, nil
		}
		names[i] = c.String()
	}
	return 0, fmt.Errorf("unknown ops %q: choose one of %s", s, strings.Join(names, ", "))
}
