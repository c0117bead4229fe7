package lenet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/d2l-go/convnets/internal/safetensors"
)

// A checkpoint is a safetensors file whose tensors are the d2l LeNet's PyTorch
// state_dict (see stateDict), so that PyTorch's load_state_dict takes it as it is, and
// whose metadata holds:
//
//	format          "pt": the tensors are in PyTorch's layout (Hugging Face's convention)
//	lenet.variant   "classic", "modern" or the spec string of another network with
//	                LeNet's tensors (Spec.Variant)
//	lenet.state     the CheckpointHeader as one JSON value (Params left out: the
//	                tensors say them), so fields added to it are saved with no change here
//	lenet.sha256    the hex SHA-256 of everything else (safetensors.File.Sum), which
//	                catches an altered file (the format's own checks catch a cut one)
//
// A file with the ten tensors and without lenet.state holds weights only, PyTorch's for
// example: it loads for evaluation, its digest checked when it has one.
const (
	metaFormat  = "format"
	metaVariant = "lenet.variant"
	metaState   = "lenet.state"
	metaDigest  = "lenet.sha256"
)

// toSafetensors lays the checkpoint out as a safetensors file.
func (ck *Checkpoint) toSafetensors() (*safetensors.File, error) {
	if len(ck.Params) != len(stateDict) || len(ck.Weights) != len(stateDict) {
		return nil, fmt.Errorf("%w: %d parameters and %d weight tensors; LeNet has %d", ErrParamsMismatch, len(ck.Params), len(ck.Weights), len(stateDict))
	}
	f := &safetensors.File{Metadata: map[string]string{metaFormat: "pt"}}
	for i, e := range stateDict {
		p, w := ck.Params[i], ck.Weights[i]
		if p.Name != e.param || !slices.Equal(p.Shape, e.localShape()) || len(w) != numel(p.Shape) {
			return nil, fmt.Errorf("%w: parameter %d is %s %v with %d values; want %s %v", ErrParamsMismatch, i, p.Name, p.Shape, len(w), e.param, e.localShape())
		}
		f.Tensors = append(f.Tensors, safetensors.FromFloat32s(e.key, e.shape, e.toTorch(w)))
	}
	if ck.Variant != "" {
		f.Metadata[metaVariant] = string(ck.Variant)
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
		if _, err := SpecOf(ck.Variant); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, metaState, err)
		}
	} else {
		ck.WeightsOnly = true
	}
	if name, ok := f.Metadata[metaVariant]; ok {
		// A preset or the spec string of a network with LeNet's tensors (Spec.Variant);
		// the tensors' shapes are checked below.
		v := Variant(name)
		_, err := SpecOf(v)
		switch {
		case err != nil:
			return nil, fmt.Errorf("metadata %s: %w", metaVariant, err)
		case hasState && v != ck.Variant:
			return nil, fmt.Errorf("%w: %s says %q, %s says %q", ErrCorrupt, metaVariant, v, metaState, ck.Variant)
		}
		ck.Variant = v
	}
	for _, name := range f.Names() {
		if StateDictShape(name) == nil {
			return nil, fmt.Errorf("%w: the file holds a tensor %q; LeNet's state_dict is exactly %s", ErrParamsMismatch, name, stateDictList())
		}
	}
	for _, e := range stateDict {
		t, ok := f.Tensor(e.key)
		if !ok {
			return nil, fmt.Errorf("%w: the file has no tensor %q; LeNet's state_dict is exactly %s", ErrParamsMismatch, e.key, stateDictList())
		}
		if !slices.Equal(t.Shape, e.shape) {
			return nil, fmt.Errorf("%w: tensor %q has shape %v; LeNet's is %v", ErrParamsMismatch, e.key, t.Shape, e.shape)
		}
		v, err := t.Float32s()
		if err != nil {
			return nil, err
		}
		ck.Params = append(ck.Params, ParamInfo{Name: e.param, Shape: e.localShape()})
		ck.Weights = append(ck.Weights, e.fromTorch(v))
	}
	return ck, nil
}

// readSafetensors reads a checkpoint in the safetensors format; a malformed file is
// ErrCorrupt.
func readSafetensors(r io.Reader) (*Checkpoint, error) {
	f, err := safetensors.Read(r)
	var fe *safetensors.FormatError
	if errors.As(err, &fe) {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	return fromSafetensors(f)
}
