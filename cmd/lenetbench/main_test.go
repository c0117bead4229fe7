package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/fashiontest"
)

func TestBadFlags(t *testing.T) {
	cmdtest.BadUsage(t, "lenetbench", run, []cmdtest.Usage{
		{Args: []string{"-batch", "0"}, Want: "-batch 0: must be 1 or more"},
		{Args: []string{"-steps", "0"}, Want: "-steps 0: must be 1 or more"},
		{Args: []string{"-warmup", "-1"}, Want: "-warmup -1: must be 0 or more"},
		{Args: []string{"-model", "alexnet"}, Want: `unknown model "alexnet"`},
		{Args: []string{"-ops", "cudnn"}, Want: `unknown implementation "cudnn": choose one of fast, gorgonia`},
		{Args: []string{"-steps", "many"}, Want: `invalid value "many" for flag -steps`},
		{Args: []string{"-bogus"}, Want: "flag provided but not defined: -bogus"},
		{Args: []string{"extra"}, Want: `unexpected argument "extra"`},
	})
}

func TestHelp(t *testing.T) {
	cmdtest.Help(t, run, "-batch", "-steps", "-warmup", "-model", "-ops", "-data", "-cpuprofile")
}

func TestMissingData(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-data", t.TempDir()}, &stdout, &stderr)
	msg := stderr.String()
	if code != 1 || !strings.HasPrefix(msg, "lenetbench: ") || !strings.Contains(msg, "Fashion-MNIST not found") || strings.Count(msg, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and one line saying the data is missing", code, msg)
	}
}

// A tiny real run prints the one line the README's figures come from, and writes the
// CPU profile it was asked for.
func TestTinyRun(t *testing.T) {
	dir := fashiontest.Dir(t)
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-data", dir, "-batch", "16", "-steps", "2", "-warmup", "1", "-model", "modern", "-cpuprofile", prof}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !regexp.MustCompile(`^go [0-9]+\.[0-9] examples/sec, peak RSS [0-9]+ MiB\n$`).MatchString(stdout.String()) {
		t.Errorf("stdout %q", stdout.String())
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("profile: %v", err)
	}
	code = run([]string{"-data", dir, "-steps", "1", "-warmup", "0", "-cpuprofile", filepath.Join(t.TempDir(), "no", "such", "dir", "p")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "lenetbench: -cpuprofile: ") {
		t.Errorf("unwritable profile: exit %d, stderr %q", code, stderr.String())
	}
}
