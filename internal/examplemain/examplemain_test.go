package examplemain

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestRun(t *testing.T) {
	run := func(w io.Writer) error { _, err := io.WriteString(w, "section\n"); return err }
	ex := func(w io.Writer) error { return errors.New("no answer") }
	cases := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{nil, 0, "section\n", ""},
		{[]string{"exercises"}, 1, "", "demo: no answer\n"},
		{[]string{"more"}, 2, "", "usage: demo [exercises]\n"},
		{[]string{"exercises", "x"}, 2, "", "usage: demo [exercises]\n"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if code := Run("demo", c.args, &stdout, &stderr, run, ex); code != c.code || stdout.String() != c.stdout || stderr.String() != c.stderr {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.args, code, stdout.String(), stderr.String(), c.code, c.stdout, c.stderr)
		}
	}
}
