package nn

import "testing"

func TestParseImpl(t *testing.T) {
	for i, c := range []struct {
		in   string
		want Impl
	}{{"fast", ImplFast}, {"gorgonia", ImplGorgonia}} {
		got, err := ParseImpl(c.in)
		if err != nil || got != c.want || got.String() != c.in {
			t.Errorf("case %d: ParseImpl(%q) = %v, %v; want %v", i, c.in, got, err, c.want)
		}
	}
	if Impl(0) != ImplFast {
		t.Errorf("the zero Impl is %v, want fast", Impl(0))
	}
	if len(Impls) != 2 || Impls[0] != ImplFast || Impls[1] != ImplGorgonia {
		t.Errorf("Impls = %v, want [fast gorgonia]", Impls)
	}
	_, err := ParseImpl("cudnn")
	if err == nil || err.Error() != `unknown implementation "cudnn": choose one of fast, gorgonia` {
		t.Errorf("ParseImpl(cudnn): error %v", err)
	}
	if s := Impl(7).String(); s != "Impl(7)" {
		t.Errorf("Impl(7).String() = %q", s)
	}
}
