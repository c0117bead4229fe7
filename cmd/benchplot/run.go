package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/plotting"
)

// options are the parsed flags.
type options struct {
	in, out, title string
}

// maxNetworks bounds the summary: a chart of more bars than this is unreadable, and the
// bound keeps a hostile file from growing the chart without end.
const maxNetworks = 24

func declare(o *options) *flag.FlagSet {
	fs := cli.NewFlagSet("benchplot", "Usage: benchplot -in SUMMARY.tsv -out PNG [-title TEXT]\n\n"+
		"Draws make bench-compare's summary (one line per network: name, the project's min,\n"+
		"median and max examples/sec, then PyTorch's) as bars of the medians with whiskers\n"+
		"from min to max, and the ratio of the medians above each network.\n\nFlags:\n")
	fs.StringVar(&o.in, "in", "", "the summary scripts/bench-compare.sh writes (required)")
	fs.StringVar(&o.out, "out", "", "the PNG to write (required)")
	fs.StringVar(&o.title, "title", "training throughput, examples/sec (bar: median; whisker: min to max)", "the chart's title")
	return fs
}

func check(o *options) error {
	switch {
	case o.in == "":
		return cli.Usagef("-in is required: the summary bench-compare writes")
	case o.out == "":
		return cli.Usagef("-out is required: the PNG to write")
	}
	return nil
}

func parse(args []string, stdout io.Writer) (*options, error) {
	return cli.ParseOptions(args, stdout, declare, check)
}

// run parses args, draws the chart and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("benchplot", args, stdout, stderr, parse, func(o *options) error { return plot(o, stdout) })
}

// plot reads the summary and writes the chart.
func plot(o *options, stdout io.Writer) error {
	f, err := os.Open(o.in)
	if err != nil {
		return err
	}
	defer f.Close()
	chart, err := readSummary(f, o.in)
	if err != nil {
		return err
	}
	chart.Title = o.title
	chart.YLabel = "examples/sec"
	if err := plotting.SaveRangeBars(o.out, chart); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d networks)\n", o.out, len(chart.Groups))
	return nil
}

// readSummary reads the summary's lines into a chart of two series, the project and
// PyTorch, with the ratio of the medians as each network's note. name is the file's, for
// the messages.
func readSummary(r io.Reader, name string) (*plotting.RangeBars, error) {
	chart := &plotting.RangeBars{Series: []plotting.RangeSeries{{Name: "project (Go)"}, {Name: "PyTorch"}}}
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if len(chart.Groups) == maxNetworks {
			return nil, fmt.Errorf("%s:%d: more than %d networks: split the summary", name, line, maxNetworks)
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 7 {
			return nil, fmt.Errorf("%s:%d: %d tab-separated fields, want 7 (name, then min, median and max for the project and for PyTorch)", name, line, len(fields))
		}
		var v [6]float64
		for i, s := range fields[1:] {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || x < 0 || x > 1e12 {
				return nil, fmt.Errorf("%s:%d: field %d is %q, want examples/sec (a number from 0 to 1e12)", name, line, i+2, s)
			}
			v[i] = x
		}
		for s, side := range []string{"the project's", "PyTorch's"} {
			if v[3*s] > v[3*s+1] || v[3*s+1] > v[3*s+2] {
				return nil, fmt.Errorf("%s:%d: %s min, median and max are %s, %s and %s: want min <= median <= max", name, line, side, fields[3*s+1], fields[3*s+2], fields[3*s+3])
			}
		}
		chart.Groups = append(chart.Groups, fields[0])
		for s := range chart.Series {
			chart.Series[s].Min = append(chart.Series[s].Min, v[3*s])
			chart.Series[s].Median = append(chart.Series[s].Median, v[3*s+1])
			chart.Series[s].Max = append(chart.Series[s].Max, v[3*s+2])
		}
		note := ""
		if v[4] > 0 {
			note = strconv.FormatFloat(v[1]/v[4], 'f', 2, 64) + "x"
		}
		chart.Notes = append(chart.Notes, note)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(chart.Groups) == 0 {
		return nil, fmt.Errorf("%s holds no network: make bench-compare writes one line per network", name)
	}
	return chart, nil
}
