package pergraph

import (
	"runtime"
	"testing"
	"time"

	"gorgonia.org/gorgonia"
)

// setPlace and setWorkers are what graph/device's SetDevice and SetWorkers do.
func setPlace(g *gorgonia.ExprGraph, p Place) { Update(g, func(s *Settings) { s.Place = p }) }
func setWorkers(g *gorgonia.ExprGraph, n int) { Update(g, func(s *Settings) { s.Workers = n }) }

// A graph's settings do not keep the graph alive: once it is collected, its entry goes.
// An entry back at the defaults goes at once, and a negative Workers is kept as 0.
func TestSettingsAreWeak(t *testing.T) {
	before, beforeAll := placed(), recorded()
	func() {
		g := gorgonia.NewGraph()
		setWorkers(g, 1)
		setPlace(g, Place{GPU: true, Index: 2})
		if s := Of(g); s != (Settings{Place{GPU: true, Index: 2}, 1}) || placed() != before+1 {
			t.Fatalf("Of = %+v with %d graphs placed", s, placed())
		}
		setPlace(g, Place{})
		if s := Of(g); s != (Settings{Workers: 1}) || placed() != before || recorded() != beforeAll+1 {
			t.Fatalf("after the CPU: Of = %+v with %d graphs placed, %d recorded", s, placed(), recorded())
		}
		setWorkers(g, -4)
		if s := Of(g); s != (Settings{}) || recorded() != beforeAll {
			t.Fatalf("after workers -4: Of = %+v, %d graphs recorded", s, recorded())
		}
		setPlace(g, Place{GPU: true})
		setWorkers(g, 3)
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

// A nil graph has the defaults and records nothing.
func TestNilGraph(t *testing.T) {
	before := recorded()
	setWorkers(nil, 2)
	if s := Of(nil); s != (Settings{}) || recorded() != before {
		t.Errorf("Of(nil) = %+v with %d graphs recorded; want the defaults and %d", s, recorded(), before)
	}
}
