package parallel

import (
	"runtime"
	"testing"
)

// Parts cuts work into at most as many parts as the workers setting says (GOMAXPROCS
// for 0), none for small work, and For covers every item once.
func TestParts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		for _, c := range []struct{ workers, n, cost int }{{0, 1, 1 << 20}, {0, 5, 1 << 20}, {0, 7, 1}, {0, 100, 1 << 10}, {0, 1 << 16, 1}, {1, 100, 1 << 10}, {3, 100, 1 << 10}, {-1, 100, 1 << 10}} {
			parts := Parts(c.workers, c.n, c.cost)
			small := c.n*c.cost < minParallelWork
			limit := procs
			if c.workers > 0 {
				limit = c.workers
			}
			if parts < 1 || parts > max(1, min(limit, c.n)) || small && parts != 1 || !small && c.n >= limit && parts != limit {
				t.Errorf("GOMAXPROCS %d: Parts(%d, %d, %d) = %d", procs, c.workers, c.n, c.cost, parts)
			}
			covered := make([]int, c.n)
			seen := make([]bool, parts)
			For(c.workers, c.n, c.cost, func(part, lo, hi int) {
				seen[part] = true
				for i := lo; i < hi; i++ {
					covered[i]++
				}
			})
			for i, k := range covered {
				if k != 1 {
					t.Fatalf("GOMAXPROCS %d, For(%d, %d, %d): item %d covered %d times", procs, c.workers, c.n, c.cost, i, k)
				}
			}
			for p, ok := range seen {
				if !ok {
					t.Errorf("GOMAXPROCS %d, For(%d, %d, %d): part %d of %d never ran", procs, c.workers, c.n, c.cost, p, parts)
				}
			}
		}
	}
}

// A Body kept between runs costs ForBody no allocation when the loop runs in one part,
// and every part covers its range once when it runs in several.
func TestForBodyCoversTheRangeWithoutAllocating(t *testing.T) {
	b := &countBody{hits: make([]int, 1<<16)}
	if n := testing.AllocsPerRun(10, func() { ForBody(1, len(b.hits), 1, b) }); n != 0 {
		t.Errorf("ForBody on one part: %v allocations per run, want 0", n)
	}
	clear(b.hits)
	ForBody(4, len(b.hits), 1, b)
	for i, h := range b.hits {
		if h != 1 {
			t.Fatalf("item %d computed %d times on 4 workers, want once", i, h)
		}
	}
}

// countBody counts how often each item is computed.
type countBody struct{ hits []int }

func (b *countBody) Range(_, lo, hi int) {
	for i := lo; i < hi; i++ {
		b.hits[i]++
	}
}
