package layers

import (
	"fmt"

	"github.com/d2l-go/convnets/graph"
	"gorgonia.org/gorgonia"
)

// PoolConfig sets up a pooling layer.
type PoolConfig struct {
	// Kernel is the window (kh, kw), each at least 1.
	Kernel [2]int
	// Padding is added on each side: at most half the kernel, as in PyTorch. Default 0.
	Padding [2]int
	// Stride is (rows, columns); a zero entry means the kernel's size along that
	// dimension, PyTorch's default.
	Stride [2]int
}

// resolve fills in the default stride and validates the configuration.
func (c PoolConfig) resolve(what string) (PoolConfig, error) {
	for i := range 2 {
		if c.Stride[i] == 0 {
			c.Stride[i] = c.Kernel[i]
		}
	}
	switch {
	case c.Kernel[0] < 1 || c.Kernel[1] < 1:
		return c, fmt.Errorf("%s: kernel %dx%d; both sides must be at least 1", what, c.Kernel[0], c.Kernel[1])
	case c.Padding[0] < 0 || c.Padding[1] < 0:
		return c, fmt.Errorf("%s: padding (%d,%d) must not be negative", what, c.Padding[0], c.Padding[1])
	case 2*c.Padding[0] > c.Kernel[0] || 2*c.Padding[1] > c.Kernel[1]:
		return c, fmt.Errorf("%s: padding (%d,%d) must be at most half the kernel %dx%d",
			what, c.Padding[0], c.Padding[1], c.Kernel[0], c.Kernel[1])
	case c.Stride[0] < 0 || c.Stride[1] < 0:
		return c, fmt.Errorf("%s: stride (%d,%d) must not be negative (0 means the kernel size)", what, c.Stride[0], c.Stride[1])
	}
	return c, nil
}

func (c PoolConfig) describe(kind string) string {
	s := fmt.Sprintf("%s %dx%d stride %s", kind, c.Kernel[0], c.Kernel[1], formatPair(c.Stride))
	if c.Padding != [2]int{} {
		s += ", padding " + formatPair(c.Padding)
	}
	return s
}

// MaxPool2D is PyTorch's nn.MaxPool2d: graph.MaxPool2D with the default stride = kernel.
type MaxPool2D struct{ cfg PoolConfig }

// NewMaxPool2D validates cfg and fills in its default stride.
func NewMaxPool2D(cfg PoolConfig) (*MaxPool2D, error) {
	c, err := cfg.resolve("layers: NewMaxPool2D")
	if err != nil {
		return nil, err
	}
	return &MaxPool2D{cfg: c}, nil
}

// Forward max-pools x of shape (n, c, h, w).
func (l *MaxPool2D) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkInput("layers: MaxPool2D", x, nil, 4, "(n, c, h, w)"); err != nil {
		return nil, err
	}
	y, err := graph.MaxPool2D(x, l.cfg.Kernel, l.cfg.Padding, l.cfg.Stride)
	if err != nil {
		return nil, fmt.Errorf("layers: MaxPool2D: %w", err)
	}
	return y, nil
}

// Params is empty: pooling has nothing to learn.
func (l *MaxPool2D) Params() []*gorgonia.Node { return nil }

// Config returns the configuration with the default stride filled in.
func (l *MaxPool2D) Config() PoolConfig { return l.cfg }

// String is "MaxPool khxkw stride s[, padding p]".
func (l *MaxPool2D) String() string { return l.cfg.describe("MaxPool") }

// AvgPool2D is PyTorch's nn.AvgPool2d (count_include_pad=True): graph.AvgPool2D with the
// default stride = kernel.
type AvgPool2D struct{ cfg PoolConfig }

// NewAvgPool2D validates cfg and fills in its default stride.
func NewAvgPool2D(cfg PoolConfig) (*AvgPool2D, error) {
	c, err := cfg.resolve("layers: NewAvgPool2D")
	if err != nil {
		return nil, err
	}
	return &AvgPool2D{cfg: c}, nil
}

// Forward average-pools x of shape (n, c, h, w).
func (l *AvgPool2D) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	if err := checkInput("layers: AvgPool2D", x, nil, 4, "(n, c, h, w)"); err != nil {
		return nil, err
	}
	y, err := graph.AvgPool2D(x, l.cfg.Kernel, l.cfg.Padding, l.cfg.Stride)
	if err != nil {
		return nil, fmt.Errorf("layers: AvgPool2D: %w", err)
	}
	return y, nil
}

// Params is empty: pooling has nothing to learn.
func (l *AvgPool2D) Params() []*gorgonia.Node { return nil }

// Config returns the configuration with the default stride filled in.
func (l *AvgPool2D) Config() PoolConfig { return l.cfg }

// String is "AvgPool khxkw stride s[, padding p]".
func (l *AvgPool2D) String() string { return l.cfg.describe("AvgPool") }
