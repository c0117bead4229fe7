package lenet

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

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
	ErrNotCheckpoint  = errors.New("not a checkpoint (neither safetensors nor the older LENETCKP format)")
	ErrCorrupt        = errors.New("checkpoint is corrupt")
	ErrVersion        = errors.New("unsupported checkpoint version")
	ErrWrongModel     = errors.New("checkpoint holds another network")
	ErrUnsettled      = errors.New("the checkpoint does not name its network")
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
		return Spec{}, fmt.Errorf("%w; SettleModel chooses which network its tensors are read as", ErrUnsettled)
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
// project, its digest verified, or a network's PyTorch state_dict alone)
// or the older LENETCKP format, told apart by their first bytes. It reads at most
// maxCheckpointBytes of r (more is refused); ReadCheckpointAt reads a file without
// holding more of it than the network's own tensors.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCheckpointBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if len(data) > maxCheckpointBytes {
		return nil, fmt.Errorf("%w: more than %d bytes, far more than a network within the limits takes", ErrCorrupt, maxCheckpointBytes)
	}
	return ReadCheckpointAt(bytes.NewReader(data), int64(len(data)))
}

// maxCheckpointBytes bounds a checkpoint in the LENETCKP format, and what ReadCheckpoint
// reads of a stream.
const maxCheckpointBytes = maxHeaderBytes + 4*maxWeights + 64

// ReadCheckpointAt decodes the checkpoint of size bytes that r holds, as ReadCheckpoint
// does. A safetensors file's header is read and checked first: a tensor the network
// does not have, or one of another shape, is refused before any tensor is read, so the
// memory taken stays near the network's own size whatever the file holds. A LENETCKP file larger
// than the format's limits is refused before it is read.
func ReadCheckpointAt(r io.ReaderAt, size int64) (*Checkpoint, error) {
	var head [len(legacyMagic) + 1]byte
	n, err := r.ReadAt(head[:min(size, int64(len(head)))], 0)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == min(size, int64(len(head)))) {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	var ck *Checkpoint
	switch {
	case n >= len(legacyMagic) && string(head[:len(legacyMagic)]) == legacyMagic:
		if size > maxCheckpointBytes {
			return nil, fmt.Errorf("%w: %d bytes, more than the LENETCKP format's limit of %d", ErrCorrupt, size, maxCheckpointBytes)
		}
		ck, err = readLegacy(io.NewSectionReader(r, 0, size))
	case n > len(legacyMagic) && head[8] == '{': // after safetensors' 8-byte length, its JSON header
		ck, err = readSafetensorsAt(r, size)
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

// readSafetensorsAt reads a checkpoint in the safetensors format header first: the
// names and shapes are checked against the state_dict of the network it names before
// any tensor is read, so that what is then read is that network's size at most (eight
// bytes a value). A malformed file is ErrCorrupt.
func readSafetensorsAt(r io.ReaderAt, size int64) (*Checkpoint, error) {
	rd, err := safetensors.OpenMax(r, size, maxHeaderBytes)
	var fe *safetensors.FormatError
	if errors.As(err, &fe) {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if err := checkTensorsFirst(rd); err != nil {
		return nil, err
	}
	f, err := rd.File()
	if errors.As(err, &fe) {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	return fromSafetensors(f)
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

// validate checks what the digest cannot: that the metadata as a whole makes sense (the
// settings, the position, the data set and the history) and the weights are finite, so
// a forged or hand-edited checkpoint is refused on loading rather than trained from.
// Every problem found is named, joined with "; " on one line.
func (ck *Checkpoint) validate() error {
	if ck.WeightsOnly {
		return ck.validateWeights()
	}
	h := ck.CheckpointHeader
	s := h.TrainState
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if _, err := ParseSpec(h.Model); err != nil {
		add("network: %v", err)
	}
	if !(h.Optimizer.LR > 0) || math.IsInf(h.Optimizer.LR, 0) {
		add("learning rate %v (a run trains with a positive one)", h.Optimizer.LR)
	}
	if h.BatchSize < 1 {
		add("batch size %d", h.BatchSize)
	}
	positionOK := s.Epoch >= 0 && h.Epochs >= 1 && s.Epoch <= h.Epochs
	if !positionOK {
		add("%d epochs done of %d", s.Epoch, h.Epochs)
	}
	if h.TrainExamples < 0 || s.Examples < 0 || (h.TrainExamples > 0 && s.Examples > h.TrainExamples) || (s.Examples > 0 && s.Epoch == h.Epochs) {
		add("position of %d examples into epoch %d of %d (training set of %d)", s.Examples, s.Epoch+1, h.Epochs, h.TrainExamples)
	}
	if s.Partial.N != float64(s.Examples) || !(s.Partial.Correct >= 0 && s.Partial.Correct <= s.Partial.N) ||
		!(s.Partial.LossSum >= 0) || math.IsInf(s.Partial.LossSum, 0) {
		add("running totals %+v for %d examples", s.Partial, s.Examples)
	}
	if _, err := h.Source(); err != nil {
		add("data set: %v", err)
	}
	if positionOK {
		problems = append(problems, s.History.problems(s.Epoch)...)
	}
	if err := ck.validateWeights(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// problems checks a checkpoint's history against the epochs done: points in order, each
// within the epochs trained (the partial one included), metrics finite and in range, test
// accuracies only at the end of a finished epoch, and one for the last finished epoch, the
// figure a finished run reports.
func (h History) problems(epochsDone int) []string {
	var out []string
	prev := 0.0
	lastTest := false
	for i, p := range h {
		switch {
		case !(p.Epoch > 0 && p.Epoch <= float64(epochsDone+1)):
			out = append(out, fmt.Sprintf("history point %d is at epoch %v, outside (0, %d]", i, p.Epoch, epochsDone+1))
		case p.Epoch < prev:
			out = append(out, fmt.Sprintf("history point %d (epoch %v) comes after one at epoch %v", i, p.Epoch, prev))
		}
		prev = max(prev, p.Epoch)
		if p.TrainLoss == nil && p.TrainAcc == nil && p.TestAcc == nil {
			out = append(out, fmt.Sprintf("history point %d (epoch %v) holds no metric", i, p.Epoch))
		}
		if v := p.TrainLoss; v != nil && !(*v >= 0 && !math.IsInf(*v, 0)) {
			out = append(out, fmt.Sprintf("history point %d (epoch %v) has train loss %v", i, p.Epoch, *v))
		}
		for _, m := range []struct {
			name string
			v    *float64
		}{{"train accuracy", p.TrainAcc}, {"test accuracy", p.TestAcc}} {
			if m.v != nil && !(*m.v >= 0 && *m.v <= 1) {
				out = append(out, fmt.Sprintf("history point %d (epoch %v) has %s %v, outside [0, 1]", i, p.Epoch, m.name, *m.v))
			}
		}
		if p.TestAcc != nil && (p.Epoch != math.Trunc(p.Epoch) || p.Epoch > float64(epochsDone)) {
			out = append(out, fmt.Sprintf("history point %d has a test accuracy at epoch %v, which is not the end of a finished epoch", i, p.Epoch))
		}
		if p.TestAcc != nil && p.Epoch == float64(epochsDone) {
			lastTest = true
		}
	}
	if epochsDone > 0 && !lastTest {
		out = append(out, fmt.Sprintf("the history has no test accuracy for epoch %d, the last one finished (%d points)", epochsDone, len(h)))
	}
	return out
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

// checkTensorsFirst checks the names and shapes of the header against the state_dict
// of the network the metadata names, or, for a file that names none, that its
// tensors are no larger than a network within MaxParams can be: so what is then read
// is bounded whatever the file holds. A file that carries a digest and fails is checked
// against its digest first, through a fixed buffer, so that an altered checkpoint is
// called corrupt (as fromSafetensors calls it) rather than of another network.
func checkTensorsFirst(rd *safetensors.Reader) error {
	mismatch := tensorsMismatch(rd)
	if mismatch == nil {
		return nil
	}
	if digest, ok := rd.Metadata()[metaDigest]; ok {
		sum, err := rd.Sum(metaDigest)
		if err != nil {
			return fmt.Errorf("reading checkpoint: %w", err)
		}
		if hex.EncodeToString(sum[:]) != digest {
			return fmt.Errorf("%w: SHA-256 mismatch (the file was altered)", ErrCorrupt)
		}
	}
	return mismatch
}

// tensorsMismatch is checkTensorsFirst's test of the header alone.
func tensorsMismatch(rd *safetensors.Reader) error {
	model, err := namedModel(rd.Metadata())
	if err != nil {
		return err
	}
	if model == "" {
		for _, t := range rd.Tensors() {
			if !isModuleParam(t.Name) {
				return fmt.Errorf("%w: the file holds a tensor %q; a network's state_dict holds only INDEX.weight and INDEX.bias", ErrParamsMismatch, t.Name)
			}
		}
		if n := rd.DataSize(); n > 8*MaxParams {
			return fmt.Errorf("%w: %d bytes of tensors, more than a network of at most %d parameters holds", ErrParamsMismatch, n, MaxParams)
		}
		return nil
	}
	spec, err := ParseSpec(model)
	if err != nil {
		return fmt.Errorf("%w: the network it names (%s %q): %w", ErrCorrupt, modelKey(rd.Metadata()), model, err)
	}
	d, err := Describe(spec)
	if err != nil {
		return fmt.Errorf("%w: the network it names: %w", ErrCorrupt, err)
	}
	entries := stateDict(d)
	for _, t := range rd.Tensors() {
		k := slices.IndexFunc(entries, func(e stateDictEntry) bool { return e.key == t.Name })
		switch {
		case k < 0:
			return fmt.Errorf("%w: the file holds a tensor %q; the state_dict of %s is exactly %s", ErrParamsMismatch, t.Name, spec.Model(), stateDictList(entries))
		case !slices.Equal(t.Shape, entries[k].shape):
			return fmt.Errorf("%w: tensor %q has shape %v; in %s it is %v", ErrParamsMismatch, t.Name, t.Shape, spec.Model(), entries[k].shape)
		}
	}
	return nil
}

// isModuleParam reports whether name is a state_dict key of an nn.Sequential's module:
// "3.weight", "11.bias".
func isModuleParam(name string) bool {
	index, param, ok := strings.Cut(name, ".")
	if !ok || (param != "weight" && param != "bias") || index == "" || len(index) > 4 {
		return false
	}
	return strings.Trim(index, "0123456789") == ""
}

// namedModel is the network a safetensors file's metadata names (lenet.variant, else
// lenet.state's), "" when it names none.
func namedModel(meta map[string]string) (string, error) {
	if name, ok := meta[metaVariant]; ok {
		return name, nil
	}
	state, ok := meta[metaState]
	if !ok {
		return "", nil
	}
	var h struct {
		Model string `json:"variant"`
	}
	if err := json.Unmarshal([]byte(state), &h); err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrCorrupt, metaState, err)
	}
	return h.Model, nil
}

// LoadCheckpoint reads the checkpoint file at path (see ReadCheckpointAt). Anything but
// a regular file (a FIFO, a device, a folder) is refused by its type before it is
// opened: opening a FIFO for reading waits for a writer, and a device may never end.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	if err := RegularFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() { // replaced between the check and the opening
		return nil, fmt.Errorf("%s: %w", path, notRegular(st.Mode()))
	}
	ck, err := ReadCheckpointAt(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ck, nil
}

// ErrNotRegular is the error of a path that names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// RegularFile returns nil when path names a regular file (through symbolic links), and
// otherwise an error wrapping ErrNotRegular that says what it is, or the error of
// os.Stat.
func RegularFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", path, notRegular(st.Mode()))
	}
	return nil
}

// notRegular says what a file of mode m is instead of a regular file.
func notRegular(m os.FileMode) error {
	kind := "a special file"
	switch {
	case m.IsDir():
		kind = "a folder"
	case m&os.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		kind = "a socket"
	case m&os.ModeCharDevice != 0:
		kind = "a character device"
	case m&os.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("%w: it is %s; name a checkpoint file", ErrNotRegular, kind)
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
