package layers

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Layer is one step of a network.
type Layer interface {
	// Forward adds the layer to the graph of x and returns its output node.
	Forward(x *gorgonia.Node) (*gorgonia.Node, error)
	// Params returns the layer's trainable nodes (none for pooling and activations).
	Params() []*gorgonia.Node
	// String describes the layer, e.g. "Conv2d(1->6, 5x5, padding 2)".
	String() string
}

// ErrNameTaken is wrapped by constructors when a parameter node of the requested name
// already exists in the graph.
var ErrNameTaken = errors.New("a node with this name already exists in the graph; give every layer a unique name")

// resolveDtype returns dt, or Float32 for the zero Dtype; other dtypes are an error.
func resolveDtype(what string, dt tensor.Dtype) (tensor.Dtype, error) {
	switch dt {
	case tensor.Dtype{}:
		return tensor.Float32, nil
	case tensor.Float32, tensor.Float64:
		return dt, nil
	default:
		return dt, fmt.Errorf("%s: dtype %v is not supported; use tensor.Float32 or tensor.Float64", what, dt)
	}
}

// checkNewLayer validates what every constructor of a layer with parameters takes: the
// dtype (returned, Float32 for the zero Dtype), the rng, the graph, and a name whose
// parameters NAME.suffix do not exist yet.
func checkNewLayer(what string, g *gorgonia.ExprGraph, name string, dt tensor.Dtype, rng *rand.Rand, suffixes ...string) (tensor.Dtype, error) {
	dt, err := resolveDtype(what, dt)
	if err != nil {
		return dt, err
	}
	if rng == nil {
		return dt, fmt.Errorf("%s: nil rng; pass rand.New(rand.NewPCG(seed, ...))", what)
	}
	return dt, checkNewParams(what, g, name, suffixes...)
}

// checkNewParams validates the graph and layer name and checks that none of the
// parameter names NAME.suffix exist yet.
func checkNewParams(what string, g *gorgonia.ExprGraph, name string, suffixes ...string) error {
	if g == nil {
		return fmt.Errorf("%s: nil graph", what)
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%s: empty layer name; give every layer a unique name such as \"conv1\"", what)
	}
	for _, s := range suffixes {
		if pn := name + "." + s; len(g.ByName(pn)) > 0 {
			return fmt.Errorf("%s: parameter %q: %w", what, pn, ErrNameTaken)
		}
	}
	return nil
}

// newParam adds a parameter node NAME.suffix holding value to g.
func newParam(g *gorgonia.ExprGraph, name, suffix string, value *tensor.Dense) *gorgonia.Node {
	return gorgonia.NodeFromAny(g, value, gorgonia.WithName(name+"."+suffix))
}

// checkInput validates a Forward input against the graph of the layer's parameters and
// the rank the layer needs.
func checkInput(what string, x, param *gorgonia.Node, dims int, desc string) error {
	if x == nil {
		return fmt.Errorf("%s: nil input node", what)
	}
	if param != nil && x.Graph() != param.Graph() {
		return fmt.Errorf("%s: the input belongs to another graph than the layer's parameters; build the layer in the input's graph", what)
	}
	if dims > 0 && x.Shape().Dims() != dims {
		return fmt.Errorf("%s: input has shape %v; want %s", what, x.Shape(), desc)
	}
	if dt := x.Dtype(); param != nil && dt != param.Dtype() {
		return fmt.Errorf("%s: input is %v but the layer's parameters are %v", what, dt, param.Dtype())
	}
	return nil
}

// formatPair writes v as "a" when both entries are equal and "(a,b)" otherwise.
func formatPair(v [2]int) string {
	if v[0] == v[1] {
		return fmt.Sprint(v[0])
	}
	return fmt.Sprintf("(%d,%d)", v[0], v[1])
}

// FormatShape writes a shape the way the chapter does: "(1,6,28,28)".
func FormatShape(s tensor.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ",") + ")"
}
