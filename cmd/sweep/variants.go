package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/d2l-go/convnets/lenet"
)

// defaultVariants are the chapter's LeNet exercises: the modernisations one at a
// time (max pooling, ReLU), the modern network, then changes to it (kernel size,
// channels, a convolution more, a dense layer less, learning rate, init). Their
// names hold no comma, so that -variants, a comma-separated list, can name each.
func defaultVariants() []lenet.Spec {
	list := []struct{ name, spec string }{
		{"classic", lenet.ClassicSpec().String()},
		{"max pooling", "conv6k5p2-relu-max2-conv16k5-sigmoid-max2-dense120-sigmoid-dense84-sigmoid-lr0.9"},
		{"ReLU everywhere", "conv6k5p2-relu-avg2-conv16k5-relu-avg2-dense120-relu-dense84-relu-lr0.1"},
		{"modern", lenet.ModernSpec().String()},
		{"3x3 kernels", "conv6k3p1-relu-max2-conv16k3-relu-max2-dense120-relu-dense84-relu-lr0.1"},
		{"wider convolutions", "conv16k5p2-relu-max2-conv32k5-relu-max2-dense120-relu-dense84-relu-lr0.1"},
		{"third conv layer", "conv6k5p2-relu-max2-conv16k5-relu-max2-conv32k3p1-relu-dense120-relu-dense84-relu-lr0.1"},
		{"one dense layer less", "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-lr0.1"},
		{"modern lr 0.03", "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.03"},
		{"modern lr 0.3", "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.3"},
		{"modern Kaiming init", "conv6k5p2-relu-max2-conv16k5-relu-max2-dense120-relu-dense84-relu-lr0.1-kaiming"},
	}
	specs := make([]lenet.Spec, len(list))
	for i, v := range list {
		s, err := lenet.ParseSpec(v.spec)
		if err != nil {
			panic(fmt.Sprintf("built-in variant %q: %v", v.name, err)) // a bug in this file, caught by the tests
		}
		s.Name = v.name
		specs[i] = s
	}
	return specs
}

// maxVariantsFile bounds what -variants @FILE reads.
const maxVariantsFile = 1 << 20

// parseVariants reads -variants: "@FILE" (a JSON array of specs, or of compact
// strings), or a comma-separated list whose entries are built-in names, NAME=SPEC,
// or bare compact specs.
func parseVariants(arg string) ([]lenet.Spec, error) {
	if file, ok := strings.CutPrefix(arg, "@"); ok {
		return readVariantsFile(file)
	}
	builtin := defaultVariants()
	var out []lenet.Spec
	seen := map[string]bool{}
	for _, entry := range strings.Split(arg, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		s, err := parseEntry(entry, builtin)
		if err != nil {
			return nil, err
		}
		if seen[s.Label()] {
			return nil, fmt.Errorf("variant %q is listed twice", s.Label())
		}
		seen[s.Label()] = true
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("no variants given")
	}
	return out, nil
}

func parseEntry(entry string, builtin []lenet.Spec) (lenet.Spec, error) {
	for _, b := range builtin {
		if strings.EqualFold(b.Name, entry) {
			return b, nil
		}
	}
	name, spec, named := strings.Cut(entry, "=")
	if !named {
		spec = entry
	}
	s, err := lenet.ParseSpec(spec)
	if err != nil {
		return lenet.Spec{}, fmt.Errorf("%q is neither a built-in variant (see -list) nor a spec: %w", entry, err)
	}
	if named {
		s.Name = strings.TrimSpace(name)
	}
	return s, nil
}

func readVariantsFile(path string) ([]lenet.Spec, error) {
	// A FIFO or a device (@/dev/zero) would hang or never end: refused by its type,
	// and a regular file read up to a size no list of specs needs.
	if err := lenet.RegularFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxVariantsFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxVariantsFile {
		return nil, fmt.Errorf("%s: more than %d bytes; a list of specs is far smaller", path, maxVariantsFile)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of specs: %w", path, err)
	}
	var out []lenet.Spec
	for i, r := range raw {
		text := string(r)
		var str string
		if json.Unmarshal(r, &str) == nil {
			text = str
		}
		s, err := lenet.ParseSpec(text)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", path, i+1, err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no variants", path)
	}
	return out, nil
}
