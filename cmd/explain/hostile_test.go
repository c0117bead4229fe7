package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/hostiletest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// Special files and checkpoints that announce gigabytes are refused with one line,
// before any data set is read, allocating no more than their header.
func TestHostileCheckpoints(t *testing.T) {
	hostiletest.RefusesCheckpoints(t, "explain", "-model", func(path string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run([]string{"-model", path}, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	})
}

// A checkpoint of an MNIST run is explained on MNIST's test images with MNIST's class
// names, not Fashion-MNIST's.
func TestExplainsOnTheCheckpointsDataSet(t *testing.T) {
	asked := useSet(t, genTestSet(t))
	c := lenettest.New(t, lenet.Config{Spec: lenet.ClassicSpec(), BatchSize: 2, EvalBatch: 2, Seed: 1})
	h := header(0.9)
	h.Dataset = "mnist"
	path := filepath.Join(t.TempDir(), "mnist.safetensors")
	if err := lenet.Snapshot(c, h).Save(path); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", path, "-index", "2", "-out", t.TempDir()}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if *asked != dataset.MNIST {
		t.Errorf("asked for %v's test set, want MNIST's", *asked)
	}
	if !strings.Contains(stdout.String(), "test image 2: true 4, predicted ") || strings.Contains(stdout.String(), "coat") {
		t.Errorf("stdout does not name MNIST's class 4:\n%s", stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-model", path, "-class", "coat"}, &stdout, &stderr); code != 2 {
		t.Errorf("-class coat on MNIST: exit %d, want 2", code)
	}
	hostiletest.OneLine(t, "explain", stderr.String(), `-class "coat": no test image of that class (classes: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)`)
}
