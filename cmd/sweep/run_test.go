package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
	"github.com/d2l-go/convnets/lenet"
)

// Two small variants keep the tests quick.
const tinyVariants = "tiny1=conv2k5-relu-max2-dense8-relu-lr0.1,tiny2=conv3k3p1-sigmoid-avg2-dense8-sigmoid-lr0.9"

func runSweep(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestBadFlagsOneLine(t *testing.T) {
	cases := map[string][]string{
		"flag provided but not defined: -bogus":        {"-bogus"},
		`invalid value "x" for flag -epochs`:           {"-epochs", "x"},
		"-epochs -1: must be 0":                        {"-epochs", "-1"},
		"-limit -5: must be 0 (all) or positive":       {"-limit", "-5"},
		"-batch 0: must be at least 1":                 {"-batch", "0"},
		`-dataset: unknown data set "cifar10"`:         {"-dataset", "cifar10"},
		`-variants: "lenet5" is neither a built-in`:    {"-variants", "lenet5"},
		`-variants: variant "classic" is listed twice`: {"-variants", "classic,classic"},
		`unexpected argument "more"`:                   {"more"},
		"-out: must name a folder":                     {"-out", ""},
	}
	for want, args := range cases {
		code, stdout, stderr := runSweep(t, context.Background(), args...)
		if code != cli.ExitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 2 and nothing", args, code, stdout)
		}
		if n := strings.Count(stderr, "\n"); n != 1 || !strings.HasPrefix(stderr, "sweep: ") || !strings.Contains(stderr, want) {
			t.Errorf("%v: stderr %q (%d lines), want one line containing %q", args, stderr, n, want)
		}
	}
}

func TestHelpAndList(t *testing.T) {
	code, stdout, stderr := runSweep(t, context.Background(), "-h")
	if code != cli.ExitOK || stderr != "" || !strings.Contains(stdout, "Usage: sweep [flags]") || !strings.Contains(stdout, "-variants") {
		t.Errorf("-h: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runSweep(t, context.Background(), "-list")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != cli.ExitOK || len(lines) != len(defaultVariants()) {
		t.Fatalf("-list: exit %d, %d lines:\n%s", code, len(lines), stdout)
	}
	linestest.Contains(t, "-list", stdout, "classic", "max pooling", "ReLU everywhere", "3x3 kernels", "wider convolutions",
		"third conv layer", "one dense layer less", "lr 0.03", "lr 0.3")
}

func TestDefaultVariants(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range defaultVariants() {
		if seen[s.Label()] || seen[s.String()] {
			t.Errorf("variant %q or its spec is there twice", s.Label())
		}
		seen[s.Label()], seen[s.String()] = true, true
	}
	vs := defaultVariants()
	d, err := lenet.Describe(vs[0])
	if err != nil {
		t.Fatal(err)
	}
	if vs[0].String() != "conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.9" || d.Params != 61706 || vs[0].Model() != lenet.Classic {
		t.Errorf("first variant is %s (%d parameters), want the classic LeNet", vs[0], d.Params)
	}
}

// TestBuiltinNamesSelectable: -variants selects every built-in variant by its
// name, alone or in a list of all of them.
func TestBuiltinNamesSelectable(t *testing.T) {
	var names []string
	for _, b := range defaultVariants() {
		names = append(names, b.Name)
		for _, arg := range []string{b.Name, strings.ToUpper(b.Name), " " + b.Name + " ,"} {
			vs, err := parseVariants(arg)
			if err != nil || len(vs) != 1 || vs[0].Name != b.Name || vs[0].String() != b.String() {
				t.Errorf("-variants %q = %+v, %v; want the built-in %q alone", arg, vs, err, b.Name)
			}
		}
	}
	vs, err := parseVariants(strings.Join(names, ","))
	if err != nil || len(vs) != len(names) {
		t.Fatalf("-variants of all %d names: %d variants, %v", len(names), len(vs), err)
	}
	for i, v := range vs {
		if v.Name != names[i] {
			t.Errorf("-variants of all names: variant %d is %q, want %q", i+1, v.Name, names[i])
		}
	}
}

func TestParseVariantsFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "v.json")
	os.WriteFile(file, []byte(`["conv2k5-relu-max2-dense8-relu", {"name": "j", "layers": [{"kind": "conv", "out": 2, "kernel": 3}, {"kind": "relu"}, {"kind": "avgpool", "kernel": 2}]}]`), 0o644)
	vs, err := parseVariants("@" + file)
	if err != nil || len(vs) != 2 || vs[1].Label() != "j" || vs[1].Layers[2].Kind != lenet.KindAvgPool || vs[1].Layers[2].Kernel != [2]int{2, 2} ||
		vs[1].Arch() != "conv2k3-relu-avg2" || vs[0].Label() != "conv2k5-relu-max2-dense8-relu" {
		t.Fatalf("parseVariants(@file) = %+v, %v", vs, err)
	}
	for _, tc := range []struct{ content, want string }{
		{`["conv2k29"]`, ": entry 1: layer 0 conv2k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"},
		{`["conv2k5", {"convs": [{"out": 2, "kernel": 3, "act": "relu"}], "dense": []}]`, `: entry 2: spec JSON: json: unknown field "convs"`},
		{`[]`, ": no variants"},
		{`{"layers": []}`, ": want a JSON array of specs: json: cannot unmarshal object into Go value of type []json.RawMessage"},
	} {
		os.WriteFile(file, []byte(tc.content), 0o644)
		if _, err := parseVariants("@" + file); err == nil || err.Error() != file+tc.want {
			t.Errorf("file %s: %v; want %q", tc.content, err, file+tc.want)
		}
	}
	if _, err := parseVariants("@" + filepath.Join(dir, "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestSweepWritesReport trains two tiny variants for two epochs and reads back
// every file.
func TestSweepWritesReport(t *testing.T) {
	data := fashiontest.Dir(t)
	out := filepath.Join(t.TempDir(), "sweep")
	code, stdout, stderr := runSweep(t, context.Background(), "-data", data, "-out", out, "-limit", "300", "-epochs", "2", "-variants", tinyVariants)
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	linestest.Contains(t, "stdout", stdout, "2 LeNet variants on Fashion-MNIST: 300 training and 10000 test images",
		"[1/2] tiny1: conv2k5-relu-max2-dense8-relu-lr0.1, 2454 parameters, 2 epochs", "  epoch  2/2: loss",
		"[2/2] tiny2: conv3k3p1-sigmoid-avg2-dense8-sigmoid-lr0.9", "wrote "+filepath.Join(out, "sweep.md"))
	md, err := os.ReadFile(filepath.Join(out, "sweep.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(md)), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[4], "| tiny1 | `conv2k5-relu-max2-dense8-relu-lr0.1` | 2454 | 2 | ") {
		t.Errorf("sweep.md:\n%s", md)
	}
	var rows []row
	b, _ := os.ReadFile(filepath.Join(out, "sweep.json"))
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 2 {
		t.Fatalf("sweep.json: %v, %d rows", err, len(rows))
	}
	for _, r := range rows {
		if len(r.TestAccs) != 2 || r.TestAccs[1] != r.TestAcc || !(r.TestAcc > 0 && r.TestAcc <= 1) || !(r.ExamplesPerSec > 0) {
			t.Errorf("row %+v", r)
		}
	}
	f, err := os.Open(filepath.Join(out, "sweep.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 600 {
		t.Errorf("sweep.png: %v, %v", img.Bounds(), err)
	}
}

// cancelOn cancels a context when the text written to it contains a string.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	when   string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.when) {
		c.cancel()
	}
	return len(p), nil
}

// TestInterruptKeepsFinishedRows cancels the sweep as soon as the first variant is
// done: its row stays, the exit status is 130.
func TestInterruptKeepsFinishedRows(t *testing.T) {
	data := fashiontest.Dir(t)
	out := filepath.Join(t.TempDir(), "sweep")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &cancelOn{when: "  tiny1: loss", cancel: cancel}
	var stderr bytes.Buffer
	code := run(ctx, []string{"-data", data, "-out", out, "-limit", "256", "-epochs", "1", "-variants", tinyVariants}, stdout, &stderr)
	if code != exitInterrupted {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if want := "sweep: interrupted; the 1 finished variants are in " + filepath.Join(out, "sweep.md") + "\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	md, _ := os.ReadFile(filepath.Join(out, "sweep.md"))
	if !strings.Contains(string(md), "| tiny1 |") || strings.Contains(string(md), "tiny2") {
		t.Errorf("sweep.md after the interrupt:\n%s", md)
	}
	if names := cmdtest.DirNames(t, out); !slices.Equal(names, []string{"sweep.json", "sweep.md", "sweep.png"}) {
		t.Errorf("%s holds %q, want sweep.md, sweep.json and sweep.png only", out, names)
	}
}

// writeIDX writes the four files of a tiny 28x28 data set under the real names.
func writeIDX(t *testing.T, dir string, nTrain, nTest int) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	file := func(name string, magic uint32, dims []uint32, data []byte) {
		var b bytes.Buffer
		binary.Write(&b, binary.BigEndian, magic)
		binary.Write(&b, binary.BigEndian, dims)
		b.Write(data)
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		px := make([]byte, split.n*28*28)
		labels := make([]byte, split.n)
		for i := range px {
			px[i] = byte(i * 7)
		}
		for i := range labels {
			labels[i] = byte(i % 10)
		}
		file(split.prefix+"-images-idx3-ubyte", 0x803, []uint32{uint32(split.n), 28, 28}, px)
		file(split.prefix+"-labels-idx1-ubyte", 0x801, []uint32{uint32(split.n)}, labels)
	}
}

// TestMNISTDataset runs on a generated MNIST-named data set: refused by the
// published sizes, accepted with -no-verify, found through $MNIST_DIR.
func TestMNISTDataset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mnist")
	writeIDX(t, dir, 40, 20)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"-dataset", "mnist", "-out", out, "-epochs", "1", "-variants", "tiny1=conv2k5-relu-max2-dense8-relu"}
	code, _, stderr := runSweep(t, context.Background(), append(args, "-data", dir)...)
	if code != cli.ExitFailure || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "the published train-images-idx3-ubyte of MNIST holds 47040000") {
		t.Errorf("generated files as MNIST: exit %d, stderr %q; want one line naming MNIST's published size", code, stderr)
	}
	t.Setenv("MNIST_DIR", dir)
	code, stdout, stderr := runSweep(t, context.Background(), append(args, "-no-verify")...)
	if code != cli.ExitOK || !strings.Contains(stdout, "1 LeNet variants on MNIST: 40 training and 20 test images") {
		t.Errorf("-no-verify with $MNIST_DIR: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	md, _ := os.ReadFile(filepath.Join(out, "sweep.md"))
	if !strings.HasPrefix(string(md), "LeNet variants on MNIST, 40 training and 20 test images") {
		t.Errorf("sweep.md:\n%s", md)
	}
}
