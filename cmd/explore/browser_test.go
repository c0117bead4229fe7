package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"io"
	"math"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/internal/citest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// update makes TestBrowser write docs/explore.png, from the quick model cmd/explore
// trains (make explore-png).
var update = flag.Bool("update", false, "write docs/explore.png (with the quick model cmd/explore trains)")

// testQuick is the model the browser test trains when it does not write the picture:
// enough training to tell a drawing from an empty canvas, in a few seconds.
var testQuick = quickConfig{Model: lenet.Modern, Epochs: 1, Limit: 12000, Seed: 1}

// chromiumPath finds Debian's chromium; without it the test skips on a developer's
// machine and fails in CI, which installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	citest.Missing(t, "chromium is not installed: .ci/run installs it (apt-get install chromium)",
		"chromium is not installed (sudo apt-get install chromium); CI requires it")
	return ""
}

// browser starts a headless Chromium with an empty profile and returns a tab and the
// messages its console has received so far (console errors and warnings, uncaught
// exceptions, browser log errors such as failed requests).
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	return browserSized(t, 1440, 1200)
}

// browserSized is browser with a viewport of w x h CSS pixels.
func browserSized(t *testing.T, w, h int64) (context.Context, func() []string) {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.DisableGPU, chromedp.NoSandbox, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers often have a small /dev/shm
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(w), int(h)),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })

	var mu sync.Mutex
	var msgs []string
	console := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				mu.Lock()
				msgs = append(msgs, m.String()+" at "+m.URL)
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), msgs...)
	}
}

func run1[T any](t *testing.T, ctx context.Context, what, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls the expression until it is true.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.getElementById('status').textContent, document.getElementById('model-info').textContent, `+
				`(document.getElementById('runs-rows') || {}).textContent, (document.getElementById('train-state') || {}).textContent].join(' | ')`))
			t.Fatalf("timed out waiting for %s (%s); the page shows: %s", what, js, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveTest serves srv as the commands do (explore.Serve on 127.0.0.1, with its Host
// check) until the test ends, and returns the page's URL.
func serveTest(t *testing.T, srv *explore.Server) string {
	t.Helper()
	ln, err := explore.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	return explore.URL(ln)
}

// apiForward asks the server directly, as a check on what the page shows.
func apiForward(t *testing.T, base string, index int) (layers [][]float64, predicted int) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%sapi/forward?index=%d", base, index))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Predicted int `json:"predicted"`
		Layers    []struct {
			Values []float64 `json:"values"`
		} `json:"layers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	for _, l := range a.Layers {
		layers = append(layers, l.Values)
	}
	return layers, a.Predicted
}

// rect is an element's box in the viewport, in CSS pixels.
type rect struct{ X, Y, W, H float64 }

func box(t *testing.T, ctx context.Context, sel string) rect {
	t.Helper()
	b := run1[[]float64](t, ctx, "the box of "+sel,
		`(() => { const r = document.querySelector(`+strconv.Quote(sel)+`).getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	return rect{b[0], b[1], b[2], b[3]}
}

// The page as a person uses it: it loads without a console message, a conv1 unit's
// formula sums to the value the network computed, and drawing changes the prediction.
func TestBrowser(t *testing.T) {
	ctx, consoleMsgs := browser(t)
	train, test := fashiontest.Load(t)
	q := testQuick
	if *update {
		q = quick
	}
	ck, err := trainQuick(context.Background(), q, train, test, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := explore.New(explore.Config{Weights: ck, Test: test, Source: "a quick model trained at start-up (" + epochs(q.Epochs) + ")"})
	if err != nil {
		t.Fatal(err)
	}
	base := serveTest(t, srv)

	const index = 42
	do(t, ctx, "loading the page", chromedp.Navigate(fmt.Sprintf("%s?index=%d", base, index)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	if run1[bool](t, ctx, "the guide", `document.getElementById('guide').hidden`) {
		t.Error("a first visit shows no guide")
	}
	do(t, ctx, "closing the guide", chromedp.Click(chromedp.CSS(`#guide-close`)))
	tti := run1[float64](t, ctx, "time to interactive", `window.exploreReadyMs`)
	t.Logf("time to interactive: %.0f ms (navigation start to the first forward pass drawn)", tti)

	layers, predicted := apiForward(t, base, index)
	if got := run1[string](t, ctx, "prediction", `document.getElementById('verdict').dataset.predicted`); got != strconv.Itoa(predicted) {
		t.Errorf("the page predicts class %s for test image %d; the API says %d", got, index, predicted)
	}

	// Click conv1's first map, then hover a cell of the unit view's output on the dress's
	// left edge.
	const ch, row, col = 0, 12, 8
	do(t, ctx, "opening the unit view", chromedp.Click(chromedp.CSS(fmt.Sprintf(`canvas.map[data-layer="0"][data-ch="%d"]`, ch))),
		chromedp.WaitVisible(chromedp.CSS(`#unit-formula`)))
	out := box(t, ctx, `#unit canvas[data-hover="out"]`)
	do(t, ctx, "hovering a cell", chromedp.MouseEvent(chromedp.MouseMoved, out.X+(col+0.5)*out.W/28, out.Y+(row+0.5)*out.H/28))
	waitFor(t, ctx, "the formula of the hovered cell",
		fmt.Sprintf(`(d => d.row === '%d' && d.col === '%d')(document.getElementById('unit-formula').dataset)`, row, col))
	f := run1[map[string]string](t, ctx, "the formula", `Object.assign({}, document.getElementById('unit-formula').dataset)`)
	num := func(k string) float64 {
		v, err := strconv.ParseFloat(f[k], 64)
		if err != nil {
			t.Fatalf("formula %s = %q: %v", k, f[k], err)
		}
		return v
	}
	cell := (ch*28+row)*28 + col
	conv, relu := layers[0][cell], layers[1][cell]
	sum, act := num("sum"), num("act")
	t.Logf("conv1 channel %d cell (%d,%d): the page's sum %.9g, the network's value %.9g, difference %.2g", ch, row, col, sum, conv, math.Abs(sum-conv))
	if f["kind"] != "conv" || f["layer"] != "0" || f["ch"] != strconv.Itoa(ch) {
		t.Errorf("formula of %s layer %s channel %s; want conv 0 %d", f["kind"], f["layer"], f["ch"], ch)
	}
	if num("net") != conv || num("map") != relu {
		t.Errorf("the formula shows the network's values %v and %v; the API says %v and %v", f["net"], f["map"], conv, relu)
	}
	// The network adds the products in float32, in another order; the page in float64.
	if d := math.Abs(sum - conv); !(d <= 1e-5*math.Max(1, math.Abs(conv))) {
		t.Errorf("the formula's sum %v is not the cell's value %v (difference %g)", sum, conv, d)
	}
	if d := math.Abs(act - relu); !(d <= 1e-5*math.Max(1, math.Abs(relu))) {
		t.Errorf("ReLU of the sum is %v; the map holds %v", act, relu)
	}
	if text := run1[string](t, ctx, "the check", `document.querySelector('#unit-formula .check').textContent`); !strings.HasPrefix(text, "✓") {
		t.Errorf("the page's own check: %q", text)
	}
	if *update {
		writePicture(t, ctx)
	}

	// Clear the canvas, then draw a pair of trousers.
	drawingChangesPrediction(t, ctx)

	// The console listener works: it sees a message written on purpose.
	run1[bool](t, ctx, "probe", `console.error('explore-test-probe'), true`)
	waitFor(t, ctx, "nothing", `true`)
	var probes int
	for _, m := range consoleMsgs() {
		if strings.Contains(m, "explore-test-probe") {
			probes++
			continue
		}
		t.Errorf("console: %s", m)
	}
	if probes != 1 {
		t.Errorf("the console listener caught the probe %d times; want 1", probes)
	}
	if s := run1[string](t, ctx, "status", `document.getElementById('status').hidden ? '' : document.getElementById('status').textContent`); s != "" {
		t.Errorf("the page shows an error: %s", s)
	}
}

// writePicture saves the viewport, scrolled to the top, as docs/explore.png.
func writePicture(t *testing.T, ctx context.Context) {
	t.Helper()
	writeScreenshot(t, ctx, "explore.png")
}

// writeScreenshot saves the viewport, scrolled to the top, as docs/NAME.
func writeScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	run1[bool](t, ctx, "scrolling", `window.scrollTo(0, 0), true`)
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", name)
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(shot); return err }); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d x %d)", path, cfg.Width, cfg.Height)
}

// Live training: the page follows the trainer's points and weights.
func TestBrowserLive(t *testing.T) {
	ctx, consoleMsgs := browser(t)
	_, test := fashiontest.Load(t)
	c := lenettest.New(t, lenet.Config{Spec: lenet.ClassicSpec(), BatchSize: 1, EvalBatch: 1, Seed: 3})
	srv, err := explore.New(explore.Config{Weights: lenet.Snapshot(c, lenet.CheckpointHeader{Epochs: 3}), Test: test, Live: true, Source: "cmd/train"})
	if err != nil {
		t.Fatal(err)
	}
	base := serveTest(t, srv)

	do(t, ctx, "loading the page", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	waitFor(t, ctx, "the live badge", `document.getElementById('live').textContent === 'training live: epoch 1 of 3'`)
	waitFor(t, ctx, "one row of kernels", `document.querySelectorAll('#kernel-history .krow').length === 1`)

	loss, acc, testAcc := 1.2, 0.55, 0.6
	srv.AddPoint(lenet.Point{Epoch: 0.5, TrainLoss: &loss, TrainAcc: &acc})
	waitFor(t, ctx, "the first point", `document.querySelectorAll('#curves polyline').length === 2`)
	w := c.Params()[0].Value().Data().([]float32) // conv1.weight: the kernels change
	for i := range w {
		w[i] *= -1
	}
	srv.AddPoint(lenet.Point{Epoch: 1, TestAcc: &testAcc})
	h := lenet.CheckpointHeader{Epochs: 3}
	h.Epoch = 1
	if err := srv.SetWeights(lenet.Snapshot(c, h)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the new weights", `document.getElementById('live').textContent === 'training live: epoch 2 of 3' && `+
		`document.querySelectorAll('#kernel-history .krow').length === 2 && document.querySelectorAll('#curves polyline').length === 3 && `+
		`document.getElementById('model-info').textContent.includes('test accuracy 0.600')`)
	srv.Progress(lenet.BatchInfo{Epoch: 2, Batch: 10, Batches: 47, Loss: 0.5, Examples: 256, ExamplesPerSec: 9000})
	waitFor(t, ctx, "the progress line", `document.getElementById('live').textContent === 'training live: epoch 2 of 3 · batch 10 of 47 · loss 0.500 · 9,000 examples/s'`)
	for _, m := range consoleMsgs() {
		t.Errorf("console: %s", m)
	}
}

// Weights without a training state (PyTorch's) are not called untrained: the heading
// and the kernels' row say what they are.
func TestBrowserWeightsOnly(t *testing.T) {
	ctx, consoleMsgs := browser(t)
	_, test := fashiontest.Load(t)
	c := lenettest.New(t, lenet.Config{Spec: lenet.ClassicSpec(), BatchSize: 1, EvalBatch: 1, Seed: 5})
	ck := lenet.Snapshot(c, lenet.CheckpointHeader{})
	ck.WeightsOnly = true
	srv, err := explore.New(explore.Config{Weights: ck, Test: test, Source: "torch.safetensors"})
	if err != nil {
		t.Fatal(err)
	}
	base := serveTest(t, srv)

	do(t, ctx, "loading the page", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	waitFor(t, ctx, "the heading and the kernels' row", `document.getElementById('model-info').textContent === `+
		`'classic LeNet · weights only, no training state · weights: torch.safetensors' && `+
		`document.querySelector('#kernel-history .krow span').textContent === 'loaded'`)
	for _, m := range consoleMsgs() {
		t.Errorf("console: %s", m)
	}
}

// typeInto replaces the text of the input sel by typing text, as a person does.
func typeInto(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	run1[bool](t, ctx, "selecting "+sel, `(e => (e.focus(), e.select(), true))(document.querySelector(`+strconv.Quote(sel)+`))`)
	do(t, ctx, "typing into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// rowShapes are the output shapes the Design view shows, row by row.
func rowShapes(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run1[string](t, ctx, "the rows' shapes", `[...document.querySelectorAll('#design-rows tr[data-row] .c-shape')].map(e => e.textContent).join(' ')`)
}

// describedShapes are lenet.Describe's shapes of spec, written as the page writes them.
func describedShapes(t *testing.T, spec string) string {
	t.Helper()
	sp, err := lenet.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	d, err := lenet.Describe(sp)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range d.Layers {
		var dims []string
		for _, v := range l.Shape {
			dims = append(dims, strconv.Itoa(v))
		}
		out = append(out, strings.Join(dims, "×"))
	}
	return strings.Join(out, " ")
}

// The Design & train view as a person uses it: build a network by clicking and
// typing, see every shape the server works out, an impossible design named at its
// row, train the design, see its curve and row, export its PyTorch code, and open a
// unit of the new network whose formula gives the network's value. With -update it
// writes docs/design.png (1366x768) and docs/design-phone.png (420 px wide).
func TestBrowserDesign(t *testing.T) {
	start := time.Now()
	ctx, consoleMsgs := browserSized(t, 1366, 768)
	train, test := fashiontest.Load(t)
	c := lenettest.New(t, lenet.Config{Spec: lenet.ClassicSpec(), BatchSize: 1, EvalBatch: 1, Seed: 1})
	srv, err := explore.New(explore.Config{Weights: lenet.Snapshot(c, lenet.CheckpointHeader{Epochs: 1}), Test: test, Train: train,
		RunsDir: t.TempDir(), Source: "initial weights"})
	if err != nil {
		t.Fatal(err)
	}
	base := serveTest(t, srv)
	const index = 7
	do(t, ctx, "loading the page", chromedp.Navigate(fmt.Sprintf("%s?index=%d#design", base, index)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))

	// A first visit shows the guide; it goes when dismissed.
	if run1[bool](t, ctx, "the guide", `document.getElementById('guide').hidden`) {
		t.Error("a first visit shows no guide")
	}
	do(t, ctx, "closing the guide", chromedp.Click(chromedp.CSS(`#guide-close`)))
	waitFor(t, ctx, "the design view on the loaded network", `document.body.dataset.design === 'valid' && document.getElementById('design-spec').value === 'conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid'`)
	if got, want := rowShapes(t, ctx), describedShapes(t, lenet.Classic); got != want {
		t.Errorf("the classic LeNet's rows show shapes %q; Describe says %q", got, want)
	}

	// Build conv(stride 2) - tanh - dense from nothing.
	do(t, ctx, "starting from nothing", chromedp.Click(chromedp.CSS(`#from-empty`)))
	waitFor(t, ctx, "the empty design's error", `document.body.dataset.design === 'invalid' && document.getElementById('design-error').textContent === 'the spec has no layers' && document.getElementById('train').disabled`)
	add := func(kind string) {
		do(t, ctx, "adding a "+kind, chromedp.SetValue(chromedp.CSS(`#add-kind`), kind), chromedp.Click(chromedp.CSS(`#add-layer`)))
	}
	add("conv")
	waitFor(t, ctx, "the convolution's shape", `document.body.dataset.design === 'valid' && document.querySelector('#design-rows tr[data-row="0"] .c-shape').textContent === '8×26×26'`)
	typeInto(t, ctx, `input[data-row="0"][data-field="stride"]`, "2")
	waitFor(t, ctx, "the strided convolution's shape", `document.body.dataset.design === 'valid' && document.querySelector('#design-rows tr[data-row="0"] .c-shape').textContent === '8×13×13'`)
	add("tanh")
	add("linear")
	waitFor(t, ctx, "the dense layer's row", `document.body.dataset.design === 'valid' && document.querySelectorAll('#design-rows tr[data-row]').length === 5`)
	if got, want := rowShapes(t, ctx), describedShapes(t, "conv8k3s2-tanh-flatten-dense64"); got != want {
		t.Errorf("conv, tanh, dense show shapes %q; Describe says %q", got, want)
	}
	if kinds := run1[string](t, ctx, "the kinds", `[...document.querySelectorAll('#design-rows tr[data-row]')].map(e => e.dataset.kind || 'implied').join(' ')`); kinds != "conv tanh flatten linear implied" {
		t.Errorf("rows %q; want conv, tanh, the implied flatten, dense and the last dense layer", kinds)
	}

	// An impossible kernel: the row that breaks, the reason with its arithmetic, no Train.
	typeInto(t, ctx, `input[data-row="0"][data-field="kernel"]`, "40")
	_, wantErr := lenet.ParseSpec("conv8k40s2-tanh-dense64")
	waitFor(t, ctx, "the impossible design's error", `document.body.dataset.design === 'invalid' && document.getElementById('design-error').dataset.layer === '0'`)
	if got := run1[string](t, ctx, "the error", `document.getElementById('design-error').textContent`); wantErr == nil || got != wantErr.Error() {
		t.Errorf("the page says %q; lenet says %v", got, wantErr)
	}
	if !run1[bool](t, ctx, "the marked row", `document.querySelector('#design-rows tr[data-row="0"]').classList.contains('bad') && document.getElementById('train').disabled && document.querySelectorAll('#design-rows tr.bad').length === 1`) {
		t.Error("the impossible design does not mark row 0 alone, or Train is enabled")
	}
	typeInto(t, ctx, `input[data-row="0"][data-field="kernel"]`, "5")
	const spec = "conv8k5s2-tanh-dense64"
	waitFor(t, ctx, "the valid design", `document.body.dataset.design === 'valid' && document.getElementById('design-spec').value === '`+spec+`' && !document.getElementById('train').disabled`)
	if got, want := rowShapes(t, ctx), describedShapes(t, spec); got != want {
		t.Errorf("%s shows shapes %q; Describe says %q", spec, got, want)
	}
	waitFor(t, ctx, "the estimate from the measured rate", `!!document.getElementById('estimate')`)

	// Train it for one epoch on 2,000 images.
	trainRun1(t, ctx, spec)
	row := run1[[]string](t, ctx, "the run's row", `[...document.querySelectorAll('#runs-rows tr[data-run="r1"] td')].map(e => e.textContent)`)
	if len(row) != 7 || row[1] != spec+"1 of 1 epoch · lr 0.1 · batch 256 · 2,000 images · 74,650 params" || row[2] != "finished" || !strings.HasPrefix(row[3], "0.") {
		t.Errorf("the run's row: %q", row)
	}

	// Export its PyTorch code: the generated module of the spec.
	do(t, ctx, "exporting PyTorch", chromedp.Click(chromedp.CSS(`button[data-act="pytorch"][data-run="r1"]`)))
	waitFor(t, ctx, "the PyTorch code", `document.getElementById('export-code').textContent.length > 0`)
	var py strings.Builder
	sp, _ := lenet.ParseSpec(spec)
	if err := lenet.WritePyTorch(&py, sp); err != nil {
		t.Fatal(err)
	}
	if got := run1[string](t, ctx, "the code", `document.getElementById('export-code').textContent`); got != py.String() || !strings.Contains(got, "nn.Conv2d(1, 8, kernel_size=5, stride=2),") {
		t.Errorf("the exported code is not lenet.WritePyTorch's:\n%s", got)
	}
	if *update {
		writeScreenshot(t, ctx, "design.png")
	}

	// On a laptop the sidebar scrolls: "Compare two inputs" can be brought into view.
	do(t, ctx, "the explore view", chromedp.Click(chromedp.CSS(`#tab-explore`)))
	if !run1[bool](t, ctx, "the compare card", `(e => (e.scrollIntoView(), (r => r.top >= 0 && r.bottom <= innerHeight)(e.getBoundingClientRect())))(document.getElementById('compare-card'))`) {
		t.Error("at 1366x768 the sidebar hides \"Compare two inputs\"")
	}

	// A unit of the new network: the strided convolution's formula gives the cell's
	// value, and tanh of it the next layer's.
	const ch, r, col = 3, 5, 6
	waitFor(t, ctx, "the new network's maps", `document.querySelectorAll('canvas.map[data-layer="0"]').length === 8 && document.querySelector('canvas.map[data-layer="0"]').width === 12`)
	do(t, ctx, "opening the unit view", chromedp.Click(chromedp.CSS(fmt.Sprintf(`canvas.map[data-layer="0"][data-ch="%d"]`, ch))),
		chromedp.WaitVisible(chromedp.CSS(`#unit-formula`)))
	do(t, ctx, "scrolling to the unit", chromedp.ScrollIntoView(chromedp.CSS(`#unit canvas[data-hover="out"]`)))
	out := box(t, ctx, `#unit canvas[data-hover="out"]`)
	do(t, ctx, "hovering a cell", chromedp.MouseEvent(chromedp.MouseMoved, out.X+(col+0.5)*out.W/12, out.Y+(r+0.5)*out.H/12))
	waitFor(t, ctx, "the formula of the hovered cell", fmt.Sprintf(`(d => d.row === '%d' && d.col === '%d')(document.getElementById('unit-formula').dataset)`, r, col))
	f := run1[map[string]string](t, ctx, "the formula", `Object.assign({}, document.getElementById('unit-formula').dataset)`)
	layers, _ := apiForward(t, base, index)
	cell := (ch*12+r)*12 + col
	sum, _ := strconv.ParseFloat(f["sum"], 64)
	act, _ := strconv.ParseFloat(f["act"], 64)
	conv, th := layers[0][cell], layers[1][cell]
	t.Logf("conv1 channel %d cell (%d,%d): the page's sum %.9g, the network's value %.9g", ch, r, col, sum, conv)
	if f["kind"] != "conv" || f["layer"] != "0" || f["ch"] != strconv.Itoa(ch) {
		t.Errorf("formula of %s layer %s channel %s; want conv 0 %d", f["kind"], f["layer"], f["ch"], ch)
	}
	if d := math.Abs(sum - conv); !(d <= 1e-5*math.Max(1, math.Abs(conv))) {
		t.Errorf("the formula's sum %v is not the cell's value %v", sum, conv)
	}
	if d := math.Abs(act - th); !(d <= 1e-5*math.Max(1, math.Abs(th))) || math.Abs(math.Tanh(sum)-act) > 1e-9 {
		t.Errorf("tanh of the sum is %v; the tanh layer holds %v", act, th)
	}

	// A phone: 420 px wide, no sideways scrolling in either view.
	do(t, ctx, "a phone's viewport", chromedp.EmulateViewport(420, 900))
	for _, view := range []string{"explore", "design"} {
		do(t, ctx, "the "+view+" view", chromedp.Click(chromedp.CSS(`#tab-`+view)))
		if w := run1[float64](t, ctx, "the page's width", `document.documentElement.scrollWidth`); w > 420 {
			wide := run1[string](t, ctx, "what is wide", `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 421 && e.getClientRects().length && !e.closest('.table-wrap, .unit')).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`)
			t.Errorf("the %s view is %v px wide at 420 px: %s", view, w, wide)
		}
	}
	if *update {
		writeScreenshot(t, ctx, "design-phone.png")
	}
	// The browser logs the 400s that answered the two impossible designs (the empty
	// one and the 40x40 kernel), one for /api/spec and one for /api/design each.
	refused := 0
	for _, m := range consoleMsgs() {
		if strings.Contains(m, "status of 400 (Bad Request) at "+base+"api/spec") || strings.Contains(m, "status of 400 (Bad Request) at "+base+"api/design") {
			refused++
			continue
		}
		t.Errorf("console: %s", m)
	}
	if refused != 4 {
		t.Errorf("the browser logged %d refused designs; want 4", refused)
	}
	t.Logf("the test took %.1f s", time.Since(start).Seconds())
}
