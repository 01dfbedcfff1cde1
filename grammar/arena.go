package grammar

import "unsafe"

// nodeArena hands out the nodes of filter expressions (and the Rule and
// Syscall nodes of quickRule) from chunks, so that
// a policy of 100,000 filters costs a few thousand allocations instead of
// a million and a half. A chunk lives as long as any node in it: the tree
// of a Parse is meant to be kept or dropped whole, or, in an Arena, handed
// back whole by Reset. The zero value is ready; a nil *nodeArena allocates
// each node on its own (participle's path).
type nodeArena struct {
	binaries slab[BinaryExpr]
	nots     slab[NotExpr]
	idents   slab[Ident]
	numbers  slab[Number]
	rules    slab[Rule]
	syscalls slab[Syscall]
}

const maxChunk = 1024

// maxReserve bounds the first chunk of each kind that reserve allocates
// (a chunk of BinaryExpr is then 8 MB).
const maxReserve = 1 << 16

// maxKept bounds the bytes of chunks of one kind that an Arena keeps for
// the next Parse: the chunks of a huge policy are left to the collector.
const maxKept = 1 << 20

// reserve allocates the first chunk of each kind for the nodes the tokens
// counted by the scanner can make, so that a policy whose rules take the
// fast path takes its nodes from one chunk of each kind instead of from
// doubling ones of which up to half would stay unused. Nodes beyond a
// count (the bare-value form `{ x }` adds a zero and a `!=`, a `,` in a
// filter is an ||) come from chunks allocated as without reserve.
func (a *nodeArena) reserve(c nodeCounts) {
	a.binaries.reserve(c.binaries)
	a.nots.reserve(c.nots)
	a.idents.reserve(c.idents)
	a.numbers.reserve(c.numbers)
}

// reserveRules makes room in the chunks of Rule and Syscall nodes for the
// n rules of a block about to be read, in a chunk no larger than needed
// when the room left is too small.
func (a *nodeArena) reserveRules(n int) {
	if len(a.rules.free) < n {
		a.rules.reserve(max(n, min(2*a.rules.size, maxChunk)))
	}
	if len(a.syscalls.free) < n {
		a.syscalls.reserve(max(n, min(2*a.syscalls.size, maxChunk)))
	}
}

// keepChunks makes the arena remember its chunks for reset.
func (a *nodeArena) keepChunks() {
	a.binaries.recycle = true
	a.nots.recycle = true
	a.idents.recycle = true
	a.numbers.recycle = true
	a.rules.recycle = true
	a.syscalls.recycle = true
}

// reset zeroes every node handed out and keeps the chunks for the next
// Parse (up to maxKept bytes of each kind).
func (a *nodeArena) reset() {
	a.binaries.reset()
	a.nots.reset()
	a.idents.reset()
	a.numbers.reset()
	a.rules.reset()
	a.syscalls.reset()
}

// slab hands out the Ts of one kind of node.
type slab[T any] struct {
	free []T // the rest of the current chunk
	size int // the length of the last chunk allocated
	// kept lists the chunks handed out since the last reset, spare the
	// zeroed ones to use before allocating (both only when recycling).
	kept, spare [][]T
	recycle     bool
}

// reserve makes a chunk of at least n Ts (at most maxReserve) current,
// a spare one when one is large enough.
func (s *slab[T]) reserve(n int) {
	if n = min(n, maxReserve); n <= 0 {
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

func (s *slab[T]) use(c []T) {
	s.free = c
	if s.recycle {
		s.kept = append(s.kept, c)
	}
}

// take returns the next zeroed T, from a spare chunk or from a new one
// twice the size of the last when the current one is used up.
func (s *slab[T]) take() *T {
	if len(s.free) == 0 {
		if n := len(s.spare); n > 0 {
			s.use(s.spare[n-1])
			s.spare = s.spare[:n-1]
		} else {
			s.size = min(max(2*s.size, 8), maxChunk)
			s.use(make([]T, s.size))
		}
	}
	x := &s.free[0]
	s.free = s.free[1:]
	return x
}

// reset zeroes the kept chunks and makes them spare, up to maxKept bytes.
func (s *slab[T]) reset() {
	var zero T
	bytes := 0
	for i, c := range s.kept {
		if i == len(s.kept)-1 {
			clear(c[:len(c)-len(s.free)]) // the rest was never handed out
		} else {
			clear(c)
		}
		if bytes += len(c) * int(unsafe.Sizeof(zero)); bytes <= maxKept {
			s.spare = append(s.spare, c)
		}
	}
	clear(s.kept)
	s.kept = s.kept[:0]
	s.free = nil
	s.size = 0
}

func (a *nodeArena) binary(x BinaryExpr) *BinaryExpr {
	n := a.newBinary()
	*n = x
	return n
}

// newBinary returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newBinary() *BinaryExpr {
	if a == nil {
		return new(BinaryExpr)
	}
	return a.binaries.take()
}

func (a *nodeArena) not(x NotExpr) *NotExpr {
	var n *NotExpr
	if a == nil {
		n = new(NotExpr)
	} else {
		n = a.nots.take()
	}
	*n = x
	return n
}

func (a *nodeArena) ident(x Ident) *Ident {
	n := a.newIdent()
	*n = x
	return n
}

// newIdent returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newIdent() *Ident {
	if a == nil {
		return new(Ident)
	}
	return a.idents.take()
}

func (a *nodeArena) number(x Number) *Number {
	n := a.newNumber()
	*n = x
	return n
}

// newRule returns a zeroed rule, for the caller to fill in place.
func (a *nodeArena) newRule() *Rule {
	if a == nil {
		return new(Rule)
	}
	return a.rules.take()
}

// newSyscall returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newSyscall() *Syscall {
	if a == nil {
		return new(Syscall)
	}
	return a.syscalls.take()
}

// newNumber returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newNumber() *Number {
	if a == nil {
		return new(Number)
	}
	return a.numbers.take()
}

// Arena keeps the memory of the nodes of the trees that Parse builds with
// it (Options.Arena), so that a caller that drops each tree when done with
// it, such as a compiler, can parse the next policy without allocating its
// nodes again. An Arena serves one Parse at a time. The zero value is
// ready.
type Arena struct {
	nodes nodeArena
	spans []span  // the parser's scratch list, kept for the next Parse
	toks  []token // the token buffer, kept likewise
}

// Reset zeroes the nodes of every tree built with a since the last Reset,
// to be handed out again by the next Parse. Those trees, and every node
// and value in them that points into them, must not be used after Reset:
// only what holds no pointer into a tree (positions, diagnostics, the
// strings of names and numbers, which point into the source) survives.
func (a *Arena) Reset() {
	a.nodes.reset()
}
