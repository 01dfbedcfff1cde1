package grammar

// nodeArena hands out the nodes of filter expressions (and the Rule and
// Syscall nodes of quickRule) from chunks, so that
// a policy of 100,000 filters costs a few thousand allocations instead of
// a million and a half. A chunk lives as long as any node in it: the tree
// of a Parse is meant to be kept or dropped whole. The zero value is ready;
// a nil *nodeArena allocates each node on its own (participle's path).
type nodeArena struct {
	binaries []BinaryExpr
	nots     []NotExpr
	idents   []Ident
	numbers  []Number
	rules    []Rule
	syscalls []Syscall
	// sizes of the last chunk of each kind, doubling up to maxChunk so that
	// a small policy stays small.
	nBinaries, nNots, nIdents, nNumbers, nRules, nSyscalls int
}

const maxChunk = 1024

// maxReserve bounds the first chunk of each kind that reserve allocates
// (a chunk of BinaryExpr is then 8 MB).
const maxReserve = 1 << 16

// reserve allocates the first chunk of each kind for the nodes the tokens
// counted by the scanner can make, so that a policy whose rules take the
// fast path takes its nodes from one chunk of each kind instead of from
// doubling ones of which up to half would stay unused. Nodes beyond a
// count (the bare-value form `{ x }` adds a zero and a `!=`, a `,` in a
// filter is an ||) come from chunks allocated as without reserve.
func (a *nodeArena) reserve(c nodeCounts) {
	reserve(&a.binaries, &a.nBinaries, c.binaries)
	reserve(&a.nots, &a.nNots, c.nots)
	reserve(&a.idents, &a.nIdents, c.idents)
	reserve(&a.numbers, &a.nNumbers, c.numbers)
}

// reserveRules makes room in the chunks of Rule and Syscall nodes for the
// n rules of a block about to be read, in a chunk no larger than needed
// when the room left is too small.
func (a *nodeArena) reserveRules(n int) {
	if len(a.rules) < n {
		reserve(&a.rules, &a.nRules, max(n, min(2*a.nRules, maxChunk)))
	}
	if len(a.syscalls) < n {
		reserve(&a.syscalls, &a.nSyscalls, max(n, min(2*a.nSyscalls, maxChunk)))
	}
}

func reserve[T any](chunk *[]T, size *int, n int) {
	if n = min(n, maxReserve); n > 0 {
		*chunk = make([]T, n)
		*size = n
	}
}

// take returns the next zeroed T of *chunk, allocating a chunk twice the
// size of the last (*size) when it is used up.
func take[T any](chunk *[]T, size *int) *T {
	if len(*chunk) == 0 {
		*size = min(max(2**size, 8), maxChunk)
		*chunk = make([]T, *size)
	}
	x := &(*chunk)[0]
	*chunk = (*chunk)[1:]
	return x
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
	return take(&a.binaries, &a.nBinaries)
}

func (a *nodeArena) not(x NotExpr) *NotExpr {
	var n *NotExpr
	if a == nil {
		n = new(NotExpr)
	} else {
		n = take(&a.nots, &a.nNots)
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
	return take(&a.idents, &a.nIdents)
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
	return take(&a.rules, &a.nRules)
}

// newSyscall returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newSyscall() *Syscall {
	if a == nil {
		return new(Syscall)
	}
	return take(&a.syscalls, &a.nSyscalls)
}

// newNumber returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newNumber() *Number {
	if a == nil {
		return new(Number)
	}
	return take(&a.numbers, &a.nNumbers)
}
