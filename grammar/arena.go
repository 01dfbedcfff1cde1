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
	var n *BinaryExpr
	if a == nil {
		n = new(BinaryExpr)
	} else {
		n = take(&a.binaries, &a.nBinaries)
	}
	*n = x
	return n
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
	var n *Ident
	if a == nil {
		n = new(Ident)
	} else {
		n = take(&a.idents, &a.nIdents)
	}
	*n = x
	return n
}

func (a *nodeArena) number(x Number) *Number {
	var n *Number
	if a == nil {
		n = new(Number)
	} else {
		n = take(&a.numbers, &a.nNumbers)
	}
	*n = x
	return n
}
