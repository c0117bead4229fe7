package explore

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/lenet"
)

// evalBatch is the batch of the Server's evaluator, which finds the mistakes on the
// test set: large enough to amortise a run, small enough to keep the graph's memory
// (activations and im2col buffers) around 10 MB.
const evalBatch = 200

// ErrCUDABuild is New's error in a binary built with the cuda tag: lenet.Inspector
// reads every layer with gorgonia.Read, which such a build breaks even on the CPU (see
// docs/gorgonia.md).
var ErrCUDABuild = errors.New("explore: the explorer needs a build without the cuda tag (go run ./cmd/explore, or the default build of cmd/train)")

// Config sets up a Server.
type Config struct {
	// Weights are the network's weights to start from (lenet.LoadCheckpoint, or
	// lenet.Snapshot of a Classifier being trained). Their variant is the network's;
	// their history is what GET /api/metrics answers until AddPoint adds to it.
	Weights *lenet.Checkpoint
	// Test is the test set the page picks images from (28x28, labels 0..9): that of the
	// data set the weights were trained on (Weights.Source()), whose class names the
	// page shows.
	Test *dataset.Set
	// Source says where the weights come from, for the page: a file name, "a quick
	// model trained at start-up", "cmd/train".
	Source string
	// Live says a trainer is feeding the Server (SetWeights, AddPoint): the page
	// shows the curves growing and where the trainer stands.
	Live bool
	// Train is the training set that runs started from the page train on (see
	// POST /api/runs); nil means the server cannot train, and NoTrain says why.
	Train   *dataset.Set
	NoTrain string
	// TrainN and LoadTrain stand for Train when the training set comes later:
	// LoadTrain gives the TrainN images when the first run starts, waiting for them
	// if need be; GET /api/runs answers TrainN meanwhile. The WebAssembly explorer
	// fetches its training images after its first answers, so that the page shows
	// without waiting for them.
	TrainN    int
	LoadTrain func() (*dataset.Set, error)
	// RunsDir is the folder where every run is kept, its checkpoint and a small JSON
	// file, and from which the runs of earlier sessions are read back by New; "" keeps
	// runs and their weights in memory only (the WebAssembly explorer, which has no
	// files).
	RunsDir string
	// NoCalibration leaves out the training-rate measurement New starts (two batches
	// of the classic LeNet): the page's time estimates then wait for the first run.
	// The WebAssembly explorer sets it, as the measurement would hold up its first
	// answers on its one thread.
	NoCalibration bool
	// Logf, when set, gets one line for each run file New cannot read (it skips them).
	Logf func(format string, args ...any)
}

// Server answers the explorer's page and API for one network. Its methods are safe for
// concurrent use.
type Server struct {
	test    *dataset.Set
	classes []string // the class names of the data set the weights were trained on
	assets  map[string]asset
	router  map[string]route // the page's files and the API (routes)

	mu          sync.Mutex // guards everything below, and the machines of c and insp
	spec        lenet.Spec
	specs       []lenet.LayerLayout
	source      string
	live        bool
	run         string // the run whose network this is, "" for the one New was given
	c           *lenet.Classifier
	insp        *lenet.Inspector
	header      lenet.CheckpointHeader // of the current weights; History grows with AddPoint
	weightsOnly bool                   // the current weights came without a training state
	version     int                    // counts SetWeights calls
	mistakes    *mistakesResponse      // for version mistakesOf, computed on demand
	mistakesOf  int
	kernels     []kernelSnapshot // the first layer's kernels after every epoch seen
	batch       lenet.BatchInfo  // the trainer's latest batch
	batches     int              // counts the Progress calls that woke the streams
	woke        time.Time        // when Progress last woke them
	closing     bool             // Close has begun: no network is switched in any more

	// The evaluator classifies the whole test set for /api/mistakes (about a second):
	// a network of its own, given a snapshot of the weights, so that the forward
	// passes under mu go on meanwhile. Made on the first such request.
	evalMu     sync.Mutex // one pass at a time; never taken while holding mu
	eval       *lenet.Classifier
	evalClosed bool

	runs runs // the training runs started from the page

	events  hub
	done    chan struct{} // closed to end the event streams
	stopped sync.Once     // closes done
	closed  sync.Once     // releases the machines
}

// New builds a Server with its own copy of cfg.Weights.
func New(cfg Config) (*Server, error) {
	if device.CUDABuild {
		return nil, ErrCUDABuild
	}
	if cfg.Weights == nil {
		return nil, errors.New("explore: no weights")
	}
	if cfg.Test == nil || cfg.Test.N == 0 {
		return nil, errors.New("explore: no test images")
	}
	if cfg.Test.Rows != lenet.Height || cfg.Test.Cols != lenet.Width {
		return nil, fmt.Errorf("explore: test images are %dx%d; the network takes %dx%d", cfg.Test.Rows, cfg.Test.Cols, lenet.Height, lenet.Width)
	}
	files, err := loadAssets()
	if err != nil {
		return nil, err
	}
	v, err := cfg.Weights.Spec()
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	src, err := cfg.Weights.Source()
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	specs, err := lenet.Layout(v)
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	c, err := lenet.New(lenet.Config{Spec: v, BatchSize: 1, EvalBatch: 1})
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	if err := cfg.Weights.Restore(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("explore: %w", err)
	}
	insp, err := lenet.NewInspector(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("explore: %w", err)
	}
	s := &Server{
		spec: v, specs: specs, assets: files, test: cfg.Test, source: cfg.Source, live: cfg.Live, classes: classNames(src),
		c: c, insp: insp, header: cfg.Weights.CheckpointHeader, weightsOnly: cfg.Weights.WeightsOnly, done: make(chan struct{}),
	}
	s.router = s.routes()
	s.header.History = slices.Clone(s.header.History)
	s.recordKernels(cfg.Weights)
	s.events.init()
	if err := s.runs.init(cfg); err != nil {
		s.Close()
		return nil, err
	}
	s.startCalibration(cfg.NoCalibration)
	return s, nil
}

// kernelSnapshot is the first layer's kernels after an epoch.
type kernelSnapshot struct {
	Epoch  int       `json:"epoch"`
	Shape  []int     `json:"shape"`
	Values []float32 `json:"values"`
}

// maxKernelSnapshots bounds the kernels kept: the first and the latest ones.
const maxKernelSnapshots = 100

// firstConv is the index of the network's first convolution, -1 when it has none.
func firstConv(specs []lenet.LayerLayout) int {
	for i, l := range specs {
		if l.Kind == lenet.KindConv {
			return i
		}
	}
	return -1
}

// recordKernels keeps the kernels of ck's first convolution, replacing a snapshot of
// the same epoch (a resumed run). s.mu must be held, or s not yet shared.
func (s *Server) recordKernels(ck *lenet.Checkpoint) {
	fc := firstConv(s.specs)
	if fc < 0 {
		return
	}
	for i, p := range ck.Params {
		if p.Name != s.specs[fc].Weight {
			continue
		}
		k := kernelSnapshot{Epoch: ck.Epoch, Shape: slices.Clone(p.Shape), Values: slices.Clone(ck.Weights[i])}
		if n := len(s.kernels); n > 0 && s.kernels[n-1].Epoch == k.Epoch {
			s.kernels[n-1] = k
			return
		}
		if len(s.kernels) == maxKernelSnapshots {
			s.kernels = slices.Delete(s.kernels, 1, 2)
		}
		s.kernels = append(s.kernels, k)
		return
	}
}

// Close ends the event streams and releases the network's machines. Requests after
// Close get errors.
func (s *Server) Close() error {
	s.stopStreams()
	var err error
	s.closed.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
		s.runs.close() // stops a run in progress and waits for it
		s.mu.Lock()
		err = errors.Join(s.insp.Close(), s.c.Close())
		s.insp, s.c = nil, nil
		s.mu.Unlock()
		s.evalMu.Lock() // waits for a pass in progress
		if s.eval != nil {
			err = errors.Join(err, s.eval.Close())
		}
		s.eval, s.evalClosed = nil, true
		s.evalMu.Unlock()
	})
	return err
}

// stopStreams ends the event streams, which would otherwise keep an HTTP server's
// Shutdown waiting.
func (s *Server) stopStreams() { s.stopped.Do(func() { close(s.done) }) }

// SetWeights makes ck the network's weights (after checking its variant and
// parameters), records its epoch, and tells the pages to refresh. The Server keeps its
// own copy: the caller may go on changing the network ck was taken from, but must not
// change ck's slices during the call.
func (s *Server) SetWeights(ck *lenet.Checkpoint) error {
	if ck == nil {
		return errors.New("explore: SetWeights: nil checkpoint")
	}
	s.mu.Lock()
	if s.c == nil {
		s.mu.Unlock()
		return errors.New("explore: SetWeights: the server is closed")
	}
	if err := ck.Restore(s.c); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("explore: SetWeights: %w", err)
	}
	history := s.header.History
	s.header, s.weightsOnly = ck.CheckpointHeader, ck.WeightsOnly
	if len(ck.History) >= len(history) {
		history = slices.Clone(ck.History)
	}
	s.header.History = history
	s.recordKernels(ck)
	s.version++
	s.mu.Unlock()
	s.events.notify()
	return nil
}

// switchNetwork makes ck's network and weights the explorer's: a new layout, network
// and inspector, built before mu is taken so that forward passes wait only for the
// swap. run names the run ck comes from. The pages are told through a "weights"
// event, and re-render for the new layers.
func (s *Server) switchNetwork(ck *lenet.Checkpoint, source, run string) error {
	spec, err := ck.Spec()
	if err != nil {
		return err
	}
	specs, err := lenet.Layout(spec)
	if err != nil {
		return err
	}
	c, err := lenet.New(lenet.Config{Spec: spec, BatchSize: 1, EvalBatch: 1})
	if err != nil {
		return err
	}
	if err := ck.Restore(c); err != nil {
		c.Close()
		return err
	}
	insp, err := lenet.NewInspector(c)
	if err != nil {
		c.Close()
		return err
	}
	s.mu.Lock()
	if s.closing || s.c == nil {
		s.mu.Unlock()
		return errors.Join(errClosed, insp.Close(), c.Close())
	}
	oldC, oldInsp := s.c, s.insp
	s.spec, s.specs, s.c, s.insp = spec, specs, c, insp
	s.header, s.weightsOnly = ck.CheckpointHeader, ck.WeightsOnly
	s.header.History = slices.Clone(ck.History)
	s.source, s.run, s.live = source, run, false
	s.kernels = nil
	s.recordKernels(ck)
	s.mistakes = nil
	s.version++
	s.mu.Unlock()
	s.events.notify()
	return errors.Join(oldInsp.Close(), oldC.Close())
}

// AddPoint appends one point to the training history that GET /api/metrics answers and
// tells the pages.
func (s *Server) AddPoint(p lenet.Point) {
	s.mu.Lock()
	s.header.History = append(s.header.History, p)
	s.mu.Unlock()
	s.events.notify()
}

// progressEvery is the least time between two "progress" events: a trainer reports
// hundreds of batches a second on a GPU, more than a page can show.
const progressEvery = 200 * time.Millisecond

// Progress records the trainer's latest batch (from lenet.TrainConfig's OnBatch) for
// the pages' progress line; it wakes them at most every progressEvery, and at the end
// of an epoch.
func (s *Server) Progress(b lenet.BatchInfo) {
	s.mu.Lock()
	s.batch = b
	wake := b.Batch == b.Batches || time.Since(s.woke) >= progressEvery
	if wake {
		s.batches++
		s.woke = time.Now()
	}
	s.mu.Unlock()
	if wake {
		s.events.notify()
	}
}

// state is what the event streams compare to decide what to send.
type state struct {
	version, points, epoch, batches, runs int
	batch                                 lenet.BatchInfo
}

func (s *Server) state() state {
	runs := s.runsVersion()
	s.mu.Lock()
	defer s.mu.Unlock()
	return state{runs: runs, version: s.version, points: len(s.header.History), epoch: s.header.Epoch, batches: s.batches, batch: s.batch}
}

// errClosed is returned by the network's methods after Close.
var errClosed = errors.New("the server is shutting down")

// forward runs one image through the network.
func (s *Server) forward(pixels []float32) (*lenet.Inspection, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.insp == nil {
		return nil, 0, errClosed
	}
	in, err := s.insp.Inspect(pixels)
	return in, s.header.Epoch, err
}

// classNames returns src's class names as a slice.
func classNames(src *dataset.Source) []string {
	names := src.LabelNames()
	return names[:]
}
