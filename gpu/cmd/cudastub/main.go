// Command cudastub writes stand-in CUDA headers (cuda.h, cublas_v2.h, cudnn.h) that
// declare exactly what gorgonia.org/cu and its dnn and blas packages use, so that
// `go vet -tags cuda ./...` can compile the project's CUDA code on a machine without
// NVIDIA's toolkit: in CI, for instance. gpu/scripts/vet-cuda.sh runs it.
//
//	go run ./gpu/cmd/cudastub -out DIR
//
// The declarations are inferred from the Go side of those packages' cgo calls: every
// C.name they use, with each parameter's type taken from the argument passed (a
// conversion C.T(x), a variable or field declared C.T, &v, unsafe.Pointer, ...), each
// struct's fields from the composite literals that fill them, and each type's kind
// (handle, integer or enum, function pointer, struct) from how it is converted. The
// CUDA 13 forms of the functions gpu/cuda13_compat.h adapts are written as CUDA 13
// declares them, and what that header defines itself (the cuDNN 8 functions cuDNN 9
// removed) is left out, so the compat header is compiled as in a real build.
// Constants get distinct values (switches and map literals over them must compile);
// the values mean nothing, and nothing built against these headers can link.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "", "folder to write cuda.h, cublas_v2.h and cudnn.h into (required)")
	compat := flag.String("compat", "gpu/cuda13_compat.h", "the compat header the build force-includes")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: cudastub -out DIR [-compat gpu/cuda13_compat.h]")
		os.Exit(2)
	}
	if err := run(*out, *compat); err != nil {
		fmt.Fprintln(os.Stderr, "cudastub:", err)
		os.Exit(1)
	}
}

func run(out, compatPath string) error {
	dir, err := moduleDir("gorgonia.org/cu")
	if err != nil {
		return err
	}
	compat, err := os.ReadFile(compatPath)
	if err != nil {
		return err
	}
	g := newGen(string(compat))
	for _, sub := range []string{"", "dnn", "blas"} {
		if err := g.addPackage(filepath.Join(dir, sub)); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return g.write(out)
}

// moduleDir asks the go command where module path's source is.
func moduleDir(path string) (string, error) {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", path, err)
	}
	if dir := strings.TrimSpace(string(b)); dir != "" {
		return dir, nil
	}
	// Only a cuda build needs the module, so a fresh module cache lacks it: fetch it
	// (go.sum pins its hash).
	b, err = exec.Command("go", "mod", "download", "-json", path).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", path, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(b, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no source folder (%s)", path, mod.Error)
	}
	return mod.Dir, nil
}
