package lenet

// Image geometry and classes of Fashion-MNIST, the input every network here is built
// for.
const (
	Height  = 28
	Width   = 28
	Classes = 10
)
