//go:build gpuemu

package kernelhost_test

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/d2l-go/convnets/gpu/kernelhost"
	"github.com/d2l-go/convnets/internal/citest"
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
			fmt.Fprintf(os.Stderr, "FAIL: no test ran the kernels %v of gpu/kernels/kernels.cu on the host\n", missing)
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
		citest.Missing(t, "g++ is not installed: .ci/run installs it (apt-get install g++)",
			"g++ is not installed (sudo apt-get install g++): the kernels' host emulation needs it; CI requires it")
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

// kernelNames lists the kernels of gpu/kernels/kernels.cu, from its source.
func kernelNames() ([]string, error) {
	src, err := os.ReadFile("../kernels/kernels.cu")
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
	cases := []runError{
		{opkit.Launch{Kernel: "nope", Grid: [2]int{1, 1}, Block: [2]int{1, 1}}, "hostemu: no kernel nope (hostemu -list names them)"},
		{opkit.Launch{Kernel: "act_fwd", Grid: [2]int{1, 1}, Block: [2]int{4, 1}, Args: []any{opkit.InArg(0), opkit.InArg(1), 4}},
			"hostemu: act_fwd takes 4 arguments, got 3"},
		{opkit.Launch{Kernel: "gemm", Grid: [2]int{1, 1}, Block: [2]int{64, 32}}, "hostemu: a block of 64x32 threads: a GPU block has at most 1024"},
	}
	for _, c := range cases {
		err := d.Run(c.l, mem, -1)
		if err == nil || !regexp.MustCompile(regexp.QuoteMeta(c.want)+`$`).MatchString(err.Error()) {
			t.Errorf("%s: got error %v, want one ending %q", c.l.Kernel, err, c.want)
		}
	}
	err := d.Run(opkit.Launch{Kernel: "act_fwd", Grid: [2]int{1, 1}, Block: [2]int{4, 1}, Args: []any{opkit.InArg(0), opkit.OutArg, 4, 0}}, mem, 7)
	if err == nil || err.Error() != "kernelhost: act_fwd argument 1: the result names buffer 7 of 2" {
		t.Errorf("result out of range: got %v", err)
	}
	checkSyncErrors(t, d)
}

// checkSyncErrors runs syncErrors on d: each must fail with exit status 1 and the
// driver's one line.
func checkSyncErrors(t *testing.T, d *kernelhost.Driver) {
	t.Helper()
	for _, c := range syncErrors {
		err := d.Run(c.l, nil, -1)
		if want := "kernelhost: " + c.l.Kernel + ": exit status 1: " + c.want; err == nil || err.Error() != want {
			t.Errorf("%s: got error\n%v\nwant\n%s", c.l.Kernel, err, want)
		}
	}
}

// The fibers switched by glibc's swapcontext (the driver's way on hosts other than
// x86-64) report the same errors, and a tiled product with several SYNC()s per block
// gives, to the bit, what the default driver gives.
func TestUcontextDriverAgrees(t *testing.T) {
	d := driver(t)
	ucDrv := kernelhost.Ucontext(d)
	checkSyncErrors(t, ucDrv)
	const m, n, k = 20, 33, 50 // 3x2 blocks of 16x16 threads, 4 tiles of K: 8 SYNC()s
	rng := rand.New(rand.NewPCG(1, 2))
	a, b, bias := uniform(rng, m*k), uniform(rng, k*n), uniform(rng, n)
	want := make([]float32, m*n)
	for i := range m {
		for j := range n {
			acc := float64(bias[j])
			for p := range k {
				acc += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			want[i*n+j] = float32(acc)
		}
	}
	l := opkit.Launch{Kernel: "gemm", Grid: [2]int{3, 2}, Block: [2]int{16, 16},
		Args: []any{opkit.InArg(0), opkit.InArg(1), opkit.InArg(2), opkit.OutArg, m, n, k, 0, 0}}
	var got [2][]float32
	for i, dr := range []*kernelhost.Driver{d, ucDrv} {
		mem := []kernelhost.Buffer{{Bytes: kernelhost.Bytes(a)}, {Bytes: kernelhost.Bytes(b)}, {Bytes: kernelhost.Bytes(bias)}, nans(m * n)}
		if err := dr.Run(l, mem, 3); err != nil {
			t.Fatal(err)
		}
		got[i] = kernelhost.Float32s(mem[3].Bytes)
	}
	if diff := compare(got[0], want); !diff.ok || diff.rel > opTolerance["gemm"] {
		t.Errorf("gemm differs from the float64 product by up to %.3g (%.3g of the largest)", diff.abs, diff.rel)
	}
	if !compare(got[1], got[0]).same {
		t.Errorf("gemm: the swapcontext driver differs from the default one")
	}
}

// runError is a launch the driver refuses, and the end of its message.
type runError struct {
	l    opkit.Launch
	want string
}

// syncErrors are launches of the driver's kernels that break SYNC()'s rule, and the
// driver's report of each: thread 0 returns while the others wait at a SYNC(); a
// 3x2 block in which (x+y) even calls SYNC() three times, the others twice.
var syncErrors = []runError{
	{opkit.Launch{Kernel: "selftest_early_return", Grid: [2]int{2, 1}, Block: [2]int{4, 1}},
		"hostemu: selftest_early_return block (0,0): thread (0,0) returned after 0 calls of SYNC() while thread (1,0) waits in call 1: " +
			"every thread of a block must call SYNC() equally often (on a GPU this hangs or is undefined)"},
	{opkit.Launch{Kernel: "selftest_uneven_sync", Grid: [2]int{1, 1}, Block: [2]int{3, 2}},
		"hostemu: selftest_uneven_sync block (0,0): thread (1,0) returned after 2 calls of SYNC() while thread (0,0) waits in call 3: " +
			"every thread of a block must call SYNC() equally often (on a GPU this hangs or is undefined)"},
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
