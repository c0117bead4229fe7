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
	custom := "conv6k5p2-tanh-max2-conv16k5-relu-max2-dense120-relu-dense84-relu"
	cases := []struct {
		file, want, got string
		assumed         bool
		err             string
	}{
		{"", "", Classic, true, ""},
		{"", Modern, Modern, false, ""},
		{"", custom, custom, false, ""},
		// A spec with the layers of a preset is that preset.
		{"", ModernSpec().String(), Modern, false, ""},
		{Modern, "", Modern, false, ""},
		{Modern, Modern, Modern, false, ""},
		{Modern, ModernSpec().Arch() + "-lr0.5", Modern, false, ""},
		{custom, custom, custom, false, ""},
		{Classic, Modern, Classic, false, "checkpoint holds another network: the file holds classic, not modern"},
		{Classic, custom, Classic, false, "checkpoint holds another network: the file holds classic, not " + custom},
		{"", "lenet5", "", false, `token "lenet5": unknown token; ` + TokenHelp},
	}
	for i, tc := range cases {
		ck := &Checkpoint{CheckpointHeader: CheckpointHeader{Model: tc.file}}
		assumed, err := ck.SettleModel(tc.want)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if ck.Model != tc.got || assumed != tc.assumed || msg != tc.err {
			t.Errorf("case %d: %q, assumed %v, error %q; want %q, %v, %q", i, ck.Model, assumed, msg, tc.got, tc.assumed, tc.err)
		}
	}
}

func TestAbout(t *testing.T) {
	ck := &Checkpoint{CheckpointHeader: CheckpointHeader{Model: Modern, TrainState: TrainState{Epoch: 2}}}
	if v, tr := ck.About(false); v != "LeNet (modern)" || tr != "trained 2 epochs" {
		t.Errorf("checkpoint: %q, %q", v, tr)
	}
	ck = &Checkpoint{CheckpointHeader: CheckpointHeader{Model: "conv8k3p1-relu-dense32-relu", TrainState: TrainState{Epoch: 1}}}
	if v, tr := ck.About(false); v != "CNN (conv8k3p1-relu-dense32-relu)" || tr != "trained 1 epoch" {
		t.Errorf("custom network: %q, %q", v, tr)
	}
	ck = &Checkpoint{WeightsOnly: true}
	assumed, err := ck.SettleModel("")
	if v, tr := ck.About(assumed); err != nil || v != "LeNet (classic, assumed: the file does not name its network)" || tr != "weights only, no training state" {
		t.Errorf("weights only: %q, %q (%v)", v, tr, err)
	}
}
