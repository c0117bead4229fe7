package lenet

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Activation names the non-linearity after a convolution or a hidden dense layer.
type Activation string

// The activations.
const (
	ReLU    Activation = "relu"
	Sigmoid Activation = "sigmoid"
)

// PoolKind names the pooling after a convolution; the empty kind is no pooling.
type PoolKind string

// The pooling kinds.
const (
	NoPool  PoolKind = ""
	AvgPool PoolKind = "avg"
	MaxPool PoolKind = "max"
)

// Init names a weight initialisation.
type Init string

// The initialisations. Biases start at zero either way.
const (
	// Xavier is Xavier-uniform (Glorot): U(-a, a), a = sqrt(6 / (fan_in + fan_out)),
	// the textbook's init_cnn and the default.
	Xavier Init = "xavier"
	// Kaiming is He-uniform: U(-a, a), a = sqrt(6 / fan_in), which keeps the variance
	// of ReLU activations from layer to layer.
	Kaiming Init = "kaiming"
)

// ConvSpec is one convolution block: a square convolution, its activation and an
// optional pooling.
type ConvSpec struct {
	Out        int        `json:"out"`                   // output channels
	Kernel     int        `json:"kernel"`                // kernel side
	Padding    int        `json:"padding,omitempty"`     // zero rows and columns on each side
	Act        Activation `json:"act"`                   // relu or sigmoid
	Pool       PoolKind   `json:"pool,omitempty"`        // avg, max or none
	PoolSize   int        `json:"pool_size,omitempty"`   // window side; default 2
	PoolStride int        `json:"pool_stride,omitempty"` // default the window side
}

// DenseSpec is one hidden fully connected layer and its activation.
type DenseSpec struct {
	Width int        `json:"width"`
	Act   Activation `json:"act"`
}

// Spec describes a LeNet-style network for 28x28 one-channel images and how to train
// it: convolution blocks, then Flatten, then hidden dense layers, then a final dense
// layer to the 10 classes (always there, never listed). Zero values of the training
// fields mean: LR the default for the activations (see LearningRate), 10 epochs,
// Xavier init.
//
// A Spec is written on the command line as tokens joined by "-", one per layer in
// network order (see ParseSpec), the chapter's network being
//
//	conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.9
//
// and in JSON with the field names of its struct tags.
type Spec struct {
	Name   string      `json:"name,omitempty"` // a label for tables and legends
	Convs  []ConvSpec  `json:"convs"`
	Dense  []DenseSpec `json:"dense"`
	LR     float64     `json:"lr,omitempty"`
	Epochs int         `json:"epochs,omitempty"`
	Init   Init        `json:"init,omitempty"`
}

// ClassicSpec is the chapter's LeNet: ReLU after the first convolution, sigmoid
// elsewhere, average pooling, learning rate 0.9.
func ClassicSpec() Spec {
	return Spec{
		Name: string(Classic),
		Convs: []ConvSpec{
			{Out: 6, Kernel: 5, Padding: 2, Act: ReLU, Pool: AvgPool, PoolSize: 2},
			{Out: 16, Kernel: 5, Act: Sigmoid, Pool: AvgPool, PoolSize: 2},
		},
		Dense: []DenseSpec{{120, Sigmoid}, {84, Sigmoid}},
		LR:    0.9,
	}.withDefaults()
}

// ModernSpec is the classic network with ReLU everywhere and max pooling, learning
// rate 0.1.
func ModernSpec() Spec {
	s := ClassicSpec()
	s.Name = string(Modern)
	for i := range s.Convs {
		s.Convs[i].Act, s.Convs[i].Pool = ReLU, MaxPool
	}
	for i := range s.Dense {
		s.Dense[i].Act = ReLU
	}
	s.LR = 0.1
	return s
}

// SpecOf returns the network a variant names: the presets classic and modern, or any
// spec string (ParseSpec), such as the architecture Classifier.Variant returns for a
// network built from a Spec.
func SpecOf(v Variant) (Spec, error) {
	switch v {
	case Classic:
		return ClassicSpec(), nil
	case Modern:
		return ModernSpec(), nil
	}
	s, err := ParseSpec(string(v))
	if err != nil {
		return Spec{}, fmt.Errorf("unknown model %q: choose classic, modern or a spec such as %s (%w)", v, ClassicSpec().String(), err)
	}
	return s, nil
}

// ParseSpec reads a spec in the compact form, or in JSON when s starts with "{".
//
// The compact form is a list of tokens joined by "-", in network order:
//
//	convNkK[pP]   a convolution with N output channels, a KxK kernel, P padding
//	relu, sigmoid the activation of the convolution or dense layer before it
//	avgS[sT]      average pooling of an SxS window with stride T (default S)
//	maxS[sT]      max pooling, likewise
//	denseN        a hidden dense layer of width N (the final one to 10 classes is implicit)
//	lrX           the learning rate, e.g. lr0.9 or lr1e-3
//	epochsN       the number of epochs
//	xavier, kaiming  the weight initialisation
//
// Every convolution and dense layer needs an activation; convolutions come before the
// dense layers.
func ParseSpec(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var sp Spec
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sp); err != nil {
			return Spec{}, fmt.Errorf("spec JSON: %w", err)
		}
		sp.fillDefaults()
		return sp, sp.Validate()
	}
	if s == "" {
		return Spec{}, errors.New("empty spec")
	}
	var p specParser
	for _, tok := range splitTokens(s) {
		if err := p.token(tok); err != nil {
			return Spec{}, fmt.Errorf("spec %q: token %q: %w", s, tok, err)
		}
	}
	p.spec.fillDefaults()
	if err := p.spec.Validate(); err != nil {
		return Spec{}, fmt.Errorf("spec %q: %w", s, err)
	}
	return p.spec, nil
}

// splitTokens splits s at "-", except the "-" of an exponent (lr1e-3).
func splitTokens(s string) []string {
	parts := strings.Split(s, "-")
	var out []string
	for _, p := range parts {
		if n := len(out); n > 0 && strings.HasSuffix(out[n-1], "e") && len(out[n-1]) > 1 &&
			out[n-1][len(out[n-1])-2] >= '0' && out[n-1][len(out[n-1])-2] <= '9' {
			out[n-1] += "-" + p
			continue
		}
		out = append(out, p)
	}
	return out
}

// specParser builds a Spec token by token; last says what an activation or pooling
// token applies to.
type specParser struct {
	spec Spec
	last string // "conv", "dense" or ""
}

func (p *specParser) token(tok string) error {
	switch {
	case tok == string(ReLU) || tok == string(Sigmoid):
		return p.activation(Activation(tok))
	case tok == string(Xavier) || tok == string(Kaiming):
		p.spec.Init = Init(tok)
		return nil
	case strings.HasPrefix(tok, "conv"):
		return p.conv(tok[len("conv"):])
	case strings.HasPrefix(tok, "dense"):
		w, err := positive(tok[len("dense"):], "width")
		if err != nil {
			return err
		}
		p.spec.Dense = append(p.spec.Dense, DenseSpec{Width: w})
		p.last = "dense"
		return nil
	case strings.HasPrefix(tok, "avg"):
		return p.pool(AvgPool, tok[len("avg"):])
	case strings.HasPrefix(tok, "max"):
		return p.pool(MaxPool, tok[len("max"):])
	case strings.HasPrefix(tok, "lr"):
		lr, err := strconv.ParseFloat(tok[len("lr"):], 64)
		if err != nil || !(lr > 0) || math.IsInf(lr, 0) {
			return errors.New("the learning rate must be a positive number, e.g. lr0.1")
		}
		p.spec.LR = lr
		return nil
	case strings.HasPrefix(tok, "epochs"):
		e, err := positive(tok[len("epochs"):], "number of epochs")
		p.spec.Epochs = e
		return err
	}
	return errors.New("unknown token; use convNkK[pP], relu, sigmoid, avgS[sT], maxS[sT], denseN, lrX, epochsN, xavier or kaiming")
}

func (p *specParser) activation(a Activation) error {
	switch p.last {
	case "conv":
		c := &p.spec.Convs[len(p.spec.Convs)-1]
		if c.Act != "" || c.Pool != NoPool {
			return errors.New("the convolution before it already has its activation")
		}
		c.Act = a
	case "dense":
		d := &p.spec.Dense[len(p.spec.Dense)-1]
		if d.Act != "" {
			return errors.New("the dense layer before it already has its activation")
		}
		d.Act = a
	default:
		return errors.New("an activation must follow a conv or dense token")
	}
	return nil
}

// conv parses "NkK[pP]".
func (p *specParser) conv(rest string) error {
	if len(p.spec.Dense) > 0 {
		return errors.New("convolutions must come before the dense layers")
	}
	nums, err := fields(rest, "kp", "convNkK[pP], e.g. conv6k5p2")
	if err != nil {
		return err
	}
	if nums[1] == -1 {
		return errors.New("want convNkK[pP], e.g. conv6k5p2")
	}
	if nums[0] < 1 || nums[1] < 1 {
		return errors.New("channels and kernel must be at least 1")
	}
	p.spec.Convs = append(p.spec.Convs, ConvSpec{Out: nums[0], Kernel: nums[1], Padding: max(nums[2], 0)})
	p.last = "conv"
	return nil
}

// pool parses "S[sT]".
func (p *specParser) pool(kind PoolKind, rest string) error {
	if p.last != "conv" {
		return errors.New("pooling must follow a convolution and its activation")
	}
	c := &p.spec.Convs[len(p.spec.Convs)-1]
	if c.Act == "" {
		return errors.New("put the activation between the convolution and the pooling, e.g. conv6k5-relu-max2")
	}
	if c.Pool != NoPool {
		return errors.New("the convolution already has a pooling")
	}
	nums, err := fields(rest, "s", string(kind)+"S[sT], e.g. "+string(kind)+"2 or "+string(kind)+"3s2")
	if err != nil {
		return err
	}
	if nums[0] < 1 {
		return errors.New("the pooling window must be at least 1")
	}
	c.Pool, c.PoolSize, c.PoolStride = kind, nums[0], max(nums[1], 0)
	return nil
}

// fields parses "N" followed by optional letter-number pairs, one per letter of keys
// in that order; an absent pair is -1. The first number is required.
func fields(s, keys, form string) ([]int, error) {
	out := make([]int, len(keys)+1)
	for i := range out {
		out[i] = -1
	}
	pos := 0
	for i := 0; i <= len(keys); i++ {
		if i > 0 {
			if pos >= len(s) || s[pos] != keys[i-1] {
				continue
			}
			pos++
		}
		start := pos
		for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' {
			pos++
		}
		if start == pos {
			return nil, fmt.Errorf("want %s", form)
		}
		n, err := strconv.Atoi(s[start:pos])
		if err != nil {
			return nil, fmt.Errorf("want %s", form)
		}
		out[i] = n
	}
	if pos != len(s) {
		return nil, fmt.Errorf("want %s", form)
	}
	return out, nil
}

func positive(s, what string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("the %s must be a positive whole number", what)
	}
	return n, nil
}

func (s Spec) withDefaults() Spec {
	s.Convs = slices.Clone(s.Convs)
	s.fillDefaults()
	return s
}

// fillDefaults sets the pooling window and stride left at zero.
func (s *Spec) fillDefaults() {
	for i := range s.Convs {
		c := &s.Convs[i]
		if c.Pool == NoPool {
			c.PoolSize, c.PoolStride = 0, 0
			continue
		}
		if c.PoolSize <= 0 {
			c.PoolSize = 2
		}
		if c.PoolStride <= 0 {
			c.PoolStride = c.PoolSize
		}
	}
}

// Validate checks every field and that every layer's output is at least 1x1 on a
// 28x28 input; the error names the first problem.
func (s Spec) Validate() error {
	if len(s.Convs) == 0 {
		return errors.New("a LeNet needs at least one convolution")
	}
	h, w := Height, Width
	for i, c := range s.Convs {
		what := fmt.Sprintf("conv%d", i+1)
		if c.Out < 1 || c.Kernel < 1 || c.Padding < 0 {
			return fmt.Errorf("%s: %d channels, kernel %d, padding %d: channels and kernel must be at least 1, padding at least 0", what, c.Out, c.Kernel, c.Padding)
		}
		if err := checkActivation(what, c.Act); err != nil {
			return err
		}
		if h, w = h-c.Kernel+2*c.Padding+1, w-c.Kernel+2*c.Padding+1; h < 1 || w < 1 {
			return fmt.Errorf("%s: a %dx%d kernel does not fit its input; use a smaller kernel, more padding or less pooling before it", what, c.Kernel, c.Kernel)
		}
		switch c.Pool {
		case NoPool:
		case AvgPool, MaxPool:
			if c.PoolSize < 1 || c.PoolStride < 1 {
				return fmt.Errorf("%s: pooling window %d stride %d: both must be at least 1", what, c.PoolSize, c.PoolStride)
			}
			if c.PoolSize > h || c.PoolSize > w {
				return fmt.Errorf("%s: the %dx%d pooling window does not fit the %dx%d feature map", what, c.PoolSize, c.PoolSize, h, w)
			}
			h, w = (h-c.PoolSize)/c.PoolStride+1, (w-c.PoolSize)/c.PoolStride+1
		default:
			return fmt.Errorf("%s: unknown pooling %q; use avg, max or none", what, c.Pool)
		}
	}
	for i, d := range s.Dense {
		what := fmt.Sprintf("dense%d", i+1)
		if d.Width < 1 {
			return fmt.Errorf("%s: width %d must be at least 1", what, d.Width)
		}
		if err := checkActivation(what, d.Act); err != nil {
			return err
		}
	}
	switch {
	case s.LR < 0 || math.IsNaN(s.LR) || math.IsInf(s.LR, 0):
		return fmt.Errorf("learning rate %v must be a positive number", s.LR)
	case s.Epochs < 0:
		return fmt.Errorf("epochs %d must be positive", s.Epochs)
	case s.Init != "" && s.Init != Xavier && s.Init != Kaiming:
		return fmt.Errorf("unknown init %q; use xavier or kaiming", s.Init)
	}
	return nil
}

func checkActivation(what string, a Activation) error {
	switch a {
	case ReLU, Sigmoid:
		return nil
	case "":
		return fmt.Errorf("%s has no activation; add relu or sigmoid after it", what)
	}
	return fmt.Errorf("%s: unknown activation %q; use relu or sigmoid", what, a)
}

// LearningRate is s.LR, or when it is zero the default: 0.9 (the textbook's) for a
// network with a sigmoid anywhere, 0.1 for one with ReLU only, whose units do not
// saturate and so take smaller steps.
func (s Spec) LearningRate() float64 {
	if s.LR > 0 {
		return s.LR
	}
	for _, c := range s.Convs {
		if c.Act == Sigmoid {
			return 0.9
		}
	}
	for _, d := range s.Dense {
		if d.Act == Sigmoid {
			return 0.9
		}
	}
	return 0.1
}

// EpochCount is s.Epochs, or 10 when it is zero.
func (s Spec) EpochCount() int {
	if s.Epochs > 0 {
		return s.Epochs
	}
	return 10
}

// Arch is the compact form of the layers alone, without the name and the training
// fields: two specs with the same Arch build networks of the same layers and shapes.
func (s Spec) Arch() string {
	var t []string
	for _, c := range s.Convs {
		tok := fmt.Sprintf("conv%dk%d", c.Out, c.Kernel)
		if c.Padding > 0 {
			tok += fmt.Sprintf("p%d", c.Padding)
		}
		t = append(t, tok, string(c.Act))
		if c.Pool != NoPool {
			tok = fmt.Sprintf("%s%d", c.Pool, c.PoolSize)
			if c.PoolStride != c.PoolSize && c.PoolStride > 0 {
				tok += fmt.Sprintf("s%d", c.PoolStride)
			}
			t = append(t, tok)
		}
	}
	for _, d := range s.Dense {
		t = append(t, fmt.Sprintf("dense%d", d.Width), string(d.Act))
	}
	return strings.Join(t, "-")
}

// String is the compact form: Arch, then the learning rate, the epochs and the init
// when they are set. ParseSpec(s.String()) gives s back, less its Name.
func (s Spec) String() string {
	out := s.Arch()
	if s.LR > 0 {
		out += "-lr" + strconv.FormatFloat(s.LR, 'g', -1, 64)
	}
	if s.Epochs > 0 {
		out += fmt.Sprintf("-epochs%d", s.Epochs)
	}
	if s.Init != "" && s.Init != Xavier {
		out += "-" + string(s.Init)
	}
	return out
}

// Variant names the architecture: "classic" or "modern" when the layers are a
// preset's, the Arch string otherwise. Checkpoints record it.
func (s Spec) Variant() Variant {
	for _, v := range Variants {
		if p, _ := SpecOf(v); p.Arch() == s.Arch() {
			return v
		}
	}
	return Variant(s.Arch())
}

// Label is the Name, or the compact form when the spec has none.
func (s Spec) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.String()
}

// Params is the number of trainable parameters: weights and biases of every
// convolution and dense layer, the final one included.
func (s Spec) Params() int {
	n, in := 0, 1
	for _, c := range s.Convs {
		n += c.Out*in*c.Kernel*c.Kernel + c.Out
		in = c.Out
	}
	in = flatWidth(s.withDefaults())
	for _, d := range slices.Concat(s.Dense, []DenseSpec{{Width: Classes}}) {
		n += in*d.Width + d.Width
		in = d.Width
	}
	return n
}

// resolveSpec returns the network a Config asks for: its Spec, or the one its Variant
// names.
func (c Config) resolveSpec() (Spec, error) {
	if c.Spec == nil {
		return SpecOf(c.Variant)
	}
	if c.Variant != "" {
		return Spec{}, fmt.Errorf("Config sets both Variant %q and Spec; set one", c.Variant)
	}
	s := c.Spec.withDefaults()
	return s, s.Validate()
}

// Spec returns the network the Classifier was built from (for a Variant, its preset).
func (c *Classifier) Spec() Spec { return c.cfg.Spec.withDefaults() }
