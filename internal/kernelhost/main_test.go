package kernelhost_test

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/d2l-go/convnets/internal/kernelhost"
	"github.com/d2l-go/convnets/internal/opkit"
)

// The driver is built once for the package's tests, into a folder removed at the end.
var (
	drv      *kernelhost.Driver
	buildErr error
	ranMu    sync.Mutex
	ran      = map[string]bool{} // the kernels some test has run
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "kernelhost-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	drv, buildErr = kernelhost.Build("../..", dir)
	code := m.Run()
	os.RemoveAll(dir)
	// A full run must have launched every kernel of kernels.cu at least once.
	if code == 0 && buildErr == nil && flag.Lookup("test.run").Value.String() == "" {
		if missing := untested(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: no test ran the kernels %v of cuda/kernels.cu on the host\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

// driver returns the built driver. Without g++ the test skips on a developer's machine
// and fails in CI, which installs it.
func driver(t *testing.T) *kernelhost.Driver {
	t.Helper()
	if errors.Is(buildErr, kernelhost.ErrNoCompiler) {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatalf("CI=%s but g++ is not installed: .ci/run installs it (apt-get install g++)", ci)
		}
		t.Skip("g++ is not installed (sudo apt-get install g++): the kernels' host emulation needs it; CI requires it")
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return drv
}

// run launches l on mem (see kernelhost.Driver.Run) and records that its kernel ran.
func run(t *testing.T, l opkit.Launch, mem []kernelhost.Buffer, out int) {
	t.Helper()
	if err := driver(t).Run(l, mem, out); err != nil {
		t.Fatal(err)
	}
	ranMu.Lock()
	ran[l.Kernel] = true
	ranMu.Unlock()
}

// kernelNames lists the kernels of cuda/kernels.cu, from its source.
func kernelNames() ([]string, error) {
	src, err := os.ReadFile("../../cuda/kernels.cu")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range regexp.MustCompile(`extern "C" __global__ void (\w+)\(`).FindAllSubmatch(src, -1) {
		names = append(names, string(m[1]))
	}
	return names, nil
}

func untested() []string {
	names, err := kernelNames()
	if err != nil {
		return []string{err.Error()}
	}
	var missing []string
	for _, n := range names {
		if !ran[n] {
			missing = append(missing, n)
		}
	}
	return missing
}

// The driver knows exactly the kernels kernels.cu defines, in its order: a kernel added
// to the file and not to hostemu_main.cc's table fails here.
func TestDriverListsEveryKernel(t *testing.T) {
	got, err := driver(t).Kernels()
	if err != nil {
		t.Fatal(err)
	}
	want, err := kernelNames()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 15 || !slices.Equal(got, want) {
		t.Errorf("hostemu -list gives\n%v\nkernels.cu defines\n%v", got, want)
	}
}

// A launch that does not fit its kernel is refused with one line naming the problem.
func TestRunErrors(t *testing.T) {
	d := driver(t)
	mem := []kernelhost.Buffer{{Bytes: make([]byte, 16)}, {Bytes: make([]byte, 16)}}
	cases := []struct {
		l    opkit.Launch
		want string
	}{
		{opkit.Launch{Kernel: "nope", Grid: [2]int{1, 1}, Block: [2]int{1, 1}}, "hostemu: no kernel nope (hostemu -list names them)"},
		{opkit.Launch{Kernel: "act_fwd", Grid: [2]int{1, 1}, Block: [2]int{4, 1}, Args: []any{opkit.In(0), opkit.In(1), 4}},
			"hostemu: act_fwd takes 4 arguments, got 3"},
	}
	for _, c := range cases {
		err := d.Run(c.l, mem, -1)
		if err == nil || !regexp.MustCompile(regexp.QuoteMeta(c.want)+`$`).MatchString(err.Error()) {
			t.Errorf("%s: got error %v, want one ending %q", c.l.Kernel, err, c.want)
		}
	}
	err := d.Run(opkit.Launch{Kernel: "act_fwd", Grid: [2]int{1, 1}, Block: [2]int{4, 1}, Args: []any{opkit.In(0), opkit.Out, 4, 0}}, mem, 7)
	if err == nil || err.Error() != "kernelhost: act_fwd argument 1: the result names buffer 7 of 2" {
		t.Errorf("result out of range: got %v", err)
	}
}

// diff is the largest difference between two float32 slices, absolute and relative to
// the largest magnitude in want (the norm-wise error of a computed tensor), and whether
// their lengths and NaNs agree.
type diff struct {
	abs, rel float64
	same     bool // bit for bit
	ok       bool // same length, NaN where want has NaN
}

func compare(got, want []float32) diff {
	d := diff{same: len(got) == len(want), ok: len(got) == len(want)}
	if !d.ok {
		return d
	}
	var scale float64
	for _, w := range want {
		if !math.IsNaN(float64(w)) {
			scale = max(scale, math.Abs(float64(w)))
		}
	}
	for i, w := range want {
		g := got[i]
		if math.Float32bits(g) != math.Float32bits(w) {
			d.same = false
		}
		if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) {
			d.ok = false
			continue
		}
		d.abs = max(d.abs, math.Abs(float64(g)-float64(w)))
	}
	if scale > 0 {
		d.rel = d.abs / scale
	}
	return d
}

// stats gathers the largest differences per kernel, for the test's log.
type stats map[string]diff

func (s stats) add(kernel string, d diff) {
	old, seen := s[kernel]
	if !seen {
		s[kernel] = d
		return
	}
	s[kernel] = diff{abs: max(old.abs, d.abs), rel: max(old.rel, d.rel), same: old.same && d.same, ok: old.ok && d.ok}
}

func (s stats) log(t *testing.T) {
	t.Helper()
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		d := s[k]
		t.Logf("%-16s max |gpu-cpu| %.3g, relative to max |cpu| %.3g, bit-identical %v", k, d.abs, d.rel, d.same)
	}
}

func nan() float64 { return math.NaN() }
