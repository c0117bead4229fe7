package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/hostiletest"
	"github.com/d2l-go/convnets/internal/runlock"
	"github.com/d2l-go/convnets/lenet"
)

// Special files and checkpoints that announce gigabytes are refused with one line,
// before any data set is read, allocating no more than their header.
func TestHostileCheckpoints(t *testing.T) {
	out := t.TempDir()
	hostiletest.RefusesCheckpoints(t, "train", "-resume", func(path string) (int, string, string) {
		return runTrain(t, context.Background(), "-resume", path, "-out", out, "-device", "cpu")
	})
}

// epochOf is the number of epochs done in the checkpoint at path.
func epochOf(t *testing.T, path string) int {
	t.Helper()
	ck, err := lenet.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	return ck.Epoch
}

// A picture that cannot be written (curves.png is a folder here, as good as a full
// disk) does not cost the checkpoint: it is saved, and the one line names both.
func TestPictureFailureKeepsTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	out, ck := filepath.Join(dir, "out"), filepath.Join(dir, "ck.bin")
	os.MkdirAll(filepath.Join(out, "curves.png", "blocked"), 0o755)
	code, _, stderr := runTrain(t, context.Background(), small(t, "-out", out, "-save", ck)...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	oneLine(t, stderr, "writing "+filepath.Join(out, "curves.png")+": ")
	oneLine(t, stderr, "(saved the checkpoint "+ck+")")
	if e := epochOf(t, ck); e != 1 {
		t.Errorf("the checkpoint holds %d epochs, want 1", e)
	}
}

// -resume without -save keeps saving to the file resumed from, and removes the
// temporary files that a killed save left beside it; -save elsewhere saves there and
// still clears them.
func TestResumeKeepsSavingWhereItResumed(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.bin")
	if code, _, stderr := runTrain(t, context.Background(), small(t, "-epochs", "1", "-out", filepath.Join(dir, "out"), "-save", ck)...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	stale := filepath.Join(dir, ".ck.bin.tmp-4194305-1") // a save SIGKILLed: no such process
	os.WriteFile(stale, []byte("half"), 0o644)
	data := fashiontest.Dir(t)
	if code, _, stderr := runTrain(t, context.Background(), "-data", data, "-resume", ck, "-epochs", "2", "-out", filepath.Join(dir, "out")); code != 0 {
		t.Fatalf("resumed run: exit %d: %s", code, stderr)
	}
	if e := epochOf(t, ck); e != 2 {
		t.Errorf("after the resumed run the checkpoint holds %d epochs, want 2", e)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary file is still there: %v", err)
	}
	os.WriteFile(stale, []byte("half"), 0o644)
	other := filepath.Join(t.TempDir(), "other.bin")
	if code, _, stderr := runTrain(t, context.Background(), "-data", data, "-resume", ck, "-epochs", "3", "-save", other, "-out", filepath.Join(dir, "out")); code != 0 {
		t.Fatalf("run saving elsewhere: exit %d: %s", code, stderr)
	}
	if a, b := epochOf(t, ck), epochOf(t, other); a != 2 || b != 3 {
		t.Errorf("checkpoints at %d and %d epochs, want 2 (untouched) and 3", a, b)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("-save elsewhere: the stale temporary file beside -resume's is still there: %v", err)
	}
}

// Refusals before any data is read: a -save name over the file system's limit, a
// -save or -out that another run holds (its PID named), a checkpoint whose history
// contradicts its position.
func TestRefusedBeforeReadingData(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, strings.Repeat("n", 250)+".bin")
	held := filepath.Join(dir, "held.bin")
	heldOut := filepath.Join(dir, "held-out")
	for _, target := range []string{held, heldOut} {
		l, err := runlock.Acquire(target)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
	}
	acc := 0.1989
	h := lenet.CheckpointHeader{Epochs: 2, BatchSize: 4, Optimizer: lenet.Optimizer{Name: "sgd", LR: 0.9},
		TrainState: lenet.TrainState{Epoch: 2, History: lenet.History{{Epoch: 1, TestAcc: &acc}, {Epoch: 2, TrainLoss: &acc}}}}
	stale := saveCheckpoint(t, h) // saving checks no history: loading does
	pid := os.Getpid()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-save", long}, "-save " + long + ": cannot create the checkpoint's temporary file: file name too long"},
		{[]string{"-save", held}, fmt.Sprintf("-save %s: another run (PID %d) is writing it; wait for it to end or choose another file", held, pid)},
		{[]string{"-out", heldOut}, fmt.Sprintf("-out %s: another run (PID %d) is writing it; wait for it to end or choose another folder", heldOut, pid)},
		{[]string{"-resume", stale}, "checkpoint holds values no run can continue from: the history has no test accuracy for epoch 2, the last one finished (2 points)"},
	} {
		args := append([]string{"-data", filepath.Join(dir, "no-data"), "-device", "cpu", "-out", filepath.Join(dir, "out")}, tc.args...)
		code, stdout, stderr := runTrain(t, context.Background(), args...)
		if code != 1 || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 1 and nothing", tc.args, code, stdout)
		}
		oneLine(t, stderr, tc.want)
	}
}

// SIGHUP (the terminal closed) stops a run as Ctrl-C does: it saves and says so on one
// line, exit status 130.
func TestHangUpIsCtrlC(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP")
	}
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.bin")
	cmd, pipe, stderr := start(t, exec.Command(os.Args[0], small(t, "-out", filepath.Join(dir, "out"), "-save", ck)...))
	lines := bufio.NewScanner(pipe)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "epoch  1/2") {
	}
	cmd.Process.Signal(syscall.SIGHUP)
	io.Copy(io.Discard, pipe)
	cmd.Wait()
	code, msg := cmd.ProcessState.ExitCode(), stderr.String()
	if code != exitInterrupted || !strings.HasPrefix(msg, "train: interrupted ") || !strings.Contains(msg, "continue with -resume "+ck) || strings.Count(msg, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q; want 130 and one line", code, msg)
	}
	if code, _, errs := runTrain(t, context.Background(), "-data", fashiontest.Dir(t), "-resume", ck, "-out", filepath.Join(dir, "out")); code != cli.ExitOK {
		t.Errorf("resuming after SIGHUP: exit %d: %s", code, errs)
	}
}
