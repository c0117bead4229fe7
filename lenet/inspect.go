package lenet

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/layers"
)

// inspectPrefix names the parameters of an Inspector's graph.
const inspectPrefix = "inspect_"

// LayerOutput is one layer's output for one image: what CNN Explainer shows for a
// layer. Data holds Shape's elements row-major: (1, C, H, W) for convolution,
// activation and pooling layers, (1, N) after Flatten.
type LayerOutput struct {
	Index int    // position in the network, 0 for the first layer
	Layer string // the layer's description, e.g. "Conv2d(1->6, 5x5, padding 2)"
	Shape []int
	Data  []float32
}

// Channels returns C for a (1, C, H, W) output and 0 for any other shape.
func (l LayerOutput) Channels() int {
	if len(l.Shape) != 4 {
		return 0
	}
	return l.Shape[1]
}

// FeatureMap returns channel c of a (1, C, H, W) output as H*W values, row-major,
// sharing memory with Data. It returns nil when the output is not 4-D or c is outside
// 0..C-1.
func (l LayerOutput) FeatureMap(c int) []float32 {
	if len(l.Shape) != 4 || c < 0 || c >= l.Shape[1] {
		return nil
	}
	n := l.Shape[2] * l.Shape[3]
	return l.Data[c*n : (c+1)*n : (c+1)*n]
}

// ParamValue is one parameter's values as an Inspection used them.
type ParamValue struct {
	Name  string // the Classifier's name, e.g. "conv1.weight"
	Shape []int
	Data  []float32
}

// Inspection is everything one image does inside the network: every layer's output,
// the logits, the class probabilities and the weights that produced them.
type Inspection struct {
	Model     string        // the network (Spec.Model)
	Input     []float32     // the Height*Width pixels passed in
	Layers    []LayerOutput // one per layer, in order; the last one holds the logits
	Logits    []float32     // Classes values
	Probs     []float64     // Softmax(Logits)
	Predicted int           // Argmax(Logits)
	Params    []ParamValue  // in Classifier.Params order
}

// Param returns the parameter called name ("conv1.weight"), or false.
func (in *Inspection) Param(name string) (ParamValue, bool) {
	for _, p := range in.Params {
		if p.Name == name {
			return p, true
		}
	}
	return ParamValue{}, false
}

// Inspector runs single images through a copy of a Classifier's network built for a
// batch of one, forward only, on the CPU, and keeps every layer's output. It copies the
// Classifier's current weights at every Inspect, so it follows training. It is not
// safe for concurrent use; Close releases it.
type Inspector struct {
	c      *Classifier
	g      *gorgonia.ExprGraph
	x      *gorgonia.Node
	params []*gorgonia.Node
	rows   []layers.ShapeRow
	vm     gorgonia.VM
}

// NewInspector builds the batch-1 graph of c's network.
//
// Inspect reads each layer's output from its node's value after the run. That holds the
// layer's own result because the network is built from the project's ops
// (nn.FastOps), none of which works in place; a Gorgonia op that does, such as
// Rectify, would leave its result in the node it consumed (docs/gorgonia.md, "In-place
// ops").
func NewInspector(c *Classifier) (*Inspector, error) {
	if c == nil {
		return nil, errors.New("lenet: NewInspector: nil Classifier")
	}
	in := &Inspector{c: c, g: gorgonia.NewGraph()}
	net, err := NewNet(in.g, inspectPrefix, c.Spec(), tensor.Float32, nn.FastOps, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("lenet: NewInspector: %w", err)
	}
	in.x = gorgonia.NewTensor(in.g, tensor.Float32, 4, gorgonia.WithShape(1, 1, Height, Width),
		gorgonia.WithName(inspectPrefix+"input"), gorgonia.WithInit(gorgonia.Zeroes()))
	if _, err := net.Forward(in.x); err != nil {
		return nil, fmt.Errorf("lenet: NewInspector: forward pass: %w", err)
	}
	in.params = net.Params()
	if len(in.params) != len(c.Params()) {
		return nil, fmt.Errorf("lenet: NewInspector: the copy has %d parameters, the Classifier %d", len(in.params), len(c.Params()))
	}
	for i, p := range c.Params() {
		if !slices.Equal([]int(p.Shape()), []int(in.params[i].Shape())) {
			return nil, fmt.Errorf("lenet: NewInspector: parameter %s has shape %v in the Classifier and %v in the copy", p.Name(), p.Shape(), in.params[i].Shape())
		}
	}
	in.rows = net.Summary()
	if in.vm, err = device.NewMachine(in.g, device.CPU); err != nil {
		return nil, fmt.Errorf("lenet: NewInspector: %w", err)
	}
	return in, nil
}

// Close releases the machine.
func (in *Inspector) Close() error { return in.vm.Close() }

// Inspect runs one image, Height*Width pixels row-major (scaled to [0,1] like the
// training data), through the network with the Classifier's current weights.
func (in *Inspector) Inspect(image []float32) (*Inspection, error) {
	if len(image) != Height*Width {
		return nil, fmt.Errorf("lenet: Inspect: image has %d pixels; want %dx%d = %d", len(image), Height, Width, Height*Width)
	}
	for i, v := range image {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("lenet: Inspect: pixel %d (row %d, column %d) is %v; pixels must be finite", i, i/Width, i%Width, v)
		}
	}
	res := &Inspection{Model: in.c.Spec().Model(), Input: slices.Clone(image)}
	for i, p := range in.c.Params() {
		src, ok := p.Value().Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("lenet: Inspect: parameter %s holds %T; want []float32", p.Name(), p.Value().Data())
		}
		copy(f32(in.params[i]), src)
		res.Params = append(res.Params, ParamValue{Name: p.Name(), Shape: slices.Clone([]int(p.Shape())), Data: slices.Clone(src)})
	}
	copy(f32(in.x), image)
	in.vm.Reset()
	if err := in.vm.RunAll(); err != nil {
		return nil, fmt.Errorf("lenet: Inspect: forward pass: %w", err)
	}
	for i, r := range in.rows {
		v := r.Output.Value()
		if v == nil {
			return nil, fmt.Errorf("lenet: Inspect: no value for layer %d (%s)", i, r.Layer)
		}
		d, ok := v.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("lenet: Inspect: layer %d (%s) holds %T; want []float32", i, r.Layer, v.Data())
		}
		res.Layers = append(res.Layers, LayerOutput{Index: i, Layer: r.Layer, Shape: slices.Clone([]int(r.Shape)), Data: slices.Clone(d)})
	}
	last := res.Layers[len(res.Layers)-1]
	if len(last.Data) != Classes {
		return nil, fmt.Errorf("lenet: Inspect: the last layer (%s) has %d outputs; want %d", last.Layer, len(last.Data), Classes)
	}
	res.Logits = slices.Clone(last.Data)
	res.Probs = Softmax(res.Logits)
	res.Predicted = Argmax(res.Logits)
	return res, nil
}

// Inspect runs one image (Height*Width pixels in [0,1], row-major) through c's network
// and returns every layer's output, the logits and the class probabilities. It builds a
// batch-1 graph with its own copy of c's current weights; to inspect many images, make
// one Inspector and reuse it.
func Inspect(c *Classifier, image []float32) (*Inspection, error) {
	in, err := NewInspector(c)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return in.Inspect(image)
}

// Summary returns the layer-by-layer output shapes of network s, built in a graph for
// a (1,1,28,28) input: docs/chapter.md section 6's table, as the graph computes it
// (Describe works the same shapes out without building). The rows' Output nodes
// belong to a throwaway graph and carry no values.
func Summary(s Spec) ([]layers.ShapeRow, error) {
	net, err := summaryNet(s)
	if err != nil {
		return nil, err
	}
	return net.Summary(), nil
}

// WriteSummary writes Summary(s) as an aligned table, one layer per line:
//
//	layer                          output shape
//	Conv2d(1->6, 5x5, padding 2)   (1,6,28,28)
//	ReLU                           (1,6,28,28)
//	...
func WriteSummary(w io.Writer, s Spec) error {
	net, err := summaryNet(s)
	if err != nil {
		return err
	}
	if err := net.WriteSummary(w); err != nil {
		return fmt.Errorf("lenet: %w", err)
	}
	return nil
}

// summaryNet builds network s on a (1,1,28,28) input.
func summaryNet(s Spec) (*layers.Sequential, error) {
	g := gorgonia.NewGraph()
	net, err := NewNet(g, "", s, tensor.Float32, nn.FastOps, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("lenet: Summary: %w", err)
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, Height, Width), gorgonia.WithName("input"))
	if _, err := net.Forward(x); err != nil {
		return nil, fmt.Errorf("lenet: Summary: %w", err)
	}
	return net, nil
}
