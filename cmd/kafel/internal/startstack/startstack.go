package startstack

// frameSize is the frame of grow: the stack then doubles to 64 KiB, which
// holds kafel's start-up (measured: no further copy of the main
// goroutine's stack in `kafel run`).
const frameSize = 48 << 10

// at is a variable so that the compiler keeps grow's frame.
var at = 1

func init() {
	prefaultHeap() // first: the stack grow makes comes from the heap
	grow(at)
}

//go:noinline
func grow(i int) byte {
	var frame [frameSize]byte
	frame[i] = 1
	return frame[i+1]
}
