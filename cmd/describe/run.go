package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/lenet"
)

// options are the parsed flags.
type options struct {
	model         string
	json, pytorch bool
}

func declare(o *options) *flag.FlagSet {
	fs := cli.NewFlagSet("describe", "Usage: describe -model SPEC|CHECKPOINT [-json | -pytorch]\n\n"+
		"Works out a network without building it: for every module of the PyTorch nn.Sequential\n"+
		"it becomes, its output shape (without the batch), parameters, multiply-adds per example\n"+
		"and receptive field on the 28x28 input; then the totals. SPEC is a preset (classic,\n"+
		"modern) or tokens joined by '-', one per layer:\n\n"+
		"  convNkK[pP][sS]  convolution: N channels, kernel K, padding P, stride S\n"+
		"  maxK[sS][pP]     max pooling: window K, stride S (default K), padding P\n"+
		"  avgK[sS][pP]     average pooling, likewise\n"+
		"  "+activations()+", flatten (implied before the first dense layer)\n"+
		"  denseN           dense layer of width N (the last one, to the 10 classes, is implied)\n"+
		"  lrX, epochsN, xavier, kaiming   training settings\n\n"+
		"K, P and S are a number or a rectangle RxC (rows by columns): conv4k3x5p0x1s3x4.\n"+
		"CHECKPOINT is a file written by 'train -save'.\n\n"+
		"Exit status: 0 on success, 2 on bad usage or an impossible spec, 1 on any other failure.\n\nFlags:\n")
	fs.StringVar(&o.model, "model", "", "the network: a preset, a spec, or a checkpoint file (required)")
	fs.BoolVar(&o.json, "json", false, "print the description as JSON")
	fs.BoolVar(&o.pytorch, "pytorch", false, "print a Python module defining build() and load(path) for PyTorch")
	return fs
}

// activations is lenet's activation tokens, joined by ", ".
func activations() string {
	var names []string
	for _, k := range lenet.Activations() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

func check(o *options) error {
	switch {
	case o.model == "":
		return cli.Usagef("-model is required: a preset (classic, modern), a spec such as %s, or a checkpoint", lenet.ModernSpec().Arch())
	case o.json && o.pytorch:
		return cli.Usagef("-json and -pytorch: choose one")
	}
	return nil
}

func parse(args []string, stdout io.Writer) (*options, error) {
	return cli.ParseOptions(args, stdout, declare, check)
}

// run parses args, describes the network and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("describe", args, stdout, stderr, parse, func(o *options) error { return describe(o, stdout) })
}

// describe prints the network -model names in the form the flags ask for.
func describe(o *options, stdout io.Writer) error {
	s, err := network(o.model)
	if err != nil {
		return err
	}
	switch {
	case o.pytorch:
		return lenet.WritePyTorch(stdout, s)
	case o.json:
		d, err := lenet.Describe(s)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	d, err := lenet.Describe(s)
	if err != nil {
		return err
	}
	return writeTable(stdout, s, d)
}

// network reads -model: a checkpoint when a file of that name exists, a spec
// otherwise. A spec that cannot be read or built is bad usage.
func network(model string) (lenet.Spec, error) {
	if st, err := os.Stat(model); err == nil {
		if !st.Mode().IsRegular() {
			return lenet.Spec{}, fmt.Errorf("-model %s: not a regular file", model)
		}
		ck, err := lenet.LoadCheckpoint(model)
		if err != nil {
			return lenet.Spec{}, fmt.Errorf("-model: %w", err)
		}
		if _, err := ck.SettleModel(""); err != nil {
			return lenet.Spec{}, fmt.Errorf("-model %s: %w", model, err)
		}
		return ck.Spec()
	} else if !errors.Is(err, fs.ErrNotExist) && strings.ContainsAny(model, "/.") {
		return lenet.Spec{}, fmt.Errorf("-model: %w", err)
	}
	s, err := lenet.ParseSpec(model)
	if err != nil {
		if strings.ContainsAny(model, "/") {
			return lenet.Spec{}, cli.Usagef("-model %s: no such file, and not a spec: %w", model, err)
		}
		return lenet.Spec{}, cli.Usagef("-model: %w", err)
	}
	return s, nil
}

// writeTable prints one aligned row per module and the totals.
func writeTable(w io.Writer, s lenet.Spec, d *lenet.Description) error {
	rows := [][]string{{"#", "module", "output", "params", "MACs", "receptive field"}}
	for _, m := range d.Layers {
		module := m.Module
		if m.Implied {
			module += "  (to the classes)"
		}
		rows = append(rows, []string{fmt.Sprint(m.Index), module, shape(m.Shape), group(m.Params), group(m.MACs),
			fmt.Sprintf("%dx%d", m.ReceptiveField[0], m.ReceptiveField[1])})
	}
	rows = append(rows, []string{"", "total", "", group(d.Params), group(d.MACs), ""})
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	if _, err := fmt.Fprintf(w, "%s for a 1x28x28 input\n", lenet.Title(s.Model())); err != nil {
		return err
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			switch i {
			case 0, 3, 4: // numbers align right
				fmt.Fprintf(&b, "%*s  ", widths[i], c)
			default:
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			}
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// shape writes (6, 28, 28) as 6x28x28.
func shape(s []int) string {
	t := make([]string, len(s))
	for i, d := range s {
		t[i] = fmt.Sprint(d)
	}
	return strings.Join(t, "x")
}

// group writes 1234567 as 1,234,567.
func group(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
