package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/internal/checkpointtest"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// TestMain runs the command itself when asked to, so that tests can start it as a
// child process (to send it real signals, or run it under a memory ceiling) without
// building a binary.
func TestMain(m *testing.M) {
	if os.Getenv("TRAIN_TEST_AS_COMMAND") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// small returns the run the interruption tests share: 4 batches and one evaluation per
// epoch, 2 epochs, on the data dataset/fashiontest finds (skipping t without it).
func small(t *testing.T, args ...string) []string {
	t.Helper()
	return append([]string{"-data", fashiontest.Dir(t), "-limit", "256", "-batch", "64", "-epochs", "2", "-seed", "5", "-device", "cpu"}, args...)
}

var (
	refOnce sync.Once
	refLine string
)

// reference is the closing line of the small run, never interrupted.
func reference(t *testing.T) string {
	t.Helper()
	args := small(t, "-out", t.TempDir())
	refOnce.Do(func() {
		code, stdout, stderr := runTrain(t, context.Background(), args...)
		if code != cli.ExitOK {
			t.Fatalf("reference run: exit %d: %s", code, stderr)
		}
		refLine = closingLine(stdout)
	})
	if refLine == "" {
		t.Fatal("the reference run printed no closing line")
	}
	return refLine
}

// cancelOn is a stdout that cancels the run once a line starting with prefix is
// written (each of the command's lines is one Write).
type cancelOn struct {
	bytes.Buffer
	prefix string
	cancel context.CancelFunc
}

func (w *cancelOn) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte(w.prefix)) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// Ctrl-C at chosen moments (a context cancelled when a line is printed): each time the
// message names exactly what was saved, a folder nothing was written to is not
// created, and resuming from the checkpoint, when there is one, ends with the closing
// line of the run never interrupted.
func TestInterruptSaysWhatWasSavedAndResumes(t *testing.T) {
	want := reference(t)
	cases := []struct {
		at, message string
		save        bool
		files       []string // in the run's folder afterwards
	}{
		{"LeNet (", "interrupted before the first batch; saved the checkpoint CK; continue with -resume CK", true, []string{"ck.bin"}},
		{"LeNet (", "interrupted before the first batch; nothing was saved (no curve point yet, and no -save)", false, nil},
		{"epoch  1/2", "interrupted after epoch 1; saved OUT/curves.png and the checkpoint CK; continue with -resume CK", true, []string{"ck.bin", "out/curves.png"}},
		{"epoch  1/2", "interrupted after epoch 1; saved OUT/curves.png; no checkpoint, as -save was not given", false, []string{"out/curves.png"}},
		{"epoch  2/2", "interrupted after the last epoch (2); in OUT, wrote nothing, not metrics.json, predictions.png, confusion.png; -resume CK writes them without training", true, []string{"ck.bin", "out/curves.png"}},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		out, ck := filepath.Join(dir, "out"), filepath.Join(dir, "ck.bin")
		args := small(t, "-out", out)
		if tc.save {
			args = append(args, "-save", ck)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &cancelOn{prefix: tc.at, cancel: cancel}
		var stderr bytes.Buffer
		code := run(ctx, args, stdout, &stderr)
		cancel()
		msg := strings.NewReplacer("OUT", out, "CK", ck).Replace(tc.message)
		if code != exitInterrupted || stderr.String() != "train: "+msg+"\n" {
			t.Errorf("Ctrl-C at %q (save %v): exit %d, stderr %q; want 130 and %q", tc.at, tc.save, code, stderr.String(), msg)
		}
		if files := treeFiles(t, dir); !slices.Equal(files, tc.files) {
			t.Errorf("Ctrl-C at %q (save %v): the run's folder holds %v, want %v", tc.at, tc.save, files, tc.files)
		}
		if !slices.Contains(tc.files, "ck.bin") {
			continue
		}
		code, got, errs := runTrain(t, context.Background(), "-data", fashiontest.Dir(t), "-resume", ck, "-out", filepath.Join(dir, "out2"))
		if code != cli.ExitOK || closingLine(got) != want {
			t.Errorf("resumed after Ctrl-C at %q: exit %d (%s), closing line %q, want %q", tc.at, code, errs, closingLine(got), want)
		}
	}
}

// treeFiles lists the files under dir, sorted, as slash-separated relative paths.
func treeFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// start starts cmd, the test binary, as the command (see TestMain), and returns its
// stdout to read and its stderr once it is done.
func start(t *testing.T, cmd *exec.Cmd) (*exec.Cmd, io.Reader, *bytes.Buffer) {
	t.Helper()
	cmd.Env = append(os.Environ(), "TRAIN_TEST_AS_COMMAND=1")
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, pipe, stderr
}

// The command run as a child process, stopped by a real SIGINT a moment into its second
// epoch (in its training, its evaluation or its outputs, as the machine's speed has
// it), then resumed with no -seed and no -epochs: it ends with the closing line of the
// run never interrupted.
func TestSignalThenResumeEndsLikeTheUninterruptedRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to a child process")
	}
	want := reference(t)
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.bin")
	cmd, pipe, stderr := start(t, exec.Command(os.Args[0], small(t, "-out", filepath.Join(dir, "out"), "-save", ck)...))
	lines := bufio.NewScanner(pipe)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "epoch  1/2") {
	}
	time.Sleep(150 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt) // SIGTERM takes the same path
	io.Copy(io.Discard, pipe)
	cmd.Wait()
	code, msg := cmd.ProcessState.ExitCode(), stderr.String()
	if code != exitInterrupted || !strings.HasPrefix(msg, "train: interrupted ") || strings.Count(msg, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q; want 130 and one line", code, msg)
	}
	t.Log(strings.TrimSpace(msg))
	code, got, errs := runTrain(t, context.Background(), "-data", fashiontest.Dir(t), "-resume", ck, "-out", filepath.Join(dir, "out2"))
	if code != cli.ExitOK || closingLine(got) != want {
		t.Errorf("resumed run: exit %d (%s), closing line %q, want %q", code, errs, closingLine(got), want)
	}
}

// -batch larger than the training set is capped at its size, with one word in the
// header, and the memory stays bounded by the data: an epoch fits under an 8 GB
// address-space ceiling (`ulimit -v`; uncapped, batch 100000 wanted 12 GB) and peaks
// under 1 GB of resident memory. (Ctrl-C after the epoch spares the outputs.)
func TestHugeBatchIsCappedAndBounded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs ulimit -v and Linux's ru_maxrss")
	}
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", `ulimit -v 8000000 && exec "$0" "$@"`, os.Args[0],
		"-data", fashiontest.Dir(t), "-limit", "512", "-batch", "100000", "-epochs", "1", "-device", "cpu", "-out", dir)
	cmd, pipe, stderr := start(t, cmd)
	var out strings.Builder
	for lines := bufio.NewScanner(pipe); lines.Scan(); {
		out.WriteString(lines.Text() + "\n")
		if strings.HasPrefix(lines.Text(), "epoch  1/1") {
			cmd.Process.Signal(os.Interrupt)
		}
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d, want 130 after the epoch; stderr %.400s", code, stderr.String())
	}
	if !strings.Contains(out.String(), "512 training and 10000 test images, batch 512 (-batch 100000 is more than the training set), lr 0.9\n") {
		t.Errorf("header does not say the batch was capped:\n%s", out.String())
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	t.Logf("peak RSS %d MiB", rss>>20)
	if rss > 1<<30 {
		t.Errorf("peak RSS %d MiB, want under 1 GiB", rss>>20)
	}
}

// A target that cannot be written is found before any data is read or batch trained;
// a checkpoint that no run can continue from is refused with one line that does not
// blame the learning rate.
func TestRefusedBeforeTraining(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	os.WriteFile(aFile, nil, 0o644)
	c := lenettest.New(t, lenet.Config{BatchSize: 4})
	h := lenet.CheckpointHeader{Epochs: 2, BatchSize: 4, Optimizer: lenet.Optimizer{Name: "sgd", LR: 0},
		TrainState: lenet.TrainState{Epoch: 1, History: lenet.History{{Epoch: 1, TestAcc: new(0.5)}}}}
	var lr0, nan bytes.Buffer
	if _, err := lenet.Snapshot(c, h).WriteTo(&lr0); err != nil {
		t.Fatal(err)
	}
	h.Optimizer.LR = 0.9
	lenet.Snapshot(c, h).WriteTo(&nan)
	nanCk := forgeNaN(t, dir, nan.Bytes())
	lr0Ck := filepath.Join(dir, "lr0.bin")
	os.WriteFile(lr0Ck, lr0.Bytes(), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-save", filepath.Join(dir, "no", "ck.bin")}, "-save " + filepath.Join(dir, "no", "ck.bin") + ": folder " + filepath.Join(dir, "no") + " does not exist"},
		{[]string{"-save", dir}, "-save " + dir + ": is a folder; name the checkpoint file"},
		{[]string{"-out", filepath.Join(aFile, "out")}, "-out " + filepath.Join(aFile, "out") + ": " + aFile + " is not a folder"},
		{[]string{"-resume", lr0Ck}, "learning rate 0 (a run trains with a positive one)"},
		{[]string{"-resume", nanCk}, "conv1.weight[0] is NaN: it was saved from a run whose weights had already diverged; use an earlier checkpoint"},
	} {
		args := append([]string{"-data", filepath.Join(dir, "no-data-here"), "-out", filepath.Join(dir, "out")}, tc.args...)
		code, stdout, stderr := runTrain(t, context.Background(), args...)
		if code != cli.ExitFailure || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 1 and nothing", tc.args, code, stdout)
		}
		oneLine(t, stderr, tc.want)
	}
}

// forgeNaN writes a copy of a valid checkpoint whose first weight is NaN, with its
// digest made to match: what a diverged run would have saved if the writer let it.
func forgeNaN(t *testing.T, dir string, good []byte) string {
	path := filepath.Join(dir, "nan.bin")
	if err := os.WriteFile(path, checkpointtest.NaNFirstWeight(t, good), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// -resume takes every setting the command line does not give from the checkpoint; the
// resuming line names the given ones that differ and what becomes of the interrupted
// epoch.
func TestResumeTakesTheCheckpointsSettings(t *testing.T) {
	loss, acc := 2.0, 0.5
	st := lenet.TrainState{Epoch: 1, Examples: 192, Partial: lenet.Accumulator{LossSum: 400, Correct: 90, N: 192},
		History: lenet.History{{Epoch: 1, TestAcc: &acc}, {Epoch: 1.25, TrainLoss: &loss, TrainAcc: &acc}}}
	ck := saveCheckpoint(t, lenet.CheckpointHeader{Epochs: 3, BatchSize: 64, Seed: 5, TrainExamples: 512, Optimizer: lenet.Optimizer{Name: "sgd", LR: 0.25}, TrainState: st})
	head := "resuming from " + ck + " after 192 of the 512 examples of epoch 2"
	for _, tc := range []struct {
		args     []string
		n        int // training examples the data gives
		line     string
		examples int // where the epoch resumes
		points   int // of history kept
	}{
		{nil, 512, head, 192, 2},
		{[]string{"-batch", "100", "-lr", "0.5"}, 512, head + "; with batch 100, epoch 2 continues at example 192 with one batch of 8; given: -batch 100 (the checkpoint's: 64), -lr 0.5 (the checkpoint's: 0.25)", 192, 2},
		{[]string{"-seed", "7"}, 512, head + "; with another training set or seed, epoch 2 restarts from its first example (the weights keep what it taught them); given: -seed 7 (the checkpoint's: 5)", 0, 1},
		{[]string{"-limit", "300"}, 300, head + "; with another training set or seed, epoch 2 restarts from its first example (the weights keep what it taught them); given: -limit 300: 300 training examples (the checkpoint's: 512)", 0, 1},
	} {
		r := resumed(t, ck, tc.args...)
		o := r.o
		if !slices.Contains(tc.args, "-limit") && o.limit != 512 || o.epochs != 3 || (tc.args == nil && (o.seed != 5 || o.batch != 64 || o.lr != 0.25)) {
			t.Errorf("%v: settings %+v, want the checkpoint's", tc.args, *o)
		}
		start, line := r.resumeState(tc.n)
		if line != tc.line || start.Examples != tc.examples || len(start.History) != tc.points {
			t.Errorf("%v:\nline %q\nwant %q\nresumes at example %d with %d points, want %d and %d", tc.args, line, tc.line, start.Examples, len(start.History), tc.examples, tc.points)
		}
	}
}

// saveCheckpoint saves a fresh batch-4 LeNet with header h to a file and returns its
// path.
func saveCheckpoint(t *testing.T, h lenet.CheckpointHeader) string {
	t.Helper()
	ck := filepath.Join(t.TempDir(), "ck.bin")
	if err := lenet.Snapshot(lenettest.New(t, lenet.Config{BatchSize: 4}), h).Save(ck); err != nil {
		t.Fatal(err)
	}
	return ck
}

// resumed returns the runner of 'train -resume ck args...' once it has read the
// checkpoint.
func resumed(t *testing.T, ck string, args ...string) *runner {
	t.Helper()
	o, err := parseFlags(append([]string{"-resume", ck}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{o: o}
	if err := r.loadResume(); err != nil {
		t.Fatal(err)
	}
	return r
}
