package main

import (
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
)

// want is the chapter's pooling output (docs/chapter.md section 5): pool2d max
// [[4,5],[7,8]] and avg [[2,3],[5,6]]; framework max pooling [[[[10]]]],
// [[[[5,7],[13,15]]]] twice; per channel, channel 1 = channel 0 + 1; min pooling =
// -maxpool(-X).
const want = `X:
[[0, 1, 2],
 [3, 4, 5],
 [6, 7, 8]]
pool2d(X, (2, 2), max):
[[4, 5],
 [7, 8]]
pool2d(X, (2, 2), avg):
[[2, 3],
 [5, 6]]
X = arange(16) as (1,1,4,4):
[[[[ 0,  1,  2,  3],
   [ 4,  5,  6,  7],
   [ 8,  9, 10, 11],
   [12, 13, 14, 15]]]]
MaxPool2d(3) (stride defaults to the window):
[[[[10]]]]
MaxPool2d(3, padding=1, stride=2):
[[[[ 5,  7],
   [13, 15]]]]
MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1)):
[[[[ 5,  7],
   [13, 15]]]]
X = cat(X, X + 1) along channels, shape (1,2,4,4):
[[[[ 0,  1,  2,  3],
   [ 4,  5,  6,  7],
   [ 8,  9, 10, 11],
   [12, 13, 14, 15]],

  [[ 1,  2,  3,  4],
   [ 5,  6,  7,  8],
   [ 9, 10, 11, 12],
   [13, 14, 15, 16]]]]
MaxPool2d(3, padding=1, stride=2) per channel, shape (1,2,2,2):
[[[[ 5,  7],
   [13, 15]],

  [[ 6,  8],
   [14, 16]]]]
min pooling: pool2d(X, (2, 2), min):
[[0, 1],
 [3, 4]]
-pool2d(-X, (2, 2), max):
[[0, 1],
 [3, 4]]
-MaxPool2d(2)(-arange(16)):
[[[[ 0,  2],
   [ 8, 10]]]]
after a ReLU most minima are 0: R = relu(X - 4):
[[0, 0, 0],
 [0, 0, 1],
 [2, 3, 4]]
pool2d(R, (2, 2), min):
[[0, 0],
 [0, 0]]
`

func TestRun(t *testing.T) {
	out := cmdtest.Output(t, run)
	linestest.Equal(t, out, strings.Split(strings.TrimSuffix(want, "\n"), "\n"))
}
