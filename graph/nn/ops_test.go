package nn

import "testing"

func TestParseOps(t *testing.T) {
	for i, c := range []struct {
		in   string
		want Ops
	}{{"fast", FastOps}, {"gorgonia", GorgoniaOps}} {
		got, err := ParseOps(c.in)
		if err != nil || got != c.want || got.String() != c.in {
			t.Errorf("case %d: ParseOps(%q) = %v, %v; want %v", i, c.in, got, err, c.want)
		}
	}
	if Ops(0) != FastOps {
		t.Errorf("the zero Ops is %v, want fast", Ops(0))
	}
	if len(AllOps) != 2 || AllOps[0] != FastOps || AllOps[1] != GorgoniaOps {
		t.Errorf("AllOps = %v, want [fast gorgonia]", AllOps)
	}
	_, err := ParseOps("cudnn")
	if err == nil || err.Error() != `unknown ops "cudnn": choose one of fast, gorgonia` {
		t.Errorf("ParseOps(cudnn): error %v", err)
	}
	if s := Ops(7).String(); s != "Ops(7)" {
		t.Errorf("Ops(7).String() = %q", s)
	}
}
