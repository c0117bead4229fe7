// Package parallel shares a loop out over goroutines: the one place that decides how
// many goroutines the project's ops use. An op passes the workers setting of its graph
// (opkit.Args.Workers, set with graph/device.SetWorkers): up to GOMAXPROCS by default,
// or fewer, one for a graph whose machine runs beside others on their own cores.
package parallel

import (
	"runtime"
	"sync"
)

// minParallelWork is the work (elements or multiply-adds) below which For runs on the
// calling goroutine alone: starting goroutines costs more than it saves on less.
const minParallelWork = 1 << 14

// Parts is the number of contiguous ranges For cuts n items of cost units of work each
// into: one when the work is small, else up to Workers(workers), every range holding at
// least one item. It depends only on its arguments (and GOMAXPROCS when workers <= 0),
// so that ops that keep one partial result per range can size them first.
//
// An op passes its opkit.Args.Workers. (The float32 matrix products of nn.Dense run
// on internal/gemm's workers, as many as Workers(Args.Workers) too.)
func Parts(workers, n, cost int) int {
	if n <= 1 || n*cost < minParallelWork {
		return 1
	}
	parts := min(Workers(workers), n)
	chunk := (n + parts - 1) / parts
	return (n + chunk - 1) / chunk
}

// Workers resolves a workers setting (see graph/device.SetWorkers) to a goroutine
// count: workers itself when positive, else GOMAXPROCS.
func Workers(workers int) int {
	if workers > 0 {
		return workers
	}
	return runtime.GOMAXPROCS(0)
}

// For calls fn(part, lo, hi) for the Parts(workers, n, cost) contiguous ranges [lo, hi)
// that cover [0, n), part numbering them from 0, each on a goroutine of its own but the
// last, which runs on the calling goroutine. It returns when all are done.
//
// fn escapes to the heap, and with it every variable it captures: a loop on a hot path
// runs a Body kept between runs with ForBody instead (see opkit.Scratch).
func For(workers, n, cost int, fn func(part, lo, hi int)) {
	ForBody(workers, n, cost, BodyFunc(fn))
}

// A Body is a loop that ForBody shares out: Range computes items [lo, hi), the
// range numbered part.
type Body interface {
	Range(part, lo, hi int)
}

// BodyFunc is a function as a Body.
type BodyFunc func(part, lo, hi int)

// Range calls f.
func (f BodyFunc) Range(part, lo, hi int) { f(part, lo, hi) }

// ForBody is For on a Body: a pointer to a Body that lives between runs (an op's
// opkit.Scratch) costs no allocation where a closure would, when the loop runs in one part.
func ForBody(workers, n, cost int, b Body) {
	parts := Parts(workers, n, cost)
	if parts == 1 {
		b.Range(0, 0, n)
		return
	}
	chunk := (n + parts - 1) / parts
	var wg sync.WaitGroup
	for p := 0; p < parts-1; p++ {
		lo, hi := p*chunk, min((p+1)*chunk, n)
		wg.Go(func() { b.Range(p, lo, hi) })
	}
	b.Range(parts-1, (parts-1)*chunk, n)
	wg.Wait()
}
