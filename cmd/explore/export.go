package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/d2l-go/convnets/cmd/internal/site"
)

// wasmPackage is the explorer's WebAssembly module, built by -export.
const wasmPackage = "github.com/d2l-go/convnets/cmd/explore/wasm"

// The budgets of an exported folder, gzipped as a web host sends it.
const (
	budgetFolderGzip = 12_000_000
	budgetWasmGzip   = 6_000_000
)

// goCommand is the go command that builds the module: the one on PATH.
func goCommand() (string, error) {
	p, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("-export builds the WebAssembly module with the go command, which is not on PATH: %v", err)
	}
	return p, nil
}

// buildWasm builds the module into out with the go command, from this repository's
// source (the current folder must be inside it), stripped of symbols; it returns the
// module, Go's wasm_exec.js and Go's licence.
func buildWasm(ctx context.Context, out string) (wasm, wasmExec, license []byte, err error) {
	goBin, err := goCommand()
	if err != nil {
		return nil, nil, nil, err
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, wasmPackage)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, nil, nil, fmt.Errorf("building the WebAssembly module (%s): %s; run -export from the repository's folder", wasmPackage, firstLine(b, err))
	}
	root, err := exec.CommandContext(ctx, goBin, "env", "GOROOT").Output()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(root))
	if wasm, err = os.ReadFile(out); err != nil {
		return nil, nil, nil, err
	}
	if wasmExec, err = os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js")); err != nil {
		return nil, nil, nil, fmt.Errorf("Go's wasm_exec.js: %w", err)
	}
	if license, err = os.ReadFile(filepath.Join(goroot, "LICENSE")); err != nil {
		return nil, nil, nil, fmt.Errorf("Go's LICENSE: %w", err)
	}
	return wasm, wasmExec, license, nil
}

// firstLine is a failed command's first line of output, or its error.
func firstLine(b []byte, err error) string {
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return err.Error()
}

// export writes the explorer as a static folder: the chosen model (or a quick one),
// the page, the module and a slice of the data; then prints the files' sizes against
// the budgets.
func export(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	ck, source, err := chooseModel(o.model, stdout)
	if err != nil {
		return err
	}
	train, test, err := loadForModel(ctx, ck, o.dataDir, stderr)
	if err != nil || ctx.Err() != nil {
		return err
	}
	if ck == nil {
		fmt.Fprintf(stdout, "no -model and no %s: training a quick model to export (%s LeNet, %s)\n", defaultModelsText(), quick.Model, epochs(quick.Epochs))
		if ck, err = trainQuick(ctx, quick, train, test, nil); err != nil || ctx.Err() != nil {
			return err
		}
		source = fmt.Sprintf("a quick model trained for the export (%s)", epochs(quick.Epochs))
	}
	tmp, err := os.MkdirTemp("", "explore-wasm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	wasm, wasmExec, license, err := buildWasm(ctx, filepath.Join(tmp, site.WasmName))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "built %s for GOOS=js GOARCH=wasm in %.1f s\n", wasmPackage, time.Since(start).Seconds())
	m, err := site.Export(o.export, site.Options{Weights: ck, Source: source, Test: test, Train: train,
		Wasm: wasm, WasmExec: wasmExec, GoLicense: license})
	if err != nil {
		return err
	}
	sizes, err := site.Measure(o.export)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s, %d test images, %d training images\n", o.export, m.Model, m.Test, m.Train)
	printSizes(stdout, sizes)
	fmt.Fprintf(stdout, "serve it with any static web server, e.g. python3 -m http.server -d %s 8000, and open http://localhost:8000/\n", o.export)
	return nil
}

// printSizes prints every file and the budgets.
func printSizes(w io.Writer, s *site.Sizes) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%-22s %12s %12s\n", "file", "bytes", "gzipped")
	var wasmGz int64
	for _, f := range s.Files {
		fmt.Fprintf(&b, "%-22s %12d %12d\n", f.Name, f.Size, f.Gzip)
		if f.Name == site.WasmName {
			wasmGz = f.Gzip
		}
	}
	fmt.Fprintf(&b, "%-22s %12d %12d\n", "total", s.Total, s.GzipTotal)
	fmt.Fprintf(&b, "budget: folder gzipped %.2f MB (under %d MB: %s), %s gzipped %.2f MB (under %d MB: %s)\n",
		mb(s.GzipTotal), budgetFolderGzip/1_000_000, verdict(s.GzipTotal < budgetFolderGzip), site.WasmName, mb(wasmGz), budgetWasmGzip/1_000_000, verdict(wasmGz < budgetWasmGzip))
	w.Write(b.Bytes())
}

// mb is n bytes in megabytes (10^6 bytes), the budgets' unit.
func mb(n int64) float64 { return float64(n) / 1e6 }

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "OVER"
}
