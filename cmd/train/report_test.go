package main

import (
	"bytes"
	"errors"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
	"github.com/d2l-go/convnets/plotting"
)

// reportSet is 25 generated images labelled 0..8 in turn (no ankle boots): classes 0..6
// have 3 examples, 7 and 8 have 2. (The classifiers here ignore the pixels.)
func reportSet(t *testing.T) *dataset.Set {
	t.Helper()
	s := fashiontest.Random(t, 25, 1)
	for i := range s.Labels {
		s.Labels[i] = uint8(i % 9)
	}
	return s
}

// reportClassifier predicts class k for every image: every weight is zero and
// fc3.bias is one-hot at k.
func reportClassifier(t *testing.T, k int) *lenet.Classifier {
	t.Helper()
	c := lenettest.New(t, lenet.Config{BatchSize: 4, EvalBatch: 7})
	lenettest.Predict(c, k)
	return c
}

func TestWriteConfusion(t *testing.T) {
	dir := t.TempDir()
	s := reportSet(t)
	c := reportClassifier(t, 4) // everything is a coat
	var out bytes.Buffer
	if err := writeConfusion(dir, c, s, dataset.LabelNames[:], &out); err != nil {
		t.Fatal(err)
	}
	want := `per-class test accuracy:
  t-shirt     0.000  (0 of 3)
  trouser     0.000  (0 of 3)
  pullover    0.000  (0 of 3)
  dress       0.000  (0 of 3)
  coat        1.000  (3 of 3)
  sandal      0.000  (0 of 3)
  shirt       0.000  (0 of 3)
  sneaker     0.000  (0 of 2)
  bag         0.000  (0 of 2)
  ankle boot    n/a  (0 of 0)
`
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out.String(), want)
	}

	// The picture: a PNG of the size the plotting package gives this matrix.
	f, err := os.Open(filepath.Join(dir, "confusion.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("confusion.png does not decode: %v", err)
	}
	counts := make([][]int, 10)
	for i := range counts {
		counts[i] = make([]int, 10)
		if i < 9 {
			counts[i][4] = 3
			if i >= 7 {
				counts[i][4] = 2
			}
		}
	}
	w, h, err := plotting.FigureSize("", [][]plotting.Panel{{&plotting.Confusion{Counts: counts, Names: dataset.LabelNames[:]}}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != w || cfg.Height != h {
		t.Errorf("confusion.png is %dx%d, want %dx%d", cfg.Width, cfg.Height, w, h)
	}
	if w < 500 || h < 500 {
		t.Errorf("confusion.png is only %dx%d", w, h)
	}
	if names := cmdtest.DirNames(t, dir); !slices.Equal(names, []string{"confusion.png"}) {
		t.Errorf("the folder holds %q, want only confusion.png (no temporary files)", names)
	}
}

func TestWriteConfusionErrors(t *testing.T) {
	s := reportSet(t)
	c := reportClassifier(t, 0)
	var out bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	err := writeConfusion(missing, c, s, dataset.LabelNames[:], &out)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing folder: error %v, want one wrapping fs.ErrNotExist", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q although the picture failed", out.String())
	}
	if err := writeConfusion(t.TempDir(), c, &dataset.Set{Rows: 28, Cols: 28}, dataset.LabelNames[:], &out); err == nil || !strings.Contains(err.Error(), "empty set") {
		t.Errorf("empty set: error %v", err)
	}
}
