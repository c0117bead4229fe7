// Package layers builds neural-network layers from Gorgonia nodes: the pieces the
// chapter's networks, LeNet above all, are made of.
//
// # Layers
//
// Every layer implements Layer: Forward adds the layer's computation to the graph of its
// input node and returns the output node, Params lists the trainable nodes, and String
// describes the layer the way the chapter's tables do ("Conv2d(1->6, 5x5, padding 2)").
//
//	Conv2D       PyTorch's nn.Conv2d: a convolution plus one bias per OUTPUT channel
//	Corr2DLayer  the textbook's first hand-made Conv2D: corr2d(X, weight) + scalar bias
//	MaxPool2D    PyTorch's nn.MaxPool2d (default stride = window)
//	AvgPool2D    PyTorch's nn.AvgPool2d (default stride = window, zero padding counted)
//	Linear       y = x W + b on (n, in) rows
//	Flatten      (n, c, h, w) -> (n, c*h*w)
//	ReLU, Sigmoid, Tanh, ...  the element-wise activations (activation.go): max(x, 0),
//	             1 / (1 + exp(-x)), tanh(x), ...
//	Sequential   runs layers in order and records each output shape for Summary
//
// # Constructors
//
// One rule decides how a layer is made, by what it has:
//
//	parameters, more than three settings   NewConv2D(g, name, Conv2DConfig{...}, rng)
//	parameters, up to three settings       NewLinear(g, name, in, out, dtype, rng)
//	no parameters, settings to check       NewMaxPool2D(PoolConfig{...})
//	no parameters, a ready zero value      ReLU{}, Sigmoid{}, Tanh{}, Flatten{}
//
// A layer with parameters takes the graph they live in, the name that prefixes them and
// the *rand.Rand that initialises them, in that order around its settings. A settings
// struct's zero values mean PyTorch's defaults (Conv2DConfig: stride 1, Float32, with
// bias; PoolConfig: stride = kernel).
//
// # Fast ops and Gorgonia's
//
// Conv2D, ReLU, Sigmoid and Tanh compute with the project's own ops by default
// (nn.FusedConv2D, nn.ReLU, nn.Sigmoid, nn.Tanh: one node each, parallel over the batch,
// several times faster than the Gorgonia primitives). Their Ops setting, nn.GorgoniaOps,
// builds the same layer from Gorgonia's primitives instead (Conv2d and BroadcastAdd; x ⊙
// (x > 0); Sigmoid; Tanh). Both give the same values and gradients up to float rounding and
// take the same parameters, so a network can switch between them (lenet.Config.Ops and
// the trainer's -ops flag are the same setting).
//
// # Naming
//
// Layers are nouns (Conv2D, Linear); the operations they use are verbs in package graph.
// A layer that owns parameters is given a name, and its parameter nodes are called
// NAME.weight and NAME.bias, like PyTorch's state_dict keys. Gorgonia merges nodes that
// have the same type, shape and name, so two layers of the same shape with the same (or
// no) names would silently share their weights. Constructors therefore refuse a name
// whose parameter nodes already exist in the graph: give every layer its own name
// ("conv1", "conv2", "fc1", ...).
//
// # Shapes
//
// Images are NCHW, as in PyTorch: (batch, channels, height, width). A convolution with
// kernel k, padding p and stride s maps a side of length n to
//
//	floor((n - k + 2p) / s) + 1
//
// and Linear maps (n, in) to (n, out).
//
// # Initialisation
//
// Weights are drawn with XavierUniform from U(-a, a), a = sqrt(6 / (fanIn + fanOut)),
// with fanIn = c*kh*kw and fanOut = co*kh*kw for a convolution (PyTorch's
// xavier_uniform_), from the *rand.Rand the caller passes, so a seed reproduces them.
// Biases start at zero.
//
// # Errors
//
// Constructors validate their settings and Forward validates the input's shape before
// anything is added to the graph; problems come back as one error that names the layer
// and what to change. Nothing in this package panics on bad input.
package layers
