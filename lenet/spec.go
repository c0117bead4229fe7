package lenet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// LayerKind says what a layer computes.
type LayerKind string

// The layer kinds, named as the explorer and cmd/describe -json name them; the
// activations' are in activations.go.
const (
	KindConv    LayerKind = "conv"    // Σ window·kernel over the input channels + bias
	KindMaxPool LayerKind = "maxpool" // the largest value of each window, per channel
	KindAvgPool LayerKind = "avgpool" // the mean of each window (padding counted), per channel
	KindFlatten LayerKind = "flatten" // (C,H,W) to (C·H·W), row-major
	KindLinear  LayerKind = "linear"  // x W + b with W stored (in, out): a dense layer
)

// Layer is one layer of a network: PyTorch's nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, an
// activation (nn.ReLU, ...: see Activations), nn.Flatten or nn.Linear. Pairs are (rows,
// columns).
type Layer struct {
	Kind LayerKind
	// Out is a convolution's output channels or a dense layer's width.
	Out int
	// Kernel is the convolution's kernel or the pooling window.
	Kernel [2]int
	// Stride: a zero entry means PyTorch's default, 1 for a convolution and the window
	// for a pooling (see Resolved).
	Stride [2]int
	// Padding is the zeros added on each side (a pooling's at most half its window).
	Padding [2]int
}

// Conv is a convolution with out channels, a square kernel of side k and padding p.
func Conv(out, k, p int) Layer {
	return Layer{Kind: KindConv, Out: out, Kernel: [2]int{k, k}, Padding: [2]int{p, p}}
}

// Pool is a pooling (KindMaxPool or KindAvgPool) of a square window of side k with
// PyTorch's default stride (the window).
func Pool(kind LayerKind, k int) Layer {
	return Layer{Kind: kind, Kernel: [2]int{k, k}}
}

// Dense is a fully connected layer of the given width.
func Dense(width int) Layer { return Layer{Kind: KindLinear, Out: width} }

// Act is a layer without settings: an activation (KindReLU, ...: see Activations) or
// KindFlatten.
func Act(kind LayerKind) Layer { return Layer{Kind: kind} }

// Resolved returns l with its default stride filled in.
func (l Layer) Resolved() Layer {
	for i := range 2 {
		if l.Stride[i] != 0 {
			continue
		}
		switch l.Kind {
		case KindConv:
			l.Stride[i] = 1
		case KindMaxPool, KindAvgPool:
			l.Stride[i] = l.Kernel[i]
		}
	}
	return l
}

// windowed reports whether the layer slides a window over a (C, H, W) input.
func (k LayerKind) windowed() bool { return k == KindConv || k == KindMaxPool || k == KindAvgPool }

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

// Spec describes a network for 28x28 one-channel images and, optionally, how to train
// it. Layers run in order; a last dense layer to the classes is always added (never
// listed), and a Flatten goes wherever the layers pass from (C, H, W) maps to flat
// vectors (ParseSpec and Normalized insert it where the list leaves it out). Zero
// values of the training fields mean: LR the default for the layers (see
// LearningRate), 10 epochs, Xavier init.
//
// A Spec is written as tokens joined by "-", one per layer (see ParseSpec), the
// chapter's network being
//
//	conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.9
//
// and in JSON as {"name", "layers": [...], "lr", "epochs", "init"}, or the layers'
// list alone (see Layer.MarshalJSON).
type Spec struct {
	Name   string  `json:"name,omitempty"` // a label for tables and legends
	Layers []Layer `json:"layers"`
	LR     float64 `json:"lr,omitempty"`
	Epochs int     `json:"epochs,omitempty"`
	Init   Init    `json:"init,omitempty"`
}

// The presets' names.
const (
	Classic = "classic"
	Modern  = "modern"
)

// Presets lists the presets' names, in the order help texts show them.
var Presets = []string{Classic, Modern}

// ClassicSpec is the chapter's LeNet: ReLU after the first convolution, sigmoid
// elsewhere, average pooling, learning rate 0.9.
func ClassicSpec() Spec {
	return Spec{Name: Classic, LR: 0.9, Layers: []Layer{
		Conv(6, 5, 2), Act(KindReLU), Pool(KindAvgPool, 2),
		Conv(16, 5, 0), Act(KindSigmoid), Pool(KindAvgPool, 2),
		Act(KindFlatten), Dense(120), Act(KindSigmoid), Dense(84), Act(KindSigmoid),
	}}
}

// ModernSpec is the classic network with ReLU everywhere and max pooling, learning
// rate 0.1.
func ModernSpec() Spec {
	s := ClassicSpec()
	s.Name, s.LR = Modern, 0.1
	for i, l := range s.Layers {
		switch l.Kind {
		case KindSigmoid:
			s.Layers[i].Kind = KindReLU
		case KindAvgPool:
			s.Layers[i].Kind = KindMaxPool
		}
	}
	return s
}

// preset returns the preset called name.
func preset(name string) (Spec, bool) {
	switch name {
	case Classic:
		return ClassicSpec(), true
	case Modern:
		return ModernSpec(), true
	}
	return Spec{}, false
}

// SpecError is a spec that cannot be read or built: the layer (counted from 0 in
// Spec.Layers, -1 for a training token or the spec as a whole), its token, and why.
type SpecError struct {
	Layer int
	Token string
	Err   error
}

func (e *SpecError) Error() string {
	if e.Layer < 0 {
		if e.Token == "" {
			return e.Err.Error()
		}
		return fmt.Sprintf("token %q: %v", e.Token, e.Err)
	}
	return fmt.Sprintf("layer %d %s: %v", e.Layer, e.Token, e.Err)
}

func (e *SpecError) Unwrap() error { return e.Err }

// Is makes every SpecError match ErrSpec.
func (e *SpecError) Is(target error) bool { return target == ErrSpec }

// ErrSpec matches every error of ParseSpec and Describe (errors.Is).
var ErrSpec = errors.New("bad network spec")

func specErr(layer int, token, format string, args ...any) error {
	return &SpecError{Layer: layer, Token: token, Err: fmt.Errorf(format, args...)}
}

// ParseSpec reads a network: a preset's name (classic, modern), the compact form, or
// JSON when s starts with "{" or "[". The spec is checked with Describe, so it builds.
//
// The compact form is a list of tokens joined by "-", one per layer, in network order
// (P is a number N or a rectangle NxM, rows by columns):
//
//	convNkP[pP][sP]   a convolution with N output channels, kernel P, padding P
//	                  (default 0) and stride P (default 1), in any order after N:
//	                  conv6k5p2, conv8k3p1s2, conv4k3x5p0x1s3x4
//	maxP[sP][pP]      max pooling with a window P, stride (default the window) and
//	                  padding (default 0, at most half the window): max2, max3s2p1
//	avgP[sP][pP]      average pooling, likewise
//	relu, sigmoid, ...    an activation (Activations lists them)
//	flatten           (C, H, W) to C·H·W; implied before the first dense layer
//	denseN            a dense layer of width N (the last one, to the classes, is implied)
//	lrX               the learning rate, e.g. lr0.9 or lr1e-3
//	epochsN           the number of epochs
//	xavier, kaiming   the weight initialisation
func ParseSpec(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if p, ok := preset(s); ok {
		return p, nil
	}
	var sp Spec
	var err error
	switch {
	case s == "":
		return Spec{}, specErr(-1, "", "empty spec; name a preset (%s) or give layers such as %s", strings.Join(Presets, ", "), ClassicSpec().Arch())
	case s[0] == '{' || s[0] == '[':
		sp, err = parseJSON(s)
	default:
		sp, err = parseCompact(s)
	}
	if err != nil {
		return Spec{}, err
	}
	sp = sp.Normalized()
	if _, err := Describe(sp); err != nil {
		return Spec{}, err
	}
	return sp, nil
}

// parseCompact reads the compact form.
func parseCompact(s string) (Spec, error) {
	var sp Spec
	for _, tok := range splitTokens(s) {
		if tok == "" {
			return Spec{}, specErr(-1, "", "empty token in %q: a \"-\" at either end or two in a row", s)
		}
		l, isLayer, err := sp.token(tok)
		if err != nil {
			idx := -1
			if isLayer {
				idx = sp.nextIndex(strings.HasPrefix(tok, "dense"))
			}
			return Spec{}, &SpecError{Layer: idx, Token: tok, Err: err}
		}
		if isLayer {
			sp.Layers = append(sp.Layers, l)
		}
	}
	return sp, nil
}

// nextIndex is the index that a layer appended to sp would have in the normalized
// spec: with no Flatten or dense layer so far, one more for a dense layer, which
// Normalized puts a Flatten before (the one it appends after the last map comes after
// any other layer).
func (sp *Spec) nextIndex(dense bool) int {
	if !slices.ContainsFunc(sp.Layers, func(l Layer) bool { return l.Kind == KindFlatten || l.Kind == KindLinear }) {
		if dense {
			return len(sp.Layers) + 1
		}
		return len(sp.Layers)
	}
	return len(sp.Normalized().Layers)
}

// parseJSON reads {"name", "layers", "lr", "epochs", "init"} or a bare list of layers.
func parseJSON(s string) (Spec, error) {
	var sp Spec
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var err error
	if s[0] == '[' {
		err = dec.Decode(&sp.Layers)
	} else {
		err = dec.Decode(&sp)
	}
	if err != nil {
		return Spec{}, specErr(-1, "", "spec JSON: %v", err)
	}
	if dec.More() {
		return Spec{}, specErr(-1, "", "spec JSON: more after the spec")
	}
	return sp, sp.checkTraining()
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

// token reads one token: a layer (isLayer) or a training setting, which it stores in
// sp.
func (sp *Spec) token(tok string) (l Layer, isLayer bool, err error) {
	switch k := LayerKind(tok); {
	case k.elementwise() || k == KindFlatten:
		return Act(k), true, nil
	case tok == string(Xavier) || tok == string(Kaiming):
		sp.Init = Init(tok)
		return l, false, nil
	case strings.HasPrefix(tok, "conv"):
		l, err = parseConv(tok[len("conv"):])
		return l, true, err
	case strings.HasPrefix(tok, "dense"):
		w, err := number(tok[len("dense"):], "the width", "dense64")
		return Dense(w), true, err
	case strings.HasPrefix(tok, "avg"):
		l, err = parsePool(KindAvgPool, tok[len("avg"):])
		return l, true, err
	case strings.HasPrefix(tok, "max"):
		l, err = parsePool(KindMaxPool, tok[len("max"):])
		return l, true, err
	case strings.HasPrefix(tok, "lr"):
		lr, err := strconv.ParseFloat(tok[len("lr"):], 64)
		if err != nil || !(lr > 0) || math.IsInf(lr, 0) {
			return l, false, errors.New("the learning rate must be a positive number, e.g. lr0.1")
		}
		sp.LR = lr
		return l, false, nil
	case strings.HasPrefix(tok, "epochs"):
		sp.Epochs, err = number(tok[len("epochs"):], "the number of epochs", "epochs10")
		if err == nil && sp.Epochs < 1 {
			err = errors.New("the number of epochs must be at least 1, e.g. epochs10")
		}
		return l, false, err
	}
	return l, false, errors.New("unknown token; " + TokenHelp)
}

// parseConv reads "N" then k, p and s pairs in any order, k required.
func parseConv(rest string) (Layer, error) {
	const form = "convNkK[pP][sS], e.g. conv6k5p2 or conv8k3x5s2"
	n, rest := leadingDigits(rest)
	out, err := number(n, "the number of channels", form)
	if err != nil {
		return Layer{}, err
	}
	pairs, err := keyedPairs(rest, "kps", form)
	if err != nil {
		return Layer{}, err
	}
	if err := explicitStride(pairs); err != nil {
		return Layer{}, err
	}
	k, ok := pairs['k']
	if !ok {
		return Layer{}, fmt.Errorf("the kernel is missing; want %s", form)
	}
	return Layer{Kind: KindConv, Out: out, Kernel: k, Padding: pairs['p'], Stride: pairs['s']}, nil
}

// parsePool reads the window then s and p pairs in any order.
func parsePool(kind LayerKind, rest string) (Layer, error) {
	name := strings.TrimSuffix(string(kind), "pool")
	form := fmt.Sprintf("%sK[sS][pP], e.g. %s2 or %s3s2p1", name, name, name)
	win, rest := leadingPair(rest)
	k, err := pair(win, "the window", form)
	if err != nil {
		return Layer{}, err
	}
	pairs, err := keyedPairs(rest, "sp", form)
	if err != nil {
		return Layer{}, err
	}
	if err := explicitStride(pairs); err != nil {
		return Layer{}, err
	}
	return Layer{Kind: kind, Kernel: k, Stride: pairs['s'], Padding: pairs['p']}, nil
}

// keyedPairs reads letter-pair items ("k3", "p1x2") whose letters are in keys, each
// at most once.
func keyedPairs(s, keys, form string) (map[byte][2]int, error) {
	out := map[byte][2]int{}
	for s != "" {
		key := s[0]
		if !strings.ContainsRune(keys, rune(key)) {
			return nil, fmt.Errorf("unexpected %q; want %s", s, form)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%q is given twice; want %s", string(key), form)
		}
		var p string
		p, s = leadingPair(s[1:])
		v, err := pair(p, fieldName[key], form)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// explicitStride refuses a written stride of 0, which a Layer would otherwise take
// for "the default" (PyTorch refuses it too).
func explicitStride(pairs map[byte][2]int) error {
	if s, ok := pairs['s']; ok && (s[0] < 1 || s[1] < 1) {
		return fmt.Errorf("the stride %s must be at least 1", pairText(s))
	}
	return nil
}

var fieldName = map[byte]string{'k': "the kernel", 'p': "the padding", 's': "the stride"}

// leadingDigits splits s after its leading digits.
func leadingDigits(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// leadingPair splits s after a leading "N" or "NxM".
func leadingPair(s string) (string, string) {
	a, rest := leadingDigits(s)
	if strings.HasPrefix(rest, "x") {
		b, r := leadingDigits(rest[1:])
		if b != "" {
			return a + "x" + b, r
		}
	}
	return a, rest
}

// pair reads "N" (a square) or "NxM".
func pair(s, what, form string) ([2]int, error) {
	a, b, rect := strings.Cut(s, "x")
	x, err := number(a, what, form)
	if err != nil {
		return [2]int{}, err
	}
	if !rect {
		return [2]int{x, x}, nil
	}
	y, err := number(b, what, form)
	return [2]int{x, y}, err
}

// number reads a whole number of at most MaxDim; zero is allowed (a padding) and the
// shape checks of Describe refuse it where it means nothing.
func number(s, what, form string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("%s is missing; want %s", what, form)
	}
	if strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%s %q is not a whole number; want %s", what, s, form)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > MaxDim {
		return 0, fmt.Errorf("%s %s is out of range (at most %d)", what, s, MaxDim)
	}
	return n, nil
}

// Normalized returns s with a Flatten wherever its layers pass from maps to vectors
// without one: before the first dense layer, or at the end when no dense layer
// follows the last map. ParseSpec returns normalized specs.
//
// It also writes each default the same way, so that specs written differently compare
// equal: a stride equal to the layer's default is left zero (conv6k5s1 is conv6k5,
// max2s2 is max2), and the init xavier is left empty.
func (s Spec) Normalized() Spec {
	s.Layers = slices.Clone(s.Layers)
	if s.Init == Xavier {
		s.Init = ""
	}
	for i, l := range s.Layers {
		if l.Stride != [2]int{} && l.Stride == (Layer{Kind: l.Kind, Kernel: l.Kernel}).Resolved().Stride {
			s.Layers[i].Stride = [2]int{}
		}
	}
	if len(s.Layers) == 0 {
		return s
	}
	for i, l := range s.Layers {
		switch l.Kind {
		case KindFlatten:
			return s
		case KindLinear:
			s.Layers = slices.Insert(s.Layers, i, Act(KindFlatten))
			return s
		}
	}
	s.Layers = append(s.Layers, Act(KindFlatten))
	return s
}

// impliedFlatten reports whether layer i is a Flatten that Normalized would insert.
func (s Spec) impliedFlatten(i int) bool {
	if s.Layers[i].Kind != KindFlatten || slices.ContainsFunc(s.Layers[:i], func(l Layer) bool { return l.Kind == KindFlatten || l.Kind == KindLinear }) {
		return false
	}
	return i == len(s.Layers)-1 || s.Layers[i+1].Kind == KindLinear
}

// Token is the layer's compact form: conv6k5p2, max3s2p1, relu, dense120.
func (l Layer) Token() string {
	r := l.Resolved()
	switch l.Kind {
	case KindConv:
		t := fmt.Sprintf("conv%dk%s", l.Out, pairText(l.Kernel))
		if r.Padding != [2]int{} {
			t += "p" + pairText(r.Padding)
		}
		if r.Stride != [2]int{1, 1} {
			t += "s" + pairText(r.Stride)
		}
		return t
	case KindMaxPool, KindAvgPool:
		t := strings.TrimSuffix(string(l.Kind), "pool") + pairText(l.Kernel)
		if r.Stride != l.Kernel {
			t += "s" + pairText(r.Stride)
		}
		if r.Padding != [2]int{} {
			t += "p" + pairText(r.Padding)
		}
		return t
	case KindLinear:
		return fmt.Sprintf("dense%d", l.Out)
	}
	return string(l.Kind)
}

func pairText(p [2]int) string {
	if p[0] == p[1] {
		return strconv.Itoa(p[0])
	}
	return fmt.Sprintf("%dx%d", p[0], p[1])
}

// Arch is the compact form of the layers alone, without the name and the training
// fields and without the Flattens that ParseSpec implies: two specs with the same
// Arch build networks of the same layers and shapes.
func (s Spec) Arch() string {
	s = s.Normalized()
	var t []string
	for i, l := range s.Layers {
		if !s.impliedFlatten(i) {
			t = append(t, l.Token())
		}
	}
	if len(t) == 0 && len(s.Layers) > 0 {
		// A Flatten alone: written out, or the spec would read as empty.
		return string(KindFlatten)
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

// Model names the network for checkpoints and headings: a preset's name when the
// layers are a preset's, the Arch string otherwise.
func (s Spec) Model() string {
	for _, name := range Presets {
		if p, _ := preset(name); p.Arch() == s.Arch() {
			return name
		}
	}
	return s.Arch()
}

// SameNetwork reports whether a and b have the same layers (whatever their names and
// training settings).
func SameNetwork(a, b Spec) bool { return a.Arch() == b.Arch() }

// Label is the Name, or the compact form when the spec has none.
func (s Spec) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.String()
}

// LearningRate is s.LR, or when it is zero the default: 0.9 (the textbook's) for a
// network with a sigmoid or tanh (an activation that saturates) anywhere, 0.1 for one
// with ReLU only, whose units do not saturate and so take smaller steps.
func (s Spec) LearningRate() float64 {
	if s.LR > 0 {
		return s.LR
	}
	if slices.ContainsFunc(s.Layers, func(l Layer) bool { return l.Kind.saturates() }) {
		return 0.9
	}
	return 0.1
}

// EpochCount is s.Epochs, or DefaultEpochs when it is zero.
func (s Spec) EpochCount() int {
	if s.Epochs > 0 {
		return s.Epochs
	}
	return DefaultEpochs
}

// checkTraining checks the training fields.
func (s Spec) checkTraining() error {
	switch {
	case s.LR < 0 || math.IsNaN(s.LR) || math.IsInf(s.LR, 0):
		return specErr(-1, "", "learning rate %v must be a positive number", s.LR)
	case s.Epochs < 0:
		return specErr(-1, "", "epochs %d must be positive", s.Epochs)
	case s.Init != "" && s.Init != Xavier && s.Init != Kaiming:
		return specErr(-1, "", "unknown init %q; use xavier or kaiming", s.Init)
	}
	return nil
}

// orClassic returns s, or the classic preset when s has no layers (a zero Spec).
func (s Spec) orClassic() Spec {
	if len(s.Layers) == 0 {
		return ClassicSpec()
	}
	return s.Normalized()
}

// layerJSON is a Layer's JSON form: the settings its kind takes, pairs written as a
// number when square.
type layerJSON struct {
	Kind    LayerKind       `json:"kind"`
	Out     int             `json:"out,omitempty"`
	Kernel  json.RawMessage `json:"kernel,omitempty"`
	Stride  json.RawMessage `json:"stride,omitempty"`
	Padding json.RawMessage `json:"padding,omitempty"`
}

// MarshalJSON writes {"kind": "conv", "out": 6, "kernel": 5, "padding": 2}: the
// settings the kind takes, a pair as one number when square and [rows, columns]
// otherwise, a default stride and a zero padding left out.
func (l Layer) MarshalJSON() ([]byte, error) {
	j := layerJSON{Kind: l.Kind}
	r := l.Resolved()
	switch {
	case l.Kind.windowed():
		j.Kernel = pairJSON(l.Kernel)
		if r.Padding != [2]int{} {
			j.Padding = pairJSON(r.Padding)
		}
		if r.Stride != Layer.Resolved(Layer{Kind: l.Kind, Kernel: l.Kernel}).Stride {
			j.Stride = pairJSON(r.Stride)
		}
		if l.Kind == KindConv {
			j.Out = l.Out
		}
	case l.Kind == KindLinear:
		j.Out = l.Out
	}
	return json.Marshal(j)
}

func pairJSON(p [2]int) json.RawMessage {
	if p[0] == p[1] {
		return json.RawMessage(strconv.Itoa(p[0]))
	}
	return json.RawMessage(fmt.Sprintf("[%d,%d]", p[0], p[1]))
}

// UnmarshalJSON reads the form MarshalJSON writes; a pair may be a number or [rows,
// columns], and a setting the kind does not take is an error.
func (l *Layer) UnmarshalJSON(b []byte) error {
	var j layerJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("layer %s: %w", b, err)
	}
	*l = Layer{Kind: j.Kind, Out: j.Out}
	switch {
	case j.Kind.windowed():
	case j.Kind == KindLinear:
		if j.Kernel != nil || j.Stride != nil || j.Padding != nil {
			return fmt.Errorf("layer %s: a linear layer takes only out", b)
		}
		return nil
	case j.Kind.elementwise() || j.Kind == KindFlatten:
		if j.Out != 0 || j.Kernel != nil || j.Stride != nil || j.Padding != nil {
			return fmt.Errorf("layer %s: a %s layer takes no settings", b, j.Kind)
		}
		return nil
	default:
		return fmt.Errorf("layer %s: unknown kind %q; %s", b, j.Kind, kindHelp)
	}
	if j.Kind != KindConv && j.Out != 0 {
		return fmt.Errorf("layer %s: a pooling takes no out", b)
	}
	if j.Kernel == nil {
		return fmt.Errorf("layer %s: kernel is missing", b)
	}
	for _, f := range []struct {
		raw json.RawMessage
		dst *[2]int
	}{{j.Kernel, &l.Kernel}, {j.Stride, &l.Stride}, {j.Padding, &l.Padding}} {
		if f.raw == nil {
			continue
		}
		if err := unmarshalPair(f.raw, f.dst); err != nil {
			return fmt.Errorf("layer %s: %w", b, err)
		}
	}
	if j.Stride != nil && (l.Stride[0] < 1 || l.Stride[1] < 1) {
		return fmt.Errorf("layer %s: the stride must be at least 1 (leave it out for the default)", b)
	}
	return nil
}

// unmarshalPair reads a number or [rows, columns], each from 0 to MaxDim.
func unmarshalPair(raw json.RawMessage, dst *[2]int) error {
	var n int
	var two []int
	if err := json.Unmarshal(raw, &n); err == nil {
		*dst = [2]int{n, n}
	} else if err := json.Unmarshal(raw, &two); err != nil || len(two) != 2 {
		return fmt.Errorf("%s is neither a number nor [rows, columns]", raw)
	} else {
		*dst = [2]int(two)
	}
	for _, v := range dst {
		if v < 0 || v > MaxDim {
			return fmt.Errorf("%s is out of range (0 to %d)", raw, MaxDim)
		}
	}
	return nil
}

// Title names a network (Spec.Model) for headings: "LeNet (classic)" for a preset,
// "CNN (conv8k3p1-relu-...)" for any other.
func Title(model string) string {
	if _, ok := preset(model); ok {
		return "LeNet (" + model + ")"
	}
	return "CNN (" + model + ")"
}
