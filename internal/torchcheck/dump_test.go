package torchcheck

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/internal/checkpointtest"
	"github.com/d2l-go/convnets/internal/safetensors"
)

var outFlag = flag.String("out", "", "write the cases to this safetensors file, an absolute path (default: a temporary one)")

// Metadata keys of the dump.
const (
	metaCases   = "torchcheck.cases"
	metaVersion = "torchcheck.version"
	metaGo      = "torchcheck.go"
)

// named is one tensor of a case: float64 values, exactly the case dtype's.
type named struct {
	name  string
	shape []int
	v     []float64
}

// caseMeta is what the dump's metadata says of one case (see the package doc).
type caseMeta struct {
	Name    string         `json:"name"`
	Op      string         `json:"op"`
	DType   string         `json:"dtype"`
	Prefix  string         `json:"prefix"`
	Attrs   map[string]any `json:"attrs"`
	Inputs  []string       `json:"inputs"`
	Data    []string       `json:"data"`
	Outputs []string       `json:"outputs"`
}

// record is one case as it is dumped.
type record struct {
	meta caseMeta
	in   []named // differentiated inputs; grad is parallel
	data []named
	out  []named // out[0] is the one L reduces
	r    named
	grad []named
	// homogeneous lists groups of inputs (indexes into in) in each of which out[0] is
	// positively homogeneous of degree 1: then <dL/dx, x> summed over the group is L.
	homogeneous [][]int
}

// dtypeName is the safetensors name of dt.
func dtypeName(dt tensor.Dtype) string {
	if dt == tensor.Float32 {
		return string(safetensors.F32)
	}
	return string(safetensors.F64)
}

// rounded returns v as dt holds it.
func rounded(dt tensor.Dtype, v []float64) []float64 {
	out := slices.Clone(v)
	if dt == tensor.Float32 {
		for i, x := range out {
			out[i] = float64(float32(x))
		}
	}
	return out
}

// tensors lays a record out as the safetensors tensors of the package doc.
func (r *record) tensors() []safetensors.Tensor {
	var ts []safetensors.Tensor
	add := func(role string, n named) {
		name := r.meta.Prefix + role + n.name
		if r.meta.DType == string(safetensors.F32) {
			v := make([]float32, len(n.v))
			for i, x := range n.v {
				v[i] = float32(x)
			}
			ts = append(ts, safetensors.FromFloat32s(name, n.shape, v))
			return
		}
		ts = append(ts, safetensors.FromFloat64s(name, n.shape, n.v))
	}
	for _, n := range r.in {
		add("in/", n)
	}
	for _, n := range r.data {
		add("data/", n)
	}
	for _, n := range r.out {
		add("out/", n)
	}
	add("", r.r) // named "r"
	for _, n := range r.grad {
		add("grad/", n)
	}
	return ts
}

// dumpFile is the safetensors file holding recs.
func dumpFile(recs []*record) (*safetensors.File, error) {
	f := &safetensors.File{Metadata: map[string]string{metaVersion: "1", metaGo: runtime.Version()}}
	metas := make([]caseMeta, len(recs))
	for i, r := range recs {
		metas[i] = r.meta
		f.Tensors = append(f.Tensors, r.tensors()...)
	}
	js, err := json.Marshal(metas)
	if err != nil {
		return nil, err
	}
	f.Metadata[metaCases] = string(js)
	return f, nil
}

// allRecords runs every case: the ops', then LeNet's.
func allRecords(t *testing.T) []*record {
	t.Helper()
	var recs []*record
	for _, c := range opCases() {
		for _, dt := range dtypes {
			recs = append(recs, c.run(t, dt, len(recs)))
		}
	}
	return append(recs, lenetRecords(t, len(recs))...)
}

// dtypes are the dtypes every case runs in.
var dtypes = []tensor.Dtype{tensor.Float64, tensor.Float32}

// TestDump runs every case, checks what came out (shapes, finite values, the dump's
// own consistency), writes the file (-out, or a temporary one) and reads it back: the
// same tensors bit for bit, the same cases.
func TestDump(t *testing.T) {
	path := *outFlag
	if path != "" && !filepath.IsAbs(path) {
		t.Fatalf("-out %s: give an absolute path (go test runs in the package's folder)", path)
	}
	recs := allRecords(t)
	checkCoverage(t, recs)
	for _, r := range recs {
		checkRecord(t, r)
	}
	f, err := dumpFile(recs)
	if err != nil {
		t.Fatal(err)
	}
	if path == "" {
		path = filepath.Join(t.TempDir(), "torch_ops.safetensors")
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := f.WriteTo(w); return err }); err != nil {
		t.Fatal(err)
	}
	checkReadBack(t, path, f)
	t.Logf("wrote %d cases (%d tensors) to %s", len(recs), len(f.Tensors), path)
}

// checkReadBack reads the file at path and fails unless it holds want's tensors and
// metadata exactly.
func checkReadBack(t *testing.T, path string, want *safetensors.File) {
	t.Helper()
	got := checkpointtest.ReadFile(t, path)
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("read back %d tensors, wrote %d", len(got.Tensors), len(want.Tensors))
	}
	for _, w := range want.Tensors {
		g, ok := got.Tensor(w.Name)
		if !ok || g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("tensor %s does not read back as written", w.Name)
		}
	}
	var metas []caseMeta
	if err := json.Unmarshal([]byte(got.Metadata[metaCases]), &metas); err != nil {
		t.Fatalf("metadata %s: %v", metaCases, err)
	}
	var wantMetas []caseMeta
	if err := json.Unmarshal([]byte(want.Metadata[metaCases]), &wantMetas); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(metas) != fmt.Sprint(wantMetas) {
		t.Fatalf("the cases read back differ from those written")
	}
}

// checkCoverage fails unless every op the PyTorch side knows has cases in both dtypes,
// and LeNet both variants with both choices of ops (nn.Ops), and unless names and
// prefixes are unique.
func checkCoverage(t *testing.T, recs []*record) {
	t.Helper()
	seen := map[string]bool{}
	names := map[string]bool{}
	for _, r := range recs {
		seen[r.meta.Op+" "+r.meta.DType] = true
		if ops, ok := r.meta.Attrs["ops"]; ok {
			seen[fmt.Sprintf("%s %s %s %v", r.meta.Op, r.meta.DType, r.meta.Attrs["variant"], ops)] = true
		}
		if names[r.meta.Name] || names[r.meta.Prefix] {
			t.Errorf("case %q: name or prefix %q used twice", r.meta.Name, r.meta.Prefix)
		}
		names[r.meta.Name], names[r.meta.Prefix] = true, true
	}
	var want []string
	for _, op := range []string{"corr2d", "corr2d_matmul", "corr2d_multi_in", "corr2d_multi_in_out", "pool2d",
		"conv2d", "max_pool2d", "avg_pool2d", "fused_conv2d", "relu", "sigmoid", "tanh", "dense", "flatten",
		"softmax_cross_entropy", "lenet"} {
		for _, dt := range dtypes {
			want = append(want, op+" "+dtypeName(dt))
		}
	}
	for _, v := range []string{"classic", "modern"} {
		for _, ops := range []string{"fast", "gorgonia"} {
			want = append(want, fmt.Sprintf("lenet F64 %s %s", v, ops), fmt.Sprintf("lenet_trainer F32 %s %s", v, ops))
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no case covers %s", w)
		}
	}
}

// checkRecord fails unless r's tensors have the shapes the package doc promises and
// finite values, and its gradients fit its outputs (homogeneity).
func checkRecord(t *testing.T, r *record) {
	t.Helper()
	name := r.meta.Name
	all := slices.Concat(r.in, r.data, r.out, r.grad, []named{r.r})
	for _, n := range all {
		if size := tensor.Shape(n.shape).TotalSize(); len(n.v) != max(size, 1) {
			t.Errorf("%s: %s has %d values for shape %v", name, n.name, len(n.v), n.shape)
		}
		for i, x := range n.v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Errorf("%s: %s[%d] is %v", name, n.name, i, x)
				break
			}
		}
	}
	if len(r.grad) != len(r.in) || len(r.out) == 0 || !slices.Equal(r.r.shape, r.out[0].shape) {
		t.Fatalf("%s: %d inputs, %d gradients, outputs %d, R shape %v", name, len(r.in), len(r.grad), len(r.out), r.r.shape)
	}
	for i, g := range r.grad {
		if g.name != r.in[i].name || !slices.Equal(g.shape, r.in[i].shape) {
			t.Errorf("%s: gradient %s %v for input %s %v", name, g.name, g.shape, r.in[i].name, r.in[i].shape)
		}
	}
	checkHomogeneous(t, r)
}

// checkHomogeneous checks Euler's identity on r's homogeneous groups: if y is positively
// homogeneous of degree 1 in the group's inputs, L = sum(y ⊙ R) equals Σ <dL/dx, x> over
// the group. It ties the dumped R, outputs and gradients to one another.
func checkHomogeneous(t *testing.T, r *record) {
	t.Helper()
	var loss, scale float64
	for i, y := range r.out[0].v {
		loss += y * r.r.v[i]
		scale += math.Abs(y * r.r.v[i])
	}
	tol := 1e-12
	if r.meta.DType == string(safetensors.F32) {
		tol = 1e-5
	}
	for _, group := range r.homogeneous {
		var dot, dotScale float64
		var names []string
		for _, k := range group {
			for i, x := range r.in[k].v {
				dot += x * r.grad[k].v[i]
				dotScale += math.Abs(x * r.grad[k].v[i])
			}
			names = append(names, r.in[k].name)
		}
		if d := math.Abs(dot - loss); d > tol*(scale+dotScale) || scale == 0 {
			t.Errorf("%s: sum(y*R) = %v but the gradients in %s give %v (|diff| %.3g)", r.meta.Name, loss, strings.Join(names, ", "), dot, d)
		}
	}
}
