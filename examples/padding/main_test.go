package main

import (
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
)

// TestRun checks the printed shapes against docs/chapter.md section 3's table.
func TestRun(t *testing.T) {
	out := cmdtest.Output(t, run)
	want := []string{
		"input 8x8, one channel in and out; output = floor((n - k + 2p) / s) + 1",
		"kernel 3x3, padding (1,1), stride (1,1): Conv2D output 8x8; formula floor((8-3+2*1)/1)+1 = 8, floor((8-3+2*1)/1)+1 = 8",
		"kernel 5x3, padding (2,1), stride (1,1): Conv2D output 8x8; formula floor((8-5+2*2)/1)+1 = 8, floor((8-3+2*1)/1)+1 = 8",
		"kernel 3x3, padding (1,1), stride (2,2): Conv2D output 4x4; formula floor((8-3+2*1)/2)+1 = 4, floor((8-3+2*1)/2)+1 = 4",
		"kernel 3x5, padding (0,1), stride (3,4): Conv2D output 2x2; formula floor((8-3+2*0)/3)+1 = 2, floor((8-5+2*1)/4)+1 = 2",
		"padding keeps the size; a stride of s divides it by about s",
	}
	linestest.Equal(t, out, want)
}
