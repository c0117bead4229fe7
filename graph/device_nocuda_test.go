//go:build !cuda

package graph

import (
	"errors"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
)

// TestTryGPUWithoutCUDA: a build without the cuda tag has no GPU, so every request
// falls back to the CPU, like the textbook's try_gpu on a machine without one.
func TestTryGPUWithoutCUDA(t *testing.T) {
	if n := NumGPUs(); n != 0 {
		t.Fatalf("NumGPUs() = %d, want 0", n)
	}
	for _, i := range []int{-1, 0, 1, 7} {
		if d := TryGPU(i); d != CPU {
			t.Errorf("TryGPU(%d) = %v, want cpu", i, d)
		}
	}
}

func TestNewMachineGPUWithoutCUDA(t *testing.T) {
	_, err := NewMachine(gorgonia.NewGraph(), GPU(0))
	if !errors.Is(err, ErrNoCUDA) || !strings.Contains(err.Error(), "cuda:0") {
		t.Errorf("GPU(0) without CUDA: error %v, want ErrNoCUDA naming cuda:0", err)
	}
}
