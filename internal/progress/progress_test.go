package progress

import (
	"bytes"
	"strings"
	"testing"
)

// TestNewBarDrawsCountAndClears: the bar writes its description and count to its writer,
// and finishing it clears the line (the trainer's epoch lines then start on a clean row).
func TestNewBarDrawsCountAndClears(t *testing.T) {
	var buf bytes.Buffer
	bar := NewBar(&buf, 10, "epoch 1/2")
	if err := bar.Set(3); err != nil {
		t.Fatal(err)
	}
	if err := bar.RenderBlank(); err != nil {
		t.Fatal(err)
	}
	drawn := buf.String()
	for _, want := range []string{"epoch 1/2", "(3/10"} {
		if !strings.Contains(drawn, want) {
			t.Fatalf("bar drew %q, want it to contain %q", drawn, want)
		}
	}
	buf.Reset()
	if err := bar.Finish(); err != nil {
		t.Fatal(err)
	}
	// Clearing overwrites the bar with spaces and returns the cursor: no text remains.
	if cleared := buf.String(); strings.TrimSpace(strings.ReplaceAll(cleared, "\r", "")) != "" || !strings.Contains(cleared, "\r") {
		t.Fatalf("after Finish the bar wrote %q, want only spaces and carriage returns", cleared)
	}
}
