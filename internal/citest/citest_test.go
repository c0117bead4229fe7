package citest

import (
	"fmt"
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	for _, c := range []struct {
		value  string
		strict bool
	}{{"", false}, {"false", false}, {"0", false}, {"true", true}, {"1", true}, {"yes", true}} {
		t.Setenv("CI", c.value)
		if v, strict := Set(); v != c.value || strict != c.strict {
			t.Errorf("CI=%q: Set() = %q, %v; want %q, %v", c.value, v, strict, c.value, c.strict)
		}
	}
}

// recorder is a testing.TB that records how Missing ends it instead of ending.
type recorder struct {
	testing.TB
	failed, skipped string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }

func TestMissing(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Missing(r, "g++ is not installed", "no g++")
	if r.failed != "CI=true but g++ is not installed" || r.skipped != "" {
		t.Errorf("CI=true: failed %q, skipped %q", r.failed, r.skipped)
	}
	t.Setenv("CI", "")
	r = &recorder{TB: t}
	Missing(r, "g++ is not installed", "no g++")
	if r.failed != "" || !strings.HasPrefix(r.skipped, "no g++") {
		t.Errorf("CI unset: failed %q, skipped %q", r.failed, r.skipped)
	}
}
