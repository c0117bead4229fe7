// Package site writes and reads the explorer as one static folder: the page (the
// same files cmd/internal/explore serves), the network's Go code built for WebAssembly,
// the weights as safetensors and a slice of the data, described by site.json. Any
// static web server serves the folder; the page then answers every view from the
// WebAssembly module instead of the server's JSON API (see docs/site.md).
//
// Export writes a folder; Open, which the WebAssembly module calls, checks the files
// the page fetched against the manifest and makes them an explore.Config.
package site

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/lenet"
)

// Manifest is site.json: what the folder holds. Its Mode, "site", is what tells the
// page to run the network in the browser (the explorer's server answers "server").
type Manifest struct {
	Mode   string `json:"mode"`
	Format int    `json:"format"`
	Model  string `json:"model"`  // the network (lenet.Spec.Model)
	Source string `json:"source"` // where the weights come from, for the page
	// Wasm and WasmExec are the module and Go's loader for it.
	Wasm     string `json:"wasm"`
	WasmExec string `json:"wasm_exec"`
	// Files are the data the module reads, by role (weights, test-images,
	// test-labels, train-images, train-labels).
	Files map[string]File `json:"files"`
	Test  int             `json:"test"`  // test images
	Train int             `json:"train"` // training images
}

// File is one data file of the folder: its name, and the size and SHA-256 digest of
// its content (an IDX file's uncompressed bytes, so that a web host that serves the
// .gz files with Content-Encoding: gzip, which the browser undoes, still matches).
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// The manifest's format and mode, and the roles of its files.
const (
	Format       = 1
	ModeSite     = "site"
	ManifestName = "site.json"
	WasmName     = "explore.wasm"
	WasmExecName = "wasm_exec.js"

	RoleWeights     = "weights"
	RoleTestImages  = "test-images"
	RoleTestLabels  = "test-labels"
	RoleTrainImages = "train-images"
	RoleTrainLabels = "train-labels"
)

// roles lists the data files every folder holds: those the first view needs
// (viewRoles), then the training slice (trainRoles), which the page fetches after.
var (
	roles      = append(slices.Clone(viewRoles), trainRoles...)
	viewRoles  = []string{RoleWeights, RoleTestImages, RoleTestLabels}
	trainRoles = []string{RoleTrainImages, RoleTrainLabels}
)

// fileNames are the data files' names in the folder.
var fileNames = map[string]string{
	RoleWeights:     "weights.safetensors",
	RoleTestImages:  "test-images.idx.gz",
	RoleTestLabels:  "test-labels.idx.gz",
	RoleTrainImages: "train-images.idx.gz",
	RoleTrainLabels: "train-labels.idx.gz",
}

// The slice of the data a folder holds by default: the first DefaultTest test images
// for the views and the first DefaultTrain training images for training in the
// browser (about 0.8 and 4.3 MB as gzipped IDX files).
const (
	DefaultTest  = 1000
	DefaultTrain = 10000
)

// Options says what Export writes.
type Options struct {
	Weights     *lenet.Checkpoint
	Source      string       // where the weights come from, for the page
	Test, Train *dataset.Set // their heads of TestN and TrainN images are written
	// TestN and TrainN are the images written (0: DefaultTest and DefaultTrain, or
	// the whole set when it is smaller).
	TestN, TrainN int
	// Wasm is the module (cmd/explore/wasm built for GOOS=js GOARCH=wasm);
	// WasmExec is Go's $GOROOT/lib/wasm/wasm_exec.js and GoLicense Go's LICENSE,
	// which the folder carries with it.
	Wasm, WasmExec, GoLicense []byte
}

// Export writes the explorer into dir as a static folder and returns its manifest.
// dir is created when missing; a folder that holds anything but an earlier export is
// refused, so that nothing else is overwritten. Every file is written atomically and
// site.json last, so a folder cut short has no manifest or the previous one.
func Export(dir string, o Options) (*Manifest, error) {
	switch {
	case o.Weights == nil:
		return nil, errors.New("site: no weights")
	case o.Test == nil || o.Train == nil:
		return nil, errors.New("site: the folder needs the test and the training set")
	case len(o.Wasm) == 0 || len(o.WasmExec) == 0:
		return nil, errors.New("site: no WebAssembly module or no wasm_exec.js")
	}
	spec, err := o.Weights.Spec()
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	test, train := o.Test.Head(orDefault(o.TestN, DefaultTest)), o.Train.Head(orDefault(o.TrainN, DefaultTrain))
	m := &Manifest{Mode: ModeSite, Format: Format, Model: spec.Model(), Source: o.Source, Wasm: WasmName, WasmExec: WasmExecName,
		Files: map[string]File{}, Test: test.N, Train: train.N}

	page := explore.PageFiles()
	names, err := fs.Glob(page, "*")
	if err != nil {
		return nil, fmt.Errorf("site: the page's files: %w", err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(page, name)
		if err != nil {
			return nil, fmt.Errorf("site: the page's files: %w", err)
		}
		if err := write(dir, name, b); err != nil {
			return nil, err
		}
	}
	license := append([]byte("wasm_exec.js is Go's loader for WebAssembly ($GOROOT/lib/wasm/wasm_exec.js), under Go's licence:\n\n"), o.GoLicense...)
	for name, b := range map[string][]byte{WasmName: o.Wasm, WasmExecName: o.WasmExec, "LICENSE-go.txt": license} {
		if err := write(dir, name, b); err != nil {
			return nil, err
		}
	}

	var w bytes.Buffer
	if _, err := o.Weights.WriteTo(&w); err != nil {
		return nil, fmt.Errorf("site: the weights: %w", err)
	}
	data := map[string][]byte{
		RoleWeights:     w.Bytes(),
		RoleTestImages:  idx(dataset.MagicImages, test.Images, test.N, test.Rows, test.Cols),
		RoleTestLabels:  idx(dataset.MagicLabels, test.Labels, test.N),
		RoleTrainImages: idx(dataset.MagicImages, train.Images, train.N, train.Rows, train.Cols),
		RoleTrainLabels: idx(dataset.MagicLabels, train.Labels, train.N),
	}
	for _, role := range roles {
		b := data[role]
		m.Files[role] = File{Name: fileNames[role], Size: int64(len(b)), SHA256: digest(b)}
		if role != RoleWeights {
			if b, err = gzipped(b); err != nil {
				return nil, fmt.Errorf("site: %s: %w", fileNames[role], err)
			}
		}
		if err := write(dir, fileNames[role], b); err != nil {
			return nil, err
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	if err := write(dir, ManifestName, append(mb, '\n')); err != nil {
		return nil, err
	}
	return m, nil
}

func orDefault(n, d int) int {
	if n > 0 {
		return n
	}
	return d
}

// checkDir makes dir, or checks that it is empty or holds an earlier export.
func checkDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("site: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); err != nil {
		return fmt.Errorf("site: %s holds files and no %s: choose an empty or new folder (an earlier export is overwritten, nothing else)", dir, ManifestName)
	}
	return nil
}

func write(dir, name string, b []byte) error {
	path := filepath.Join(dir, name)
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	return nil
}

// idx encodes an IDX file of unsigned bytes: the magic number, the dimensions, the
// data, all big-endian.
func idx(magic uint32, data []uint8, dims ...int) []byte {
	b := make([]byte, 0, 4+4*len(dims)+len(data))
	b = binary.BigEndian.AppendUint32(b, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gzipped(b []byte) ([]byte, error) {
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// exportAgain is what every message about a damaged folder says to do.
const exportAgain = "export the folder again (go run ./cmd/explore -export DIR)"

// MaxManifest bounds site.json: a manifest is under 2 KB.
const MaxManifest = 64 << 10

// ReadManifest reads and checks site.json.
func ReadManifest(b []byte) (*Manifest, error) {
	if len(b) > MaxManifest {
		return nil, fmt.Errorf("%s: over %d KB, not this explorer's manifest; %s", ManifestName, MaxManifest>>10, exportAgain)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not this explorer's manifest (%v); %s", ManifestName, err, exportAgain)
	}
	if m.Mode != ModeSite || m.Format != Format {
		return nil, fmt.Errorf("%s: mode %q, format %d; this page reads mode %q, format %d: %s", ManifestName, m.Mode, m.Format, ModeSite, Format, exportAgain)
	}
	for _, role := range roles {
		f, ok := m.Files[role]
		if !ok || f.Name == "" || strings.ContainsAny(f.Name, `/\`) || f.Size <= 0 || len(f.SHA256) != 64 {
			return nil, fmt.Errorf("%s: the %s file is missing or malformed; %s", ManifestName, role, exportAgain)
		}
	}
	if len(m.Files) != len(roles) {
		return nil, fmt.Errorf("%s: %d data files; want %s; %s", ManifestName, len(m.Files), strings.Join(roles, ", "), exportAgain)
	}
	return &m, nil
}

// Names lists the data files the page must fetch for Open, in a fixed order.
func (m *Manifest) Names() []string {
	var names []string
	for _, role := range roles {
		names = append(names, m.Files[role].Name)
	}
	return names
}

// Open checks the fetched data files (by name) against the manifest, each its size
// and digest, and makes them the explorer's configuration: the weights, the test
// slice, the training slice, runs kept in memory. The training slice may come later:
// without its two files the configuration says how many images it holds (TrainN) and
// the caller sets LoadTrain, which gives them when a run starts (OpenTrain checks
// them). Every failure is one line naming the file and what to do.
func Open(m *Manifest, files map[string][]byte) (explore.Config, error) {
	_, hasImages := files[m.Files[RoleTrainImages].Name]
	_, hasLabels := files[m.Files[RoleTrainLabels].Name]
	want := roles
	if !hasImages && !hasLabels {
		want = viewRoles
	}
	content, err := check(m, files, want)
	if err != nil {
		return explore.Config{}, err
	}
	w := content[RoleWeights]
	ck, err := lenet.ReadCheckpointAt(bytes.NewReader(w), int64(len(w)))
	if err != nil {
		return explore.Config{}, fmt.Errorf("%s: %v; %s", m.Files[RoleWeights].Name, err, exportAgain)
	}
	if _, err := ck.SettleModel(""); err != nil {
		return explore.Config{}, fmt.Errorf("%s: %v; %s", m.Files[RoleWeights].Name, err, exportAgain)
	}
	test, err := readSet(m, content, RoleTestImages, RoleTestLabels)
	if err != nil {
		return explore.Config{}, err
	}
	if test.N != m.Test {
		return explore.Config{}, fmt.Errorf("%s: %d test images, but the files hold %d; %s", ManifestName, m.Test, test.N, exportAgain)
	}
	cfg := explore.Config{Weights: ck, Test: test, TrainN: m.Train, Source: m.Source, NoCalibration: true}
	if len(want) == len(roles) {
		if cfg.Train, err = trainSet(m, content); err != nil {
			return explore.Config{}, err
		}
	}
	return cfg, nil
}

// OpenTrain checks the training slice's two files against the manifest, as Open
// does, and reads them.
func OpenTrain(m *Manifest, files map[string][]byte) (*dataset.Set, error) {
	content, err := check(m, files, trainRoles)
	if err != nil {
		return nil, err
	}
	return trainSet(m, content)
}

// check returns the content of the files of the roles want, each checked against the
// manifest and uncompressed.
func check(m *Manifest, files map[string][]byte, want []string) (map[string][]byte, error) {
	content := map[string][]byte{}
	for _, role := range want {
		f := m.Files[role]
		b, ok := files[f.Name]
		if !ok {
			return nil, fmt.Errorf("%s: missing from the folder; %s", f.Name, exportAgain)
		}
		b, err := unzip(b, f.Size)
		if err != nil {
			return nil, fmt.Errorf("%s: %v; %s", f.Name, err, exportAgain)
		}
		if int64(len(b)) != f.Size || digest(b) != f.SHA256 {
			return nil, fmt.Errorf("%s: altered: its content is not the one %s names (%d bytes, SHA-256 %.12s…); %s", f.Name, ManifestName, f.Size, f.SHA256, exportAgain)
		}
		content[role] = b
	}
	return content, nil
}

// trainSet reads the training slice from checked content.
func trainSet(m *Manifest, content map[string][]byte) (*dataset.Set, error) {
	train, err := readSet(m, content, RoleTrainImages, RoleTrainLabels)
	if err != nil {
		return nil, err
	}
	if train.N != m.Train {
		return nil, fmt.Errorf("%s: %d training images, but the files hold %d; %s", ManifestName, m.Train, train.N, exportAgain)
	}
	return train, nil
}

// unzip returns b decompressed when it is gzip data (at most size bytes, as the
// manifest says), else b itself: a web host may have undone the compression already.
func unzip(b []byte, size int64) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip data: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, size+1))
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip data: %v", err)
	}
	return out, nil
}

// readSet decodes a checked pair of IDX files.
func readSet(m *Manifest, content map[string][]byte, images, labels string) (*dataset.Set, error) {
	px, n, rows, cols, err := dataset.ReadImages(bytes.NewReader(content[images]))
	if err != nil {
		return nil, fmt.Errorf("%s: %v; %s", m.Files[images].Name, err, exportAgain)
	}
	lb, err := dataset.ReadLabels(bytes.NewReader(content[labels]))
	if err != nil {
		return nil, fmt.Errorf("%s: %v; %s", m.Files[labels].Name, err, exportAgain)
	}
	s, err := dataset.NewSet(px, lb, n, rows, cols)
	if err != nil {
		return nil, fmt.Errorf("%s and %s: %v; %s", m.Files[images].Name, m.Files[labels].Name, err, exportAgain)
	}
	return s, nil
}

// Sizes are a folder's files and their sizes, plain and gzipped, for the budgets.
type Sizes struct {
	Files            []FileSize
	Total, GzipTotal int64
}

// FileSize is one file's size, plain and gzipped (at gzip's best compression; a file
// stored gzipped counts as it is).
type FileSize struct {
	Name       string
	Size, Gzip int64
}

// Measure reads every file of dir and its size gzipped: what a web host that
// compresses sends.
func Measure(dir string) (*Sizes, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	var s Sizes
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("site: %w", err)
		}
		gz := int64(len(b))
		if !strings.HasSuffix(e.Name(), ".gz") {
			z, err := gzipped(b)
			if err != nil {
				return nil, fmt.Errorf("site: %s: %w", e.Name(), err)
			}
			gz = int64(len(z))
		}
		s.Files = append(s.Files, FileSize{Name: e.Name(), Size: int64(len(b)), Gzip: gz})
		s.Total += int64(len(b))
		s.GzipTotal += gz
	}
	slices.SortFunc(s.Files, func(a, b FileSize) int { return int(b.Gzip - a.Gzip) })
	return &s, nil
}
