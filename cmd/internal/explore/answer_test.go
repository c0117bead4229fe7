package explore

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

// TestAnswerIsHandler checks that Answer with a Recorder, what the WebAssembly
// explorer calls, gives the server's Handler's answers byte for byte: status, header
// fields and body, for answers and errors alike.
func TestAnswerIsHandler(t *testing.T) {
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 20), Train: testSet(t, 40)})
	h := s.Handler()
	pixels := `{"pixels": [` + strings.TrimSuffix(strings.Repeat("0.25,", 784), ",") + `]}`
	cases := []struct{ method, target, body string }{
		{"GET", "/api/forward?index=3", ""},
		{"HEAD", "/api/forward?index=3", ""},
		{"POST", "/api/forward", pixels},
		{"GET", "/api/model", ""},
		{"GET", "/api/metrics", ""},
		{"GET", "/api/labels", ""},
		{"GET", "/api/mistakes", ""},
		{"GET", "/api/runs", ""},
		{"POST", "/api/design", `{"spec": "conv8k3s2-tanh-dense32"}`},
		{"POST", "/api/spec", `{"spec": "classic"}`},
		{"POST", "/api/spec", `{"spec": "conv8k3-nothing"}`},
		{"GET", "/", ""},
		{"GET", "/app.js", ""},
		{"GET", "/site.json", ""},
		{"GET", "/api/forward?index=abc", ""},
		{"POST", "/api/forward", `{"pixels": [` + strings.Repeat(" ", MaxBody) + `0]}`},
		{"POST", "/api/forward", ""},
		{"GET", "/api/nothing", ""},
		{"DELETE", "/api/forward", ""},
		{"GET", "/api/runs/r9/stop", ""},
		{"GET", "/api/runs/r9/checkpoint", ""},
		{"GET", "/api/runs/r9/nothing", ""},
	}
	for _, tc := range cases {
		code, hdr, body := do(t, h, tc.method, tc.target, tc.body)
		u, err := url.Parse(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		req := &Request{Method: tc.method, Path: u.Path, Query: u.Query(), Context: context.Background()}
		if tc.body != "" {
			req.Body = strings.NewReader(tc.body)
		}
		rec, w := NewRecorder(nil)
		s.Answer(w, req)
		fields := map[string]string{}
		for k := range hdr {
			fields[k] = hdr.Get(k)
		}
		if rec.Status != code || !maps.Equal(rec.Header, fields) || !slices.Equal(rec.Body.Bytes(), body) {
			t.Errorf("%s %s: Answer gives %d %v %.200q; Handler %d %v %.200q", tc.method, tc.target, rec.Status, rec.Header, rec.Body.Bytes(), code, fields, body)
		}
	}
}
