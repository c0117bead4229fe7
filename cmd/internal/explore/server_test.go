package explore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// testSet is n generated 28x28 images (a bright rectangle of random size on noise) with
// labels i mod 10: the API does not need real data.
func testSet(t testing.TB, n int) *dataset.Set {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	px := make([]uint8, n*lenet.Height*lenet.Width)
	labels := make([]uint8, n)
	for i := range n {
		labels[i] = uint8(i % 10)
		r0, c0 := rng.IntN(10), rng.IntN(10)
		for k := range lenet.Height * lenet.Width {
			r, c := k/lenet.Width, k%lenet.Width
			v := uint8(rng.IntN(40))
			if r >= r0 && r < r0+12 && c >= c0 && c < c0+8+i%8 {
				v = uint8(150 + rng.IntN(100))
			}
			px[i*lenet.Height*lenet.Width+k] = v
		}
	}
	s, err := dataset.NewSet(px, labels, n, lenet.Height, lenet.Width)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// spec is lenet.ParseSpec for specs a test knows to be good.
func spec(t testing.TB, v string) lenet.Spec {
	t.Helper()
	s, err := lenet.ParseSpec(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// weights returns a snapshot of a fresh classifier of network v (a preset or a spec)
// whose biases are random too (zero biases would hide a bias added wrongly).
func weights(t testing.TB, v string, seed uint64) *lenet.Checkpoint {
	t.Helper()
	c := lenettest.New(t, lenet.Config{Spec: spec(t, v), BatchSize: 1, EvalBatch: 1, Seed: seed})
	rng := rand.New(rand.NewPCG(seed, 3))
	lenettest.SetBiases(c, func(int) float32 { return float32(rng.Float64() - 0.5) })
	one := 0.5
	h := lenet.CheckpointHeader{Epochs: 3}
	h.Epoch, h.History = 1, lenet.History{{Epoch: 1, TestAcc: &one}}
	return lenet.Snapshot(c, h)
}

func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// do sends one request to h and returns the status and body.
func do(t testing.TB, h http.Handler, method, target, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, r))
	return rec.Code, rec.Header(), rec.Body.Bytes()
}

func getForward(t testing.TB, h http.Handler, method, target, body string) forwardResponse {
	t.Helper()
	code, hdr, b := do(t, h, method, target, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, target, code, b)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, target, ct)
	}
	var a forwardResponse
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	return a
}

// A test image's forward holds every layer in order with the network's own values: the
// same as lenet.Inspect with the same weights, bit for bit.
func TestForwardIndex(t *testing.T) {
	test := testSet(t, 20)
	// The modules of each network, the last dense layer included.
	modules := map[string]int{lenet.Classic: 12, lenet.Modern: 12, "conv4k3x5p1x2s2-tanh-max3s2p1-conv6k3-avg2-dense12-sigmoid": 9}
	for _, v := range append(slices.Clone(lenet.Presets), "conv4k3x5p1x2s2-tanh-max3s2p1-conv6k3-avg2-dense12-sigmoid") {
		ck := weights(t, v, 5)
		s := newServer(t, Config{Weights: ck, Test: test})
		a := getForward(t, s.Handler(), "GET", "/api/forward?index=13", "")

		c := lenettest.New(t, lenet.Config{Spec: spec(t, v), BatchSize: 1, EvalBatch: 1})
		if err := ck.Restore(c); err != nil {
			t.Fatal(err)
		}
		want, err := lenet.Inspect(c, scale(test.Image(13)))
		if err != nil {
			t.Fatal(err)
		}
		specs, err := lenet.Layout(spec(t, v))
		if err != nil {
			t.Fatal(err)
		}
		if a.Index == nil || *a.Index != 13 || a.Label == nil || *a.Label != 3 || a.Epoch != 1 {
			t.Errorf("%s: index %v label %v epoch %d; want 13, 3, 1", v, a.Index, a.Label, a.Epoch)
		}
		if len(a.Pixels) != 784 {
			t.Fatalf("%s: %d pixels", v, len(a.Pixels))
		}
		for k, px := range test.Image(13) {
			if a.Pixels[k] != float32(px)/255 {
				t.Fatalf("%s: pixel %d is %v; want %d/255", v, k, a.Pixels[k], px)
			}
		}
		if len(a.Layers) != modules[v] || len(want.Layers) != modules[v] || len(specs) != modules[v] {
			t.Fatalf("%s: %d layers, want %d", v, len(a.Layers), modules[v])
		}
		// The names are Inspect's (the layers' own, "Conv2d(1->6, 5x5, padding 2)"); the
		// layout of /api/model names the same modules as PyTorch writes them.
		for i, l := range a.Layers {
			if l.Name != want.Layers[i].Layer || !slices.Equal(l.Shape, specs[i].Output) || !slices.Equal(l.Values, want.Layers[i].Data) {
				t.Errorf("%s: layer %d is %s %v (%d values); want %s %v with Inspect's values", v, i, l.Name, l.Shape, len(l.Values), want.Layers[i].Layer, specs[i].Output)
			}
		}
		if !slices.Equal(a.Probabilities, want.Probs) || a.Predicted != want.Predicted {
			t.Errorf("%s: probabilities %v predicted %d; want %v, %d", v, a.Probabilities, a.Predicted, want.Probs, want.Predicted)
		}
	}
}

// POSTing the pixels a GET returned gives the same answer; a posted image has no index
// or label.
func TestForwardPostRoundTrip(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 2), Test: testSet(t, 50)})
	h := s.Handler()
	got := getForward(t, h, "GET", "/api/forward?index=42", "")
	body, _ := json.Marshal(map[string]any{"pixels": got.Pixels})
	post := getForward(t, h, "POST", "/api/forward", string(body))
	if !slices.Equal(post.Probabilities, got.Probabilities) || post.Predicted != got.Predicted {
		t.Errorf("POST probabilities %v, GET %v", post.Probabilities, got.Probabilities)
	}
	if post.Index != nil || post.Label != nil {
		t.Errorf("POST answer has index %v label %v; want neither", post.Index, post.Label)
	}
	_, _, raw := do(t, h, "POST", "/api/forward", string(body))
	if strings.Contains(string(raw), `"label"`) || strings.Contains(string(raw), `"index"`) {
		t.Errorf("POST answer names a label or index: %.200s", raw)
	}
}

// Every bad request gets a 400 (404, 405) with one JSON error, and the server keeps
// serving.
func TestBadRequests(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 20)})
	h := s.Handler()
	pixels := func(n int, v string) string {
		return `{"pixels": [` + strings.TrimSuffix(strings.Repeat(v+",", n), ",") + `]}`
	}
	almost := strings.Replace(pixels(784, "0.5"), "0.5", "1.5", 1)
	negative := strings.Replace(pixels(784, "0.5"), "0.5,0.5,0.5", "0.5,0.5,-0.01", 1)
	cases := []struct {
		method, target, body string
		code                 int
		want                 string
	}{
		{"GET", "/api/forward", "", 400, "missing ?index=N: the test image to run, 0..19"},
		{"GET", "/api/forward?index=abc", "", 400, `index "abc" is not a whole number; want 0..19`},
		{"GET", "/api/forward?index=20", "", 400, "index 20 is out of range: the test set has 20 images, 0..19"},
		{"GET", "/api/forward?index=-1", "", 400, "index -1 is out of range"},
		{"GET", "/api/forward?index=99999999999999999999", "", 400, "is not a whole number"},
		{"POST", "/api/forward", pixels(783, "0"), 400, "783 pixels; want 28x28 = 784, row-major"},
		{"POST", "/api/forward", pixels(785, "0"), 400, "785 pixels; want 28x28 = 784"},
		{"POST", "/api/forward", `{"pixels": []}`, 400, "0 pixels; want 28x28 = 784"},
		{"POST", "/api/forward", almost, 400, "pixel 0 (row 0, column 0) is 1.5; pixels must be in 0..1"},
		{"POST", "/api/forward", negative, 400, "pixel 2 (row 0, column 2) is -0.01; pixels must be in 0..1"},
		{"POST", "/api/forward", strings.Replace(pixels(784, "0"), "0", "NaN", 1), 400, "malformed JSON"},
		{"POST", "/api/forward", strings.Replace(pixels(784, "0"), "0", `"NaN"`, 1), 400, "malformed JSON"},
		{"POST", "/api/forward", strings.Replace(pixels(784, "0"), "0", "1e999", 1), 400, "malformed JSON"},
		{"POST", "/api/forward", `{"pixels": [0, 1`, 400, "malformed JSON"},
		{"POST", "/api/forward", `[1, 2]`, 400, "malformed JSON"},
		{"POST", "/api/forward", "", 400, "malformed JSON: EOF"},
		{"POST", "/api/forward", `{"pixel": [0]}`, 400, `unknown field "pixel"`},
		{"POST", "/api/forward", `{}`, 400, `missing "pixels"`},
		{"POST", "/api/forward", `{"pixels": null}`, 400, `missing "pixels"`},
		{"POST", "/api/forward", pixels(784, "0") + `{}`, 400, "more data after the object"},
		{"POST", "/api/forward", `{"pixels": [` + strings.Repeat(" ", MaxBody) + `0]}`, 400, "request body over 64 KB"},
		{"GET", "/api/nothing", "", 404, "no such page or API: /api/nothing"},
		{"GET", "/../../etc/passwd", "", 404, "no such page or API"},
		{"GET", "/index.htm", "", 404, "no such page or API"},
		{"DELETE", "/api/forward", "", 405, "method DELETE is not allowed on /api/forward; use GET, HEAD or POST"},
		{"POST", "/api/model", "{}", 405, "method POST is not allowed on /api/model; use GET or HEAD"},
		{"PUT", "/", "", 405, "use GET or HEAD"},
	}
	for i, tc := range cases {
		code, hdr, body := do(t, h, tc.method, tc.target, tc.body)
		var e errorResponse
		err := json.Unmarshal(body, &e)
		if code != tc.code || err != nil || !strings.Contains(e.Error, tc.want) || strings.Count(string(body), "\n") != 1 {
			t.Errorf("case %d %s %s: %d %q; want %d with an error containing %q", i, tc.method, tc.target, code, body, tc.code, tc.want)
		}
		if code == 405 && hdr.Get("Allow") == "" {
			t.Errorf("case %d: 405 without an Allow header", i)
		}
		if hdr.Get("Content-Type") != "application/json" {
			t.Errorf("case %d: Content-Type %q", i, hdr.Get("Content-Type"))
		}
	}
	getForward(t, h, "GET", "/api/forward?index=0", "") // still serving
	getForward(t, h, "POST", "/api/forward", pixels(784, "1"))
}

func TestModel(t *testing.T) {
	ck := weights(t, lenet.Modern, 4)
	s := newServer(t, Config{Weights: ck, Test: testSet(t, 10), Source: "test weights"})
	code, _, body := do(t, s.Handler(), "GET", "/api/model", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var m modelResponse
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	specs, _ := lenet.Layout(lenet.ModernSpec())
	if m.Variant != lenet.Modern || m.Source != "test weights" || m.Live || m.Epoch != 1 || m.Epochs != 3 || m.TestSize != 10 ||
		len(m.Classes) != 10 || m.Classes[9] != "ankle boot" || len(m.Layers) != len(specs) {
		t.Errorf("model %+v", m)
	}
	if len(m.Params) != len(ck.Params) {
		t.Fatalf("%d params, want %d", len(m.Params), len(ck.Params))
	}
	for i, p := range m.Params {
		if p.Name != ck.Params[i].Name || !slices.Equal(p.Shape, ck.Params[i].Shape) || !slices.Equal(p.Values, ck.Weights[i]) {
			t.Errorf("param %d: %s %v; want %s %v with the checkpoint's values", i, p.Name, p.Shape, ck.Params[i].Name, ck.Params[i].Shape)
		}
	}
	for i, l := range m.Layers {
		if l.Kind == lenet.KindConv || l.Kind == lenet.KindLinear {
			if !slices.ContainsFunc(m.Params, func(p namedValues) bool { return p.Name == l.Weight }) ||
				!slices.ContainsFunc(m.Params, func(p namedValues) bool { return p.Name == l.Bias }) {
				t.Errorf("layer %d (%s) names parameters %q, %q that /api/model does not list", i, l.Name, l.Weight, l.Bias)
			}
		}
	}
}

// Weights read back from a safetensors file, checkpoint or PyTorch's weights alone,
// are served under the parameter names of lenet.Layout, with the values written, and
// conv1's kernels; weights without a training state say so.
func TestModelFromSafetensors(t *testing.T) {
	ck := weights(t, lenet.Classic, 6)
	for _, weightsOnly := range []bool{false, true} {
		saved := *ck
		saved.WeightsOnly = weightsOnly
		saved.BatchSize, saved.Optimizer = 64, lenet.Optimizer{Name: "sgd", LR: 0.1} // what a file's state must hold
		var buf bytes.Buffer
		if _, err := saved.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		read, err := lenet.ReadCheckpoint(&buf)
		if err != nil {
			t.Fatalf("weights only %v: %v", weightsOnly, err)
		}
		s := newServer(t, Config{Weights: read, Test: testSet(t, 10)})
		_, _, body := do(t, s.Handler(), "GET", "/api/model", "")
		var m modelResponse
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		want := map[bool]int{false: 1, true: 0}[weightsOnly]
		if m.WeightsOnly != weightsOnly || m.Epoch != want || len(m.Params) != len(ck.Params) {
			t.Fatalf("weights only %v: weights_only %v, epoch %d, %d params", weightsOnly, m.WeightsOnly, m.Epoch, len(m.Params))
		}
		for i, p := range m.Params {
			if p.Name != ck.Params[i].Name || !slices.Equal(p.Values, ck.Weights[i]) {
				t.Errorf("weights only %v: param %d is %s; want %s with the values written", weightsOnly, i, p.Name, ck.Params[i].Name)
			}
		}
		if m.Layers[0].Weight != "conv1.weight" || len(m.Kernels) != 1 || !slices.Equal(m.Kernels[0].Values, ck.Weights[0]) {
			t.Errorf("weights only %v: layer 0 weight %q, %d kernel snapshots; want conv1.weight's values once", weightsOnly, m.Layers[0].Weight, len(m.Kernels))
		}
	}
}

func TestLabelsAndMistakes(t *testing.T) {
	test := testSet(t, 37)
	ck := weights(t, lenet.Classic, 9)
	s := newServer(t, Config{Weights: ck, Test: test})
	h := s.Handler()
	var lab labelsResponse
	_, _, body := do(t, h, "GET", "/api/labels", "")
	if err := json.Unmarshal(body, &lab); err != nil || len(lab.Labels) != 37 || lab.Labels[36] != 6 || lab.Classes[0] != "t-shirt" {
		t.Errorf("labels %s (%v)", body, err)
	}

	c := lenettest.New(t, lenet.Config{Spec: lenet.ClassicSpec(), BatchSize: 1, EvalBatch: 7})
	if err := ck.Restore(c); err != nil {
		t.Fatal(err)
	}
	pred, err := lenet.Predict(c, test)
	if err != nil {
		t.Fatal(err)
	}
	var m mistakesResponse
	_, _, body = do(t, h, "GET", "/api/mistakes", "")
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	var want []mistake
	for i, p := range pred {
		if p != test.Label(i) {
			want = append(want, mistake{i, test.Label(i), p})
		}
	}
	if len(want) == 0 || !slices.Equal(m.Mistakes, want) || m.Total != 37 || m.Epoch != 1 {
		t.Errorf("mistakes %+v; want %+v", m, want)
	}
	sum, diag := 0, 0
	for i, row := range m.Confusion {
		for j, v := range row {
			sum += v
			if i == j {
				diag += v
			}
		}
	}
	if sum != 37 || diag != 37-len(want) || m.Accuracy != float64(diag)/37 {
		t.Errorf("confusion sums to %d with %d right, accuracy %v", sum, diag, m.Accuracy)
	}
}

// The page's files are embedded, and name nothing outside the server.
func TestAssets(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 10)})
	h := s.Handler()
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for _, tc := range []struct{ path, ctype, want string }{
		{"/", "text/html; charset=utf-8", "<title>CNN explorer</title>"},
		{"/index.html", "text/html; charset=utf-8", `<script type="module" src="app.js"></script>`},
		{"/app.js", "text/javascript; charset=utf-8", "import {api} from './api.js';"},
		{"/design.js", "text/javascript; charset=utf-8", "import {api} from './api.js';"},
		{"/dom.js", "text/javascript; charset=utf-8", "export function h("},
		{"/api.js", "text/javascript; charset=utf-8", "export const api = {"},
		{"/style.css", "text/css; charset=utf-8", "--accent"},
	} {
		code, hdr, body := do(t, h, "GET", tc.path, "")
		if code != 200 || hdr.Get("Content-Type") != tc.ctype || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %q; want 200 %q containing %q", tc.path, code, hdr.Get("Content-Type"), tc.ctype, tc.want)
		}
		if !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: no Content-Security-Policy", tc.path)
		}
		// Every request goes through api.js, so that another implementation of it can
		// serve the page without this server.
		if tc.path != "/api.js" && regexp.MustCompile(`\bfetch\(|EventSource|XMLHttpRequest`).Match(body) {
			t.Errorf("%s makes a request itself; requests go through api.js", tc.path)
		}
		text := strings.ReplaceAll(string(body), "http://www.w3.org/2000/svg", "")
		if m := external.FindString(text); m != "" {
			t.Errorf("%s refers to %q: the page must fetch nothing from elsewhere", tc.path, m)
		}
	}
}

// readEvents returns the events of an SSE stream as "name data" strings.
func readEvents(r *bufio.Reader, n int) ([]string, error) {
	var out []string
	name := ""
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			return out, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			out = append(out, name+" "+strings.TrimPrefix(line, "data: "))
		}
	}
	return out, nil
}

// A trainer's points and weights reach /api/metrics, /api/model, the forward pass and
// the event stream.
func TestLiveTraining(t *testing.T) {
	ck := weights(t, lenet.Classic, 3)
	ck.History = nil
	s := newServer(t, Config{Weights: ck, Test: testSet(t, 10), Live: true, Source: "cmd/train"})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("events Content-Type %q", ct)
	}
	events := bufio.NewReader(resp.Body)
	first, err := readEvents(events, 2)
	if err != nil || !slices.Equal(first, []string{`weights {"version":0,"epoch":1}`, `metrics {"points":0}`}) {
		t.Fatalf("first events %q (%v)", first, err)
	}

	loss, acc := 0.9, 0.7
	s.AddPoint(lenet.Point{Epoch: 1.2, TrainLoss: &loss, TrainAcc: &acc})
	if ev, err := readEvents(events, 1); err != nil || ev[0] != `metrics {"points":1}` {
		t.Errorf("after AddPoint: %q (%v)", ev, err)
	}
	_, _, body := do(t, s.Handler(), "GET", "/api/metrics", "")
	if want := `{"points":[{"epoch":1.2,"train_loss":0.9,"train_acc":0.7}]}` + "\n"; string(body) != want {
		t.Errorf("metrics %s; want %s", body, want)
	}

	before := getForward(t, s.Handler(), "GET", "/api/forward?index=4", "")
	next := weights(t, lenet.Classic, 3)
	next.Epoch = 2
	next.History = nil
	last := len(next.Weights) - 1 // fc3.bias: raise one logit
	next.Weights[last][7] += 4
	if err := s.SetWeights(next); err != nil {
		t.Fatal(err)
	}
	next.Weights[last][7] = -100 // the server kept its own copy
	if ev, err := readEvents(events, 1); err != nil || ev[0] != `weights {"version":1,"epoch":2}` {
		t.Errorf("after SetWeights: %q (%v)", ev, err)
	}
	after := getForward(t, s.Handler(), "GET", "/api/forward?index=4", "")
	lb, la := before.Layers[11].Values, after.Layers[11].Values
	if after.Epoch != 2 || la[7]-lb[7] < 3.99 || la[7]-lb[7] > 4.01 || la[0] != lb[0] {
		t.Errorf("after SetWeights: epoch %d, logit 7 %v -> %v, logit 0 %v -> %v; want epoch 2 and logit 7 up by 4", after.Epoch, lb[7], la[7], lb[0], la[0])
	}
	var m modelResponse
	_, _, body = do(t, s.Handler(), "GET", "/api/model", "")
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Kernels) != 2 || m.Kernels[0].Epoch != 1 || m.Kernels[1].Epoch != 2 || !slices.Equal(m.Kernels[0].Values, ck.Weights[0]) ||
		!slices.Equal(m.Kernels[1].Values, next.Weights[0]) || !slices.Equal(m.Kernels[1].Shape, []int{6, 1, 5, 5}) {
		t.Errorf("kernels after SetWeights: %d snapshots; want conv1's weights after epochs 1 and 2", len(m.Kernels))
	}
	_, _, body = do(t, s.Handler(), "GET", "/api/metrics", "")
	if !strings.Contains(string(body), `"train_loss":0.9`) {
		t.Errorf("SetWeights without history dropped the points: %s", body)
	}
	s.Progress(lenet.BatchInfo{Epoch: 3, Batch: 1, Batches: 2, Loss: 0.25, ExamplesPerSec: math.NaN()})
	if ev, err := readEvents(events, 1); err != nil || ev[0] != `progress {"epoch":3,"batch":1,"batches":2,"loss":0.25,"examples_per_sec":null}` {
		t.Errorf("after Progress: %q (%v)", ev, err)
	}
	s.Progress(lenet.BatchInfo{Epoch: 3, Batch: 2, Batches: 2, Loss: 0.125, ExamplesPerSec: 1000}) // an epoch's end always wakes
	if ev, err := readEvents(events, 1); err != nil || ev[0] != `progress {"epoch":3,"batch":2,"batches":2,"loss":0.125,"examples_per_sec":1000}` {
		t.Errorf("after the epoch's last batch: %q (%v)", ev, err)
	}
	if err := s.SetWeights(weights(t, lenet.Modern, 1)); err == nil || err.Error() != "explore: SetWeights: checkpoint holds another network: the file holds "+lenet.ModernSpec().Arch()+", the network is "+lenet.ClassicSpec().Arch() {
		t.Errorf("SetWeights(modern) on a classic server: %v", err)
	}

	// Close ends the stream.
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, events); done <- err }()
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the event stream did not end after Close")
	}
}

// Forwards running while the weights change each see one whole set of weights: their
// logits are those of the old weights or of the new, never a mixture.
func TestConcurrentForwardAndSetWeights(t *testing.T) {
	a, b := weights(t, lenet.Classic, 1), weights(t, lenet.Classic, 2)
	s := newServer(t, Config{Weights: a, Test: testSet(t, 10)})
	h := s.Handler()
	logitsOf := func(ck *lenet.Checkpoint) []float32 {
		if err := s.SetWeights(ck); err != nil {
			t.Fatal(err)
		}
		return getForward(t, h, "GET", "/api/forward?index=5", "").Layers[11].Values
	}
	la, lb := logitsOf(a), logitsOf(b)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := range 4 {
		wg.Go(func() {
			for range 15 {
				code, _, body := do(t, h, "GET", "/api/forward?index=5", "")
				var ans forwardResponse
				if err := json.Unmarshal(body, &ans); code != 200 || err != nil {
					errs <- fmt.Sprintf("goroutine %d: %d %s", g, code, body)
					return
				}
				if got := ans.Layers[11].Values; !slices.Equal(got, la) && !slices.Equal(got, lb) {
					errs <- fmt.Sprintf("goroutine %d: logits %v are neither set's", g, got)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 30 {
			ck := a
			if i%2 == 1 {
				ck = b
			}
			if err := s.SetWeights(ck); err != nil {
				errs <- err.Error()
			}
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestNewErrors(t *testing.T) {
	ck := weights(t, lenet.Classic, 1)
	small, err := dataset.NewSet(make([]uint8, 2*8*8), []uint8{1, 2}, 2, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	bad := *ck
	bad.Weights = bad.Weights[:3]
	for i, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Test: testSet(t, 3)}, "explore: no weights"},
		{Config{Weights: ck}, "explore: no test images"},
		{Config{Weights: ck, Test: small}, "test images are 8x8; the network takes 28x28"},
		{Config{Weights: &bad, Test: testSet(t, 3)}, "checkpoint parameters do not match the network"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: %v; want %q", i, err, tc.want)
		}
	}
}

// On the loopback the server answers only to its own address (DNS rebinding); on any
// other address, to every Host.
func TestHostGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	v4 := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	v6 := &net.TCPAddr{IP: net.IPv6loopback, Port: 8080}
	other := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 80}
	for _, tc := range []struct {
		addr net.Addr
		host string
		code int
	}{
		{v4, "127.0.0.1:8080", http.StatusNoContent},
		{v4, "localhost:8080", http.StatusNoContent},
		{v4, "LocalHost:8080", http.StatusNoContent},
		{v4, "[::1]:8080", http.StatusNoContent},
		{v4, "evil.example:8080", http.StatusForbidden},
		{v4, "evil.example", http.StatusForbidden},
		{v4, "localhost:8081", http.StatusForbidden},
		{v4, "localhost", http.StatusForbidden}, // port 80, another server
		{v4, "127.0.0.1.evil.example:8080", http.StatusForbidden},
		{v4, "", http.StatusForbidden},
		{v6, "[::1]:8080", http.StatusNoContent},
		{v6, "localhost:8080", http.StatusNoContent},
		{v6, "[::2]:8080", http.StatusForbidden},
		{other, "127.0.0.2", http.StatusNoContent}, // port 80 goes without saying
		{other, "localhost", http.StatusNoContent},
		{other, "127.0.0.2:80", http.StatusNoContent},
		{other, "evil.example", http.StatusForbidden},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "evil.example:8080", http.StatusNoContent},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "my-laptop.local:8080", http.StatusNoContent},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 8080}, "anything", http.StatusNoContent},
	} {
		req := httptest.NewRequest("GET", "/api/model", nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		hostGuard(tc.addr, ok).ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("listening on %v, Host %q: %d; want %d", tc.addr, tc.host, rec.Code, tc.code)
		}
	}
}

// Serve puts the Host check in front of the API: a request naming another host gets a
// 403 with a JSON error that says where to go, and the server goes on serving.
func TestServeRefusesOtherHosts(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 3)})
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	url := URL(ln)
	get := func(host string) (int, string) {
		req, err := http.NewRequest("GET", url+"api/labels", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e errorResponse
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error
	}
	port := ln.Addr().(*net.TCPAddr).Port
	code, msg := get(fmt.Sprintf("rebound.example:%d", port))
	want := fmt.Sprintf(`host "rebound.example:%d" is not this server's address: open %s`, port, url)
	if code != http.StatusForbidden || !strings.HasPrefix(msg, want) {
		t.Errorf("Host rebound.example: %d %q; want 403 %q", code, msg, want)
	}
	for _, host := range []string{ln.Addr().String(), fmt.Sprintf("localhost:%d", port)} {
		if code, msg := get(host); code != http.StatusOK || msg != "" {
			t.Errorf("Host %s: %d %q; want 200", host, code, msg)
		}
	}
}

// A test-set pass for /api/mistakes (about a second on the real test set) runs on the
// evaluator, outside the lock of the forward passes: a forward is answered while it is
// in progress, here held up for as long as the test likes.
func TestMistakesDoNotHoldUpForwards(t *testing.T) {
	test := testSet(t, 25)
	s := newServer(t, Config{Weights: weights(t, lenet.Modern, 2), Test: test})
	h := s.Handler()
	s.evalMu.Lock() // as if a pass were running
	done := make(chan mistakesResponse, 1)
	go func() {
		var m mistakesResponse
		_, _, body := do(t, h, "GET", "/api/mistakes", "")
		json.Unmarshal(body, &m)
		done <- m
	}()
	forwarded := make(chan int, 1)
	go func() {
		code, _, _ := do(t, h, "GET", "/api/forward?index=3", "")
		forwarded <- code
	}()
	select {
	case code := <-forwarded:
		if code != http.StatusOK {
			t.Errorf("forward during the pass: %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Error("a forward waited for the mistakes pass")
	}
	s.evalMu.Unlock()
	m := <-done
	if m.Total != 25 || len(m.Confusion) != 10 || m.Epoch != 1 {
		t.Errorf("mistakes after the wait: %+v", m)
	}
	// A second request is answered from the first one's pass, with the same numbers.
	var again mistakesResponse
	_, _, body := do(t, h, "GET", "/api/mistakes", "")
	if err := json.Unmarshal(body, &again); err != nil || !slices.Equal(again.Mistakes, m.Mistakes) || again.Accuracy != m.Accuracy {
		t.Errorf("second answer %+v (%v); want the first's %+v", again, err, m)
	}
}

// TestClassNamesFollowTheWeights: weights trained on MNIST are shown with the digits'
// names, Fashion-MNIST's (and unnamed ones) with the garments'; an unknown data set is
// refused.
func TestClassNamesFollowTheWeights(t *testing.T) {
	for _, c := range []struct{ dataset, first, last string }{
		{"", "t-shirt", "ankle boot"}, {"fashion-mnist", "t-shirt", "ankle boot"}, {"mnist", "0", "9"},
	} {
		ck := weights(t, lenet.Classic, 9)
		ck.Dataset = c.dataset
		h := newServer(t, Config{Weights: ck, Test: testSet(t, 5)}).Handler()
		var lab labelsResponse
		_, _, body := do(t, h, "GET", "/api/labels", "")
		var m modelResponse
		_, _, mb := do(t, h, "GET", "/api/model", "")
		if err := errors.Join(json.Unmarshal(body, &lab), json.Unmarshal(mb, &m)); err != nil {
			t.Fatal(err)
		}
		for _, got := range [][]string{lab.Classes, m.Classes} {
			if len(got) != 10 || got[0] != c.first || got[9] != c.last {
				t.Errorf("dataset %q: classes %q, want %s ... %s", c.dataset, got, c.first, c.last)
			}
		}
	}
	ck := weights(t, lenet.Classic, 9)
	ck.Dataset = "cifar"
	if _, err := New(Config{Weights: ck, Test: testSet(t, 5)}); err == nil || !strings.HasPrefix(err.Error(), "explore: ") {
		t.Errorf("dataset cifar: %v, want an explore: error", err)
	}
}
