package lenet

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/internal/safetensors"
)

// Checkpoints are safetensors files (see safetensors.go). Earlier versions wrote their own
// LENETCKP format, which still loads; its layout (version 2), all integers
// little-endian:
//
//	magic    8 bytes  "LENETCKP"
//	version  uint32   2
//	hlen     uint32   length of the JSON header
//	header   hlen bytes of JSON (CheckpointHeader)
//	weights  float32 values of every parameter, in header order
//	digest   32 bytes SHA-256 of everything before it
//
// Version 1 had no position inside an epoch (examples, partial, train_examples); it
// is read as a checkpoint taken at an epoch boundary. A version-1 reader refuses
// version 2, whose mid-epoch position it would ignore.
const (
	legacyMagic    = "LENETCKP"
	legacyVersion  = 2
	maxHeaderBytes = 16 << 20
	maxWeights     = 64 << 20
)

// Sentinel errors of checkpoint loading, for errors.Is.
var (
	ErrNotCheckpoint  = errors.New("not a LeNet checkpoint (neither safetensors nor the older LENETCKP format)")
	ErrCorrupt        = errors.New("checkpoint is corrupt")
	ErrVersion        = errors.New("unsupported checkpoint version")
	ErrWrongModel     = errors.New("checkpoint holds another network")
	ErrParamsMismatch = errors.New("checkpoint parameters do not match the network")
	ErrInvalid        = errors.New("checkpoint holds values no run can continue from")
)

// ParamInfo names one saved parameter and its shape.
type ParamInfo struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// CheckpointHeader is the metadata saved with the weights: the run's settings and its
// TrainState (whose fields sit at the top level of the JSON), which together continue
// the run exactly.
type CheckpointHeader struct {
	// Model is the network: a preset's name or a spec's compact form (Spec.Model).
	Model         string    `json:"variant"`
	Dataset       string    `json:"dataset,omitempty"` // the data set's name (dataset.Source); empty: Fashion-MNIST
	Epochs        int       `json:"epochs"`            // the run's target
	BatchSize     int       `json:"batch_size"`
	Seed          uint64    `json:"seed"`
	TrainExamples int       `json:"train_examples,omitempty"` // training-set size (0: not recorded, version 1)
	Optimizer     Optimizer `json:"optimizer"`
	TrainState
	// Params has this project's names and shapes; a safetensors file's tensors say them.
	Params []ParamInfo `json:"params,omitempty"`
}

// Optimizer is the optimizer's state. Plain SGD keeps only its learning rate.
type Optimizer struct {
	Name string  `json:"name"`
	LR   float64 `json:"lr"`
}

// Checkpoint is a header plus the parameter values, in this project's layouts.
type Checkpoint struct {
	CheckpointHeader
	Weights [][]float32
	// WeightsOnly: the file held the weights and no training state (a safetensors file
	// written by PyTorch, say). Only Model may be set in the header, when the file
	// names it. Such a checkpoint is saved the same way, without a state.
	WeightsOnly bool
	// unsettled holds the tensors of a file that does not name its network, until
	// SettleModel says which it is.
	unsettled *safetensors.File
	// assumed: SettleModel chose Model for a file that did not name it, so saving it
	// again does not name it either (a file claims no more than it was told).
	assumed bool
}

// Spec returns the network the checkpoint holds.
func (ck *Checkpoint) Spec() (Spec, error) {
	if ck.Model == "" {
		return Spec{}, fmt.Errorf("%w: the file does not name its network; choose one with SettleModel", ErrWrongModel)
	}
	return ParseSpec(ck.Model)
}

// Snapshot captures c's parameters with the given metadata (h.Params and h.Model are
// filled in from c).
func Snapshot(c *Classifier, h CheckpointHeader) *Checkpoint {
	h.Model = c.Spec().Model()
	h.Params = nil
	ck := &Checkpoint{}
	for _, p := range c.params {
		h.Params = append(h.Params, ParamInfo{Name: p.Name(), Shape: slices.Clone([]int(p.Shape()))})
		ck.Weights = append(ck.Weights, slices.Clone(f32(p)))
	}
	ck.CheckpointHeader = h
	return ck
}

// Restore copies the checkpoint's weights into c, after checking the network and every
// parameter's name and shape.
func (ck *Checkpoint) Restore(c *Classifier) error {
	s, err := ck.Spec()
	if err != nil {
		return err
	}
	if !SameNetwork(s, c.Spec()) {
		return fmt.Errorf("%w: the file holds %s, the network is %s", ErrWrongModel, s.Arch(), c.Spec().Arch())
	}
	if len(ck.Params) != len(c.params) || len(ck.Weights) != len(c.params) {
		return fmt.Errorf("%w: %d saved parameters, the network has %d", ErrParamsMismatch, len(ck.Params), len(c.params))
	}
	for i, p := range c.params {
		if ck.Params[i].Name != p.Name() || !slices.Equal(ck.Params[i].Shape, []int(p.Shape())) {
			return fmt.Errorf("%w: saved %s %v, network %s %v", ErrParamsMismatch, ck.Params[i].Name, ck.Params[i].Shape, p.Name(), p.Shape())
		}
	}
	for i, p := range c.params {
		copy(f32(p), ck.Weights[i])
	}
	c.stale = true
	return nil
}

// WriteTo writes the checkpoint as a safetensors file (see safetensors.go). It refuses
// weights that are not finite: no run can continue from them.
func (ck *Checkpoint) WriteTo(w io.Writer) (int64, error) {
	for i, wv := range ck.Weights {
		if j := firstNonFinite(wv); j >= 0 && i < len(ck.Params) {
			return 0, fmt.Errorf("lenet: %s[%d] is %v: a checkpoint holds only finite weights, which a run can continue from", ck.Params[i].Name, j, wv[j])
		}
	}
	f, err := ck.toSafetensors()
	if err != nil {
		return 0, err
	}
	return f.WriteTo(w)
}

// Save writes the checkpoint to path atomically: a temporary file in the same folder,
// synced, then renamed over path (see internal/atomicfile).
func (ck *Checkpoint) Save(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := ck.WriteTo(w)
		return err
	})
}

// ReadCheckpoint decodes a checkpoint: a safetensors file (a checkpoint of this
// project, its digest verified, or the ten tensors of LeNet's PyTorch state_dict alone)
// or the older LENETCKP format, told apart by their first bytes.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(legacyMagic) + 1)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	var ck *Checkpoint
	switch {
	case string(head[:min(len(head), len(legacyMagic))]) == legacyMagic:
		ck, err = readLegacy(br)
	case len(head) > len(legacyMagic) && head[8] == '{': // after safetensors' 8-byte length, its JSON header
		ck, err = readSafetensors(br)
	default:
		return nil, ErrNotCheckpoint
	}
	if err != nil {
		return nil, err
	}
	if err := ck.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return ck, nil
}

// readLegacy decodes the LENETCKP format, verifying its version and digest.
func readLegacy(r io.Reader) (*Checkpoint, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxHeaderBytes+4*maxWeights+64))
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if len(data) < len(legacyMagic)+8+sha256.Size {
		return nil, fmt.Errorf("%w: only %d bytes", ErrCorrupt, len(data))
	}
	body, digest := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], digest) {
		return nil, fmt.Errorf("%w: SHA-256 mismatch (the file was truncated or altered)", ErrCorrupt)
	}
	p := body[len(legacyMagic):]
	version := binary.LittleEndian.Uint32(p)
	if version != 1 && version != legacyVersion {
		return nil, fmt.Errorf("%w %d (this program reads versions 1 to %d)", ErrVersion, version, legacyVersion)
	}
	hlen := int(binary.LittleEndian.Uint32(p[4:]))
	p = p[8:]
	if hlen > len(p) {
		return nil, fmt.Errorf("%w: header of %d bytes in %d", ErrCorrupt, hlen, len(p))
	}
	ck := &Checkpoint{}
	if err := json.Unmarshal(p[:hlen], &ck.CheckpointHeader); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	p = p[hlen:]
	for _, info := range ck.Params {
		n := numel(info.Shape)
		if n < 0 || 4*n > len(p) {
			return nil, fmt.Errorf("%w: parameter %s of shape %v does not fit in the %d bytes left", ErrCorrupt, info.Name, info.Shape, len(p))
		}
		w := make([]float32, n)
		for i := range w {
			w[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		}
		ck.Weights = append(ck.Weights, w)
		p = p[4*n:]
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last parameter", ErrCorrupt, len(p))
	}
	return ck, nil
}

// validate checks what the digest cannot: that the values make sense, so a forged or
// hand-edited checkpoint is refused on loading rather than trained from.
func (ck *Checkpoint) validate() error {
	if ck.WeightsOnly {
		return ck.validateWeights()
	}
	h := ck.CheckpointHeader
	s := h.TrainState
	switch {
	case !(h.Optimizer.LR > 0) || math.IsInf(h.Optimizer.LR, 0):
		return fmt.Errorf("learning rate %v (a run trains with a positive one)", h.Optimizer.LR)
	case h.BatchSize < 1:
		return fmt.Errorf("batch size %d", h.BatchSize)
	case s.Epoch < 0 || h.Epochs < 1 || s.Epoch > h.Epochs:
		return fmt.Errorf("%d epochs done of %d", s.Epoch, h.Epochs)
	case h.TrainExamples < 0 || s.Examples < 0 || (h.TrainExamples > 0 && s.Examples > h.TrainExamples) || (s.Examples > 0 && s.Epoch == h.Epochs):
		return fmt.Errorf("position of %d examples into epoch %d of %d (training set of %d)", s.Examples, s.Epoch+1, h.Epochs, h.TrainExamples)
	case s.Partial.N != float64(s.Examples) || !(s.Partial.Correct >= 0 && s.Partial.Correct <= s.Partial.N) ||
		!(s.Partial.LossSum >= 0) || math.IsInf(s.Partial.LossSum, 0):
		return fmt.Errorf("running totals %+v for %d examples", s.Partial, s.Examples)
	}
	return ck.validateWeights()
}

// validateWeights checks that every weight is finite.
func (ck *Checkpoint) validateWeights() error {
	for i, w := range ck.Weights {
		if j := firstNonFinite(w); j >= 0 {
			return fmt.Errorf("%s[%d] is %v: it was saved from a run whose weights had already diverged; use an earlier checkpoint", ck.Params[i].Name, j, w[j])
		}
	}
	return nil
}

// LoadCheckpoint reads the checkpoint file at path.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ck, err := ReadCheckpoint(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ck, nil
}

// numel is the number of elements of a shape, or -1 for a negative or absurd one.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 || d > maxWeights || n*d > maxWeights {
			return -1
		}
		n *= d
	}
	return n
}
