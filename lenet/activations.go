package lenet

import (
	"slices"
	"strings"

	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/layers"
)

// The activation kinds: element-wise layers without settings, written in a spec as
// their kind ("relu").
const (
	KindReLU    LayerKind = "relu"    // max(x, 0), elementwise
	KindSigmoid LayerKind = "sigmoid" // 1/(1+exp(−x)), elementwise
	KindTanh    LayerKind = "tanh"    // tanh(x), elementwise
)

// activation is what lenet knows of an activation kind. The table activations is the
// one place a kind is listed: the spec's token and JSON form, Describe, the generated
// PyTorch code, the default learning rate, NewNet and the messages that list the
// tokens all read it.
type activation struct {
	kind LayerKind
	// torch is the PyTorch module, as the generated code writes it.
	torch string
	// saturates marks a function whose gradient vanishes for large |x|, which trains
	// with the larger default learning rate (see Spec.LearningRate).
	saturates bool
	// layer is the layer that computes it with the given ops.
	layer func(ops nn.Ops) layers.Layer
}

// activations lists the activation kinds, in the order messages list them.
var activations = []activation{
	{KindReLU, "ReLU()", false, func(ops nn.Ops) layers.Layer { return layers.ReLU{Ops: ops} }},
	{KindSigmoid, "Sigmoid()", true, func(ops nn.Ops) layers.Layer { return layers.Sigmoid{Ops: ops} }},
	{KindTanh, "Tanh()", true, func(ops nn.Ops) layers.Layer { return layers.Tanh{Ops: ops} }},
}

// activationOf returns the table's entry for kind k, and whether k is an activation.
func activationOf(k LayerKind) (activation, bool) {
	i := slices.IndexFunc(activations, func(a activation) bool { return a.kind == k })
	if i < 0 {
		return activation{}, false
	}
	return activations[i], true
}

// elementwise reports whether the layer is an activation.
func (k LayerKind) elementwise() bool {
	_, ok := activationOf(k)
	return ok
}

// saturates reports whether the layer is an activation that saturates.
func (k LayerKind) saturates() bool {
	a, _ := activationOf(k)
	return a.saturates
}

// Activations lists the activation kinds, which are also their spec tokens: relu,
// sigmoid, tanh.
func Activations() []LayerKind {
	ks := make([]LayerKind, len(activations))
	for i, a := range activations {
		ks[i] = a.kind
	}
	return ks
}

// activationList is the activations' tokens joined by ", ".
func activationList() string {
	names := make([]string, len(activations))
	for i, a := range activations {
		names[i] = string(a.kind)
	}
	return strings.Join(names, ", ")
}

// TokenHelp lists the compact form's tokens, for the message about an unknown one.
var TokenHelp = "use convNkK[pP][sS], maxK[sS][pP], avgK[sS][pP], " + activationList() + ", flatten, denseN, lrX, epochsN, xavier or kaiming"

// kindHelp lists the layer kinds of the JSON form, for the message about an unknown one.
var kindHelp = "use conv, maxpool, avgpool, " + activationList() + ", flatten or linear"
