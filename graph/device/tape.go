//go:build !cuda

package device

import (
	"reflect"
	"unsafe"

	"gorgonia.org/gorgonia"
)

// tapeRunall is the tape loop of Gorgonia's TapeMachine, (*tapeMachine).runall in
// vm_tape.go: it runs the program's instructions from the machine's program counter
// on, then sends on doneChan, or sends the first error on errChan and stops. RunAll
// runs it on a goroutine of its own while the caller, locked to its OS thread, waits
// on a channel, which costs two cores a quarter of LeNet's training speed
// (docs/gorgonia.md, TapeMachine.RunAll); callerMachine runs it on the caller's.
//
//go:linkname tapeRunall gorgonia.org/gorgonia.(*tapeMachine).runall
func tapeRunall(m unsafe.Pointer, errChan chan error, doneChan chan struct{})

// tapeVersion is the Gorgonia release whose runall tapeRunall's signature and behaviour
// are. go.mod pins it, and go.sum its content; TestTapeVersion fails when go.mod names
// another, so that runall is read again before the pin moves.
const tapeVersion = "v0.9.18"

// isTape reports whether vm is one of gorgonia.NewTapeMachine's machines, a
// *gorgonia.tapeMachine.
func isTape(vm gorgonia.VM) bool {
	t := reflect.TypeOf(vm)
	return t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "gorgonia.org/gorgonia" && t.Elem().Name() == "tapeMachine"
}

// callerMachine is a CPU TapeMachine whose RunAll runs the tape on the calling
// goroutine: the same instructions in the same order, so the same values, without
// Gorgonia's hand-off to a goroutine of its own and back.
type callerMachine struct {
	gorgonia.VM
	tape unsafe.Pointer // the *tapeMachine in VM
	errc chan error
	done chan struct{}
}

// RunAll runs the machine's program once (after Reset, from its start), as Gorgonia's
// RunAll does, and returns the first instruction's error.
func (m *callerMachine) RunAll() error {
	// runall sends exactly once, on one of the two channels, each of which has room.
	tapeRunall(m.tape, m.errc, m.done)
	select {
	case err := <-m.errc:
		return err
	case <-m.done:
		return nil
	}
}

// onCaller returns vm as a callerMachine when that runs it the same way: a TapeMachine
// made without options (so no dual values, traces or watches, whose
// work RunAll finishes after the tape) and with no batched BLAS whose work the tape
// would hand to RunAll (WorkAvailable). Any other machine is returned as it is.
func onCaller(vm gorgonia.VM) gorgonia.VM {
	w, ok := vm.(interface{ WorkAvailable() <-chan bool })
	if !ok || w.WorkAvailable() != nil || !isTape(vm) {
		return vm
	}
	data := (*[2]unsafe.Pointer)(unsafe.Pointer(&vm))[1] // an interface's data word
	return &callerMachine{VM: vm, tape: data, errc: make(chan error, 1), done: make(chan struct{}, 1)}
}
