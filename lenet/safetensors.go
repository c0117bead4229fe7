package lenet

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/d2l-go/convnets/internal/safetensors"
)

// A checkpoint is a safetensors file whose tensors are the PyTorch state_dict of the
// nn.Sequential its network describes (see stateDict), so that PyTorch's
// load_state_dict takes it as it is, and whose metadata holds:
//
//	format          "pt": the tensors are in PyTorch's layout (Hugging Face's convention)
//	lenet.variant   the network: "classic", "modern" or a spec's compact form
//	                (Spec.Model)
//	lenet.spec      the network's layers in the compact form (Spec.Arch), for readers
//	                that do not know the presets
//	lenet.state     the CheckpointHeader as one JSON value (Params left out: the
//	                tensors say them), so fields added to it are saved with no change here
//	lenet.sha256    the hex SHA-256 of everything else (safetensors.File.Sum), which
//	                catches an altered file (the format's own checks catch a cut one)
//
// A file without lenet.state holds weights only, PyTorch's for example: it loads for
// evaluation, its digest checked when it has one. When it does not name its network
// either, SettleModel says which network its tensors are read as.
const (
	metaFormat  = "format"
	metaVariant = "lenet.variant"
	metaSpec    = "lenet.spec"
	metaState   = "lenet.state"
	metaDigest  = "lenet.sha256"
)

// toSafetensors lays the checkpoint out as a safetensors file.
func (ck *Checkpoint) toSafetensors() (*safetensors.File, error) {
	s, err := ck.Spec()
	if err != nil {
		return nil, err
	}
	d, err := Describe(s)
	if err != nil {
		return nil, err
	}
	entries := stateDict(d)
	if len(ck.Params) != len(entries) || len(ck.Weights) != len(entries) {
		return nil, fmt.Errorf("%w: %d parameters and %d weight tensors; the network %s has %d", ErrParamsMismatch, len(ck.Params), len(ck.Weights), s.Model(), len(entries))
	}
	f := &safetensors.File{Metadata: map[string]string{metaFormat: "pt"}}
	if !ck.assumed {
		f.Metadata[metaVariant], f.Metadata[metaSpec] = ck.Model, s.Arch()
	}
	for i, e := range entries {
		p, w := ck.Params[i], ck.Weights[i]
		if p.Name != e.param || !slices.Equal(p.Shape, e.localShape()) || len(w) != numel(p.Shape) {
			return nil, fmt.Errorf("%w: parameter %d is %s %v with %d values; want %s %v", ErrParamsMismatch, i, p.Name, p.Shape, len(w), e.param, e.localShape())
		}
		f.Tensors = append(f.Tensors, safetensors.FromFloat32s(e.key, e.shape, e.toTorch(w)))
	}
	if !ck.WeightsOnly {
		state := ck.CheckpointHeader
		state.Params = nil
		js, err := json.Marshal(state)
		if err != nil {
			return nil, fmt.Errorf("lenet: encoding the checkpoint's state: %w", err)
		}
		f.Metadata[metaState] = string(js)
	}
	sum := f.Sum(metaDigest)
	f.Metadata[metaDigest] = hex.EncodeToString(sum[:])
	return f, nil
}

// fromSafetensors reads a checkpoint, or bare weights, out of a safetensors file.
func fromSafetensors(f *safetensors.File) (*Checkpoint, error) {
	ck := &Checkpoint{}
	state, hasState := f.Metadata[metaState]
	digest, hasDigest := f.Metadata[metaDigest]
	if hasState && !hasDigest {
		return nil, fmt.Errorf("%w: it has %s but no %s", ErrCorrupt, metaState, metaDigest)
	}
	if sum := f.Sum(metaDigest); hasDigest && hex.EncodeToString(sum[:]) != digest {
		return nil, fmt.Errorf("%w: SHA-256 mismatch (the file was altered)", ErrCorrupt)
	}
	if hasState {
		if err := json.Unmarshal([]byte(state), &ck.CheckpointHeader); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, metaState, err)
		}
		ck.Params = nil
	} else {
		ck.WeightsOnly = true
	}
	if name, ok := f.Metadata[metaVariant]; ok {
		if hasState && name != ck.Model {
			return nil, fmt.Errorf("%w: %s says %q, %s says %q", ErrCorrupt, metaVariant, name, metaState, ck.Model)
		}
		ck.Model = name
	}
	if ck.Model == "" {
		if hasState {
			return nil, fmt.Errorf("%w: %s names no network", ErrCorrupt, metaState)
		}
		ck.unsettled = f
		return ck, nil
	}
	s, err := ParseSpec(ck.Model)
	if err != nil {
		return nil, fmt.Errorf("%w: the network it names (%s %q): %w", ErrCorrupt, modelKey(f.Metadata), ck.Model, err)
	}
	if arch, ok := f.Metadata[metaSpec]; ok && arch != s.Arch() {
		return nil, fmt.Errorf("%w: %s says %q, %s says %q", ErrCorrupt, metaSpec, arch, metaVariant, s.Arch())
	}
	return ck, ck.readTensors(f, s)
}

// readTensors reads the file's tensors as the state_dict of network s, into ck's
// Params and Weights in this project's layouts. Every name and shape is checked
// before any tensor is decoded.
func (ck *Checkpoint) readTensors(f *safetensors.File, s Spec) error {
	d, err := Describe(s)
	if err != nil {
		return err
	}
	entries := stateDict(d)
	for _, name := range f.Names() {
		if !slices.ContainsFunc(entries, func(e stateDictEntry) bool { return e.key == name }) {
			return fmt.Errorf("%w: the file holds a tensor %q; the state_dict of %s is exactly %s", ErrParamsMismatch, name, s.Model(), stateDictList(entries))
		}
	}
	for _, e := range entries {
		t, ok := f.Tensor(e.key)
		if !ok {
			return fmt.Errorf("%w: the file has no tensor %q; the state_dict of %s is exactly %s", ErrParamsMismatch, e.key, s.Model(), stateDictList(entries))
		}
		if !slices.Equal(t.Shape, e.shape) {
			return fmt.Errorf("%w: tensor %q has shape %v; in %s it is %v", ErrParamsMismatch, e.key, t.Shape, s.Model(), e.shape)
		}
	}
	ck.Params, ck.Weights = nil, nil
	for _, e := range entries {
		t, _ := f.Tensor(e.key)
		v, err := t.Float32s()
		if err != nil {
			return err
		}
		ck.Params = append(ck.Params, ParamInfo{Name: e.param, Shape: e.localShape()})
		ck.Weights = append(ck.Weights, e.fromTorch(v))
	}
	return nil
}

// modelKey is the metadata key a file names its network in: lenet.variant, or the
// state's when the file has no lenet.variant.
func modelKey(meta map[string]string) string {
	if _, ok := meta[metaVariant]; ok {
		return metaVariant
	}
	return metaState
}
