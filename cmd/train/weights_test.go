package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// Weights without a training state (PyTorch's state_dict) cannot be resumed: exit 1,
// one line, before any data is read.
func TestResumeRefusesWeightsOnly(t *testing.T) {
	dir := t.TempDir()
	c := lenettest.New(t, lenet.Config{BatchSize: 1})
	ck := lenet.Snapshot(c, lenet.CheckpointHeader{})
	ck.WeightsOnly = true
	path := filepath.Join(dir, "torch.safetensors")
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runTrain(t, context.Background(), "-resume", path, "-data", filepath.Join(dir, "no-data"), "-out", filepath.Join(dir, "out"))
	if code != cli.ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	oneLine(t, stderr, "-resume "+path+": the file holds weights only, no training state (PyTorch's, say); -resume takes a checkpoint written by -save")
}
