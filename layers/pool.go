package layers

import (
	"fmt"
	"strings"

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

// MaxPool2D is PyTorch's nn.MaxPool2d: graph.MaxPool2D with the default stride = kernel.
type MaxPool2D struct{ pool }

// NewMaxPool2D validates cfg and fills in its default stride.
func NewMaxPool2D(cfg PoolConfig) (*MaxPool2D, error) {
	p, err := newPool("MaxPool2D", cfg, graph.MaxPool2D)
	if err != nil {
		return nil, err
	}
	return &MaxPool2D{p}, nil
}

// AvgPool2D is PyTorch's nn.AvgPool2d (count_include_pad=True): graph.AvgPool2D with the
// default stride = kernel.
type AvgPool2D struct{ pool }

// NewAvgPool2D validates cfg and fills in its default stride.
func NewAvgPool2D(cfg PoolConfig) (*AvgPool2D, error) {
	p, err := newPool("AvgPool2D", cfg, graph.AvgPool2D)
	if err != nil {
		return nil, err
	}
	return &AvgPool2D{p}, nil
}

// pool is what the pooling layers share: their name, settings and graph function.
type pool struct {
	name string // "MaxPool2D"
	cfg  PoolConfig
	f    func(x *gorgonia.Node, kernel, pad, stride [2]int) (*gorgonia.Node, error)
}

func newPool(name string, cfg PoolConfig, f func(x *gorgonia.Node, kernel, pad, stride [2]int) (*gorgonia.Node, error)) (pool, error) {
	c, err := cfg.resolve("layers: New" + name)
	return pool{name: name, cfg: c, f: f}, err
}

// Forward pools x of shape (n, c, h, w).
func (l *pool) Forward(x *gorgonia.Node) (*gorgonia.Node, error) {
	what := "layers: " + l.name
	if err := checkInput(what, x, nil, 4, "(n, c, h, w)"); err != nil {
		return nil, err
	}
	y, err := l.f(x, l.cfg.Kernel, l.cfg.Padding, l.cfg.Stride)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return y, nil
}

// Params is empty: pooling has nothing to learn.
func (l *pool) Params() []*gorgonia.Node { return nil }

// Config returns the configuration with the default stride filled in.
func (l *pool) Config() PoolConfig { return l.cfg }

// String is "MaxPool khxkw stride s[, padding p]" (or AvgPool).
func (l *pool) String() string {
	c := l.cfg
	s := fmt.Sprintf("%s %dx%d stride %s", strings.TrimSuffix(l.name, "2D"), c.Kernel[0], c.Kernel[1], formatPair(c.Stride))
	if c.Padding != [2]int{} {
		s += ", padding " + formatPair(c.Padding)
	}
	return s
}
