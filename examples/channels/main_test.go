package main

import (
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
)

// TestRun checks every printed number against docs/chapter.md section 4 (the values of
// output channels 1 and 2 follow from the definition: e.g. channel 1 at (0, 0) is
// (0·1 + 1·2 + 3·3 + 4·4) + (1·2 + 2·3 + 4·4 + 5·5) = 27 + 49 = 76) and LeNet's layers
// (conv1: 1·6·5·5·28·28 = 117600, conv2: 6·16·5·5·10·10 = 240000).
func TestRun(t *testing.T) {
	linestest.Equal(t, cmdtest.Output(t, run), []string{
		"multi-input: X (2, 3, 3), K (2, 2, 2); the sum over channels of corr2d(X[c], K[c]):",
		"[[ 56,  72],",
		" [104, 120]]",
		"multi-output: K = stack(K, K+1, K+2) (3, 2, 2, 2); output (3, 2, 2), one channel per kernel:",
		"[[[ 56,  72],",
		"  [104, 120]],",
		"",
		" [[ 76, 100],",
		"  [148, 172]],",
		"",
		" [[ 96, 128],",
		"  [192, 224]]]",
		"",
		"1x1 convolution: X (3, 3, 3), K (2, 3, 1, 1) -> (2, 3, 3)",
		"equals K as a (2, 3) matrix times X as a (3, 9) matrix: true",
		"",
		"cost of a convolution layer: O(ci * co * kh * kw * oh * ow) multiply-adds;",
		"parameters: co * ci * kh * kw weights and one bias per OUTPUT channel (co)",
		"LeNet conv1: 28x28 input, ci=1, co=6, 5x5 kernel, padding 2 -> 28x28 output:",
		"  1*6*5*5*28*28 = 117600 multiply-adds per image; 150 weights + 6 biases",
		"LeNet conv2: 14x14 input, ci=6, co=16, 5x5 kernel, padding 0 -> 10x10 output:",
		"  6*16*5*5*10*10 = 240000 multiply-adds per image; 2400 weights + 16 biases",
	})
}
