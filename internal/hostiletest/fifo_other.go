//go:build !unix

package hostiletest

import "testing"

// FIFO makes nothing where the system has no named pipes.
func FIFO(testing.TB, string, string) (string, bool) { return "", false }
