package pergraph

import (
	"runtime"
	"testing"
	"time"

	"gorgonia.org/gorgonia"
)

// A graph's place and workers settings do not keep the graph alive: once it is
// collected, its entry goes.
func TestPlaceIsWeak(t *testing.T) {
	before, beforeAll := placed(), recorded()
	func() {
		g := gorgonia.NewGraph()
		SetWorkers(g, 1)
		SetPlace(g, Place{GPU: true, Index: 2})
		if p := PlaceOf(g); p != (Place{GPU: true, Index: 2}) || placed() != before+1 {
			t.Fatalf("PlaceOf = %v with %d graphs placed", p, placed())
		}
		SetPlace(g, Place{})
		if p := PlaceOf(g); p != (Place{}) || placed() != before || WorkersOf(g) != 1 || recorded() != beforeAll+1 {
			t.Fatalf("after SetPlace(CPU): PlaceOf = %v with %d graphs placed, workers %d", p, placed(), WorkersOf(g))
		}
		SetWorkers(g, 0)
		if WorkersOf(g) != 0 || recorded() != beforeAll {
			t.Fatalf("after SetWorkers(g, 0): workers %d, %d graphs recorded", WorkersOf(g), recorded())
		}
		SetPlace(g, Place{GPU: true})
		SetWorkers(g, 3)
	}()
	for range 50 {
		runtime.GC()
		if placed() == before && recorded() == beforeAll {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d graphs still placed, %d recorded, after the graph was dropped; want %d and %d", placed(), recorded(), before, beforeAll)
}
