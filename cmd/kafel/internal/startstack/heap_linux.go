package startstack

import (
	"syscall"
	"unsafe"
)

// heapAhead is how much of the heap, from the first free page on, the
// start-up maps in one step: about what `kafel run` touches before its
// jail starts.
//
// The heap's pages are mapped as first written, one page fault each, and
// a fault costs several microseconds more than the same page mapped by
// one madvise(MADV_POPULATE_WRITE) for the range; on a virtual machine,
// where faults are dearest, that was about 3% of a whole `kafel run --
// /bin/true` (BenchmarkRunCLI). Go's heap takes free pages lowest address
// first, so the range past a fresh allocation is where the next ones
// come from. A kernel without MADV_POPULATE_WRITE (before 5.14), or a
// range that reaches past the heap's mapping, costs nothing: the pages
// are then faulted in as before, and they hold zeros either way.
const heapAhead = 1 << 20

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14).
const madvPopulateWrite = 23

// probe is a fresh page of the heap, for its address.
var probe *[4096]byte

func prefaultHeap() {
	probe = new([4096]byte)
	addr := uintptr(unsafe.Pointer(probe)) &^ 4095
	probe = nil
	syscall.Syscall(syscall.SYS_MADVISE, addr, heapAhead, madvPopulateWrite)
}
