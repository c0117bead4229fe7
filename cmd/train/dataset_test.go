package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

func TestDatasetFlag(t *testing.T) {
	code, _, stderr := runTrain(t, context.Background(), "-dataset", "cifar10")
	if code != cli.ExitUsage {
		t.Errorf("-dataset cifar10: exit %d, want 2", code)
	}
	oneLine(t, stderr, `-dataset: unknown data set "cifar10": choose fashion-mnist or mnist`)

	// MNIST is looked for in its own places: $MNIST_DIR is the only folder when set.
	missing := filepath.Join(t.TempDir(), "no-mnist")
	t.Setenv("MNIST_DIR", missing)
	code, _, stderr = runTrain(t, context.Background(), "-dataset", "mnist", "-out", t.TempDir())
	if code != cli.ExitFailure {
		t.Errorf("missing $MNIST_DIR: exit %d, want 1", code)
	}
	oneLine(t, stderr, "folder "+missing+" (from $MNIST_DIR) does not exist")
}

// TestFashionFilesAreNotMNIST: the Fashion-MNIST files carry the same names as
// MNIST's; given as MNIST they fail MNIST's published digest.
func TestFashionFilesAreNotMNIST(t *testing.T) {
	dir := fashiontest.Dir(t)
	code, _, stderr := runTrain(t, context.Background(), "-dataset", "mnist", "-data", dir, "-out", t.TempDir())
	if code != cli.ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	oneLine(t, stderr, "want ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db (the published file)")
}

// -resume takes the data set from the checkpoint; a -dataset given otherwise is named
// on the resuming line.
func TestResumeTakesTheDataset(t *testing.T) {
	ck := saveCheckpoint(t, lenet.CheckpointHeader{Dataset: "mnist", Epochs: 2, BatchSize: 4, Seed: 1, TrainExamples: 64,
		Optimizer: lenet.Optimizer{Name: "sgd", LR: 0.1}, TrainState: lenet.TrainState{Epoch: 1, History: lenet.History{{Epoch: 1, TestAcc: new(0.5)}}}})
	for _, tc := range []struct {
		args []string
		want *dataset.Source
		note string
	}{
		{nil, dataset.MNIST, ""},
		{[]string{"-dataset", "fashion-mnist"}, dataset.FashionMNIST, "-dataset Fashion-MNIST (the checkpoint's: MNIST)"},
	} {
		r := resumed(t, ck, tc.args...)
		if r.o.source != tc.want || strings.Join(r.notes, "; ") != tc.note {
			t.Errorf("%v: data %v, notes %q; want %v and %q", tc.args, r.o.source, r.notes, tc.want, tc.note)
		}
	}
}
