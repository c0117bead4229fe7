package explore

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// hub wakes the event streams. A wake-up carries nothing: each stream compares the
// Server's state with what it last sent, so a stream that misses a wake-up while busy
// loses nothing, and a slow client never blocks a trainer.
type hub struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

func (h *hub) init() { h.subs = make(map[chan struct{}]struct{}) }

func (h *hub) subscribe() chan struct{} {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch
}

func (h *hub) unsubscribe(ch chan struct{}) {
	h.mu.Lock()
	delete(h.subs, ch)
	h.mu.Unlock()
}

func (h *hub) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// keepAlive is how often an idle event stream sends a comment, so that proxies and
// browsers keep the connection open.
const keepAlive = 15 * time.Second

// jsonNumber writes v for JSON: null when it is not finite.
func jsonNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// handleEvents streams server-sent events: "weights" ({"version", "epoch"}) when
// SetWeights changed the network, "metrics" ({"points"}) when the history grew,
// "progress" ({"epoch", "batch", "batches", "loss", "examples_per_sec"}) as the trainer
// reports batches, "runs" ({"version"}) when a run started from the page changed (GET
// /api/runs tells how). The first messages describe the current state.
func (s *Server) handleEvents(w Writer, r *Request) {
	fl, ok := w.(flusher)
	if !ok {
		writeError(w, statusInternalServerError, "this connection cannot stream events")
		return
	}
	ch := s.events.subscribe()
	defer s.events.unsubscribe(ch)
	w.SetHeader("Content-Type", "text/event-stream")
	w.SetHeader("Cache-Control", "no-cache")
	w.WriteHeader(statusOK)

	sent := state{version: -1, points: -1} // runs: 0, as before any change: the page asks GET /api/runs first
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		now := s.state()
		if now.version != sent.version {
			fmt.Fprintf(w, "event: weights\ndata: {\"version\":%d,\"epoch\":%d}\n\n", now.version, now.epoch)
		}
		if now.points != sent.points {
			fmt.Fprintf(w, "event: metrics\ndata: {\"points\":%d}\n\n", now.points)
		}
		if now.runs != sent.runs {
			fmt.Fprintf(w, "event: runs\ndata: {\"version\":%d}\n\n", now.runs)
		}
		if now.batches != sent.batches && now.batches > 0 {
			b := now.batch
			fmt.Fprintf(w, "event: progress\ndata: {\"epoch\":%d,\"batch\":%d,\"batches\":%d,\"loss\":%s,\"examples_per_sec\":%s}\n\n",
				b.Epoch, b.Batch, b.Batches, jsonNumber(b.Loss), jsonNumber(b.ExamplesPerSec))
		}
		sent = now
		fl.Flush()
		select {
		case <-ch:
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-r.Context.Done():
			return
		case <-s.done:
			return
		}
	}
}
