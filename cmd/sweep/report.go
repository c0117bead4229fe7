package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/d2l-go/convnets/internal/atomicfile"
	"github.com/d2l-go/convnets/plotting"
)

// row is one trained variant.
type row struct {
	Name           string    `json:"name"`
	Spec           string    `json:"spec"`
	Params         int       `json:"params"`
	Epochs         int       `json:"epochs"`
	Loss           float64   `json:"loss"`
	TrainAcc       float64   `json:"train_acc"`
	TestAcc        float64   `json:"test_acc"`
	ExamplesPerSec float64   `json:"examples_per_sec"`
	TestAccs       []float64 `json:"test_acc_per_epoch"`
	Diverged       int       `json:"diverged_at_epoch,omitempty"` // 0: it did not
}

// report is what the sweep has found so far.
type report struct {
	source        string
	trainN, testN int
	batch         int
	seed          uint64
	date          time.Time
	rows          []row
}

// save rewrites sweep.md, sweep.json and sweep.png, each atomically.
func (r *report) save(dir string) error {
	if err := atomicfile.Write(filepath.Join(dir, "sweep.md"), r.writeTable); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "sweep.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r.rows)
	}); err != nil {
		return err
	}
	return r.savePlot(filepath.Join(dir, "sweep.png"))
}

// writeTable writes the Markdown table, one row per variant.
func (r *report) writeTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "LeNet variants on %s, %d training and %d test images, batch %d, seed %d (%s).\n\n",
		r.source, r.trainN, r.testN, r.batch, r.seed, r.date.Format("2006-01-02"))
	b.WriteString("| variant | spec | parameters | epochs | loss | train acc | test acc | examples/sec |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, x := range r.rows {
		if x.Diverged > 0 {
			fmt.Fprintf(&b, "| %s | `%s` | %d | %d | diverged at epoch %d | | | |\n", cell(x.Name), codeCell(x.Spec), x.Params, x.Epochs, x.Diverged)
			continue
		}
		fmt.Fprintf(&b, "| %s | `%s` | %d | %d | %.3f | %.3f | %.3f | %.0f |\n",
			cell(x.Name), codeCell(x.Spec), x.Params, x.Epochs, x.Loss, x.TrainAcc, x.TestAcc, x.ExamplesPerSec)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell makes s one table cell of text: a '|' would end the cell and a line break the
// row, so '|' and '\' are escaped and breaks become spaces.
var cell = strings.NewReplacer(`\`, `\\`, "|", `\|`, "\r\n", " ", "\n", " ", "\r", " ").Replace

// codeCell makes s one cell's code span: GitHub's tables end a cell at a '|' inside a
// code span too unless it is escaped, and the escape's backslash is not shown; a code
// span shows any other backslash as it is.
var codeCell = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ").Replace

// legend names a row in the picture: its name, parameters and speed.
func (x row) legend() string {
	if x.Diverged > 0 {
		return fmt.Sprintf("%s (%d params, diverged at epoch %d)", x.Name, x.Params, x.Diverged)
	}
	return fmt.Sprintf("%s (%d params, %.0f ex/s)", x.Name, x.Params, x.ExamplesPerSec)
}

// savePlot draws the test accuracy after every epoch, one line per variant.
func (r *report) savePlot(path string) error {
	maxE := 1
	legend := make([]string, len(r.rows))
	for i, x := range r.rows {
		maxE = max(maxE, len(x.TestAccs))
		legend[i] = x.legend()
	}
	a := plotting.NewAnimator(plotting.AnimatorConfig{
		Title:  fmt.Sprintf("LeNet variants on %s: test accuracy", r.source),
		XLabel: "epoch", YLabel: "test accuracy",
		Legend: legend, XMin: 1, XMax: float64(maxE),
		Width: 9 * vg.Inch, Height: 6.5 * vg.Inch,
	})
	ys := make([]float64, len(r.rows))
	for e := range maxE {
		for i, x := range r.rows {
			ys[i] = math.NaN()
			if e < len(x.TestAccs) {
				ys[i] = x.TestAccs[e]
			}
		}
		if err := a.Add(float64(e+1), ys...); err != nil {
			return err
		}
	}
	return a.Save(path)
}
