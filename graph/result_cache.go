package graph

import "gorgonia.org/tensor"

// resultCache keeps the memory of an op node's result from one run of the graph to the
// next. Gorgonia's TapeMachine forgets every value at Reset, so an op that allocated its
// result in Do would allocate, and the runtime zero, a new tensor at every training
// step (about 30 MB per LeNet step); an op holding a resultCache writes each run's
// result into the same memory instead.
//
// A node's value is therefore valid until the node runs again, as with the values the
// TapeMachine writes in place (UsePreallocDo) into reused registers. Read a value to keep
// with gorgonia.Read, which copies. Like any Gorgonia node, a node is run by one machine
// at a time. A nil *resultCache allocates every time (the DoDiff paths use that).
type resultCache struct {
	data any // []float32 or []float64
}

// dense returns a tensor of dtype dt and shape s (contents undefined) on the cached
// memory, growing it when needed.
func (c *resultCache) dense(dt tensor.Dtype, s tensor.Shape) *tensor.Dense {
	n := s.TotalSize()
	if c != nil {
		switch dt {
		case tensor.Float32:
			return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(cachedSlice[float32](c, n)))
		case tensor.Float64:
			return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(cachedSlice[float64](c, n)))
		}
	}
	return tensor.New(tensor.Of(dt), tensor.WithShape(s.Clone()...))
}

func cachedSlice[T float](c *resultCache, n int) []T {
	if d, ok := c.data.([]T); ok && cap(d) >= n {
		return d[:n]
	}
	d := make([]T, n)
	c.data = d
	return d
}
