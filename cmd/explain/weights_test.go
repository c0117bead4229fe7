package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/checkpointtest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/lenet"
)

// A file with weights only and no network (as PyTorch writes LeNet's state_dict) is
// explained as the classic network, and the first line says both.
func TestWeightsOnlyFile(t *testing.T) {
	useSet(t, genTestSet(t))
	path, _ := saveCheckpoint(t, lenet.Classic, 4)
	// The metadata stripped, as PyTorch's save_file(net.state_dict()) would have it.
	f := checkpointtest.ReadFile(t, path)
	f.Metadata = nil
	bare := filepath.Join(t.TempDir(), "bare.safetensors")
	checkpointtest.WriteFile(t, bare, f)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", bare, "-out", t.TempDir()}, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := "LeNet (classic, assumed: the file does not name its network) from " + bare + ", weights only, no training state\n"
	if !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("stdout starts\n%s\nwant\n%s", strings.SplitAfter(stdout.String(), "\n")[0], want)
	}
}

// A network other than a preset is explained when each convolution is followed by an
// activation and a pooling (the figure's stages); the heading names it by its spec.
// Networks without such stages are refused with one line.
func TestSpecNetworks(t *testing.T) {
	useSet(t, genTestSet(t))
	cases := []struct {
		spec string
		code int
		want string // the first line of stdout, or the one line of stderr
	}{
		{"conv4k3p1s2-tanh-max3s2p1-conv8k3x5-sigmoid-avg2-dense16", cli.ExitOK, "CNN (conv4k3p1s2-tanh-max3s2p1-conv8k3x5-sigmoid-avg2-dense16) from "},
		{"dense16-relu", cli.ExitFailure, "the network has no convolution layer"},
		{"conv4k3-conv4k3", cli.ExitFailure, "layer 0 (Conv2d(1->4, 3x3)) is not followed by an activation and a pooling layer"},
	}
	for _, tc := range cases {
		path, _ := saveCheckpoint(t, tc.spec, 2)
		var stdout, stderr bytes.Buffer
		code := run([]string{"-model", path, "-index", "2", "-out", t.TempDir()}, &stdout, &stderr)
		if code != tc.code {
			t.Errorf("%s: exit %d, stderr %q", tc.spec, code, stderr.String())
			continue
		}
		if code == cli.ExitOK {
			if want := tc.want + path + ", trained 1 epoch, test acc 0.500\n"; !strings.HasPrefix(stdout.String(), want) || stderr.Len() != 0 {
				t.Errorf("%s: stdout starts\n%s\nwant\n%s", tc.spec, strings.SplitAfter(stdout.String(), "\n")[0], want)
			}
			continue
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: stdout %q", tc.spec, stdout.String())
		}
		cmdtest.OneLine(t, "explain", stderr.String(), tc.want)
	}
}
