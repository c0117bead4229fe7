package explore

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

// POST /api/design answers exactly what lenet.Describe says, as cmd/describe -json
// prints it, for every layer kind and every way of writing a spec.
func TestDesign(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 3)})
	h := s.Handler()
	const all = "conv8k3s2p1-tanh-max3s2p1-conv6k3x2p1x0-relu-avg2p1-sigmoid-flatten-dense32-relu"
	for _, tc := range []struct{ name, spec, body string }{
		{"every kind", all, `{"spec": "` + all + `"}`},
		{"a preset", "classic", `{"spec": "classic"}`},
		{"implied flatten", "conv4k5s2-tanh-dense16", `{"spec": "conv4k5s2-tanh-dense16"}`},
		{"JSON list", "conv4k5s2-tanh-dense16", `{"spec": [{"kind": "conv", "out": 4, "kernel": 5, "stride": 2}, {"kind": "tanh"}, {"kind": "linear", "out": 16}]}`},
		{"JSON object", "conv4k3-avg2-lr0.5", `{"spec": {"layers": [{"kind": "conv", "out": 4, "kernel": 3}, {"kind": "avgpool", "kernel": 2}], "lr": 0.5}}`},
	} {
		code, hdr, body := do(t, h, "POST", "/api/design", tc.body)
		if code != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s %s", tc.name, code, hdr.Get("Content-Type"), body)
		}
		sp, err := lenet.ParseSpec(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		d, err := lenet.Describe(sp)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(string(body), "\n"); got != string(want) {
			t.Errorf("%s: the API answers\n%s\nDescribe says\n%s", tc.name, got, want)
		}
	}

	// The answer of the spec with every kind, read back: one row per module, the
	// implied Flatten none (it is listed) and the last dense layer added.
	_, _, body := do(t, h, "POST", "/api/design", `{"spec": "`+all+`"}`)
	var a struct {
		Layers []struct {
			Kind  string  `json:"kind"`
			Shape []int   `json:"shape"`
			RF    []int64 `json:"receptive_field"`
		} `json:"layers"`
		Params, MACs int64
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	var kinds, shapes []string
	for _, l := range a.Layers {
		kinds = append(kinds, l.Kind)
		shapes = append(shapes, strings.Trim(jsonText(l.Shape), "[]"))
	}
	if got := strings.Join(kinds, " "); got != "conv tanh maxpool conv relu avgpool sigmoid flatten linear relu linear" {
		t.Errorf("kinds %s", got)
	}
	if got := strings.Join(shapes, " "); got != "8,14,14 8,14,14 8,7,7 6,7,6 6,7,6 6,4,4 6,4,4 96 32 32 10" {
		t.Errorf("shapes %s", got)
	}
	if rf := a.Layers[2].RF; rf[0] != 7 || rf[1] != 7 {
		t.Errorf("the max pooling's receptive field is %v; want 3 + (3-1)·2 = 7 square", rf)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// An impossible design is a 400 naming the first layer that breaks, counted from 0 in
// the spec's layers with the implied Flatten, and why, in one line.
func TestDesignErrors(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 3)})
	h := s.Handler()
	for _, tc := range []struct {
		body  string
		layer int
		want  string
	}{
		{`{"spec": "conv8k40"}`, 0, "layer 0 conv8k40: input 28x28 is smaller than the 40x40 kernel; floor((28 - 40 + 0) / 1) + 1 = -11"},
		{`{"spec": "conv8k3s2-tanh-conv4k9-conv4k9"}`, 3, "layer 3 conv4k9: input 5x5 is smaller than the 9x9 kernel"},
		{`{"spec": "conv8k3-relu-dense10-conv4k3"}`, 4, "its input is a vector of 10; convolutions and poolings take (channels, height, width) maps"},
		{`{"spec": "conv8k3-flatten-flatten"}`, 2, "its input is already a vector of 5408"},
		{`{"spec": "max4p3"}`, 0, "layer 0 max4p3: padding 3 is more than half the 4x4 window (PyTorch's rule for pooling); use at most 2"},
		{`{"spec": "conv0k3"}`, 0, "0 output channels; want at least 1"},
		{`{"spec": "conv8k3-dense0"}`, 2, "width 0 must be at least 1"},
		{`{"spec": "conv8k3-foo"}`, -1, `token "foo": unknown token; use convNkK[pP][sS]`},
		{`{"spec": "dense1048576-dense1048576"}`, 1, "layer 1 dense1048576: the network reaches 823132160 parameters here, over the limit of 50000000"},
		{`{"spec": "conv1048576k1"}`, 0, "the layers' outputs reach 6.1 GB for one example here, over the limit of 2.0 GB"},
		{`{"spec": [{"kind": "conv", "out": 4, "kernel": 3}, {"kind": "dense", "out": 3}]}`, -1, `unknown kind "dense"`},
		{`{"spec": [{"kind": "conv", "out": 4, "kernel": 0}]}`, 0, "the kernel height is 0; want at least 1"},
		{`{"spec": "conv4k3-lr-1"}`, -1, "the learning rate must be a positive number"},
		{`{"spec": ""}`, -1, "empty spec; name a preset (classic, modern)"},
		{`{"spec": 5}`, -1, `"spec" is 5; want a string or the spec's JSON form`},
		{`{}`, -1, `missing "spec"`},
		{`{"spec": "classic", "epochs": 3}`, -1, `malformed JSON: json: unknown field "epochs"`},
		{`not json`, -1, "malformed JSON"},
	} {
		code, _, body := do(t, h, "POST", "/api/design", tc.body)
		var e specErrorResponse
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s: %v in %s", tc.body, err, body)
		}
		if code != http.StatusBadRequest || e.Layer != tc.layer || !strings.Contains(e.Error, tc.want) || strings.Contains(e.Error, "\n") {
			t.Errorf("%s: %d layer %d %q; want 400, layer %d, %q", tc.body, code, e.Layer, e.Error, tc.layer, tc.want)
		}
	}
	if code, hdr, _ := do(t, h, "GET", "/api/design", ""); code != http.StatusMethodNotAllowed || hdr.Get("Allow") != "POST" {
		t.Errorf("GET /api/design: %d, Allow %q", code, hdr.Get("Allow"))
	}
}

// POST /api/spec reads a spec into the page's rows: normalized, with its compact form;
// an error counts the normalized layers, which it answers when they could be read.
func TestSpec(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 3)})
	h := s.Handler()
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"spec": "modern"}`, 200, `{"spec":"conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.1","arch":"conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu","layers":[{"kind":"conv","out":6,"kernel":5,"padding":2},{"kind":"relu"},{"kind":"maxpool","kernel":2},{"kind":"conv","out":16,"kernel":5},{"kind":"relu"},{"kind":"maxpool","kernel":2},{"kind":"flatten"},{"kind":"linear","out":120},{"kind":"relu"},{"kind":"linear","out":84},{"kind":"relu"}],"lr":0.1,"epochs":10}`},
		{`{"spec": [{"kind": "conv", "out": 8, "kernel": 3, "stride": 2}, {"kind": "tanh"}]}`, 200, `{"spec":"conv8k3s2-tanh","arch":"conv8k3s2-tanh","layers":[{"kind":"conv","out":8,"kernel":3,"stride":2},{"kind":"tanh"},{"kind":"flatten"}],"lr":0.9,"epochs":10}`},
		{`{"spec": [{"kind": "conv", "out": 8, "kernel": 3}, {"kind": "linear", "out": 4}, {"kind": "maxpool", "kernel": 2}]}`, 400, `{"error":"layer 3 max2: its input is a vector of 4; convolutions and poolings take (channels, height, width) maps, so put them before flatten and the dense layers","layer":3,"layers":[{"kind":"conv","out":8,"kernel":3},{"kind":"flatten"},{"kind":"linear","out":4},{"kind":"maxpool","kernel":2}],"lr":0,"epochs":0}`},
		{`{"spec": "conv8k3-foo"}`, 400, `{"error":"token \"foo\": unknown token; ` + lenet.TokenHelp + `","layer":-1,"layers":[],"lr":0,"epochs":0}`},
	} {
		code, _, body := do(t, h, "POST", "/api/spec", tc.body)
		if got := strings.TrimSuffix(string(body), "\n"); code != tc.code || got != tc.want {
			t.Errorf("%s: %d\n%s\nwant %d\n%s", tc.body, code, got, tc.code, tc.want)
		}
	}
}
