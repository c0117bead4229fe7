// Package citest lets a test that lacks something it needs (a program, the data) skip on
// a developer's machine and fail in CI, where .ci/run installs everything the tests
// need, so that CI never passes by skipping.
package citest

import (
	"os"
	"testing"
)

// Set returns the value of CI and whether it asks for strict tests: set to anything but
// "", "false" or "0".
func Set() (string, bool) {
	ci := os.Getenv("CI")
	return ci, ci != "" && ci != "false" && ci != "0"
}

// Missing ends tb for want of something: it fails with "CI=VALUE but " + missing when
// CI is set, else it skips with skip.
func Missing(tb testing.TB, missing, skip string) {
	tb.Helper()
	if ci, strict := Set(); strict {
		tb.Fatalf("CI=%s but %s", ci, missing)
		return
	}
	tb.Skipf("%s", skip)
}
