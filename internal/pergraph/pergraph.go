// Package pergraph records settings per Gorgonia graph, which Gorgonia's ExprGraph has
// no room for: where the ops built in a graph run (SetPlace) and on how many goroutines
// (SetWorkers). The op kit reads them when it builds an op; graph/device sets them.
// The records do not keep a graph alive.
package pergraph

import (
	"runtime"
	"sync"
	"weak"

	"gorgonia.org/gorgonia"
)

// Place is where the ops of a graph run: the CPU (the zero value) or CUDA device Index.
type Place struct {
	GPU   bool
	Index int
}

// record is what SetPlace and SetWorkers said of one graph.
type record struct {
	place   Place
	workers int
}

// records holds the record of every graph given a setting. Its keys are weak, so that
// a graph that is no longer used is collected, and its entry deleted, as if it had
// never been given one.
var records struct {
	sync.Mutex
	m map[weak.Pointer[gorgonia.ExprGraph]]record
}

// update applies set to g's record, deleting the entry when it is back to the defaults.
func update(g *gorgonia.ExprGraph, set func(*record)) {
	if g == nil {
		return
	}
	k := weak.Make(g)
	records.Lock()
	defer records.Unlock()
	r, ok := records.m[k]
	set(&r)
	if r == (record{}) {
		delete(records.m, k)
		return
	}
	if records.m == nil {
		records.m = make(map[weak.Pointer[gorgonia.ExprGraph]]record)
	}
	if !ok {
		runtime.AddCleanup(g, forget, k)
	}
	records.m[k] = r
}

// lookup returns g's record: the defaults if it has none.
func lookup(g *gorgonia.ExprGraph) record {
	if g == nil {
		return record{}
	}
	records.Lock()
	defer records.Unlock()
	return records.m[weak.Make(g)]
}

// SetPlace records where the ops built in g from now on run. Gorgonia decides where an
// op runs from its type alone, so the choice is made when a node is built: opkit.Apply
// gives an op of a graph placed on a GPU its GPU version.
func SetPlace(g *gorgonia.ExprGraph, p Place) { update(g, func(r *record) { r.place = p }) }

// PlaceOf returns the Place recorded for g: the CPU if none was.
func PlaceOf(g *gorgonia.ExprGraph) Place { return lookup(g).place }

// SetWorkers records how many goroutines each op built in g from now on may use for one
// run (opkit.Args.Workers, which parallel.For and parallel.Parts take): n >= 1, or n <= 0
// for the default, GOMAXPROCS as it is when the op runs.
func SetWorkers(g *gorgonia.ExprGraph, n int) { update(g, func(r *record) { r.workers = max(n, 0) }) }

// WorkersOf returns the setting SetWorkers recorded for g: 0 (GOMAXPROCS) if none was.
func WorkersOf(g *gorgonia.ExprGraph) int { return lookup(g).workers }

// forget deletes the entry of a collected graph.
func forget(k weak.Pointer[gorgonia.ExprGraph]) {
	records.Lock()
	defer records.Unlock()
	delete(records.m, k)
}
