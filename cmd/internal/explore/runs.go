package explore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/lenet"
)

// The limits of a run started from the page, checked before anything is allocated for
// it: anyone who can reach the page can start one.
const (
	MaxRunEpochs = 50   // epochs of one run
	MaxRunBatch  = 4096 // training batch
	MaxRuns      = 200  // runs kept in the runs folder
	maxRunFile   = 1 << 20
)

// Run statuses.
const (
	StatusQueued   = "queued"
	StatusTraining = "training"
	StatusFinished = "finished"
	StatusStopped  = "stopped"
	StatusDiverged = "diverged"
	StatusFailed   = "failed"
)

// Run is one training run started from the page, as GET /api/runs answers it and as
// its JSON file in the runs folder holds it.
type Run struct {
	ID    string `json:"id"`
	Spec  string `json:"spec"`  // the network's compact form (lenet.Spec.Arch)
	Title string `json:"title"` // lenet.Title of the network
	// The settings it trained with, defaults filled in.
	Epochs int     `json:"epochs"`
	LR     float64 `json:"lr"`
	Limit  int     `json:"limit"` // training images (the first Limit of the training set)
	Batch  int     `json:"batch"`
	Seed   uint64  `json:"seed"`
	Params int64   `json:"params"`
	MACs   int64   `json:"macs"` // multiply-adds of one example's forward pass

	Status     string        `json:"status"` // queued, training, finished, stopped, diverged, failed
	Error      string        `json:"error,omitempty"`
	EpochsDone int           `json:"epochs_done"`
	Points     lenet.History `json:"points"` // as GET /api/metrics answers them
	// TrainLoss, TrainAcc and TestAcc are the last completed epoch's; null before one.
	TrainLoss      *float64     `json:"train_loss"`
	TrainAcc       *float64     `json:"train_acc"`
	TestAcc        *float64     `json:"test_acc"`
	ExamplesPerSec *float64     `json:"examples_per_sec"` // over the run's training steps
	Progress       *runProgress `json:"progress,omitempty"`
	Started        time.Time    `json:"started"`
	Seconds        float64      `json:"seconds"`    // wall time, evaluations included
	Checkpoint     bool         `json:"checkpoint"` // its weights are saved: it can be loaded and exported
}

// runProgress is where a training run stands within an epoch.
type runProgress struct {
	Epoch   int     `json:"epoch"`
	Batch   int     `json:"batch"`
	Batches int     `json:"batches"`
	Loss    float64 `json:"loss"`
}

// rate is the training speed the page's time estimates use: forward multiply-adds
// per second of training steps, measured on this machine.
type rate struct {
	MACsPerSec float64 `json:"macs_per_sec"`
	Measured   string  `json:"measured"` // how: the calibration at start-up or a run
}

// runs holds the page's training runs: one trains at a time, on a goroutine of its
// own with a network of its own, so the explorer goes on answering meanwhile.
type runs struct {
	dir       string
	train     *dataset.Set
	trainN    int                          // the training images: train.N, or those loadTrain gives
	loadTrain func() (*dataset.Set, error) // when train is nil: Config.LoadTrain
	noTrain   string

	mu      sync.Mutex // guards everything below
	list    []*Run
	active  *Run
	cancel  context.CancelFunc
	version int // counts changes, for the event streams
	lastID  int // the largest N of the rN.json files seen, listed or not: new runs go above it
	woke    time.Time
	rate    *rate
	closed  bool
	// mem holds the runs' checkpoints, by run, when there is no runs folder (the
	// WebAssembly explorer, which has no files to write): MaxRuns small networks.
	mem map[string][]byte
	wg  sync.WaitGroup // the training and calibration goroutines
}

// init reads the runs of earlier sessions from cfg.RunsDir; a run that was training
// when its server stopped is marked failed.
func (rs *runs) init(cfg Config) error {
	rs.dir, rs.train, rs.noTrain = cfg.RunsDir, cfg.Train, cfg.NoTrain
	switch {
	case rs.train != nil:
		if err := trainable(rs.train, rs.train.N); err != nil {
			return err
		}
		rs.trainN = rs.train.N
	case cfg.LoadTrain != nil:
		if cfg.TrainN <= 0 {
			return fmt.Errorf("explore: a training set to come of %d images", cfg.TrainN)
		}
		rs.trainN, rs.loadTrain = cfg.TrainN, cfg.LoadTrain
	case rs.noTrain == "":
		rs.noTrain = "it was started without a training set"
	}
	if rs.dir == "" {
		rs.mem = map[string][]byte{}
		return nil
	}
	if err := os.MkdirAll(rs.dir, 0o755); err != nil {
		return fmt.Errorf("explore: the runs folder: %w", err)
	}
	atomicfile.RemoveStale(rs.dir)
	entries, err := os.ReadDir(rs.dir)
	if err != nil {
		return fmt.Errorf("explore: the runs folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		id, ok := strings.CutSuffix(name, ".json")
		if !ok || runNumber(id) < 1 {
			continue
		}
		rs.lastID = max(rs.lastID, runNumber(id))
		if len(rs.list) == MaxRuns {
			logf(cfg.Logf, "%s: skipped: the explorer keeps %d runs at most; move older runs away", filepath.Join(rs.dir, name), MaxRuns)
			continue
		}
		r, err := readRun(filepath.Join(rs.dir, name), id)
		if err != nil {
			logf(cfg.Logf, "%v (skipped; move the file away to silence this)", err)
			continue
		}
		if r.Status == StatusQueued || r.Status == StatusTraining {
			r.Status, r.Error, r.Progress = StatusFailed, "the server stopped while this run trained", nil
			if err := rs.save(r); err != nil {
				logf(cfg.Logf, "%v", err)
			}
		}
		if r.Checkpoint {
			if _, err := os.Stat(rs.checkpointPath(r.ID)); err != nil {
				r.Checkpoint = false
			}
		}
		rs.list = append(rs.list, r)
	}
	slices.SortFunc(rs.list, func(a, b *Run) int { return runNumber(a.ID) - runNumber(b.ID) })
	return nil
}

func logf(f func(string, ...any), format string, args ...any) {
	if f != nil {
		f(format, args...)
	}
}

// runNumber is N of the id "rN", 0 when id is not one.
func runNumber(id string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "r"))
	if !strings.HasPrefix(id, "r") || err != nil || n < 1 || "r"+strconv.Itoa(n) != id {
		return 0
	}
	return n
}

// readRun reads a run's JSON file, at most maxRunFile bytes.
func readRun(path, id string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRunFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxRunFile {
		return nil, fmt.Errorf("%s: over %d KB, not a run's file", path, maxRunFile>>10)
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a run's JSON: %v", path, err)
	}
	if r.ID != id {
		return nil, fmt.Errorf("%s: holds run %q", path, r.ID)
	}
	if _, err := lenet.ParseSpec(r.Spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

func (rs *runs) jsonPath(id string) string       { return filepath.Join(rs.dir, id+".json") }
func (rs *runs) checkpointPath(id string) string { return filepath.Join(rs.dir, id+".safetensors") }

// save writes r's JSON file atomically (nothing without a runs folder). r must not
// change meanwhile: callers hold rs.mu, or own r before it is listed.
func (rs *runs) save(r *Run) error {
	if rs.dir == "" {
		return nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("explore: run %s: %w", r.ID, err)
	}
	if err := atomicfile.Write(rs.jsonPath(r.ID), func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err }); err != nil {
		return fmt.Errorf("explore: run %s: %w", r.ID, err)
	}
	return nil
}

// saveCheckpoint keeps run id's weights: in its file in the runs folder, or in memory
// without one.
func (rs *runs) saveCheckpoint(id string, ck *lenet.Checkpoint) error {
	if rs.dir != "" {
		return ck.Save(rs.checkpointPath(id))
	}
	var b bytes.Buffer
	if _, err := ck.WriteTo(&b); err != nil {
		return err
	}
	rs.mu.Lock()
	rs.mem[id] = b.Bytes()
	rs.mu.Unlock()
	return nil
}

// checkpointBytes returns run id's checkpoint file.
func (rs *runs) checkpointBytes(id string) ([]byte, error) {
	if rs.dir != "" {
		return os.ReadFile(rs.checkpointPath(id))
	}
	rs.mu.Lock()
	b, ok := rs.mem[id]
	rs.mu.Unlock()
	if !ok {
		return nil, errors.New("its weights are not kept")
	}
	return b, nil
}

// loadCheckpoint reads run id's checkpoint.
func (rs *runs) loadCheckpoint(id string) (*lenet.Checkpoint, error) {
	if rs.dir != "" {
		return lenet.LoadCheckpoint(rs.checkpointPath(id))
	}
	b, err := rs.checkpointBytes(id)
	if err != nil {
		return nil, err
	}
	return lenet.ReadCheckpointAt(bytes.NewReader(b), int64(len(b)))
}

// close stops the run in progress and waits for it and the calibration.
func (rs *runs) close() {
	rs.mu.Lock()
	rs.closed = true
	if rs.cancel != nil {
		rs.cancel()
	}
	rs.mu.Unlock()
	rs.wg.Wait()
}

// changed records a change for the event streams. rs.mu must be held.
func (rs *runs) changed() {
	rs.version++
	rs.woke = time.Now()
}

// runSettings are the body of POST /api/runs; zero values mean the spec's learning
// rate and epochs, the whole training set, batch lenet.DefaultBatch, seed 1.
type runSettings struct {
	Spec   json.RawMessage `json:"spec"`
	Epochs int             `json:"epochs"`
	LR     float64         `json:"lr"`
	Limit  int             `json:"limit"`
	Batch  int             `json:"batch"`
	Seed   uint64          `json:"seed"`
}

const runExample = `{"spec": "conv8k3s2-tanh-dense32", "epochs": 1, "lr": 0.5, "limit": 2000, "batch": 256, "seed": 1}`

// check fills in the defaults and checks every setting against the limits, before
// anything is allocated; the run it returns has no ID yet.
func (st runSettings) check(trainN int) (*Run, lenet.Spec, error) {
	spec, err := parseSpecField(st.Spec)
	if err != nil {
		return nil, spec, err
	}
	d, err := lenet.Describe(spec)
	if err != nil {
		return nil, spec, err
	}
	if st.Epochs == 0 {
		st.Epochs = spec.EpochCount()
	}
	if st.LR == 0 {
		st.LR = spec.LearningRate()
	}
	if st.Batch == 0 {
		st.Batch = lenet.DefaultBatch
	}
	if st.Seed == 0 {
		st.Seed = lenet.DefaultSeed
	}
	if st.Limit == 0 {
		st.Limit = trainN
	}
	switch {
	case st.Epochs < 1 || st.Epochs > MaxRunEpochs:
		return nil, spec, fmt.Errorf("epochs %d: want 1 to %d", st.Epochs, MaxRunEpochs)
	case !(st.LR > 0) || math.IsInf(st.LR, 0):
		return nil, spec, fmt.Errorf("learning rate %v: want a positive number", st.LR)
	case st.Batch < 1 || st.Batch > MaxRunBatch:
		return nil, spec, fmt.Errorf("batch %d: want 1 to %d", st.Batch, MaxRunBatch)
	case st.Limit < 1 || st.Limit > trainN:
		return nil, spec, fmt.Errorf("limit %d: want 1 to %d training images (0 for all)", st.Limit, trainN)
	}
	if err := d.CheckBatch(st.Batch, true); err != nil {
		return nil, spec, err
	}
	if err := d.CheckBatch(lenet.DefaultEvalBatch, false); err != nil {
		return nil, spec, err
	}
	spec.Name = ""
	return &Run{Spec: spec.Arch(), Title: lenet.Title(spec.Model()), Epochs: st.Epochs, LR: st.LR, Limit: st.Limit, Batch: st.Batch, Seed: st.Seed,
		Params: d.Params, MACs: d.MACs, Status: StatusQueued, Points: lenet.History{}}, spec, nil
}

// trainable checks a training set: n images of 28x28.
func trainable(set *dataset.Set, n int) error {
	if set.N == 0 || set.N != n || set.Rows != lenet.Height || set.Cols != lenet.Width {
		return fmt.Errorf("explore: the training set holds %s; want %d 28x28 images", set, n)
	}
	return nil
}

// trainingSet is the training set, waiting for LoadTrain's when it comes later.
func (rs *runs) trainingSet() (*dataset.Set, error) {
	if rs.train != nil {
		return rs.train, nil
	}
	set, err := rs.loadTrain()
	if err != nil {
		return nil, err
	}
	return set, trainable(set, rs.trainN)
}

// handleStartRun starts a run: 202 with its id, 400 for bad settings, 409 while
// another run trains.
func (s *Server) handleStartRun(w Writer, r *Request) {
	rs := &s.runs
	if rs.trainN == 0 {
		writeError(w, statusConflict, "this explorer cannot train: "+rs.noTrain)
		return
	}
	var st runSettings
	if err := readJSON(w, r, &st, runExample); err != nil {
		writeSpecError(w, err)
		return
	}
	run, spec, err := st.check(rs.trainN)
	if err != nil {
		writeSpecError(w, err)
		return
	}
	rs.mu.Lock()
	switch {
	case rs.closed:
		rs.mu.Unlock()
		writeError(w, statusServiceUnavailable, errClosed.Error())
		return
	case rs.active != nil:
		a := rs.active
		msg := fmt.Sprintf("run %s (%s) is %s", a.ID, a.Spec, a.Status)
		if a.Progress != nil {
			msg += fmt.Sprintf(", epoch %d of %d", a.Progress.Epoch, a.Epochs)
		}
		rs.mu.Unlock()
		writeError(w, statusConflict, msg+"; one run trains at a time: stop it (POST /api/runs/"+a.ID+"/stop) or wait")
		return
	case len(rs.list) >= MaxRuns:
		msg := fmt.Sprintf("the explorer keeps %d runs at most; move older runs out of %s and restart it", MaxRuns, rs.dir)
		if rs.dir == "" {
			msg = fmt.Sprintf("the explorer keeps %d runs at most; reload the page to start afresh (export the runs to keep first)", MaxRuns)
		}
		rs.mu.Unlock()
		writeError(w, statusConflict, msg)
		return
	}
	rs.lastID++
	run.ID, run.Started = "r"+strconv.Itoa(rs.lastID), time.Now().UTC().Truncate(time.Second)
	if err := rs.save(run); err != nil {
		rs.mu.Unlock()
		writeError(w, statusInternalServerError, err.Error())
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	rs.list = append(rs.list, run)
	rs.active, rs.cancel = run, cancel
	rs.changed()
	rs.wg.Add(1)
	rs.mu.Unlock()
	s.events.notify()
	go func() {
		defer rs.wg.Done()
		s.train(ctx, run, spec)
	}()
	writeJSON(w, statusAccepted, map[string]string{"id": run.ID})
}

// update changes the active run under rs.mu, records the change and, when persist,
// rewrites its file; it wakes the event streams.
func (s *Server) update(r *Run, persist bool, f func(r *Run)) {
	rs := &s.runs
	rs.mu.Lock()
	f(r)
	rs.changed()
	var err error
	if persist {
		err = rs.save(r)
	}
	if err != nil && r.Error == "" {
		r.Error = err.Error()
	}
	rs.mu.Unlock()
	s.events.notify()
}

// train runs r to its end: finished, stopped (ctx cancelled), diverged or failed.
// A finished or stopped run's weights are saved and become the explorer's network.
func (s *Server) train(ctx context.Context, r *Run, spec lenet.Spec) {
	start := time.Now()
	s.update(r, true, func(r *Run) { r.Status = StatusTraining })
	var res *lenet.Result
	train, err := s.runs.trainingSet()
	var c *lenet.Classifier
	if err == nil {
		c, err = lenet.New(lenet.Config{Spec: spec, BatchSize: r.Batch, Seed: r.Seed})
	}
	if err == nil {
		defer c.Close()
		res, err = lenet.Train(ctx, c, train.Head(r.Limit), s.test, lenet.TrainConfig{
			Epochs: r.Epochs, LR: r.LR, Seed: r.Seed,
			OnBatch: func(b lenet.BatchInfo) {
				rs := &s.runs
				rs.mu.Lock()
				r.Progress = &runProgress{Epoch: b.Epoch, Batch: b.Batch, Batches: b.Batches, Loss: b.Loss}
				wake := b.Batch == b.Batches || time.Since(rs.woke) >= progressEvery
				if wake {
					rs.changed()
				}
				rs.mu.Unlock()
				if wake {
					s.events.notify()
				}
				yieldToHost()
			},
			OnPoint: func(p lenet.Point) { s.update(r, false, func(r *Run) { r.Points = append(r.Points, p) }) },
			OnEpoch: func(e lenet.EpochInfo, _ lenet.TrainState) error {
				s.update(r, true, func(r *Run) {
					r.EpochsDone = e.Epoch
					r.TrainLoss, r.TrainAcc, r.TestAcc = finite(e.TrainLoss), finite(e.TrainAcc), finite(e.TestAcc)
					r.Seconds = time.Since(start).Seconds()
				})
				return nil
			},
		})
	}
	var div *lenet.DivergedError
	status, msg := StatusFinished, ""
	switch {
	case errors.As(err, &div):
		status, msg = StatusDiverged, div.Error()
	case err != nil:
		status, msg = StatusFailed, err.Error()
	case res.Interrupted:
		status = StatusStopped
	}
	saved := false
	if status == StatusFinished || status == StatusStopped {
		ck := lenet.Snapshot(c, lenet.CheckpointHeader{Epochs: r.Epochs, BatchSize: r.Batch, Seed: r.Seed, TrainExamples: r.Limit,
			Optimizer: lenet.Optimizer{Name: "sgd", LR: r.LR}, TrainState: res.State})
		if err := s.keep(r, ck); err != nil {
			status, msg = StatusFailed, err.Error()
		} else {
			saved = true
		}
	}
	s.update(r, true, func(r *Run) {
		r.Status, r.Error, r.Progress, r.Checkpoint = status, msg, nil, saved
		r.Seconds = time.Since(start).Seconds()
		if res != nil && res.Examples > 0 {
			r.ExamplesPerSec = finite(res.ExamplesPerSec)
			if r.ExamplesPerSec != nil && res.TrainTime >= 200*time.Millisecond {
				s.runs.rate = &rate{MACsPerSec: *r.ExamplesPerSec * float64(r.MACs),
					Measured: fmt.Sprintf("run %s: %s examples/s on %s", r.ID, thousands(*r.ExamplesPerSec), r.Spec)}
			}
		}
		s.runs.active, s.runs.cancel = nil, nil
	})
}

// keep saves a finished or stopped run's weights and makes them the explorer's.
func (s *Server) keep(r *Run, ck *lenet.Checkpoint) error {
	if err := s.runs.saveCheckpoint(r.ID, ck); err != nil {
		return fmt.Errorf("saving the weights: %w", err)
	}
	if err := s.switchNetwork(ck, "run "+r.ID, r.ID); err != nil && !errors.Is(err, errClosed) {
		return fmt.Errorf("loading the trained network: %w", err)
	}
	return nil
}

// finite returns &v, or nil when v is NaN or infinite (JSON has no such numbers).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// thousands writes 12345.6 as "12,346".
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// runsResponse is the answer of GET /api/runs.
type runsResponse struct {
	Runs     []*Run `json:"runs"`
	Training string `json:"training"` // the run in progress, "" when none
	Loaded   string `json:"loaded"`   // the run whose network the explorer shows, "" for the one it started with
	CanTrain bool   `json:"can_train"`
	Why      string `json:"why,omitempty"` // why it cannot
	// TrainSize is the training set's size: the largest limit, and what 0 means.
	TrainSize int   `json:"train_size"`
	Rate      *rate `json:"rate"` // null until measured
	Limits    struct {
		Epochs int `json:"epochs"`
		Batch  int `json:"batch"`
		Runs   int `json:"runs"`
	} `json:"limits"`
}

func (s *Server) handleRuns(w Writer, r *Request) {
	s.mu.Lock()
	loaded := s.run
	s.mu.Unlock()
	rs := &s.runs
	resp := runsResponse{Loaded: loaded, CanTrain: rs.trainN > 0, Why: rs.noTrain}
	resp.Limits.Epochs, resp.Limits.Batch, resp.Limits.Runs = MaxRunEpochs, MaxRunBatch, MaxRuns
	if rs.trainN > 0 {
		resp.TrainSize, resp.Why = rs.trainN, ""
	}
	rs.mu.Lock()
	resp.Runs = make([]*Run, len(rs.list))
	for i, run := range rs.list {
		c := *run
		c.Points = slices.Clone(run.Points)
		if run.Progress != nil {
			p := *run.Progress
			c.Progress = &p
		}
		resp.Runs[i] = &c
	}
	if rs.active != nil {
		resp.Training = rs.active.ID
	}
	if rs.rate != nil {
		rt := *rs.rate
		resp.Rate = &rt
	}
	rs.mu.Unlock()
	writeJSON(w, statusOK, resp)
}

// handleRun answers /api/runs/ID/ACTION: POST stop and load, GET checkpoint and
// pytorch.
func (s *Server) handleRun(w Writer, r *Request) {
	rest := strings.TrimPrefix(r.Path, "/api/runs/")
	id, action, _ := strings.Cut(rest, "/")
	methods := map[string]string{"stop": methodPost, "load": methodPost, "checkpoint": methodGet, "pytorch": methodGet}
	want, ok := methods[action]
	if !ok || strings.Contains(action, "/") {
		writeError(w, statusNotFound, fmt.Sprintf("no such page or API: %s (a run's API is /api/runs/ID/ followed by stop, load, checkpoint or pytorch)", r.Path))
		return
	}
	method := r.Method
	if method == methodHead {
		method = methodGet
	}
	if method != want {
		allow := want
		if want == methodGet {
			allow = "GET, HEAD"
		}
		w.SetHeader("Allow", allow)
		writeError(w, statusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.Path, want))
		return
	}
	rs := &s.runs
	rs.mu.Lock()
	var run *Run
	for _, x := range rs.list {
		if x.ID == id {
			c := *x
			run = &c
		}
	}
	cancel := rs.cancel
	idle := rs.active == nil || run == nil || rs.active.ID != run.ID
	rs.mu.Unlock()
	if run == nil {
		writeError(w, statusNotFound, fmt.Sprintf("no run %q; GET /api/runs lists them", id))
		return
	}
	switch action {
	case "stop":
		if idle {
			writeError(w, statusConflict, fmt.Sprintf("run %s is not training: it %s", run.ID, statusText(run.Status)))
			return
		}
		cancel()
		writeJSON(w, statusAccepted, map[string]string{"id": run.ID, "status": "stopping"})
	case "load":
		if !run.Checkpoint {
			writeError(w, statusConflict, fmt.Sprintf("run %s has no weights to load: it %s", run.ID, statusText(run.Status)))
			return
		}
		ck, err := rs.loadCheckpoint(run.ID)
		if err == nil {
			err = s.switchNetwork(ck, "run "+run.ID, run.ID)
		}
		if err != nil {
			writeError(w, statusInternalServerError, fmt.Sprintf("loading run %s: %v", run.ID, err))
			return
		}
		writeJSON(w, statusOK, map[string]string{"id": run.ID, "spec": run.Spec})
	case "checkpoint":
		if !run.Checkpoint {
			writeError(w, statusConflict, fmt.Sprintf("run %s has no weights to export: it %s", run.ID, statusText(run.Status)))
			return
		}
		b, err := rs.checkpointBytes(run.ID)
		if err != nil {
			writeError(w, statusInternalServerError, fmt.Sprintf("run %s: %v", run.ID, err))
			return
		}
		download(w, "application/octet-stream", "run-"+run.ID+".safetensors", b)
	case "pytorch":
		spec, err := lenet.ParseSpec(run.Spec)
		var b strings.Builder
		if err == nil {
			err = lenet.WritePyTorch(&b, spec)
		}
		if err != nil {
			writeError(w, statusInternalServerError, fmt.Sprintf("run %s: %v", run.ID, err))
			return
		}
		download(w, "text/x-python; charset=utf-8", "run_"+run.ID+".py", []byte(b.String()))
	}
}

// statusText says what a run did, for messages: "is training", "diverged".
func statusText(status string) string {
	switch status {
	case StatusQueued, StatusTraining:
		return "is " + status
	case StatusFailed:
		return "failed"
	}
	return status
}

// download answers a file to save.
func download(w Writer, contentType, name string, b []byte) {
	w.SetHeader("Content-Type", contentType)
	w.SetHeader("Content-Disposition", `attachment; filename="`+name+`"`)
	w.SetHeader("Cache-Control", "no-store")
	w.Write(b)
}

// calibration is the training the rate is first measured on: the classic LeNet, two
// timed batches after one to warm up.
const (
	calibrationBatch   = 256
	calibrationBatches = 2
)

// startCalibration measures the training rate on a goroutine, so that the page can
// estimate an epoch's time before any run has finished.
func (s *Server) startCalibration(skip bool) {
	rs := &s.runs
	if rs.train == nil || skip {
		return
	}
	rs.wg.Add(1)
	go func() {
		defer rs.wg.Done()
		rt, err := calibrate(rs.train)
		if err != nil {
			return // no estimate until a run has finished
		}
		rs.mu.Lock()
		if rs.rate == nil {
			rs.rate = rt
			rs.changed()
		}
		rs.mu.Unlock()
		s.events.notify()
	}()
}

// calibrate times calibrationBatches training batches of the classic LeNet.
func calibrate(train *dataset.Set) (*rate, error) {
	spec := lenet.ClassicSpec()
	d, err := lenet.Describe(spec)
	if err != nil {
		return nil, err
	}
	c, err := lenet.New(lenet.Config{Spec: spec, BatchSize: calibrationBatch, EvalBatch: 1})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	it := train.Batches(calibrationBatch, false, 0)
	var took time.Duration
	n := 0
	for b := 0; b <= calibrationBatches && it.Next(); b++ {
		start := time.Now()
		if _, _, err := c.TrainBatch(it.Float32(), it.Labels(), spec.LearningRate()); err != nil {
			return nil, err
		}
		if b > 0 { // the first batch warms up
			took += time.Since(start)
			n += it.Len()
		}
	}
	if n == 0 || took <= 0 {
		return nil, errors.New("too few training images to measure")
	}
	eps := float64(n) / took.Seconds()
	return &rate{MACsPerSec: eps * float64(d.MACs),
		Measured: fmt.Sprintf("a calibration at start-up: %d batches of %d of the classic LeNet, %s examples/s", calibrationBatches, calibrationBatch, thousands(eps))}, nil
}

// runsVersion counts the runs' changes, for the event streams.
func (s *Server) runsVersion() int {
	s.runs.mu.Lock()
	defer s.runs.mu.Unlock()
	return s.runs.version
}
