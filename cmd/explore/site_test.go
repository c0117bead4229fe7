package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/cmd/internal/site"
	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/lenet"
)

// siteQuick is the model the static folder's test exports: enough training to tell a
// drawing from an empty canvas, in a few seconds.
var siteQuick = quickConfig{Model: lenet.Modern, Epochs: 1, Limit: 12000, Seed: 1}

// The module is built once per test binary (the go command caches it besides).
var (
	wasmOnce                         sync.Once
	wasmBytes, wasmExecJS, goLicense []byte
	wasmErr                          error
)

func testWasm(t *testing.T) (wasm, wasmExec, license []byte) {
	t.Helper()
	wasmOnce.Do(func() {
		dir, err := os.MkdirTemp("", "explore-wasm-test-")
		if err != nil {
			wasmErr = err
			return
		}
		defer os.RemoveAll(dir)
		start := time.Now()
		wasmBytes, wasmExecJS, goLicense, wasmErr = buildWasm(context.Background(), filepath.Join(dir, site.WasmName))
		t.Logf("built the WebAssembly module in %.1f s", time.Since(start).Seconds())
	})
	if wasmErr != nil {
		t.Fatal(wasmErr)
	}
	return wasmBytes, wasmExecJS, goLicense
}

// exportTest writes a folder of ck with the first 1,000 test and 2,000 training
// images and serves it with a plain file server, no API: its URL.
func exportTest(t *testing.T, ck *lenet.Checkpoint, train, test *dataset.Set) (dir, base string) {
	t.Helper()
	wasm, wasmExec, license := testWasm(t)
	dir = filepath.Join(t.TempDir(), "site")
	if _, err := site.Export(dir, site.Options{Weights: ck, Source: "the site test's model", Test: test, Train: train,
		TestN: 1000, TrainN: 2000, Wasm: wasm, WasmExec: wasmExec, GoLicense: license}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(hs.Close)
	return dir, hs.URL + "/"
}

// pageJSON evaluates call, an expression of api.js's api (a promise or a value), in the
// page and returns its answer as JSON.
func pageJSON(t *testing.T, ctx context.Context, what, call string) string {
	t.Helper()
	run1[bool](t, ctx, what, `(window.__answer = undefined, import('./api.js').then(m => (api => `+call+`)(m.api)).then(r => window.__answer = JSON.stringify(r), e => window.__answer = 'error: ' + e.message), true)`)
	waitFor(t, ctx, what, `window.__answer !== undefined`)
	s := run1[string](t, ctx, what, `window.__answer`)
	if strings.HasPrefix(s, "error: ") {
		t.Fatalf("%s: %s", what, s)
	}
	return s
}

// forwardAnswer is the part of a forward answer the test compares.
type forwardAnswer struct {
	Predicted     int       `json:"predicted"`
	Probabilities []float64 `json:"probabilities"`
	Layers        []struct {
		Name   string    `json:"name"`
		Values []float64 `json:"values"`
	} `json:"layers"`
}

// serverGet answers a GET from the server mode's handler.
func serverGet(t *testing.T, h http.Handler, url string, v any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// drawingChangesPrediction clears the drawing pad, draws trousers on it and checks
// that the prediction changes.
func drawingChangesPrediction(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "clearing", chromedp.Click(chromedp.CSS(`#clear`)))
	waitFor(t, ctx, "the empty canvas's prediction", `document.getElementById('input-what').textContent === 'your drawing' && document.body.dataset.busy === 'false'`)
	blank := run1[string](t, ctx, "prediction", `document.getElementById('verdict').dataset.predicted`)
	drawTrousers(t, ctx)
	waitFor(t, ctx, "the drawing's prediction", `document.body.dataset.busy === 'false'`)
	drawn := run1[string](t, ctx, "prediction", `document.getElementById('verdict').dataset.predicted`)
	t.Logf("prediction of the empty canvas: class %s; of the drawn trousers: class %s", blank, drawn)
	if drawn == blank {
		t.Errorf("drawing trousers left the prediction at class %s", drawn)
	}
}

// trainRun1 trains the valid design on the page as the first run, 1 epoch on 2,000
// images at lr 0.1, and waits for its finished row and curve and for the explorer to
// show its network.
func trainRun1(t *testing.T, ctx context.Context, spec string) {
	t.Helper()
	typeInto(t, ctx, `#set-epochs`, "1")
	typeInto(t, ctx, `#set-limit`, "2000")
	typeInto(t, ctx, `#set-lr`, "0.1")
	trained := time.Now()
	do(t, ctx, "training", chromedp.Click(chromedp.CSS(`#train`)))
	waitFor(t, ctx, "the finished run's row and curve", `!!document.querySelector('#runs-rows tr[data-run="r1"][data-status="finished"]') && `+
		`!!document.querySelector('#runs-chart polyline[data-run="r1"][data-series="test_acc"]') && document.getElementById('model-info').textContent.startsWith('CNN `+spec+`')`)
	t.Logf("the run trained and showed in %.1f s", time.Since(trained).Seconds())
}

// drawTrousers clears the drawing pad and draws a pair of trousers on it.
func drawTrousers(t *testing.T, ctx context.Context) {
	t.Helper()
	pad := box(t, ctx, `#pad`)
	at := func(r, c float64) (float64, float64) { return pad.X + (c+0.5)*pad.W/28, pad.Y + (r+0.5)*pad.H/28 }
	for _, s := range [][4]float64{{2, 9, 26, 8}, {2, 18, 26, 19}, {2, 9, 2, 18}, {3, 10, 20, 11}, {3, 17, 20, 16}} {
		x0, y0 := at(s[0], s[1])
		acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1))}
		for k := 1; k <= 12; k++ {
			x, y := at(s[0]+(s[2]-s[0])*float64(k)/12, s[1]+(s[3]-s[1])*float64(k)/12)
			acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonLeft))
		}
		x1, y1 := at(s[2], s[3])
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
		do(t, ctx, "drawing", acts...)
	}
}

// The exported folder, served by a plain file server, is the whole explorer: a test
// image with every layer as the server computes it, a drawing's prediction, a network
// designed and trained for one epoch in the browser with the server's loss; and a
// folder with an altered or a missing file says so in one line.
func TestSite(t *testing.T) {
	start := time.Now()
	ctx, consoleMsgs := browserSized(t, 1366, 900)
	train, test := fashiontest.Load(t)
	ck, err := trainQuick(context.Background(), siteQuick, train, test, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, base := exportTest(t, ck, train, test)
	// The server mode on the same weights and the same slices of the data.
	srv, err := explore.New(explore.Config{Weights: ck, Test: test.Head(1000), Train: train.Head(2000), RunsDir: t.TempDir(), Source: "the same model", NoCalibration: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()

	const index = 42
	loaded := time.Now()
	do(t, ctx, "loading the folder", chromedp.Navigate(fmt.Sprintf("%s?index=%d", base, index)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	t.Logf("first render: %.0f ms after navigation start (the test waited %.1f s)", run1[float64](t, ctx, "time to interactive", `window.exploreReadyMs`), time.Since(loaded).Seconds())
	if kind := pageJSON(t, ctx, "the transport", "api.kind"); kind != `"wasm"` {
		t.Fatalf("the page's api.kind is %q in an exported folder; want wasm", kind)
	}
	do(t, ctx, "closing the guide", chromedp.Click(chromedp.CSS(`#guide-close`)))

	// The test image with every layer, as the server answers it.
	var inPage, onServer forwardAnswer
	if err := json.Unmarshal([]byte(pageJSON(t, ctx, "the page's forward", fmt.Sprintf("api.forward(%d)", index))), &inPage); err != nil {
		t.Fatal(err)
	}
	serverGet(t, h, fmt.Sprintf("/api/forward?index=%d", index), &onServer)
	if len(inPage.Layers) != len(onServer.Layers) || len(inPage.Probabilities) != 10 || inPage.Predicted != onServer.Predicted {
		t.Fatalf("the page has %d layers, %d probabilities, class %d; the server %d, %d, class %d",
			len(inPage.Layers), len(inPage.Probabilities), inPage.Predicted, len(onServer.Layers), len(onServer.Probabilities), onServer.Predicted)
	}
	worst := 0.0
	for k, p := range inPage.Probabilities {
		worst = math.Max(worst, math.Abs(p-onServer.Probabilities[k]))
	}
	t.Logf("test image %d: class %d; the largest difference of a probability from the server's: %.2g", index, inPage.Predicted, worst)
	if !(worst <= 1e-5) {
		t.Errorf("the probabilities differ from the server's by %g; want at most 1e-5:\n%v\n%v", worst, inPage.Probabilities, onServer.Probabilities)
	}
	for i, l := range inPage.Layers {
		s := onServer.Layers[i]
		if l.Name != s.Name || len(l.Values) != len(s.Values) {
			t.Errorf("layer %d is %s of %d values; the server's %s of %d", i, l.Name, len(l.Values), s.Name, len(s.Values))
			continue
		}
		for j, v := range l.Values {
			if d := math.Abs(v - s.Values[j]); !(d <= 1e-4*math.Max(1, math.Abs(v))) {
				t.Errorf("layer %s value %d is %v; the server's %v", l.Name, j, v, s.Values[j])
				break
			}
		}
	}
	shown := run1[int](t, ctx, "the layers shown", `new Set([...document.querySelectorAll('#layers canvas.map, #layers canvas.strip')].map(c => c.dataset.layer).filter(l => Number(l) >= 0)).size`)
	if shown != len(onServer.Layers) {
		t.Errorf("the page draws %d layers; the network has %d", shown, len(onServer.Layers))
	}
	if got := run1[string](t, ctx, "prediction", `document.getElementById('verdict').dataset.predicted`); got != fmt.Sprint(onServer.Predicted) {
		t.Errorf("the page shows class %s for test image %d; the server says %d", got, index, onServer.Predicted)
	}

	// A drawing changes the prediction.
	drawingChangesPrediction(t, ctx)

	// Design conv(stride 2) - tanh - dense and train it for one epoch on 2,000 images
	// in the browser.
	do(t, ctx, "the design view", chromedp.Click(chromedp.CSS(`#tab-design`)))
	waitFor(t, ctx, "the design view on the loaded network", `document.body.dataset.design === 'valid'`)
	do(t, ctx, "starting from nothing", chromedp.Click(chromedp.CSS(`#from-empty`)))
	waitFor(t, ctx, "the empty design", `document.body.dataset.design === 'invalid'`)
	for _, kind := range []string{"conv", "tanh", "linear"} {
		do(t, ctx, "adding a "+kind, chromedp.SetValue(chromedp.CSS(`#add-kind`), kind), chromedp.Click(chromedp.CSS(`#add-layer`)))
	}
	typeInto(t, ctx, `input[data-row="0"][data-field="stride"]`, "2")
	const spec = "conv8k3s2-tanh-dense64"
	waitFor(t, ctx, "the designed network", `document.body.dataset.design === 'valid' && document.getElementById('design-spec').value === '`+spec+`' && !document.getElementById('train').disabled`)
	trainRun1(t, ctx, spec)

	// The same run on the server: the same loss after the epoch.
	var pageRuns struct {
		Runs []explore.Run `json:"runs"`
	}
	if err := json.Unmarshal([]byte(pageJSON(t, ctx, "the page's runs", "api.runs()")), &pageRuns); err != nil {
		t.Fatal(err)
	}
	if len(pageRuns.Runs) != 1 || pageRuns.Runs[0].TrainLoss == nil {
		t.Fatalf("the page's runs: %+v", pageRuns.Runs)
	}
	pr := pageRuns.Runs[0]
	body := fmt.Sprintf(`{"spec": %q, "epochs": %d, "lr": %v, "limit": %d, "batch": %d, "seed": %d}`, pr.Spec, pr.Epochs, pr.LR, pr.Limit, pr.Batch, pr.Seed)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/runs", strings.NewReader(body)))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("POST /api/runs %s: %d %s", body, rec.Code, rec.Body)
	}
	var serverRuns struct {
		Runs []explore.Run `json:"runs"`
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		serverGet(t, h, "/api/runs", &serverRuns)
		if len(serverRuns.Runs) == 1 && serverRuns.Runs[0].Status != explore.StatusQueued && serverRuns.Runs[0].Status != explore.StatusTraining {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server's run did not finish in a minute")
		}
	}
	sr := serverRuns.Runs[0]
	if sr.Status != explore.StatusFinished || sr.TrainLoss == nil {
		t.Fatalf("the server's run: %s %s", sr.Status, sr.Error)
	}
	t.Logf("%s, 1 epoch on 2,000 images: loss %.6f in the browser (%.0f examples/s), %.6f on the server", pr.Spec, *pr.TrainLoss, deref(pr.ExamplesPerSec), *sr.TrainLoss)
	if d := math.Abs(*pr.TrainLoss - *sr.TrainLoss); !(d <= 1e-4) {
		t.Errorf("the loss after one epoch is %v in the browser and %v on the server (difference %g); want within 1e-4", *pr.TrainLoss, *sr.TrainLoss, d)
	}
	for _, m := range consoleMsgs() {
		t.Errorf("console: %s", m)
	}
	if s := run1[string](t, ctx, "status", `document.getElementById('status').hidden ? '' : document.getElementById('status').textContent`); s != "" {
		t.Errorf("the page shows an error: %s", s)
	}

	// A missing data slice, then an altered weights file: one line in the page each.
	// The training slice comes after the first view, so its line comes after it too.
	alter := func(name string, change func(b []byte) []byte) (restore func()) {
		path := filepath.Join(dir, name)
		kept, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b := change(slices.Clone(kept)); b == nil {
			err = os.Remove(path)
		} else {
			err = os.WriteFile(path, b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		return func() {
			if err := os.WriteFile(path, kept, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		what, file string
		change     func(b []byte) []byte
		want       string
	}{
		{"a missing data slice", "train-images.idx.gz", func([]byte) []byte { return nil },
			"train-images.idx.gz: 404 Not Found: missing from the folder; export the folder again (go run ./cmd/explore -export DIR)"},
		{"an altered weights file", "weights.safetensors", func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b },
			"weights.safetensors: altered: its content is not the one site.json names"},
	} {
		restore := alter(c.file, c.change)
		do(t, ctx, "loading the folder with "+c.what, chromedp.Navigate(base))
		waitFor(t, ctx, "the message about "+c.what, `!document.getElementById('status').hidden`)
		got := run1[string](t, ctx, "the message", `document.getElementById('status').textContent`)
		if !strings.HasPrefix(got, c.want) || strings.Contains(got, "\n") {
			t.Errorf("with %s the page says %q; want one line starting %q", c.what, got, c.want)
		}
		restore()
	}
	t.Logf("the test took %.1f s", time.Since(start).Seconds())
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// siteDir makes TestSiteBudgets measure an exported folder (make site).
var siteDir = flag.String("site", "", "an exported folder for TestSiteBudgets to measure (make site)")

// minMedMax writes the least, the median and the largest of v.
func minMedMax(v []float64) string {
	s := slices.Clone(v)
	slices.Sort(s)
	return fmt.Sprintf("min %.1f, median %.1f, max %.1f", s[0], s[len(s)/2], s[len(s)-1])
}

// The budgets of an exported folder in headless Chromium, served by a plain file
// server: the first render, a forward with every layer, training the classic LeNet.
// Only with -site DIR (make site); the figures are printed, not asserted.
func TestSiteBudgets(t *testing.T) {
	if *siteDir == "" {
		t.Skip("measures an exported folder: make site (go test ./cmd/explore -run TestSiteBudgets -args -site DIR)")
	}
	hs := httptest.NewServer(http.FileServer(http.Dir(*siteDir)))
	defer hs.Close()
	ctx, _ := browserSized(t, 1366, 900)
	var renders []float64
	for range 5 {
		do(t, ctx, "loading the folder", chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
		renders = append(renders, run1[float64](t, ctx, "first render", `window.exploreReadyMs`))
	}
	fmt.Printf("first render (navigation start to the first forward pass drawn, 5 loads): %s ms (budget 2000)\n", minMedMax(renders))
	var times []float64
	if err := json.Unmarshal([]byte(pageJSON(t, ctx, "forward passes", `(async () => { const ms = []; for (let i = 0; i < 50; i++) { const t0 = performance.now(); await api.forward(i); ms.push(performance.now() - t0); } return ms; })()`)), &times); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("a forward with every layer, from the page (50 test images): %s ms (budget 10)\n", minMedMax(times[1:]))
	m := pageJSON(t, ctx, "the classic run", `api.startRun({spec: 'classic', epochs: 1})`)
	waitForLong(t, ctx, "the classic run", `(window.__done = undefined, import('./api.js').then(m => m.api.runs()).then(r => window.__done = r.runs.length && !r.training ? JSON.stringify(r.runs[r.runs.length - 1]) : ''), true)`)
	var r explore.Run
	if err := json.Unmarshal([]byte(run1[string](t, ctx, "the run", `window.__done`)), &r); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("training the classic LeNet in the browser (%s, 1 epoch on %d images, batch %d): %.0f examples/s (budget 1000), loss %.4f\n", m, r.Limit, r.Batch, deref(r.ExamplesPerSec), deref(r.TrainLoss))
}

// waitForLong polls js, which sets window.__done, until it is a non-empty string, for
// up to five minutes.
func waitForLong(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		run1[bool](t, ctx, what, js)
		time.Sleep(200 * time.Millisecond)
		if s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__done || ''`)); s != "" {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
