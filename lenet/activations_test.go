package lenet

import (
	"fmt"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/graph/nn"
)

// Every activation of the table is a spec token and a JSON kind that round-trip, a
// PyTorch module, a layer for both choices of ops, and a name in the messages that list
// the tokens.
func TestActivationsTable(t *testing.T) {
	want := []LayerKind{KindReLU, KindSigmoid, KindTanh}
	if got := Activations(); len(got) < len(want) || fmt.Sprint(got[:len(want)]) != fmt.Sprint(want) {
		t.Errorf("Activations() = %v; want %v first", got, want)
	}
	names := strings.Join(func() []string {
		var s []string
		for _, k := range Activations() {
			s = append(s, string(k))
		}
		return s
	}(), ", ")
	if w := "use convNkK[pP][sS], maxK[sS][pP], avgK[sS][pP], " + names + ", flatten, denseN, lrX, epochsN, xavier or kaiming"; TokenHelp != w {
		t.Errorf("TokenHelp = %q, want %q", TokenHelp, w)
	}
	if w := "use conv, maxpool, avgpool, " + names + ", flatten or linear"; kindHelp != w {
		t.Errorf("kindHelp = %q, want %q", kindHelp, w)
	}
	for _, a := range activations {
		s, err := ParseSpec("conv4k3-" + string(a.kind) + "-dense8")
		if err != nil {
			t.Errorf("%s: %v", a.kind, err)
			continue
		}
		if s.Layers[1] != Act(a.kind) || s.String() != "conv4k3-"+string(a.kind)+"-dense8" {
			t.Errorf("%s: parsed %v, written %q", a.kind, s.Layers, s.String())
		}
		var fromJSON Layer
		if err := fromJSON.UnmarshalJSON([]byte(`{"kind":"` + string(a.kind) + `"}`)); err != nil || fromJSON != Act(a.kind) {
			t.Errorf("%s: JSON gives %v, %v", a.kind, fromJSON, err)
		}
		d, err := Describe(s)
		if err != nil || d.Layers[1].Module != a.torch || !strings.HasSuffix(a.torch, "()") {
			t.Errorf("%s: module %q (%v), want %q", a.kind, d.Layers[1].Module, err, a.torch)
		}
		for _, ops := range nn.AllOps {
			if l := a.layer(ops); l == nil || !strings.EqualFold(l.String(), strings.TrimSuffix(a.torch, "()")) {
				t.Errorf("%s, %v: layer %v, want one printed %s", a.kind, ops, l, strings.TrimSuffix(a.torch, "()"))
			}
		}
	}
}

// The default learning rate follows the table: 0.9 with an activation that saturates.
func TestLearningRateFollowsSaturation(t *testing.T) {
	for _, a := range activations {
		s := Spec{Layers: []Layer{Conv(4, 3, 0), Act(a.kind), Dense(8)}}
		want := 0.1
		if a.saturates {
			want = 0.9
		}
		if got := s.LearningRate(); got != want {
			t.Errorf("%s: LearningRate = %v, want %v", a.kind, got, want)
		}
	}
	if got, want := []bool{KindReLU.saturates(), KindSigmoid.saturates(), KindTanh.saturates(), KindConv.saturates()}, "[false true true false]"; fmt.Sprint(got) != want {
		t.Errorf("saturates of relu, sigmoid, tanh, conv: %v, want %v", got, want)
	}
}
