package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/linestest"
)

// demo is a cgo file of the kind gorgonia.org/cu is made of.
const demo = `package demo

/*
#include <cudnn.h>
int localHelper(int x);
*/
import "C"

import "unsafe"

type Mode int

const (
	ModeA Mode = C.DEMO_MODE_A
	ModeB Mode = C.DEMO_MODE_B
)

type Ctx struct{ h C.cudnnHandle_t }

func (m Mode) C() C.cudnnDemoMode_t { return C.cudnnDemoMode_t(m) }

func pair() (*C.float, C.size_t) { return nil, 0 }

func run(c *Ctx, p unsafe.Pointer, n int, m Mode) error {
	var d C.CUdeviceptr
	f, size := pair()
	if C.cudnnDemo(c.h, &d, C.int(n), p, C.CUcontext(p), m.C(), f, size) != C.DEMO_SUCCESS {
		return nil
	}
	_ = &C.DEMO_PARAMS{width: C.size_t(n), host: p, _func: C.CUcontext(p)}
	_ = C.GoString(C.cudnnDemoName(c.h))
	_ = C.localHelper(C.int(n))
	return nil
}
`

func TestInfer(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "demo.go"), []byte(demo), 0o644); err != nil {
		t.Fatal(err)
	}
	g := newGen("")
	if err := g.addPackage(dir); err != nil {
		t.Fatal(err)
	}
	fn := g.funcs["cudnnDemo"]
	want := []string{"cudnnHandle_t", "CUdeviceptr*", "int", "void*", "CUcontext", "cudnnDemoMode_t", "float*", "size_t"}
	if fn == nil || !slices.Equal(fn.params, want) {
		t.Fatalf("cudnnDemo's parameters: got %+v, want %q", fn, want)
	}
	if g.funcs["cudnnDemoName"].result != "const char*" {
		t.Errorf("a function read with C.GoString returns %q", g.funcs["cudnnDemoName"].result)
	}
	if _, declared := g.funcs["localHelper"]; declared || !g.local["localHelper"] {
		t.Errorf("the preamble's own function is to be left alone")
	}
	kinds := map[string]int{"CUcontext": kindHandle, "cudnnDemoMode_t": kindInt, "DEMO_PARAMS": kindStruct}
	for name, kind := range kinds {
		if g.types[name] == nil || g.types[name].kind != kind {
			t.Errorf("%s: %+v, want kind %d", name, g.types[name], kind)
		}
	}
	if f := g.types["DEMO_PARAMS"].fields; !slices.Equal(f, []field{{"width", "size_t"}, {"host", "void*"}, {"func", "CUcontext"}}) {
		t.Errorf("DEMO_PARAMS fields %+v", f)
	}
	if g.consts["DEMO_MODE_A"] != g.consts["DEMO_MODE_B"] || g.consts["DEMO_MODE_A"] == g.consts["DEMO_SUCCESS"] {
		t.Errorf("groups %q: the const block is one group", g.consts)
	}

	out := t.TempDir()
	if err := g.write(out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "cudastub.h"))
	if err != nil {
		t.Fatal(err)
	}
	h := string(b)
	linestest.Contains(t, "cudastub.h", h,
		"cudnnStatus_t cudnnDemo(cudnnHandle_t a0, CUdeviceptr* a1, int a2, void* a3, CUcontext a4, cudnnDemoMode_t a5, float* a6, size_t a7);",
		"const char* cudnnDemoName(cudnnHandle_t a0);",
		"typedef struct CUcontext_st *CUcontext;",
		"typedef int cudnnDemoMode_t;",
		"typedef unsigned long long CUdeviceptr;",
		"\tDEMO_MODE_A = 1,\n\tDEMO_MODE_B = 2,\n\tDEMO_SUCCESS = 0,",
		"typedef struct DEMO_PARAMS_st {\n\tsize_t width;\n\tvoid* host;\n\tCUcontext func;\n} DEMO_PARAMS;",
	)
	if strings.Contains(h, "localHelper") {
		t.Error("cudastub.h declares the preamble's function")
	}
}

// The headers written for the real gorgonia.org/cu compile with the compat header, as
// cgo compiles them.
func TestRealHeadersCompile(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	out := t.TempDir()
	if err := run(out, filepath.Join("..", "..", "cuda13_compat.h")); err != nil {
		t.Fatal(err)
	}
	compat, err := filepath.Abs(filepath.Join("..", "..", "cuda13_compat.h"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("gcc", "-fsyntax-only", "-Werror", "-I", out, "-include", compat, "-x", "c", "-")
	cmd.Stdin = strings.NewReader("#include <cuda.h>\n#include <cublas_v2.h>\n#include <cudnn.h>\n")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
}
