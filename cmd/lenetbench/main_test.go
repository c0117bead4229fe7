package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/gemm"
	"github.com/d2l-go/convnets/lenet"
)

func TestBadFlags(t *testing.T) {
	cmdtest.BadUsage(t, "lenetbench", run, []cmdtest.Usage{
		{Args: []string{"-epochs", "0"}, Want: "-epochs 0: must be 1 or more"},
		{Args: []string{"-batch", "0"}, Want: "-batch 0: must be 1 or more"},
		{Args: []string{"-limit", "-1"}, Want: "-limit -1: must be 0 or more"},
		{Args: []string{"-shards", "-2"}, Want: "-shards -2: must be 0 or more"},
		{Args: []string{"-model", "alexnet"}, Want: `-model: token "alexnet": unknown token; ` + lenet.TokenHelp + ` (run 'lenetbench -h' for the flags)`},
		{Args: []string{"-model", "conv6k29"}, Want: "-model: layer 0 conv6k29: input 28x28 is smaller than the 29x29 kernel; floor((28 - 29 + 0) / 1) + 1 = 0"},
		{Args: []string{"-ops", "cudnn"}, Want: `unknown ops "cudnn": choose one of fast, gorgonia`},
		{Args: []string{"-gemm", "sse9"}, Want: `-gemm: gemm: no micro-kernel "sse9" on this CPU; choose auto or one of `},
		{Args: []string{"-epochs", "many"}, Want: `invalid value "many" for flag -epochs`},
		{Args: []string{"-bogus"}, Want: "flag provided but not defined: -bogus"},
		{Args: []string{"extra"}, Want: `unexpected argument "extra"`},
	})
}

func TestHelp(t *testing.T) {
	cmdtest.Help(t, run, "-epochs", "-batch", "-limit", "-shards", "-model", "-ops", "-gemm", "-data", "-seed", "-cpuprofile")
}

func TestMissingData(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-data", t.TempDir()}, &stdout, &stderr)
	msg := stderr.String()
	if code != 1 || !strings.HasPrefix(msg, "lenetbench: ") || !strings.Contains(msg, "Fashion-MNIST not found") || strings.Count(msg, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and one line saying the data is missing", code, msg)
	}
}

// A short run prints the one line of names and values that scripts/bench-compare.sh
// reads (the examples trained, a rate that is examples over seconds, a loss and
// accuracies, the peak RSS, the threads, the CPU time and the GEMM kernel), and writes
// the CPU profile it was asked for.
func TestMeasuresTraining(t *testing.T) {
	dir := fashiontest.Dir(t)
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-data", dir, "-limit", "600", "-epochs", "2", "-batch", "100", "-cpuprofile", prof}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f := strings.Fields(stdout.String())
	if len(f) != 21 || f[0] != "go" || f[19] != "gemm" || strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("output %q: want one line of \"go\" and 10 names and values, gemm last", stdout.String())
	}
	if f[20] != gemm.Kernel() {
		t.Errorf("gemm %q, want the kernel in use, %q", f[20], gemm.Kernel())
	}
	vals := map[string]float64{}
	for i := 1; i+1 < len(f)-2; i += 2 {
		v, err := strconv.ParseFloat(f[i+1], 64)
		if err != nil {
			t.Fatalf("%s = %q: %v", f[i], f[i+1], err)
		}
		vals[f[i]] = v
	}
	if vals["examples"] != 1200 {
		t.Errorf("examples %v, want 2 epochs of 600", vals["examples"])
	}
	if s, r := vals["seconds"], vals["examples/sec"]; !(s > 0) || r < 0.99*1200/s || r > 1.01*1200/s {
		t.Errorf("seconds %v, examples/sec %v: want examples/seconds", s, r)
	}
	if l := vals["loss"]; !(l > 0.5 && l < 3) {
		t.Errorf("loss %v", l)
	}
	for _, k := range []string{"train_acc", "test_acc"} {
		if a := vals[k]; !(a > 0.05 && a <= 1) {
			t.Errorf("%s %v", k, a)
		}
	}
	// The CPU time of a training loop on one or more threads: some, and at most all of
	// its threads busy the whole time (with a margin for the clocks' granularity).
	if c := vals["cpu_seconds"]; !(c > 0) || c > vals["threads"]*vals["seconds"]+0.05 {
		t.Errorf("cpu_seconds %v for %v seconds on %v threads", c, vals["seconds"], vals["threads"])
	}
	if vals["peak_rss_mib"] < 10 || vals["threads"] < 1 {
		t.Errorf("peak_rss_mib %v, threads %v", vals["peak_rss_mib"], vals["threads"])
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("profile: %v", err)
	}
	code = run([]string{"-data", dir, "-limit", "100", "-cpuprofile", filepath.Join(t.TempDir(), "no", "such", "dir", "p")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "lenetbench: -cpuprofile: ") {
		t.Errorf("unwritable profile: exit %d, stderr %q", code, stderr.String())
	}
}
