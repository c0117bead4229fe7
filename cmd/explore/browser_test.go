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

	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/internal/citest"
	"github.com/d2l-go/convnets/internal/explore"
	"github.com/d2l-go/convnets/internal/fashiontest"
	"github.com/d2l-go/convnets/internal/lenettest"
	"github.com/d2l-go/convnets/lenet"
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
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.DisableGPU, chromedp.NoSandbox, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers often have a small /dev/shm
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1200),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })

	var mu sync.Mutex
	var msgs []string
	console := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 1200)); err != nil {
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
			t.Fatalf("timed out waiting for %s (%s)", what, js)
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
	do(t, ctx, "clearing", chromedp.Click(chromedp.CSS(`#clear`)))
	waitFor(t, ctx, "the empty canvas's prediction", `document.getElementById('input-what').textContent === 'your drawing' && document.body.dataset.busy === 'false'`)
	blank := run1[string](t, ctx, "prediction", `document.getElementById('verdict').dataset.predicted`)
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
	waitFor(t, ctx, "the drawing's prediction", `document.body.dataset.busy === 'false'`)
	drawn := run1[string](t, ctx, "prediction", `document.getElementById('verdict').dataset.predicted`)
	t.Logf("prediction of the empty canvas: class %s; of the drawn trousers: class %s", blank, drawn)
	if drawn == blank {
		t.Errorf("drawing trousers left the prediction at class %s", drawn)
	}

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
	run1[bool](t, ctx, "scrolling", `window.scrollTo(0, 0), true`)
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "explore.png")
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
