//go:build gpuemu

package kernelhost

// Ucontext returns d switching between a block's threads with glibc's swapcontext, as
// the driver does on hosts other than x86-64, so that the tests run that path too.
func Ucontext(d *Driver) *Driver {
	return &Driver{bin: d.bin, flags: []string{"-ucontext"}}
}
