package explore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/d2l-go/convnets/lenet"
)

// designRequest is the body of POST /api/design; Spec is a JSON string (a preset or
// the compact form) or the spec's JSON form, an object or a list of layers.
type designRequest struct {
	Spec json.RawMessage `json:"spec"`
}

// specErrorResponse is the answer to a spec that cannot be built: the reason and the
// layer that breaks, counted from 0 in the normalized spec's layers (-1 for the spec
// as a whole or a training setting).
type specErrorResponse struct {
	Error string `json:"error"`
	Layer int    `json:"layer"`
}

// writeSpecError answers err, a *lenet.SpecError or any other error of reading a
// spec, as a 400 with the layer that breaks.
func writeSpecError(w Writer, err error) {
	resp := specErrorResponse{Error: err.Error(), Layer: -1}
	var se *lenet.SpecError
	if errors.As(err, &se) {
		resp.Layer = se.Layer
	}
	writeJSON(w, statusBadRequest, resp)
}

// readJSON reads a JSON request body of at most MaxBody bytes into v, refusing
// unknown fields and anything after the object; example is what to send, for the
// messages.
func readJSON(w Writer, r *Request, v any, example string) error {
	body, tooBig, err := readBody(r)
	if tooBig {
		return fmt.Errorf("request body over %d KB; send %s", MaxBody>>10, example)
	}
	if err != nil {
		return fmt.Errorf("reading the request body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON: %v; send %s", err, example)
	}
	if dec.More() {
		return fmt.Errorf("malformed JSON: more data after the object; send one %s", example)
	}
	return nil
}

// parseSpecField reads a request's "spec": a JSON string or the spec's JSON form.
func parseSpecField(raw json.RawMessage) (lenet.Spec, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return lenet.Spec{}, errors.New(`missing "spec": send a preset (classic, modern), a spec string such as "conv8k3s2-tanh-dense32", or its JSON form`)
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return lenet.Spec{}, fmt.Errorf(`"spec": %v`, err)
		}
		return lenet.ParseSpec(s)
	}
	if raw[0] == '{' || raw[0] == '[' {
		return lenet.ParseSpec(string(raw))
	}
	return lenet.Spec{}, fmt.Errorf(`"spec" is %s; want a string or the spec's JSON form (an object or a list of layers)`, raw)
}

const designExample = `{"spec": "conv8k3s2-tanh-dense32"}`

// handleDesign describes a spec: lenet.Describe's answer, as cmd/describe -json prints
// it, or the layer that breaks and why.
func (s *Server) handleDesign(w Writer, r *Request) {
	var req designRequest
	if err := readJSON(w, r, &req, designExample); err != nil {
		writeSpecError(w, err)
		return
	}
	spec, err := parseSpecField(req.Spec)
	if err != nil {
		writeSpecError(w, err)
		return
	}
	d, err := lenet.Describe(spec)
	if err != nil {
		writeSpecError(w, err)
		return
	}
	writeJSON(w, statusOK, d)
}

// specResponse is the answer of POST /api/spec: the spec read and normalized (the
// Flatten it implies listed), in its compact form and as layers; on a 400 the error,
// the layer that breaks and, when the layers could be read, those layers, so that a
// page's rows and the error's layer number count the same list.
type specResponse struct {
	Error  string        `json:"error,omitempty"`
	Layer  *int          `json:"layer,omitempty"`
	Spec   string        `json:"spec,omitempty"` // lenet.Spec.String: the layers and the training settings given
	Arch   string        `json:"arch,omitempty"` // lenet.Spec.Arch: the layers alone
	Layers []lenet.Layer `json:"layers"`
	LR     float64       `json:"lr"`     // the spec's learning rate, its default when it names none
	Epochs int           `json:"epochs"` // likewise
}

// handleSpec reads a spec for the page's rows.
func (s *Server) handleSpec(w Writer, r *Request) {
	var req designRequest
	if err := readJSON(w, r, &req, designExample); err != nil {
		writeSpecError(w, err)
		return
	}
	spec, err := parseSpecField(req.Spec)
	if err != nil {
		resp := specResponse{Error: err.Error(), Layer: new(int), Layers: []lenet.Layer{}}
		*resp.Layer = -1
		var se *lenet.SpecError
		if errors.As(err, &se) {
			*resp.Layer = se.Layer
		}
		// Layers that decode as JSON are answered normalized, as the error counts them.
		if raw := bytes.TrimSpace(req.Spec); len(raw) > 0 && (raw[0] == '[' || raw[0] == '{') {
			var sp lenet.Spec
			var derr error
			if raw[0] == '[' {
				derr = json.Unmarshal(raw, &sp.Layers)
			} else {
				derr = json.Unmarshal(raw, &sp)
			}
			if derr == nil {
				resp.Layers = sp.Normalized().Layers
			}
		}
		writeJSON(w, statusBadRequest, resp)
		return
	}
	writeJSON(w, statusOK, specResponse{Spec: spec.String(), Arch: spec.Arch(), Layers: spec.Layers, LR: spec.LearningRate(), Epochs: spec.EpochCount()})
}
