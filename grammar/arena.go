package grammar

// nodeArena hands out the nodes of filter expressions from chunks, so that
// a policy of 100,000 filters costs a few thousand allocations instead of
// a million and a half. A chunk lives as long as any node in it: the tree
// of a Parse is meant to be kept or dropped whole. The zero value is ready;
// a nil *nodeArena allocates each node on its own (participle's path).
type nodeArena struct {
	binaries []BinaryExpr
	nots     []NotExpr
	idents   []Ident
	numbers  []Number
	// sizes of the last chunk of each kind, doubling up to maxChunk so that
	// a small policy stays small.
	nBinaries, nNots, nIdents, nNumbers int
}

const maxChunk = 1024

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

// newNumber returns a zeroed node, for the caller to fill in place.
func (a *nodeArena) newNumber() *Number {
	if a == nil {
		return new(Number)
	}
	return take(&a.numbers, &a.nNumbers)
}
