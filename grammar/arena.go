package grammar

import "github.com/gokafel/gokafel/internal/arena"

// nodeArena hands out the nodes of filter expressions (and the Rule and
// Syscall nodes of quickRule) from chunks, one arena.Chunks per kind: the
// tree of a Parse is meant to be kept or dropped whole, or, in an Arena,
// handed back whole by Reset. The zero value is ready; a nil *nodeArena
// allocates each node on its own (participle's path).
type nodeArena struct {
	binaries arena.Chunks[BinaryExpr]
	nots     arena.Chunks[NotExpr]
	idents   arena.Chunks[Ident]
	numbers  arena.Chunks[Number]
	rules    arena.Chunks[Rule]
	syscalls arena.Chunks[Syscall]
}

// reserve allocates the first chunk of each kind for the nodes the tokens
// counted by the scanner can make, so that a policy whose rules take the
// fast path takes its nodes from one chunk of each kind instead of from
// doubling ones of which up to half would stay unused. Nodes beyond a
// count (the bare-value form `{ x }` adds a zero and a `!=`, a `,` in a
// filter is an ||) come from chunks allocated as without reserve.
func (a *nodeArena) reserve(c nodeCounts) {
	a.binaries.Reserve(c.binaries)
	a.nots.Reserve(c.nots)
	a.idents.Reserve(c.idents)
	a.numbers.Reserve(c.numbers)
}

// reserveRules makes room in the chunks of Rule and Syscall nodes for the
// n rules of a block about to be read, in a chunk no larger than needed
// when the room left is too small.
func (a *nodeArena) reserveRules(n int) {
	if a.rules.Room() < n {
		a.rules.Reserve(max(n, min(2*a.rules.Size(), arena.MaxChunk)))
	}
	if a.syscalls.Room() < n {
		a.syscalls.Reserve(max(n, min(2*a.syscalls.Size(), arena.MaxChunk)))
	}
}

// keepChunks makes the arena remember its chunks for reset.
func (a *nodeArena) keepChunks() {
	a.binaries.Recycle = true
	a.nots.Recycle = true
	a.idents.Recycle = true
	a.numbers.Recycle = true
	a.rules.Recycle = true
	a.syscalls.Recycle = true
}

// reset zeroes every node handed out and keeps the chunks for the next
// Parse (up to arena.MaxKept bytes of each kind).
func (a *nodeArena) reset() {
	a.binaries.Reset()
	a.nots.Reset()
	a.idents.Reset()
	a.numbers.Reset()
	a.rules.Reset()
	a.syscalls.Reset()
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
	return a.binaries.Take()
}

func (a *nodeArena) not(x NotExpr) *NotExpr {
	var n *NotExpr
	if a == nil {
		n = new(NotExpr)
	} else {
		n = a.nots.Take()
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
	return a.idents.Take()
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
	return a.rules.Take()
}

// newSyscall returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newSyscall() *Syscall {
	if a == nil {
		return new(Syscall)
	}
	return a.syscalls.Take()
}

// newNumber returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newNumber() *Number {
	if a == nil {
		return new(Number)
	}
	return a.numbers.Take()
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
