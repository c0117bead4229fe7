package opkit

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

// placements records the Place of every graph given one. Its keys are weak, so that
// a graph that is no longer used is collected, and its entry deleted, as if it had
// never been placed.
var placements struct {
	sync.Mutex
	m map[weak.Pointer[gorgonia.ExprGraph]]Place
}

// SetPlace records where the ops built in g from now on run. Gorgonia decides where an
// op runs from its type alone, so the choice is made when a node is built: Apply gives
// an op of a graph placed on a GPU its GPU version.
func SetPlace(g *gorgonia.ExprGraph, p Place) {
	if g == nil {
		return
	}
	k := weak.Make(g)
	placements.Lock()
	defer placements.Unlock()
	if p == (Place{}) {
		delete(placements.m, k)
		return
	}
	if placements.m == nil {
		placements.m = make(map[weak.Pointer[gorgonia.ExprGraph]]Place)
	}
	if _, ok := placements.m[k]; !ok {
		runtime.AddCleanup(g, forget, k)
	}
	placements.m[k] = p
}

// PlaceOf returns the Place recorded for g: the CPU if none was.
func PlaceOf(g *gorgonia.ExprGraph) Place {
	if g == nil {
		return Place{}
	}
	placements.Lock()
	defer placements.Unlock()
	return placements.m[weak.Make(g)]
}

// forget deletes the entry of a collected graph.
func forget(k weak.Pointer[gorgonia.ExprGraph]) {
	placements.Lock()
	defer placements.Unlock()
	delete(placements.m, k)
}

// placed is the number of graphs with a recorded Place, for the tests.
func placed() int {
	placements.Lock()
	defer placements.Unlock()
	return len(placements.m)
}

// place returns op, or its GPU version when g is placed on a GPU, op's spec has a
// kernel and the binary has CUDA support.
func place(g *gorgonia.ExprGraph, op *Op) gorgonia.Op {
	if op.spec.GPU == nil || !PlaceOf(g).GPU {
		return op
	}
	return onGPU(op)
}
