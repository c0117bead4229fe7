package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

func describeRun(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// The table: one row per module of the nn.Sequential, in order, with the totals; the
// chapter's LeNet's numbers worked out by hand (docs/chapter.md: 61,706 parameters).
func TestTable(t *testing.T) {
	code, out, errOut := describeRun("-model", "classic")
	if code != cli.ExitOK || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		"LeNet (classic) for a 1x28x28 input",
		" #  module                                  output    params     MACs  receptive field",
		" 0  Conv2d(1, 6, kernel_size=5, padding=2)  6x28x28      156  117,600  5x5",
		" 1  ReLU()                                  6x28x28        0        0  5x5",
		" 2  AvgPool2d(kernel_size=2, stride=2)      6x14x14        0        0  6x6",
		" 3  Conv2d(6, 16, kernel_size=5)            16x10x10   2,416  240,000  14x14",
		" 4  Sigmoid()                               16x10x10       0        0  14x14",
		" 5  AvgPool2d(kernel_size=2, stride=2)      16x5x5         0        0  16x16",
		" 6  Flatten()                               400            0        0  16x16",
		" 7  Linear(400, 120)                        120       48,120   48,000  28x28",
		" 8  Sigmoid()                               120            0        0  28x28",
		" 9  Linear(120, 84)                         84        10,164   10,080  28x28",
		"10  Sigmoid()                               84             0        0  28x28",
		"11  Linear(84, 10)  (to the classes)        10           850      840  28x28",
		"    total                                             61,706  416,520",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], want[i])
		}
	}
}

// -json is Describe's answer; -pytorch is WritePyTorch's module; a checkpoint is
// described as the network it holds.
func TestJSONPyTorchAndCheckpoint(t *testing.T) {
	const spec = "conv8k3p1s2-tanh-max3s2p1-dense16-relu"
	s, err := lenet.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	d, err := lenet.Describe(s)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.MarshalIndent(d, "", "  ")
	code, out, errOut := describeRun("-model", spec, "-json")
	if code != cli.ExitOK || out != string(wantJSON)+"\n" {
		t.Errorf("-json: exit %d, %s\n%s; want\n%s", code, errOut, out, wantJSON)
	}
	var parsed struct {
		Layers []struct {
			Kind           string  `json:"kind"`
			Shape          []int   `json:"shape"`
			Params         int64   `json:"params"`
			MACs           int64   `json:"macs"`
			ReceptiveField []int64 `json:"receptive_field"`
		} `json:"layers"`
		Params, MACs int64
	}
	if err := json.Unmarshal([]byte(out), &parsed); err != nil || len(parsed.Layers) != 7 || parsed.Params != d.Params ||
		parsed.Layers[0].Kind != "conv" || len(parsed.Layers[3].Shape) != 1 || parsed.Layers[3].Shape[0] != 8*7*7 {
		t.Errorf("-json fields: %+v, %v", parsed, err)
	}

	var py bytes.Buffer
	if err := lenet.WritePyTorch(&py, s); err != nil {
		t.Fatal(err)
	}
	code, out, _ = describeRun("-model", spec, "-pytorch")
	if code != cli.ExitOK || out != py.String() || !strings.Contains(out, "nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),") {
		t.Errorf("-pytorch: exit %d:\n%s", code, out)
	}

	c, err := lenet.New(lenet.Config{Spec: s, BatchSize: 2, EvalBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	ck := lenet.Snapshot(c, lenet.CheckpointHeader{})
	ck.WeightsOnly = true
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = describeRun("-model", path, "-json")
	if code != cli.ExitOK || out != string(wantJSON)+"\n" {
		t.Errorf("-model checkpoint: exit %d, %s\n%s", code, errOut, out)
	}
}

// Bad usage and impossible specs: one line on stderr, exit 2; an unreadable checkpoint
// exit 1.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.safetensors")
	if err := os.WriteFile(junk, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, cli.ExitUsage, "describe: -model is required: a preset (classic, modern), a spec such as conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu, or a checkpoint"},
		{[]string{"-model", "classic", "-json", "-pytorch"}, cli.ExitUsage, "describe: -json and -pytorch: choose one"},
		{[]string{"-model", "conv6k5-relu-max2-conv16k12-relu-max2"}, cli.ExitUsage,
			"describe: -model: layer 5 max2: input 1x1 is smaller than the 2x2 window; floor((1 - 2 + 0) / 2) + 1 = 0"},
		{[]string{"-model", "conv6k5-bogus"}, cli.ExitUsage, `describe: -model: token "bogus": unknown token;`},
		{[]string{"-model", "dense100000-dense1000"}, cli.ExitUsage, "describe: -model: layer 1 dense100000: the network reaches 78500000 parameters here, over the limit of 50000000"},
		{[]string{"-model", filepath.Join(dir, "none.safetensors")}, cli.ExitUsage, "describe: -model " + filepath.Join(dir, "none.safetensors") + ": no such file, and not a spec"},
		{[]string{"-model", junk}, cli.ExitFailure, "describe: -model: " + junk + ": not a checkpoint"},
		{[]string{"-model", dir}, cli.ExitFailure, "describe: -model " + dir + ": not a regular file"},
		{[]string{"-bogus"}, cli.ExitUsage, "describe: flag provided but not defined: -bogus"},
	}
	for _, c := range cases {
		code, out, errOut := describeRun(c.args...)
		if code != c.code || out != "" || !strings.HasPrefix(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and one line starting %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
}
