package explore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/d2l-go/convnets/lenet"
)

// trainingServer is a server that trains on n generated images, keeping its runs in
// dir.
func trainingServer(t *testing.T, dir string, n int) *Server {
	t.Helper()
	return newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 50), Train: testSet(t, n), RunsDir: dir})
}

// listRuns answers GET /api/runs.
func listRuns(t *testing.T, h http.Handler) runsResponse {
	t.Helper()
	code, _, body := do(t, h, "GET", "/api/runs", "")
	var a runsResponse
	if err := json.Unmarshal(body, &a); code != http.StatusOK || err != nil {
		t.Fatalf("GET /api/runs: %d %v %s", code, err, body)
	}
	return a
}

// waitRun polls GET /api/runs until run id has one of the statuses.
func waitRun(t *testing.T, h http.Handler, id string, statuses ...string) *Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, r := range listRuns(t, h).Runs {
			if r.ID == id && strings.Contains(" "+strings.Join(statuses, " ")+" ", " "+r.Status+" ") {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s never became %v: %+v", id, statuses, listRuns(t, h).Runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startRun posts settings and returns the status and the answer.
func startRun(t *testing.T, h http.Handler, body string) (int, map[string]any) {
	t.Helper()
	code, _, b := do(t, h, "POST", "/api/runs", body)
	var a map[string]any
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("POST /api/runs %s: %v in %s", body, err, b)
	}
	return code, a
}

// A run trains on its own goroutine to the end, its points and numbers recorded; its
// weights are saved, become the explorer's network, and export as a checkpoint and as
// PyTorch code.
func TestRunFinishes(t *testing.T) {
	dir := t.TempDir()
	s := trainingServer(t, dir, 300)
	h := s.Handler()
	const spec = "conv4k5s2-tanh-dense16"
	code, a := startRun(t, h, `{"spec": "`+spec+`", "epochs": 2, "lr": 0.1, "limit": 200, "batch": 50, "seed": 3}`)
	if code != http.StatusAccepted || a["id"] != "r1" {
		t.Fatalf("POST /api/runs: %d %v", code, a)
	}
	r := waitRun(t, h, "r1", StatusFinished, StatusFailed, StatusDiverged)
	if r.Status != StatusFinished || r.Error != "" || !r.Checkpoint {
		t.Fatalf("run r1 ended %s (%s), checkpoint %v", r.Status, r.Error, r.Checkpoint)
	}
	if r.Spec != spec || r.Epochs != 2 || r.LR != 0.1 || r.Limit != 200 || r.Batch != 50 || r.Seed != 3 || r.EpochsDone != 2 || r.Params != 4*25+4+576*16+16+16*10+10 {
		t.Errorf("run r1: %+v", r)
	}
	// 4 batches an epoch: a point after each (every max(4/5, 1) batches), then the test
	// accuracy.
	if len(r.Points) != 10 || r.Points[3].Epoch != 1 || r.Points[3].TrainLoss == nil || r.Points[4].TestAcc == nil || r.Points[9].TestAcc == nil {
		t.Errorf("run r1's points: %s", jsonText(r.Points))
	}
	if r.TestAcc == nil || *r.TestAcc != *r.Points[9].TestAcc || r.ExamplesPerSec == nil || !(*r.ExamplesPerSec > 0) {
		t.Errorf("run r1: test accuracy %v, examples/s %v", r.TestAcc, r.ExamplesPerSec)
	}

	// The explorer shows the run's network now.
	var m modelResponse
	_, _, body := do(t, h, "GET", "/api/model", "")
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Variant != spec || m.Run != "r1" || m.Source != "run r1" || m.Epoch != 2 || len(m.Layers) != 5 || m.Layers[0].Name != "Conv2d(1, 4, kernel_size=5, stride=2)" {
		t.Errorf("GET /api/model after the run: variant %s run %s source %s epoch %d, %d layers", m.Variant, m.Run, m.Source, m.Epoch, len(m.Layers))
	}
	if fwd := getForward(t, h, "GET", "/api/forward?index=3", ""); len(fwd.Layers) != 5 || len(fwd.Layers[0].Values) != 4*12*12 {
		t.Errorf("a forward after the run has %d layers", len(fwd.Layers))
	}
	if listRuns(t, h).Loaded != "r1" {
		t.Errorf("GET /api/runs does not say r1 is loaded")
	}

	code, hdr, body := do(t, h, "GET", "/api/runs/r1/checkpoint", "")
	ck, err := lenet.ReadCheckpoint(bytes.NewReader(body))
	if code != http.StatusOK || err != nil || hdr.Get("Content-Disposition") != `attachment; filename="run-r1.safetensors"` {
		t.Fatalf("GET checkpoint: %d %v %q", code, err, hdr.Get("Content-Disposition"))
	}
	if ck.Model != spec || ck.Epoch != 2 || ck.Optimizer.LR != 0.1 || ck.BatchSize != 50 || ck.Seed != 3 {
		t.Errorf("the checkpoint: %+v", ck.CheckpointHeader)
	}
	code, _, body = do(t, h, "GET", "/api/runs/r1/pytorch", "")
	if code != http.StatusOK || !strings.Contains(string(body), `SPEC = "`+spec+`"`) || !strings.Contains(string(body), "nn.Conv2d(1, 4, kernel_size=5, stride=2),") {
		t.Errorf("GET pytorch: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "r1.json")); err != nil {
		t.Errorf("the run's file: %v", err)
	}
}

// One run at a time: a second gets a 409 naming the first; Stop ends a run, which is
// kept and loaded; a server started again on the folder lists it and loads it.
func TestRunBusyStopAndRestart(t *testing.T) {
	dir := t.TempDir()
	s := trainingServer(t, dir, 2000)
	h := s.Handler()
	code, a := startRun(t, h, `{"spec": "classic", "epochs": 50, "batch": 10}`)
	if code != http.StatusAccepted || a["id"] != "r1" {
		t.Fatalf("POST /api/runs: %d %v", code, a)
	}
	code, a = startRun(t, h, `{"spec": "modern", "epochs": 1}`)
	if msg, _ := a["error"].(string); code != http.StatusConflict || !strings.HasPrefix(msg, "run r1 (conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid) is ") ||
		!strings.HasSuffix(msg, "; one run trains at a time: stop it (POST /api/runs/r1/stop) or wait") {
		t.Errorf("a second run: %d %v", code, a)
	}
	// The explorer answers while the run trains.
	waitRun(t, h, "r1", StatusTraining)
	if fwd := getForward(t, h, "GET", "/api/forward?index=1", ""); len(fwd.Layers) != 12 {
		t.Errorf("a forward during the run: %d layers", len(fwd.Layers))
	}
	if code, _, body := do(t, h, "POST", "/api/runs/r1/load", ""); code != http.StatusConflict || !strings.Contains(string(body), "run r1 has no weights to load: it is training") {
		t.Errorf("loading a run in progress: %d %s", code, body)
	}
	code, _, body := do(t, h, "POST", "/api/runs/r1/stop", "")
	if code != http.StatusAccepted {
		t.Fatalf("stop: %d %s", code, body)
	}
	r := waitRun(t, h, "r1", StatusStopped, StatusFinished, StatusFailed)
	if r.Status != StatusStopped || !r.Checkpoint || r.EpochsDone >= 50 {
		t.Fatalf("after stop: %s (%s), checkpoint %v, %d epochs", r.Status, r.Error, r.Checkpoint, r.EpochsDone)
	}
	if code, _, body := do(t, h, "POST", "/api/runs/r1/stop", ""); code != http.StatusConflict || !strings.Contains(string(body), "run r1 is not training: it stopped") {
		t.Errorf("stopping a stopped run: %d %s", code, body)
	}
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"POST", "/api/runs/r9/stop", http.StatusNotFound},
		{"POST", "/api/runs/r1/delete", http.StatusNotFound},
		{"GET", "/api/runs/r1/stop", http.StatusMethodNotAllowed},
		{"POST", "/api/runs/r1/pytorch", http.StatusMethodNotAllowed},
		{"GET", "/api/runs/r1/load/x", http.StatusNotFound},
	} {
		if code, _, body := do(t, h, tc.method, tc.path, ""); code != tc.code {
			t.Errorf("%s %s: %d %s; want %d", tc.method, tc.path, code, body, tc.code)
		}
	}
	s.Close()

	// Started again on the same folder, the server lists the run and loads it.
	s2 := trainingServer(t, dir, 100)
	h2 := s2.Handler()
	list := listRuns(t, h2)
	if len(list.Runs) != 1 || list.Runs[0].ID != "r1" || list.Runs[0].Status != StatusStopped || !list.Runs[0].Checkpoint || list.Loaded != "" {
		t.Fatalf("after a restart: %s", jsonText(list))
	}
	if code, _, body := do(t, h2, "POST", "/api/runs/r1/load", ""); code != http.StatusOK {
		t.Fatalf("loading r1 after a restart: %d %s", code, body)
	}
	if list := listRuns(t, h2); list.Loaded != "r1" {
		t.Errorf("after loading: loaded %q", list.Loaded)
	}
	code, a = startRun(t, h2, `{"spec": "conv2k5s3-relu", "epochs": 1, "limit": 20}`)
	if code != http.StatusAccepted || a["id"] != "r2" {
		t.Errorf("the next run after a restart: %d %v", code, a)
	}
	waitRun(t, h2, "r2", StatusFinished)
}

// A run whose learning rate blows the weights up ends "diverged", with the reason,
// and without weights to load.
func TestRunDiverges(t *testing.T) {
	s := trainingServer(t, t.TempDir(), 500)
	h := s.Handler()
	code, a := startRun(t, h, `{"spec": "conv8k3-relu-dense64-relu", "epochs": 3, "lr": 1e6, "batch": 50}`)
	if code != http.StatusAccepted {
		t.Fatalf("POST /api/runs: %d %v", code, a)
	}
	r := waitRun(t, h, "r1", StatusDiverged, StatusFinished, StatusFailed)
	if r.Status != StatusDiverged || !strings.HasPrefix(r.Error, "training diverged: ") || !strings.Contains(r.Error, "with learning rate 1e+06") || r.Checkpoint {
		t.Errorf("run with lr 1e6: %s %q, checkpoint %v", r.Status, r.Error, r.Checkpoint)
	}
	if code, _, body := do(t, h, "POST", "/api/runs/r1/load", ""); code != http.StatusConflict || !strings.Contains(string(body), "run r1 has no weights to load: it diverged") {
		t.Errorf("loading a diverged run: %d %s", code, body)
	}
	if m := listRuns(t, h); m.Loaded != "" || m.Training != "" {
		t.Errorf("after a diverged run: loaded %q, training %q", m.Loaded, m.Training)
	}
}

// Bad settings are a 400 with one line (and the layer, for a spec), before any work.
func TestRunBadSettings(t *testing.T) {
	s := trainingServer(t, t.TempDir(), 100)
	h := s.Handler()
	for _, tc := range []struct {
		body, want string
		layer      int
	}{
		{`{"spec": "conv4k3", "epochs": 51}`, "epochs 51: want 1 to 50", -1},
		{`{"spec": "conv4k3", "epochs": -2}`, "epochs -2: want 1 to 50", -1},
		{`{"spec": "conv4k3", "lr": -0.1}`, "learning rate -0.1: want a positive number", -1},
		{`{"spec": "conv4k3", "batch": 5000}`, "batch 5000: want 1 to 4096", -1},
		{`{"spec": "conv4k3", "limit": 101}`, "limit 101: want 1 to 100 training images (0 for all)", -1},
		{`{"spec": "conv4k3", "limit": -1}`, "limit -1: want 1 to 100", -1},
		{`{"spec": "conv4k3", "seed": -1}`, "malformed JSON", -1},
		{`{"spec": "conv4k3", "momentum": 0.9}`, `unknown field "momentum"`, -1},
		{`{"epochs": 1}`, `missing "spec"`, -1},
		{`{"spec": "conv4k3-tanh-max30"}`, "layer 2 max30: input 26x26 is smaller than the 30x30 window", 2},
		{`{"spec": "conv512k3p1-conv512k3p1", "batch": 4096}`, "training (values and gradients) a batch of 4096 needs", -1},
	} {
		code, _, body := do(t, h, "POST", "/api/runs", tc.body)
		var e specErrorResponse
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s: %v in %s", tc.body, err, body)
		}
		if code != http.StatusBadRequest || !strings.Contains(e.Error, tc.want) || e.Layer != tc.layer || strings.Contains(e.Error, "\n") {
			t.Errorf("%s: %d layer %d %q; want 400, layer %d, %q", tc.body, code, e.Layer, e.Error, tc.layer, tc.want)
		}
	}
	if l := listRuns(t, h); len(l.Runs) != 0 || !l.CanTrain || l.TrainSize != 100 {
		t.Errorf("after bad settings: %s", jsonText(l))
	}

	// A server without a training set says why it cannot train.
	s2 := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 3), NoTrain: "cmd/train -serve shows its own run"})
	code, _, body := do(t, s2.Handler(), "POST", "/api/runs", `{"spec": "classic"}`)
	if code != http.StatusConflict || !strings.Contains(string(body), "this explorer cannot train: cmd/train -serve shows its own run") {
		t.Errorf("training without a training set: %d %s", code, body)
	}
	if l := listRuns(t, s2.Handler()); l.CanTrain || l.Why != "cmd/train -serve shows its own run" {
		t.Errorf("GET /api/runs without a training set: %s", jsonText(l))
	}
}

// The training rate for the page's estimates is measured at start-up.
func TestCalibration(t *testing.T) {
	s := trainingServer(t, t.TempDir(), 800)
	deadline := time.Now().Add(30 * time.Second)
	for {
		l := listRuns(t, s.Handler())
		if l.Rate != nil {
			if !(l.Rate.MACsPerSec > 0) || !strings.HasPrefix(l.Rate.Measured, "a calibration at start-up: 2 batches of 256 of the classic LeNet, ") {
				t.Errorf("rate %+v", l.Rate)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no rate after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// New reads the runs folder: a run that was training when its server stopped is
// failed, a file that is not a run's is skipped with one line, and other files are
// left alone; a new run is numbered above every file.
func TestRunsFolder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"r2.json":   `{"id": "r2", "spec": "conv4k3", "status": "training", "epochs": 3, "checkpoint": true, "points": []}`,
		"r5.json":   `{"id": "r5", "spec": "conv4k3", "status": "fini`,
		"r7.json":   `{"id": "r8", "spec": "conv4k3", "status": "finished"}`,
		"r9.json":   `{"id": "r9", "spec": "conv4k40", "status": "finished"}`,
		"notes.txt": "mine",
		"x.json":    "{}",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logged []string
	s := newServer(t, Config{Weights: weights(t, lenet.Classic, 1), Test: testSet(t, 5), Train: testSet(t, 5), RunsDir: dir,
		Logf: func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }})
	l := listRuns(t, s.Handler())
	if len(l.Runs) != 1 || l.Runs[0].ID != "r2" || l.Runs[0].Status != StatusFailed || l.Runs[0].Error != "the server stopped while this run trained" || l.Runs[0].Checkpoint {
		t.Errorf("runs read back: %s", jsonText(l.Runs))
	}
	want := []string{
		filepath.Join(dir, "r5.json") + ": not a run's JSON: unexpected end of JSON input (skipped; move the file away to silence this)",
		filepath.Join(dir, "r7.json") + `: holds run "r8" (skipped; move the file away to silence this)`,
		filepath.Join(dir, "r9.json") + ": layer 0 conv4k40: input 28x28 is smaller than the 40x40 kernel; floor((28 - 40 + 0) / 1) + 1 = -11 (skipped; move the file away to silence this)",
	}
	slices.Sort(logged)
	if !slices.Equal(logged, want) {
		t.Errorf("logged\n%s\nwant\n%s", strings.Join(logged, "\n"), strings.Join(want, "\n"))
	}
	b, err := os.ReadFile(filepath.Join(dir, "r2.json"))
	if err != nil || !strings.Contains(string(b), `"status": "failed"`) {
		t.Errorf("r2.json after New: %s %v", b, err)
	}
	code, a := startRun(t, s.Handler(), `{"spec": "conv2k3", "epochs": 1}`)
	if code != http.StatusAccepted || a["id"] != "r10" { // above every rN.json, read or not
		t.Errorf("the next run: %d %v", code, a)
	}
	waitRun(t, s.Handler(), "r10", StatusFinished)
}
