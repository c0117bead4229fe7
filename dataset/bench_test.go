package dataset

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEpoch iterates one shuffled epoch of a 60000 x 28 x 28 set in
// batches of 256, converting every batch to float32 with labels.
func BenchmarkEpoch(b *testing.B) {
	s := &Set{Images: make([]byte, 60000*784), Labels: make([]byte, 60000), N: 60000, Rows: 28, Cols: 28}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range s.Images {
		s.Images[i] = byte(rng.IntN(256))
	}
	it := s.Batches(256, true, 0)
	b.SetBytes(int64(len(s.Images)))
	b.ReportAllocs()
	var seed uint64
	for b.Loop() {
		seed++
		it.Reset(seed)
		for it.Next() {
			_ = it.Float32()
			_ = it.Labels()
		}
	}
}
