package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// known fixes the C types whose exact kind matters and that the Go side cannot show
// in full: the driver's integer handles, a struct read through a pointer, function
// pointers.
var known = map[string]string{
	"CUdevice":           "typedef int CUdevice;",
	"CUdeviceptr":        "typedef unsigned long long CUdeviceptr;",
	"CUtexObject":        "typedef unsigned long long CUtexObject;",
	"CUsurfObject":       "typedef unsigned long long CUsurfObject;",
	"cuuint32_t":         "typedef uint32_t cuuint32_t;",
	"cuuint64_t":         "typedef uint64_t cuuint64_t;",
	"CUuuid":             "typedef struct CUuuid_st { char bytes[16]; } CUuuid;",
	"CUhostFn":           "typedef void (*CUhostFn)(void *userData);",
	"CUoccupancyB2DSize": "typedef size_t (*CUoccupancyB2DSize)(int blockSize);",
	"cudaStream_t":       "typedef struct CUstream_st *cudaStream_t;",
}

// cuda13 declares what cuda13_compat.h needs of CUDA 13, as CUDA 13 declares it: the
// functions it wraps (their CUDA 12 forms are what the Go side calls, through the
// wrappers) and the types those take.
const cuda13 = `typedef enum CUmemLocationType_enum {
	CU_MEM_LOCATION_TYPE_INVALID = 0,
	CU_MEM_LOCATION_TYPE_DEVICE = 1,
	CU_MEM_LOCATION_TYPE_HOST = 2
} CUmemLocationType;
typedef struct CUmemLocation_st { CUmemLocationType type; int id; } CUmemLocation;
typedef struct CUctxCreateParams_st CUctxCreateParams;
typedef struct CUgraphEdgeData_st { unsigned char from_port, to_port, type, reserved[5]; } CUgraphEdgeData;
#define CU_DEVICE_CPU ((CUdevice)-1)
CUresult cuCtxCreate(CUcontext *pctx, CUctxCreateParams *ctxCreateParams, unsigned int flags, CUdevice dev);
CUresult cuMemAdvise(CUdeviceptr devPtr, size_t count, CUmem_advise advice, CUmemLocation location);
CUresult cuMemPrefetchAsync(CUdeviceptr devPtr, size_t count, CUmemLocation location, unsigned int flags, CUstream hStream);
CUresult cuGraphAddDependencies(CUgraph hGraph, const CUgraphNode *from, const CUgraphNode *to, const CUgraphEdgeData *edgeData, size_t numDependencies);
CUresult cuGraphGetEdges(CUgraph hGraph, CUgraphNode *from, CUgraphNode *to, CUgraphEdgeData *edgeData, size_t *numEdges);
`

// The types cuda13 itself uses, so that the Go side's names are declared before it.
var cuda13Needs = []string{"CUresult", "CUcontext", "CUdevice", "CUdeviceptr", "CUmem_advise", "CUstream", "CUgraph", "CUgraphNode"}

var cDefineRE = regexp.MustCompile(`(?m)^#define\s+(\w+)`)

// cuda13Declares returns the names cuda13 declares itself (its types, enum constants,
// macros and functions), which the inferred declarations leave to it.
func cuda13Declares() map[string]bool {
	own := newGen("")
	own.cSource(cuda13, true)
	for _, m := range cDefineRE.FindAllStringSubmatch(cuda13, -1) {
		own.local[m[1]] = true
	}
	return own.local
}

var (
	compatWrappedRE = regexp.MustCompile(`#define\s+(\w+)\s+gcompat_\w+`)
	compatDefinedRE = regexp.MustCompile(`typedef\s+struct\s+\w+\s*\*\s*(\w+)\s*;|}\s*(\w+)\s*;|GCOMPAT_NS\((\w+)`)
	compatTypeRE    = regexp.MustCompile(`\b(cudnn\w+_t|CU[a-z]\w*)\b`)
	compatConstRE   = regexp.MustCompile(`\b(CUDNN_STATUS_[A-Z_]+)\b`)
	handleRE        = regexp.MustCompile(`(Descriptor|Handle|Plan|Pack|Perf)_t$|^CU(context|module|function|stream|event|array|mipmappedArray|texref|surfref|graph|graphNode|graphExec|linkState|kernel|library)$`)
)

// write puts the declarations in DIR/cudastub.h and the three headers the packages
// include, which include it.
func (g *gen) write(dir string) error {
	wrapped := map[string]bool{}
	for _, m := range compatWrappedRE.FindAllStringSubmatch(g.compat, -1) {
		wrapped[m[1]] = true
	}
	own := cuda13Declares()
	compatDefines := map[string]bool{}
	for _, m := range compatDefinedRE.FindAllStringSubmatch(g.compat, -1) {
		compatDefines[m[1]+m[2]+m[3]] = true
	}
	for _, m := range compatTypeRE.FindAllStringSubmatch(g.compat, -1) {
		if !compatDefines[m[1]] && !own[m[1]] {
			g.noteType(m[1])
		}
	}
	for _, name := range cuda13Needs {
		g.noteType(name)
	}
	for _, m := range compatConstRE.FindAllStringSubmatch(g.compat, -1) {
		if g.consts[m[1]] == "" {
			g.consts[m[1]] = constFamily(m[1])
		}
	}

	var b strings.Builder
	b.WriteString(`/* cudastub.h: written by gpu/cmd/cudastub from what gorgonia.org/cu and its dnn and
 * blas packages use of C. A stand-in for NVIDIA's headers, enough to type-check the
 * cgo code (go vet -tags cuda); the constants' values are placeholders and nothing
 * built against it can link. Not NVIDIA's declarations: do not commit it. */
#ifndef CUDASTUB_H
#define CUDASTUB_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h> /* cuda.h brings it, and the packages use its free */
#define CUDA_VERSION 13000
#define CUDNN_MAJOR 9
#define CUDNN_MINOR 0
#define CUDNN_PATCHLEVEL 0
#define CUDNN_VERSION 90000

`)
	g.writeTypes(&b, compatDefines)
	g.writeConsts(&b, own)
	b.WriteString(cuda13)
	g.writeFuncs(&b, wrapped, compatDefines)
	b.WriteString("#endif /* CUDASTUB_H */\n")

	files := map[string]string{"cudastub.h": b.String()}
	for _, h := range []string{"cuda.h", "cublas_v2.h", "cudnn.h"} {
		files[h] = "/* written by gpu/cmd/cudastub: see cudastub.h */\n#include \"cudastub.h\"\n"
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// writeTypes declares the integer and enum types first, then handles and function
// pointers, then structs, whose fields may use the others.
func (g *gen) writeTypes(b *strings.Builder, skip map[string]bool) {
	var ints, handles, structs []string
	for _, name := range sortedKeys(g.types) {
		t := g.types[name]
		switch {
		case skip[name] || g.local[name]:
		case known[name] != "":
			handles = append(handles, known[name])
		case t.kind == kindStruct:
			structs = append(structs, structDecl(name, t.fields))
		case t.kind == kindHandle || t.kind == kindUnknown && handleRE.MatchString(name):
			handles = append(handles, fmt.Sprintf("typedef struct %s_st *%s;", name, name))
		case t.kind == kindFunc:
			handles = append(handles, fmt.Sprintf("typedef void (*%s)(void);", name))
		default:
			ints = append(ints, fmt.Sprintf("typedef int %s;", name))
		}
	}
	for _, group := range [][]string{ints, handles, structs} {
		for _, line := range group {
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
}

func structDecl(name string, fields []field) string {
	var b strings.Builder
	fmt.Fprintf(&b, "typedef struct %s_st {\n", name)
	for _, f := range fields {
		fmt.Fprintf(&b, "\t%s;\n", declarator(orInt(f.typ), f.name))
	}
	fmt.Fprintf(&b, "} %s;", name)
	return b.String()
}

// orInt is t, or int (marked) where no use told the type.
func orInt(t string) string {
	if t == "" {
		return "int /* not told */"
	}
	return t
}

// declarator writes "T name", turning a Go-side slice ("[]T") into a pointer.
func declarator(t, name string) string {
	for strings.HasPrefix(t, "[]") {
		t = strings.TrimPrefix(t, "[]") + "*"
	}
	return t + " " + name
}

// writeConsts gives the constants of each group (a Go const block, else a name
// family) distinct small values; each library's SUCCESS is 0.
func (g *gen) writeConsts(b *strings.Builder, skip map[string]bool) {
	b.WriteString("enum {\n")
	next := map[string]int{}
	for _, name := range sortedKeys(g.consts) {
		if _, isType := g.types[name]; isType || g.local[name] || skip[name] {
			continue
		}
		v := 0
		if !strings.HasSuffix(name, "_SUCCESS") {
			next[g.consts[name]]++
			v = next[g.consts[name]]
		}
		fmt.Fprintf(b, "\t%s = %d,\n", name, v)
	}
	b.WriteString("};\n\n")
}

// writeFuncs declares every function the Go side calls, and, without a prototype,
// those only the packages' C files call.
func (g *gen) writeFuncs(b *strings.Builder, wrapped, skip map[string]bool) {
	b.WriteString("\n")
	for _, name := range sortedKeys(g.funcs) {
		fn := g.funcs[name]
		if wrapped[name] || skip[name] || g.local[name] {
			continue
		}
		params := make([]string, len(fn.params))
		for i, p := range fn.params {
			params[i] = declarator(orInt(p), fmt.Sprintf("a%d", i))
		}
		if len(params) == 0 {
			params = []string{"void"}
		}
		fmt.Fprintf(b, "%s %s(%s);\n", resultOf(name, fn), name, strings.Join(params, ", "))
	}
	for _, name := range sortedKeys(g.cCalls) {
		if _, done := g.funcs[name]; !done && !wrapped[name] && !skip[name] && !g.local[name] {
			fmt.Fprintf(b, "%s %s();\n", resultOf(name, nil), name)
		}
	}
}
