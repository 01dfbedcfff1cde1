// Package arena hands out values of one type from slices allocated a
// chunk at a time, for the parser's and the compiler's nodes: a policy of
// 100,000 filters then costs a few thousand allocations instead of a
// million and a half.
//
// A chunk lives as long as any value in it: the values of one parse or
// compile are kept or dropped together, or, with Recycle, handed back
// together by Reset.
package arena

import "unsafe"

// MaxChunk is the largest chunk Take allocates; each is twice the last,
// so that a small policy stays small.
const MaxChunk = 1024

// MaxReserve bounds the chunk Reserve allocates.
const MaxReserve = 1 << 16

// MaxKept bounds the bytes of chunks that Reset keeps for the next use:
// the chunks of a huge policy are left to the collector.
const MaxKept = 1 << 20

// Chunks hands out zeroed Ts. The zero value is ready.
type Chunks[T any] struct {
	free []T // the rest of the current chunk
	size int // the length of the last chunk allocated
	// kept lists the chunks handed out since the last Reset, spare the
	// zeroed ones to use before allocating (both only with Recycle).
	kept, spare [][]T
	// Recycle makes Reset keep the chunks for the next use.
	Recycle bool
}

// Reserve makes a chunk of at least n Ts (at most MaxReserve) current, a
// spare one when one is large enough.
func (s *Chunks[T]) Reserve(n int) {
	if n = min(n, MaxReserve); n <= 0 {
		return
	}
	for i, c := range s.spare {
		if len(c) >= n {
			s.spare[i] = s.spare[len(s.spare)-1]
			s.spare = s.spare[:len(s.spare)-1]
			s.use(c)
			return
		}
	}
	s.size = n
	s.use(make([]T, n))
}

// Room is how many Ts the current chunk still holds.
func (s *Chunks[T]) Room() int { return len(s.free) }

// Spare returns the zeroed chunks Reset kept for the next use.
func (s *Chunks[T]) Spare() [][]T { return s.spare }

// Size is the length of the last chunk allocated.
func (s *Chunks[T]) Size() int { return s.size }

func (s *Chunks[T]) use(c []T) {
	s.free = c
	if s.Recycle {
		s.kept = append(s.kept, c)
	}
}

// Take returns the next zeroed T, from a spare chunk or from a new one
// twice the size of the last when the current one is used up.
func (s *Chunks[T]) Take() *T {
	if len(s.free) == 0 {
		if n := len(s.spare); n > 0 {
			s.use(s.spare[n-1])
			s.spare = s.spare[:n-1]
		} else {
			s.size = min(max(2*s.size, 8), MaxChunk)
			s.use(make([]T, s.size))
		}
	}
	x := &s.free[0]
	s.free = s.free[1:]
	return x
}

// Reset zeroes the Ts handed out since the last Reset and makes their
// chunks spare, up to MaxKept bytes of them.
func (s *Chunks[T]) Reset() {
	var zero T
	bytes := 0
	for i, c := range s.kept {
		if i == len(s.kept)-1 {
			clear(c[:len(c)-len(s.free)]) // the rest was never handed out
		} else {
			clear(c)
		}
		if bytes += len(c) * int(unsafe.Sizeof(zero)); bytes <= MaxKept {
			s.spare = append(s.spare, c)
		}
	}
	clear(s.kept)
	s.kept = s.kept[:0]
	s.free = nil
	s.size = 0
}
