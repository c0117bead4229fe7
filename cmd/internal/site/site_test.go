package site

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/d2l-go/convnets/dataset/fashiontest"
	"github.com/d2l-go/convnets/lenet"
	"github.com/d2l-go/convnets/lenet/lenettest"
)

// An exported folder reads back as the explorer's configuration, and every damaged
// file is one line naming it.
func TestExportOpen(t *testing.T) {
	c := lenettest.New(t, lenet.Config{Spec: lenet.ClassicSpec(), BatchSize: 1, EvalBatch: 1, Seed: 1})
	ck := lenet.Snapshot(c, lenet.CheckpointHeader{Epochs: 1, BatchSize: 256, Seed: 1, Optimizer: lenet.Optimizer{Name: "sgd", LR: 0.9}})
	train, test := fashiontest.Random(t, 30, 1), fashiontest.Random(t, 12, 2)
	dir := filepath.Join(t.TempDir(), "site")
	opts := Options{Weights: ck, Source: "test", Test: test, Train: train, TestN: 10, TrainN: 20,
		Wasm: []byte("\x00asm"), WasmExec: []byte("// loader"), GoLicense: []byte("licence")}
	m, err := Export(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if m.Test != 10 || m.Train != 20 || m.Model != lenet.Classic {
		t.Fatalf("manifest: %d test, %d training images, model %q; want 10, 20, classic", m.Test, m.Train, m.Model)
	}
	read := func() (*Manifest, map[string][]byte) {
		mb, err := os.ReadFile(filepath.Join(dir, ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(mb)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, n := range m.Names() {
			if files[n], err = os.ReadFile(filepath.Join(dir, n)); err != nil {
				t.Fatal(err)
			}
		}
		return m, files
	}
	m, files := read()
	cfg, err := Open(m, files)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Test.N != 10 || cfg.Train.N != 20 || cfg.Test.Label(3) != test.Label(3) || cfg.Train.Images[700] != train.Images[700] || !cfg.NoCalibration {
		t.Errorf("Open: %s and %s, calibration off %v; want the heads of the sets", cfg.Test, cfg.Train, cfg.NoCalibration)
	}

	const again = "; export the folder again (go run ./cmd/explore -export DIR)"
	for _, c := range []struct {
		name   string
		change func(files map[string][]byte)
		want   string
	}{
		{"missing weights", func(f map[string][]byte) { delete(f, "weights.safetensors") }, "weights.safetensors: missing from the folder" + again},
		{"altered weights", func(f map[string][]byte) { f["weights.safetensors"][100] ^= 1 },
			"weights.safetensors: altered: its content is not the one site.json names (" + strconv.FormatInt(m.Files[RoleWeights].Size, 10) + " bytes, SHA-256 " + m.Files[RoleWeights].SHA256[:12] + "…)" + again},
		{"truncated gzip", func(f map[string][]byte) { b := f["test-images.idx.gz"]; f["test-images.idx.gz"] = b[:len(b)/2] }, "test-images.idx.gz: corrupt gzip data: unexpected EOF" + again},
		{"labels served uncompressed, altered", func(f map[string][]byte) { f["test-labels.idx.gz"] = []byte{0, 0, 8, 1, 0, 0, 0, 1, 3} },
			"test-labels.idx.gz: altered: its content is not the one site.json names (18 bytes, SHA-256 " + m.Files[RoleTestLabels].SHA256[:12] + "…)" + again},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, files := read()
			c.change(files)
			_, err := Open(m, files)
			if err == nil || err.Error() != c.want {
				t.Errorf("got %v\nwant %s", err, c.want)
			}
		})
	}

	// An export refuses a folder that holds other files, and overwrites an earlier export.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(other, opts); err == nil || err.Error() != "site: "+other+" holds files and no site.json: choose an empty or new folder (an earlier export is overwritten, nothing else)" {
		t.Errorf("exporting into a folder of other files: %v", err)
	}
	if _, err := Export(dir, opts); err != nil {
		t.Errorf("exporting over an earlier export: %v", err)
	}
	for _, bad := range []struct{ manifest, want string }{
		{`{"mode": "server"}`, `site.json: mode "server", format 0; this page reads mode "site", format 1: export the folder again (go run ./cmd/explore -export DIR)`},
		{`[]`, "site.json: not this explorer's manifest (json: cannot unmarshal array into Go value of type site.Manifest)" + again},
	} {
		if _, err := ReadManifest([]byte(bad.manifest)); err == nil || err.Error() != bad.want {
			t.Errorf("ReadManifest(%s): %v\nwant %s", bad.manifest, err, bad.want)
		}
	}
}
