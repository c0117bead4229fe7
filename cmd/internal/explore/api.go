package explore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/d2l-go/convnets/lenet"
)

// MaxBody is the largest request body the API reads: 784 pixels written with 17 digits
// each take about 15 KB, so 64 KB leaves room for any sensible spelling and none for
// abuse.
const MaxBody = 64 << 10

// route is one path's handlers by method.
type route map[string]func(Writer, *Request)

// routes maps the page's files and the API's paths to their handlers.
func (s *Server) routes() map[string]route {
	routes := map[string]route{
		"/api/forward":  {methodGet: s.handleForwardIndex, methodPost: s.handleForwardPixels},
		"/api/model":    {methodGet: s.handleModel},
		"/api/metrics":  {methodGet: s.handleMetrics},
		"/api/labels":   {methodGet: s.handleLabels},
		"/api/mistakes": {methodGet: s.handleMistakes},
		"/api/events":   {methodGet: s.handleEvents},
		"/api/design":   {methodPost: s.handleDesign},
		"/api/spec":     {methodPost: s.handleSpec},
		"/api/runs":     {methodGet: s.handleRuns, methodPost: s.handleStartRun},
		// The page asks for site.json first: an exported folder's manifest (see
		// cmd/internal/site) makes it run the network in the browser; here it learns that
		// this server answers.
		"/site.json": {methodGet: func(w Writer, r *Request) {
			writeJSON(w, statusOK, map[string]string{"mode": "server"})
		}},
	}
	for path, a := range s.assets {
		routes[path] = route{methodGet: a.serve}
	}
	return routes
}

// Answer answers one request of the page or the API: the server's Handler and the
// WebAssembly explorer (cmd/explore/wasm) both call it, so that they give the same
// answers.
func (s *Server) Answer(w Writer, r *Request) {
	w.SetHeader("X-Content-Type-Options", "nosniff")
	rt, ok := s.router[r.Path]
	if !ok && strings.HasPrefix(r.Path, "/api/runs/") {
		s.handleRun(w, r)
		return
	}
	if !ok {
		writeError(w, statusNotFound, fmt.Sprintf("no such page or API: %s (the API is under /api/: forward, model, metrics, labels, mistakes, events, design, spec, runs)", r.Path))
		return
	}
	method := r.Method
	if method == methodHead {
		method = methodGet
	}
	h, ok := rt[method]
	if !ok {
		allowed := allowedMethods(rt)
		w.SetHeader("Allow", strings.Join(allowed, ", "))
		writeError(w, statusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.Path, orList(allowed)))
		return
	}
	h(w, r)
}

// allowedMethods lists a route's methods, HEAD along with GET, sorted.
func allowedMethods(rt route) []string {
	var m []string
	for k := range rt {
		m = append(m, k)
		if k == methodGet {
			m = append(m, methodHead)
		}
	}
	slices.Sort(m)
	return m
}

// orList writes "A", "A or B", "A, B or C".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w Writer, status int, v any) {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		// Only a NaN or an infinity can fail here: a network that diverged.
		writeError(w, statusInternalServerError, fmt.Sprintf("cannot encode the answer: %v", err))
		return
	}
	w.SetHeader("Content-Type", "application/json")
	w.SetHeader("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// errorResponse is every error's body.
type errorResponse struct {
	Error string `json:"error"`
}

func writeError(w Writer, status int, msg string) {
	w.SetHeader("Content-Type", "application/json")
	w.SetHeader("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorResponse{Error: msg})
}

// namedValues is one layer of a forward answer, or one parameter in /api/model.
type namedValues struct {
	Name   string    `json:"name"`
	Shape  []int     `json:"shape"`
	Values []float32 `json:"values"`
}

// forwardResponse is the answer of /api/forward.
type forwardResponse struct {
	Index         *int          `json:"index,omitempty"`
	Label         *int          `json:"label,omitempty"`
	Pixels        []float32     `json:"pixels"`
	Predicted     int           `json:"predicted"`
	Probabilities []float64     `json:"probabilities"`
	Epoch         int           `json:"epoch"` // the weights are those after this many epochs
	Layers        []namedValues `json:"layers"`
}

// handleForwardIndex runs test image ?index=N.
func (s *Server) handleForwardIndex(w Writer, r *Request) {
	q := r.Query
	if !q.Has("index") {
		writeError(w, statusBadRequest, fmt.Sprintf("missing ?index=N: the test image to run, 0..%d (or POST {\"pixels\": [...]})", s.test.N-1))
		return
	}
	idx, err := strconv.Atoi(q.Get("index"))
	if err != nil {
		writeError(w, statusBadRequest, fmt.Sprintf("index %q is not a whole number; want 0..%d", q.Get("index"), s.test.N-1))
		return
	}
	if idx < 0 || idx >= s.test.N {
		writeError(w, statusBadRequest, fmt.Sprintf("index %d is out of range: the test set has %d images, 0..%d", idx, s.test.N, s.test.N-1))
		return
	}
	label := s.test.Label(idx)
	s.answerForward(w, scale(s.test.Image(idx)), &idx, &label)
}

// forwardRequest is the body of POST /api/forward.
type forwardRequest struct {
	Pixels *[]float64 `json:"pixels"`
}

// handleForwardPixels runs the posted image.
func (s *Server) handleForwardPixels(w Writer, r *Request) {
	px, err := decodePixels(w, r)
	if err != nil {
		writeError(w, statusBadRequest, err.Error())
		return
	}
	s.answerForward(w, px, nil, nil)
}

// decodePixels reads a forwardRequest and checks its pixels.
func decodePixels(w Writer, r *Request) ([]float32, error) {
	body, tooBig, err := readBody(r)
	if tooBig {
		return nil, fmt.Errorf("request body over %d KB; send {\"pixels\": [784 numbers in 0..1]}", MaxBody>>10)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req forwardRequest
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v; send {\"pixels\": [784 numbers in 0..1]}", err)
	}
	if dec.More() {
		return nil, errors.New("malformed JSON: more data after the object; send one {\"pixels\": [...]}")
	}
	if req.Pixels == nil {
		return nil, errors.New("missing \"pixels\": send {\"pixels\": [784 numbers in 0..1]}")
	}
	p := *req.Pixels
	if n := lenet.Height * lenet.Width; len(p) != n {
		return nil, fmt.Errorf("%d pixels; want %dx%d = %d, row-major", len(p), lenet.Height, lenet.Width, n)
	}
	px := make([]float32, len(p))
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("pixel %d (row %d, column %d) is %v; pixels must be in 0..1", i, i/lenet.Width, i%lenet.Width, v)
		}
		px[i] = float32(v)
	}
	return px, nil
}

// answerForward runs pixels through the network and writes the answer.
func (s *Server) answerForward(w Writer, pixels []float32, index, label *int) {
	in, epoch, err := s.forward(pixels)
	if err != nil {
		writeError(w, statusInternalServerError, err.Error())
		return
	}
	resp := forwardResponse{Index: index, Label: label, Pixels: in.Input, Predicted: in.Predicted,
		Probabilities: in.Probs, Epoch: epoch, Layers: make([]namedValues, len(in.Layers))}
	for i, l := range in.Layers {
		resp.Layers[i] = namedValues{Name: l.Layer, Shape: l.Shape, Values: l.Data}
	}
	writeJSON(w, statusOK, resp)
}

// scale maps uint8 pixels to [0,1] as the trainer does.
func scale(px []uint8) []float32 {
	x := make([]float32, len(px))
	for i, v := range px {
		x[i] = float32(v) / 255
	}
	return x
}

// modelResponse is the answer of /api/model.
type modelResponse struct {
	Variant  string              `json:"variant"` // the network (lenet.Spec.Model)
	Source   string              `json:"source"`
	Run      string              `json:"run,omitempty"` // the run the network comes from (GET /api/runs)
	Live     bool                `json:"live"`
	Epoch    int                 `json:"epoch"`  // epochs the weights were trained for
	Epochs   int                 `json:"epochs"` // epochs the training run aims at
	Version  int                 `json:"version"`
	LR       float64             `json:"lr,omitempty"`
	Classes  []string            `json:"classes"`
	TestSize int                 `json:"test_size"`
	Layers   []lenet.LayerLayout `json:"layers"`
	Params   []namedValues       `json:"params"`
	// WeightsOnly says the weights came without a training state (PyTorch's, say): Epoch
	// and Epochs are 0 then, not because the weights are untrained.
	WeightsOnly bool `json:"weights_only,omitempty"`
	// Kernels holds the first layer's kernels after every epoch the server has seen
	// (the first and the latest 99 at most): how they change while training.
	Kernels []kernelSnapshot `json:"kernels"`
}

func (s *Server) handleModel(w Writer, r *Request) {
	s.mu.Lock()
	if s.c == nil {
		s.mu.Unlock()
		writeError(w, statusInternalServerError, errClosed.Error())
		return
	}
	resp := modelResponse{Variant: s.spec.Model(), Source: s.source, Run: s.run, Live: s.live, Epoch: s.header.Epoch, WeightsOnly: s.weightsOnly,
		Epochs: s.header.Epochs, Version: s.version, LR: s.header.Optimizer.LR, Classes: s.classes,
		TestSize: s.test.N, Layers: s.specs, Kernels: slices.Clone(s.kernels)}
	for _, p := range s.c.Params() {
		resp.Params = append(resp.Params, namedValues{Name: p.Name(), Shape: slices.Clone([]int(p.Shape())),
			Values: slices.Clone(p.Value().Data().([]float32))})
	}
	s.mu.Unlock()
	writeJSON(w, statusOK, resp)
}

// metricsResponse is the answer of /api/metrics.
type metricsResponse struct {
	Points lenet.History `json:"points"`
}

func (s *Server) handleMetrics(w Writer, r *Request) {
	s.mu.Lock()
	resp := metricsResponse{Points: slices.Clone(s.header.History)}
	s.mu.Unlock()
	if resp.Points == nil {
		resp.Points = lenet.History{}
	}
	writeJSON(w, statusOK, resp)
}

// labelsResponse is the answer of /api/labels.
type labelsResponse struct {
	Classes []string `json:"classes"`
	Labels  []int    `json:"labels"`
}

func (s *Server) handleLabels(w Writer, r *Request) {
	resp := labelsResponse{Classes: s.classes, Labels: make([]int, s.test.N)}
	for i, l := range s.test.Labels {
		resp.Labels[i] = int(l)
	}
	writeJSON(w, statusOK, resp)
}

// mistake is one wrongly classified test image.
type mistake struct {
	Index     int `json:"index"`
	Label     int `json:"label"`
	Predicted int `json:"predicted"`
}

// mistakesResponse is the answer of /api/mistakes.
type mistakesResponse struct {
	Epoch     int       `json:"epoch"`
	Total     int       `json:"total"`    // test images
	Accuracy  float64   `json:"accuracy"` // 1 - len(Mistakes)/Total
	Confusion [][]int   `json:"confusion"`
	Mistakes  []mistake `json:"mistakes"`
}

func (s *Server) handleMistakes(w Writer, r *Request) {
	resp, err := s.findMistakes()
	if err != nil {
		writeError(w, statusInternalServerError, err.Error())
		return
	}
	writeJSON(w, statusOK, resp)
}

// findMistakes classifies the whole test set with the current weights, once per
// SetWeights. The pass runs on the evaluator, from a snapshot of the weights taken
// under mu, so forward passes are not held up for its second.
func (s *Server) findMistakes() (*mistakesResponse, error) {
	resp, ck, version, err := s.knownMistakes()
	if resp != nil || err != nil {
		return resp, err
	}
	s.evalMu.Lock()
	defer s.evalMu.Unlock()
	s.mu.Lock()
	if s.mistakes != nil && s.mistakesOf == version {
		resp = s.mistakes // found by a request this one waited for
	}
	s.mu.Unlock()
	if resp != nil {
		return resp, nil
	}
	if s.evalClosed {
		return nil, errClosed
	}
	spec, err := ck.Spec()
	if err != nil {
		return nil, err
	}
	if s.eval != nil && !lenet.SameNetwork(s.eval.Spec(), spec) { // a run was loaded
		err := s.eval.Close()
		s.eval = nil
		if err != nil {
			return nil, err
		}
	}
	if s.eval == nil {
		if s.eval, err = lenet.New(lenet.Config{Spec: spec, BatchSize: 1, EvalBatch: evalBatch}); err != nil {
			return nil, err
		}
	}
	if err := ck.Restore(s.eval); err != nil {
		return nil, err
	}
	pred, err := lenet.Predict(s.eval, s.test)
	if err != nil {
		return nil, err
	}
	conf, err := lenet.ConfusionOf(s.test.Labels, pred)
	if err != nil {
		return nil, err
	}
	resp = &mistakesResponse{Epoch: ck.Epoch, Total: s.test.N, Confusion: conf, Mistakes: []mistake{}}
	for i, p := range pred {
		if l := int(s.test.Labels[i]); p != l {
			resp.Mistakes = append(resp.Mistakes, mistake{Index: i, Label: l, Predicted: p})
		}
	}
	resp.Accuracy = 1 - float64(len(resp.Mistakes))/float64(s.test.N)
	s.mu.Lock()
	if s.version == version { // weights set meanwhile make a newer answer due
		s.mistakes, s.mistakesOf = resp, version
	}
	s.mu.Unlock()
	return resp, nil
}

// knownMistakes returns the mistakes of the current weights when they are known, and
// otherwise a snapshot of the weights and their version for the evaluator.
func (s *Server) knownMistakes() (*mistakesResponse, *lenet.Checkpoint, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.c == nil:
		return nil, nil, 0, errClosed
	case s.mistakes != nil && s.mistakesOf == s.version:
		return s.mistakes, nil, s.version, nil
	}
	return nil, lenet.Snapshot(s.c, s.header), s.version, nil
}
