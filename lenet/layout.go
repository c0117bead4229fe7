package lenet

// LayerLayout describes one layer of a network, in the order of Inspection.Layers: what
// it computes, its geometry and the names of its parameters (as in Classifier.Params
// and Inspection.Params).
type LayerLayout struct {
	Index  int       `json:"index"`
	Name   string    `json:"name"` // the layer's description, e.g. "Conv2d(1->6, 5x5, padding 2)"
	Kind   LayerKind `json:"kind"`
	Input  []int     `json:"input_shape"` // (1,1,28,28) for the first layer
	Output []int     `json:"shape"`
	// Kernel, Padding and Stride are (rows, columns) for convolution and pooling layers,
	// absent for the others.
	Kernel  []int `json:"kernel,omitempty"`
	Padding []int `json:"padding,omitempty"`
	Stride  []int `json:"stride,omitempty"`
	// Weight and Bias name the parameters of convolution and linear layers: a (Out, In,
	// kh, kw) or (in, out) weight and an (Out) or (1, Out, 1, 1) bias.
	Weight string `json:"weight,omitempty"`
	Bias   string `json:"bias,omitempty"`
	// RF maps an output cell of a map to the input pixels it depends on (Describe's
	// LayerInfo.Window); absent for vectors, which depend on the whole image.
	RF *RFWindow `json:"rf,omitempty"`
}

// Layout returns the modules of network s for a (1,1,28,28) input, one LayerLayout per
// entry of Inspection.Layers, from Describe: nothing is built.
func Layout(s Spec) ([]LayerLayout, error) {
	d, err := Describe(s.orClassic())
	if err != nil {
		return nil, err
	}
	names := paramLayerNames(d)
	layouts := make([]LayerLayout, len(d.Layers))
	for i, m := range d.Layers {
		l := m.Layer
		ls := LayerLayout{Index: i, Name: m.Module, Kind: m.Kind, Input: batchOf1(m.Input), Output: batchOf1(m.Shape)}
		if m.Kind.windowed() {
			ls.Kernel, ls.Padding, ls.Stride = l.Kernel[:], l.Padding[:], l.Stride[:]
		}
		if len(m.Shape) == 3 {
			w := m.Window
			ls.RF = &w
		}
		if names[i] != "" {
			ls.Weight, ls.Bias = names[i]+".weight", names[i]+".bias"
		}
		layouts[i] = ls
	}
	return layouts, nil
}

// batchOf1 prepends a batch dimension of 1 to a shape.
func batchOf1(s []int) []int { return append([]int{1}, s...) }
