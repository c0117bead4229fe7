package main

import (
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Kinds of C type.
const (
	kindUnknown = iota
	kindInt     // an integer or an enum
	kindHandle  // a pointer to an opaque struct
	kindFunc    // a function pointer
	kindStruct  // a struct whose fields Go fills
)

// cType is what the Go side tells about one C type name.
type cType struct {
	kind   int
	fields []field // kindStruct, in the order first seen
}

type field struct{ name, typ string }

// cFunc is one C function: its parameter types ("" where no call told) and result.
type cFunc struct {
	params []string
	result string
}

// pkg is one type-checked Go package.
type pkg struct {
	files []*ast.File
	info  *types.Info
	tpkg  *types.Package
}

// gen collects the C names the packages use.
type gen struct {
	fset    *token.FileSet
	funcs   map[string]*cFunc
	types   map[string]*cType
	consts  map[string]string      // constant name → its group: the Go const block naming it
	local   map[string]bool        // declared by the packages' own headers and preambles
	cCalls  map[string]bool        // library functions the packages' C files call
	compat  string                 // cuda13_compat.h
	decls   map[token.Pos]ast.Node // the declaration of every named thing, by name position
	checked map[string]*types.Package
}

func newGen(compat string) *gen {
	return &gen{
		fset:    token.NewFileSet(),
		funcs:   map[string]*cFunc{},
		types:   map[string]*cType{},
		consts:  map[string]string{},
		local:   map[string]bool{},
		cCalls:  map[string]bool{},
		compat:  compat,
		decls:   map[token.Pos]ast.Node{},
		checked: map[string]*types.Package{},
	}
}

// cgoBuiltins are the names cgo itself provides, or the C library's.
var cgoBuiltins = map[string]bool{
	"CString": true, "CBytes": true, "GoString": true, "GoStringN": true, "GoBytes": true,
	"free": true, "malloc": true,
}

// basicC maps cgo's names of C's basic types to C.
var basicC = map[string]string{
	"char": "char", "schar": "signed char", "uchar": "unsigned char", "short": "short",
	"ushort": "unsigned short", "int": "int", "uint": "unsigned int", "long": "long",
	"ulong": "unsigned long", "longlong": "long long", "ulonglong": "unsigned long long",
	"float": "float", "double": "double", "size_t": "size_t",
	"int8_t": "int8_t", "int16_t": "int16_t", "int32_t": "int32_t", "int64_t": "int64_t",
	"uint8_t": "uint8_t", "uint16_t": "uint16_t", "uint32_t": "uint32_t", "uint64_t": "uint64_t",
	"uintptr_t": "uintptr_t", "intptr_t": "intptr_t",
}

// addPackage type-checks the package in dir (cgo left out, as go/types' FakeImportC
// does) and collects its uses of C.
func (g *gen) addPackage(dir string) error {
	ctx := build.Default
	ctx.CgoEnabled = true
	ctx.BuildTags = append(ctx.BuildTags, "cuda")
	bp, err := ctx.ImportDir(dir, 0)
	if err != nil {
		return err
	}
	p := &pkg{info: &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
		Uses:  map[*ast.Ident]types.Object{},
	}}
	for _, name := range append(append([]string(nil), bp.GoFiles...), bp.CgoFiles...) {
		f, err := parser.ParseFile(g.fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return err
		}
		p.files = append(p.files, f)
		g.preamble(f)
	}
	for _, name := range append(append([]string(nil), bp.HFiles...), bp.CFiles...) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		g.cSource(string(b), strings.HasSuffix(name, ".h"))
	}
	conf := types.Config{
		FakeImportC: true,
		Importer:    g,
		Error:       func(error) {}, // C's names are unknown to it; carry on
	}
	p.tpkg, _ = conf.Check(bp.ImportPath, g.fset, p.files, p.info)
	g.checked[bp.ImportPath] = p.tpkg
	for _, f := range p.files {
		g.indexDecls(f)
	}
	for _, f := range p.files {
		g.collect(p, f)
	}
	return nil
}

// Import gives the packages checked here to the ones that import them, and the
// compiler's export data for everything else.
func (g *gen) Import(path string) (*types.Package, error) {
	if tp, ok := g.checked[path]; ok {
		return tp, nil
	}
	return importer.ForCompiler(g.fset, "gc", nil).Import(path)
}

var (
	cDeclRE    = regexp.MustCompile(`\b([A-Za-z_]\w*)\s*\(`)
	cTypedefRE = regexp.MustCompile(`}\s*([A-Za-z_]\w*)\s*;|typedef\s+[^;{]*?\b([A-Za-z_]\w*)\s*;`)
	cEnumRE    = regexp.MustCompile(`(?s)enum\s*\w*\s*\{([^}]*)\}`)
	cCallRE    = regexp.MustCompile(`\b((?:cu|cudnn|cublas)[A-Z]\w*)\s*\(`)
)

// preamble notes what a cgo preamble declares itself.
func (g *gen) preamble(f *ast.File) {
	for _, imp := range f.Imports {
		if imp.Path.Value != `"C"` {
			continue
		}
		var text string
		if imp.Doc != nil {
			text = imp.Doc.Text()
		}
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT && gd.Doc != nil && slices.Contains(gd.Specs, ast.Spec(imp)) {
				text += gd.Doc.Text()
			}
		}
		g.cSource(text, true)
	}
}

// cSource notes the functions, types and enum constants C source declares or defines
// at file scope (and, in a .c file, only those: calls inside bodies are uses).
func (g *gen) cSource(src string, header bool) {
	for _, m := range cCallRE.FindAllStringSubmatch(src, -1) {
		if isFuncName(m[1]) {
			g.cCalls[m[1]] = true
		}
	}
	depth := 0
	var top strings.Builder
	for _, r := range src {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		}
		if depth == 0 || header {
			top.WriteRune(r)
		}
	}
	for _, line := range strings.Split(top.String(), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		if m := cDeclRE.FindStringSubmatch(line); m != nil && looksDeclared(line) {
			g.local[m[1]] = true
		}
	}
	for _, m := range cTypedefRE.FindAllStringSubmatch(src, -1) {
		g.local[m[1]+m[2]] = true
	}
	for _, m := range cEnumRE.FindAllStringSubmatch(src, -1) {
		for _, c := range strings.Split(m[1], ",") {
			if name := strings.TrimSpace(strings.SplitN(c, "=", 2)[0]); name != "" {
				g.local[name] = true
			}
		}
	}
}

// looksDeclared reports whether a line that names a function declares it or opens its
// definition (a return type before the name; the line ends in ";", "{", "," or ")")
// rather than calling it in a statement.
func looksDeclared(line string) bool {
	if strings.HasPrefix(line, "return") || !(strings.HasSuffix(line, ";") || strings.HasSuffix(line, "{") ||
		strings.HasSuffix(line, ",") || strings.HasSuffix(line, ")")) {
		return false
	}
	i := strings.Index(line, "(")
	return i > 0 && strings.ContainsAny(strings.TrimSpace(line[:i]), " *")
}

// indexDecls records, by the position of each declared name, the node that declares
// it: a field, a value spec, an assignment, a function or a type.
func (g *gen) indexDecls(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			for _, id := range n.Names {
				g.decls[id.Pos()] = n
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				g.decls[id.Pos()] = n
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						g.decls[id.Pos()] = n
					}
				}
			}
		case *ast.FuncDecl:
			g.decls[n.Name.Pos()] = n
		case *ast.TypeSpec:
			g.decls[n.Name.Pos()] = n
		case *ast.RangeStmt:
			if id, ok := n.Value.(*ast.Ident); ok {
				g.decls[id.Pos()] = n
			}
		}
		return true
	})
}

// cName returns X for the expression C.X.
func cName(e ast.Expr) (string, bool) {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok || id.Name != "C" {
		return "", false
	}
	return sel.Sel.Name, true
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

func (g *gen) noteType(name string) *cType {
	if _, basic := basicC[name]; basic || g.local[name] {
		return &cType{} // not ours to declare
	}
	t := g.types[name]
	if t == nil {
		t = &cType{}
		g.types[name] = t
	}
	return t
}

// isFuncName reports whether C.name, called, is a library function rather than a
// conversion to a type: the three libraries' functions are cu*, cudnn* and cublas*
// followed by a capital, and their types end in _t.
func isFuncName(name string) bool {
	for _, prefix := range []string{"cudnn", "cublas", "cu"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' && !strings.HasSuffix(name, "_t") {
			return true
		}
	}
	return false
}

// collect records every use of C in f.
func (g *gen) collect(p *pkg, f *ast.File) {
	for _, d := range f.Decls {
		block := "" // constants named in one const block are one group
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.CONST {
			block = g.fset.Position(gd.Pos()).String()
		}
		ast.Inspect(d, func(n ast.Node) bool {
			g.use(p, n, block)
			return true
		})
	}
}

// use records what one node tells about C.
func (g *gen) use(p *pkg, n ast.Node, block string) {
	switch n := n.(type) {
	case *ast.Field:
		g.typeExprC(p, n.Type, 0)
	case *ast.ValueSpec:
		if n.Type != nil {
			g.typeExprC(p, n.Type, 0)
		}
	case *ast.CompositeLit:
		g.compositeLit(p, n)
	case *ast.CallExpr:
		g.call(p, n)
	case *ast.SelectorExpr:
		name, ok := cName(n)
		if !ok || g.local[name] || cgoBuiltins[name] || isFuncName(name) || strings.HasPrefix(name, "sizeof_") || !isConstName(name) {
			return
		}
		if _, basic := basicC[name]; basic {
			return
		}
		switch {
		case block != "":
			g.consts[name] = block
		case g.consts[name] == "":
			g.consts[name] = constFamily(name)
		}
	}
}

// isConstName reports whether name is spelled like a constant: capitals, digits and
// underscores, with a lower-case letter at most after an x (CUDNN_DATA_INT8x4).
func isConstName(name string) bool {
	for i, r := range name {
		if r >= 'a' && r <= 'z' && !(r == 'x' && i > 0 && name[i-1] >= '0' && name[i-1] <= '9') {
			return false
		}
	}
	return true
}

// call records a call of a C function or a conversion to a C type.
func (g *gen) call(p *pkg, c *ast.CallExpr) {
	fun := unparen(c.Fun)
	if star, ok := fun.(*ast.StarExpr); ok {
		if name, ok := cName(unparen(star.X)); ok {
			g.noteType(name)
		}
		return
	}
	name, ok := cName(fun)
	if !ok || cgoBuiltins[name] || g.local[name] {
		if ok && name == "GoString" && len(c.Args) == 1 {
			if inner, isCall := unparen(c.Args[0]).(*ast.CallExpr); isCall {
				if fn, ok := cName(unparen(inner.Fun)); ok && isFuncName(fn) {
					g.function(fn).result = "const char*"
				}
			}
		}
		return
	}
	if !isFuncName(name) {
		t := g.noteType(name)
		if len(c.Args) == 1 && t.kind == kindUnknown {
			t.kind = g.evidence(p, c.Args[0])
		}
		return
	}
	fn := g.function(name)
	for i, a := range c.Args {
		for len(fn.params) <= i {
			fn.params = append(fn.params, "")
		}
		if t := g.cTypeOf(p, a, 0); t != "" && (fn.params[i] == "" || fn.params[i] == "void*") {
			fn.params[i] = t
		}
	}
}

// evidence says what kind of C type a value converted to it must be.
func (g *gen) evidence(p *pkg, arg ast.Expr) int {
	arg = unparen(arg)
	if call, ok := arg.(*ast.CallExpr); ok && isUnsafePointer(unparen(call.Fun)) {
		return kindHandle
	}
	if name, ok := cName(arg); ok && g.local[name] {
		return kindFunc // a C function used as a value: a function pointer
	}
	if tv, ok := p.info.Types[arg]; ok && tv.Type != nil {
		if b, ok := tv.Type.Underlying().(*types.Basic); ok {
			switch {
			case b.Kind() == types.UnsafePointer:
				return kindHandle
			case b.Info()&types.IsInteger != 0:
				return kindInt
			}
		}
	}
	if isBasicSpelling(g.cTypeOf(p, arg, 0)) {
		return kindInt
	}
	return kindUnknown
}

// isBasicSpelling reports whether t is one of C's basic types as basicC spells them
// (never a pointer), the only spelling cTypeOf gives a basic type.
func isBasicSpelling(t string) bool {
	for _, v := range basicC {
		if v == t {
			return true
		}
	}
	return false
}

func isUnsafePointer(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "unsafe" && sel.Sel.Name == "Pointer"
}

func (g *gen) function(name string) *cFunc {
	fn := g.funcs[name]
	if fn == nil {
		fn = &cFunc{}
		g.funcs[name] = fn
	}
	return fn
}

// compositeLit records the fields of a C struct filled in Go.
func (g *gen) compositeLit(p *pkg, lit *ast.CompositeLit) {
	name, ok := cName(unparen(lit.Type))
	if !ok {
		return
	}
	t := g.noteType(name)
	t.kind = kindStruct
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		key, ok := kv.Key.(*ast.Ident)
		if !ok {
			continue
		}
		fname := key.Name
		if k, isKeyword := strings.CutPrefix(fname, "_"); isKeyword && token.IsKeyword(k) {
			fname = k
		}
		typ := g.cTypeOf(p, kv.Value, 0)
		found := false
		for i := range t.fields {
			if t.fields[i].name == fname {
				found = true
				if t.fields[i].typ == "" {
					t.fields[i].typ = typ
				}
			}
		}
		if !found {
			t.fields = append(t.fields, field{fname, typ})
		}
	}
}

// typeExprC returns the C spelling of a Go type expression, "" for a Go type.
func (g *gen) typeExprC(p *pkg, t ast.Expr, depth int) string {
	if depth > 8 {
		return ""
	}
	switch t := unparen(t).(type) {
	case *ast.SelectorExpr:
		if name, ok := cName(t); ok {
			g.noteType(name)
			return spell(name)
		}
		if isUnsafePointer(t) {
			return "void*"
		}
	case *ast.StarExpr:
		if inner := g.typeExprC(p, t.X, depth+1); inner != "" {
			return inner + "*"
		}
	case *ast.ArrayType:
		if inner := g.typeExprC(p, t.Elt, depth+1); inner != "" {
			return "[]" + inner
		}
	case *ast.Ident:
		if obj, ok := p.info.Uses[t].(*types.TypeName); ok {
			if spec, ok := g.decls[obj.Pos()].(*ast.TypeSpec); ok {
				return g.typeExprC(p, spec.Type, depth+1)
			}
		}
	}
	return ""
}

func spell(name string) string {
	if c, ok := basicC[name]; ok {
		return c
	}
	return name
}

// cTypeOf infers the C type of a Go expression passed to C, "" when it cannot.
func (g *gen) cTypeOf(p *pkg, e ast.Expr, depth int) string {
	if depth > 8 {
		return ""
	}
	switch e := unparen(e).(type) {
	case *ast.CallExpr:
		return g.callType(p, e, depth)
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			if t := g.cTypeOf(p, e.X, depth+1); t != "" {
				return strings.TrimPrefix(t, "[]") + "*"
			}
		}
	case *ast.StarExpr:
		if t := g.cTypeOf(p, e.X, depth+1); strings.HasSuffix(t, "*") {
			return strings.TrimSuffix(t, "*")
		}
	case *ast.Ident:
		if e.Name == "nil" {
			return "void*"
		}
		obj := p.info.Uses[e]
		if obj == nil {
			obj = p.info.Defs[e]
		}
		if obj != nil {
			return g.declType(p, obj, depth+1)
		}
	case *ast.SelectorExpr:
		if _, ok := cName(e); ok {
			return ""
		}
		if obj := p.info.Uses[e.Sel]; obj != nil {
			return g.declType(p, obj, depth+1)
		}
	case *ast.IndexExpr:
		t := g.cTypeOf(p, e.X, depth+1)
		switch {
		case strings.HasPrefix(t, "[]"):
			return t[2:]
		case strings.HasSuffix(t, "*"):
			return strings.TrimSuffix(t, "*")
		}
	case *ast.CompositeLit:
		return g.typeExprC(p, e.Type, depth+1)
	}
	if tv, ok := p.info.Types[e]; ok && tv.Type != nil {
		if b, ok := tv.Type.Underlying().(*types.Basic); ok && b.Kind() == types.UnsafePointer {
			return "void*"
		}
	}
	return ""
}

// callType is cTypeOf for a call: a C function's result, a conversion, or a Go
// function's first result.
func (g *gen) callType(p *pkg, c *ast.CallExpr, depth int) string {
	fun := unparen(c.Fun)
	if name, ok := cName(fun); ok {
		switch {
		case name == "CString":
			return "char*"
		case name == "malloc" || name == "CBytes":
			return "void*"
		case cgoBuiltins[name] || g.local[name]:
			return ""
		case isFuncName(name):
			return resultOf(name, g.funcs[name])
		}
		g.noteType(name)
		return spell(name)
	}
	if _, ok := fun.(*ast.StarExpr); ok {
		return g.typeExprC(p, fun, depth+1)
	}
	if isUnsafePointer(fun) {
		return "void*"
	}
	return g.resultType(p, c, 0, depth)
}

// resultType is the C type of result i of a call of a Go function.
func (g *gen) resultType(p *pkg, e ast.Expr, i, depth int) string {
	c, ok := unparen(e).(*ast.CallExpr)
	if !ok {
		return ""
	}
	var id *ast.Ident
	switch f := unparen(c.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	}
	if id == nil {
		return ""
	}
	fn, ok := p.info.Uses[id].(*types.Func)
	if !ok {
		return ""
	}
	d, ok := g.decls[fn.Pos()].(*ast.FuncDecl)
	if !ok || d.Type.Results == nil {
		return ""
	}
	for _, r := range d.Type.Results.List {
		n := max(1, len(r.Names))
		if i < n {
			return g.typeExprC(p, r.Type, depth+1)
		}
		i -= n
	}
	return ""
}

// declType is the C type of a named thing, from its declaration.
func (g *gen) declType(p *pkg, obj types.Object, depth int) string {
	switch d := g.decls[obj.Pos()].(type) {
	case *ast.Field:
		return g.typeExprC(p, d.Type, depth)
	case *ast.ValueSpec:
		if d.Type != nil {
			return g.typeExprC(p, d.Type, depth)
		}
		for i, id := range d.Names {
			if id.Pos() == obj.Pos() && i < len(d.Values) {
				return g.cTypeOf(p, d.Values[i], depth)
			}
		}
	case *ast.AssignStmt:
		for i, l := range d.Lhs {
			switch {
			case l.Pos() != obj.Pos():
			case len(d.Rhs) == len(d.Lhs):
				return g.cTypeOf(p, d.Rhs[i], depth)
			case len(d.Rhs) == 1:
				return g.resultType(p, d.Rhs[0], i, depth)
			}
		}
	case *ast.RangeStmt:
		if t := g.cTypeOf(p, d.X, depth); strings.HasPrefix(t, "[]") {
			return t[2:]
		}
	}
	return ""
}

// resultOf is a library function's result type: the status type of its library
// unless a use told otherwise.
func resultOf(name string, fn *cFunc) string {
	if fn != nil && fn.result != "" {
		return fn.result
	}
	switch {
	case strings.HasPrefix(name, "cudnn"):
		return "cudnnStatus_t"
	case strings.HasPrefix(name, "cublas"):
		return "cublasStatus_t"
	}
	return "CUresult"
}

// constFamily is a constant's name without its last word: CUDA_ERROR_INVALID_VALUE is
// of CUDA_ERROR_INVALID.
func constFamily(name string) string {
	if i := strings.LastIndex(name, "_"); i > 0 {
		return name[:i]
	}
	return name
}
