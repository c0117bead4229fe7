package lenet

import (
	"bytes"
	"testing"
)

func TestWritePerClassAligned(t *testing.T) {
	var out bytes.Buffer
	counts := [][]int{{7, 1, 0}, {2, 2, 0}, {0, 0, 0}}
	if err := WritePerClass(&out, counts, []string{"a", "longer"}); err != nil {
		t.Fatal(err)
	}
	want := "per-class test accuracy:\n  a       0.875  (7 of 8)\n  longer  0.500  (2 of 4)\n  2         n/a  (0 of 0)\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestSettleModel(t *testing.T) {
	cases := []struct {
		file, want, got Variant
		assumed         bool
		err             string
	}{
		{"", "", Classic, true, ""},
		{"", Modern, Modern, false, ""},
		{Modern, "", Modern, false, ""},
		{Modern, Modern, Modern, false, ""},
		{Classic, Modern, Classic, false, `checkpoint is of another model variant: the file holds "classic", not "modern"`},
	}
	for i, tc := range cases {
		ck := &Checkpoint{CheckpointHeader: CheckpointHeader{Variant: tc.file}}
		assumed, err := ck.SettleModel(tc.want)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if ck.Variant != tc.got || assumed != tc.assumed || msg != tc.err {
			t.Errorf("case %d: %q, assumed %v, error %q", i, ck.Variant, assumed, msg)
		}
	}
}

func TestAbout(t *testing.T) {
	ck := &Checkpoint{CheckpointHeader: CheckpointHeader{Spec: ModernSpec(), TrainState: TrainState{Epoch: 2}}}
	if v, tr := ck.About(false); v != "modern" || tr != "trained 2 epochs" {
		t.Errorf("checkpoint: %q, %q", v, tr)
	}
	ck = &Checkpoint{WeightsOnly: true}
	assumed, _ := ck.SettleModel("")
	if v, tr := ck.About(assumed); v != "classic, assumed: the file does not name its variant" || tr != "weights only, no training state" {
		t.Errorf("weights only: %q, %q", v, tr)
	}
}
