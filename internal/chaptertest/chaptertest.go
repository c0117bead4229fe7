// Package chaptertest holds the chapter's numbers that the tests of several packages
// check against (docs/chapter.md), written once.
package chaptertest

// Row is one layer of a shape summary: its name as the project prints it and its
// output shape.
type Row struct {
	Layer, Shape string
}

// LeNet is docs/chapter.md section 6's table for one (1,1,28,28) image, one row per
// layer: where the chapter's table folds a Linear's sigmoid into the Linear's row, the
// sigmoid has a row of its own here, as the project prints it.
var LeNet = []Row{
	{"Conv2d(1->6, 5x5, padding 2)", "(1,6,28,28)"},
	{"ReLU", "(1,6,28,28)"},
	{"AvgPool 2x2 stride 2", "(1,6,14,14)"},
	{"Conv2d(6->16, 5x5)", "(1,16,10,10)"},
	{"Sigmoid", "(1,16,10,10)"},
	{"AvgPool 2x2 stride 2", "(1,16,5,5)"},
	{"Flatten", "(1,400)"},
	{"Linear 400->120", "(1,120)"},
	{"Sigmoid", "(1,120)"},
	{"Linear 120->84", "(1,84)"},
	{"Sigmoid", "(1,84)"},
	{"Linear 84->10", "(1,10)"},
}
