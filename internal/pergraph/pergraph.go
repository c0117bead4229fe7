// Package pergraph records settings per Gorgonia graph, which Gorgonia's ExprGraph has
// no room for: where the ops built in a graph run and on how many goroutines
// (Settings). graph/device is the public face that sets them (SetDevice, SetWorkers);
// the op kit reads them (Of) when it builds an op. This package holds the records
// only, so that each setting keeps one name, graph/device's. The records do not keep a
// graph alive.
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

// Settings are what is recorded of one graph. The zero value is the defaults: the
// CPU, and GOMAXPROCS goroutines per op.
type Settings struct {
	// Place is where the ops built in the graph run. Gorgonia decides where an op
	// runs from its type alone, so the choice is made when a node is built:
	// opkit.Apply gives an op of a graph placed on a GPU its GPU version.
	Place Place
	// Workers is how many goroutines each op built in the graph may use for one run
	// (opkit.Args.Workers, which parallel.For and parallel.Parts take): 0 for
	// GOMAXPROCS as it is when the op runs. Update keeps it at 0 or more.
	Workers int
}

// records holds the Settings of every graph given one. Its keys are weak, so that a
// graph that is no longer used is collected, and its entry deleted, as if it had never
// been given one.
var records struct {
	sync.Mutex
	m map[weak.Pointer[gorgonia.ExprGraph]]Settings
}

// Update applies set to g's Settings, which hold from then on for the ops built in g.
// An entry back at the defaults is deleted. A nil g is left alone.
func Update(g *gorgonia.ExprGraph, set func(*Settings)) {
	if g == nil {
		return
	}
	k := weak.Make(g)
	records.Lock()
	defer records.Unlock()
	r, ok := records.m[k]
	set(&r)
	r.Workers = max(r.Workers, 0)
	if r == (Settings{}) {
		delete(records.m, k)
		return
	}
	if records.m == nil {
		records.m = make(map[weak.Pointer[gorgonia.ExprGraph]]Settings)
	}
	if !ok {
		runtime.AddCleanup(g, forget, k)
	}
	records.m[k] = r
}

// Of returns g's Settings: the defaults if it has none.
func Of(g *gorgonia.ExprGraph) Settings {
	if g == nil {
		return Settings{}
	}
	records.Lock()
	defer records.Unlock()
	return records.m[weak.Make(g)]
}

// forget deletes the entry of a collected graph.
func forget(k weak.Pointer[gorgonia.ExprGraph]) {
	records.Lock()
	defer records.Unlock()
	delete(records.m, k)
}
