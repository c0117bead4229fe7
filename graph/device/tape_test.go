//go:build !cuda

package device

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// trainingGraph builds a small model with a loss and its gradients, seeded, and returns
// the graph, the nodes a step reads (the loss, then the gradients) and its input.
func trainingGraph(t *testing.T) (*gorgonia.ExprGraph, []*gorgonia.Node, *gorgonia.Node) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(16, 12), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(16, 12), tensor.WithBacking(vals(16*12)))))
	w := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(12, 5), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(12, 5), tensor.WithBacking(vals(12*5)))))
	h := gorgonia.Must(gorgonia.Tanh(gorgonia.Must(gorgonia.Mul(x, w))))
	loss := gorgonia.Must(gorgonia.Mean(gorgonia.Must(gorgonia.Square(h))))
	grads, err := gorgonia.Grad(loss, w)
	if err != nil {
		t.Fatal(err)
	}
	return g, append([]*gorgonia.Node{loss}, grads...), x
}

// values returns the nodes' values, copied.
func values(nodes []*gorgonia.Node) [][]float32 {
	var out [][]float32
	for _, n := range nodes {
		switch d := n.Value().Data().(type) {
		case float32:
			out = append(out, []float32{d})
		case []float32:
			out = append(out, append([]float32(nil), d...))
		}
	}
	return out
}

// TestCallerMachineSameValues: a CPU machine made without options runs its tape on the
// caller's goroutine, and computes what Gorgonia's RunAll computes, to the bit, run
// after run; a machine made with an option is Gorgonia's own.
func TestCallerMachineSameValues(t *testing.T) {
	for _, makeVM := range []struct {
		name string
		make func(g *gorgonia.ExprGraph, out []*gorgonia.Node) (gorgonia.VM, error)
	}{
		{"NewMachine", func(g *gorgonia.ExprGraph, _ []*gorgonia.Node) (gorgonia.VM, error) { return NewMachine(g, CPU) }},
		{"NewMachineFor", func(_ *gorgonia.ExprGraph, out []*gorgonia.Node) (gorgonia.VM, error) { return NewMachineFor(out, CPU) }},
	} {
		var got, want [][][]float32
		for _, direct := range []bool{true, false} {
			g, out, _ := trainingGraph(t)
			var vm gorgonia.VM
			var err error
			if direct {
				vm, err = makeVM.make(g, out)
				if _, ok := vm.(*callerMachine); !ok {
					t.Fatalf("%s without options made a %T, want a *callerMachine", makeVM.name, vm)
				}
			} else {
				vm = gorgonia.NewTapeMachine(g)
			}
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				vm.Reset()
				if err := vm.RunAll(); err != nil {
					t.Fatalf("%s: %v", makeVM.name, err)
				}
				if direct {
					got = append(got, values(out))
				} else {
					want = append(want, values(out))
				}
			}
			vm.Close()
		}
		for r := range want {
			for i := range want[r] {
				for j := range want[r][i] {
					if math.Float32bits(got[r][i][j]) != math.Float32bits(want[r][i][j]) {
						t.Fatalf("%s, run %d, output %d[%d]: %v, Gorgonia's RunAll %v", makeVM.name, r, i, j, got[r][i][j], want[r][i][j])
					}
				}
			}
		}
	}
	g, out, _ := trainingGraph(t)
	vm, err := NewMachine(g, CPU, gorgonia.BindDualValues(out[1:]...))
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if _, ok := vm.(*callerMachine); ok {
		t.Error("NewMachine with BindDualValues made a *callerMachine; dual values need Gorgonia's RunAll")
	}
}

// TestTapeVersion: go.mod requires the Gorgonia whose tape loop tapeRunall calls, and
// replaces it with nothing.
func TestTapeVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "\tgorgonia.org/gorgonia " + tapeVersion + "\n"
	if !strings.Contains(string(mod), want) || strings.Contains(string(mod), "replace gorgonia.org/gorgonia") {
		t.Errorf("go.mod does not require %q unreplaced: read (*tapeMachine).runall of the new version (vm_tape.go) and update tapeRunall and tapeVersion", strings.TrimSpace(want))
	}
}

// failOp is an op whose Do always fails, to see the tape's error come back.
type failOp struct{}

func (failOp) Arity() int { return 1 }
func (failOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (failOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (failOp) Do(...gorgonia.Value) (gorgonia.Value, error) {
	return nil, errors.New("failOp always fails")
}
func (failOp) ReturnsPtr() bool      { return false }
func (failOp) CallsExtern() bool     { return false }
func (failOp) OverwritesInput() int  { return -1 }
func (failOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "failOp") }
func (failOp) Hashcode() uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, "failOp")
	return h.Sum32()
}
func (failOp) String() string { return "failOp" }

// TestCallerMachineError: an instruction's error comes back from RunAll as Gorgonia's
// RunAll returns it, and the machine runs again after Reset.
func TestCallerMachineError(t *testing.T) {
	var msgs []string
	for _, direct := range []bool{true, false} {
		g := gorgonia.NewGraph()
		x := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(3), gorgonia.WithName("x"), gorgonia.WithInit(gorgonia.Zeroes()))
		gorgonia.Must(gorgonia.ApplyOp(failOp{}, x))
		var vm gorgonia.VM = gorgonia.NewTapeMachine(g)
		if direct {
			vm2, err := NewMachine(g, CPU)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := vm2.(*callerMachine); !ok {
				t.Fatalf("NewMachine without options made a %T, want a *callerMachine", vm2)
			}
			vm = vm2
		}
		for range 2 {
			vm.Reset()
			err := vm.RunAll()
			if err == nil {
				t.Fatalf("direct %v: RunAll returned no error", direct)
			}
			msgs = append(msgs, err.Error())
		}
		vm.Close()
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Errorf("errors differ: %q and %q", m, msgs[0])
		}
	}
}
