package main

import (
	"bytes"
	"strings"
	"testing"
)

// The table, every number worked out by hand:
//
//	receptive field (r, jump): input (1, 1); conv1 5x5: 1+4*1 = 5, jump 1;
//	pool1 2x2/2: 5+1*1 = 6, jump 2; conv2 5x5: 6+4*2 = 14, jump 2;
//	pool2 2x2/2: 14+1*2 = 16, jump 4; Flatten keeps 16; a Linear sees all 28x28.
//	parameters: conv1 6*1*5*5 + 6 = 156; conv2 16*6*5*5 + 16 = 2416;
//	fc1 400*120 + 120 = 48120; fc2 120*84 + 84 = 10164; fc3 84*10 + 10 = 850;
//	total 61706.
const classicTable = `LeNet (classic) for a (1,1,28,28) input
layer                          output shape   receptive field   parameters
input                          (1,1,28,28)    1x1                        0
Conv2d(1->6, 5x5, padding 2)   (1,6,28,28)    5x5                      156 = 6x1x5x5 + 6
ReLU                           (1,6,28,28)    5x5                        0
AvgPool 2x2 stride 2           (1,6,14,14)    6x6                        0
Conv2d(6->16, 5x5)             (1,16,10,10)   14x14                   2416 = 16x6x5x5 + 16
Sigmoid                        (1,16,10,10)   14x14                      0
AvgPool 2x2 stride 2           (1,16,5,5)     16x16                      0
Flatten                        (1,400)        16x16                      0
Linear 400->120                (1,120)        28x28 (all)            48120 = 400x120 + 120
Sigmoid                        (1,120)        28x28 (all)                0
Linear 120->84                 (1,84)         28x28 (all)            10164 = 120x84 + 84
Sigmoid                        (1,84)         28x28 (all)                0
Linear 84->10                  (1,10)         28x28 (all)              850 = 84x10 + 10
total                                                                61706
`

// The modern variant: the same shapes, fields and parameters with ReLU and max pooling.
var modernTable = strings.NewReplacer("classic", "modern", "Sigmoid", "ReLU   ", "AvgPool", "MaxPool").Replace(classicTable)

func TestRunPrintsTheTables(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := classicTable + "\n" + modernTable + "\n" +
		"receptive field: the input window one unit sees; r += (k-1)*jump, jump *= stride per layer;\n" +
		"padding shifts the window without growing it; a Linear layer sees the whole image.\n"
	got, wantLines := strings.Split(out.String(), "\n"), strings.Split(want, "\n")
	if len(got) != len(wantLines) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(wantLines), out.String())
	}
	for i := range wantLines {
		if got[i] != wantLines[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, got[i], wantLines[i])
		}
	}
}
