// Package progress draws the progress bars of the project's commands; they draw
// them only when cli.IsTerminal says stderr is a terminal, so that pipes, logs and
// CI stay quiet.
package progress

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// NewBar returns a bar of n steps with a description, drawn on w at most ten
// times a second and cleared when finished.
func NewBar(w io.Writer, n int, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
