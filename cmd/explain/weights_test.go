package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

// A file with weights only and no variant (as PyTorch writes LeNet's state_dict) is
// explained as the classic network, and the first line says both.
func TestWeightsOnlyFile(t *testing.T) {
	useSet(t, genTestSet(t))
	path, _ := saveCheckpoint(t, lenet.Classic, 4)
	ck, err := lenet.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	ck.WeightsOnly, ck.Variant = true, ""
	bare := filepath.Join(t.TempDir(), "bare.safetensors")
	if err := ck.Save(bare); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", bare, "-out", t.TempDir()}, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := "LeNet (classic, assumed: the file does not name its variant) from " + bare + ", weights only, no training state\n"
	if !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("stdout starts\n%s\nwant\n%s", strings.SplitAfter(stdout.String(), "\n")[0], want)
	}
}
