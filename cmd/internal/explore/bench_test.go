package explore

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/lenet"
)

// BenchmarkForward answers GET /api/forward?index=N (the network's forward pass for one
// image, every layer's values, the JSON encoding) and POST /api/forward with 784
// pixels (the JSON decoding and checks too), through the handler without a network
// connection: through Answer, as the WebAssembly explorer calls it (so the benchmark
// runs under Node too, GOOS=js GOARCH=wasm).
func BenchmarkForward(b *testing.B) {
	for _, v := range lenet.Presets {
		s := newServer(b, Config{Weights: weights(b, v, 1), Test: testSet(b, 10)})
		post := `{"pixels": [` + strings.TrimSuffix(strings.Repeat("0.5019608,", 784), ",") + `]}`
		for _, tc := range []struct{ name, method, body string }{
			{"get", "GET", ""},
			{"post", "POST", post},
		} {
			b.Run(v+"/"+tc.name, func(b *testing.B) {
				for b.Loop() {
					var body io.Reader
					if tc.body != "" {
						body = strings.NewReader(tc.body)
					}
					rec, w := NewRecorder(nil)
					s.Answer(w, &Request{Method: tc.method, Path: "/api/forward", Query: url.Values{"index": {"3"}}, Body: body, Context: context.Background()})
					if rec.Status != 200 {
						b.Fatalf("%d %s", rec.Status, rec.Body.String())
					}
				}
			})
		}
	}
}
