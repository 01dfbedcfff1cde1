package bpfgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Argument conditions are lowered in two steps. First every comparison,
// 32- or 64-bit, becomes a boolean combination of 32-bit comparisons of
// word expressions: & and | work bit by bit, so the low and the high
// halves of a value are computed separately; a 64-bit comparison is then
// high halves first, low halves when the high halves are equal. Constant
// parts fold on the way (known bits decide many comparisons). Then the
// boolean tree is emitted as short-circuit jumps.

// wkind is the kind of a word expression.
type wkind uint8

const (
	wWord  wkind = iota // a 32-bit word of seccomp_data at off
	wConst              // the number k
	wAnd                // x & y
	wOr                 // x | y
)

// wexpr is a 32-bit value computed from seccomp_data words and numbers.
type wexpr struct {
	kind wkind
	k    uint32 // offset of a wWord, value of a wConst
	x, y *wexpr
	h    uint64 // the hash, set by newW (see computeHash)
}

// slab allocates values of one type in blocks; reset makes it hand out
// the same blocks again (the values handed out before must be dead).
type slab[T any] struct {
	blocks [][]T
	cur    int // index of the block being filled
}

const slabBlock = 256

func (s *slab[T]) alloc() *T {
	for {
		if s.cur == len(s.blocks) {
			s.blocks = append(s.blocks, make([]T, 0, slabBlock))
		}
		if b := s.blocks[s.cur]; len(b) < cap(b) {
			s.blocks[s.cur] = b[:len(b)+1]
			return &s.blocks[s.cur][len(b)]
		}
		s.cur++
	}
}

func (s *slab[T]) reset() {
	for i := range s.blocks[:min(s.cur+1, len(s.blocks))] {
		s.blocks[i] = s.blocks[i][:0]
	}
	s.cur = 0
}

// arena allocates expression nodes in blocks, each with its hash.
type arena struct {
	ws   slab[wexpr]
	bs   slab[bexpr]
	zero *wexpr // the constant 0, made once
}

// newW allocates w with its hash. It stores the node field by field:
// copying the whole struct into the slab, which holds pointers, would go
// through the runtime's bulk write barrier, several times dearer while the
// collector runs (the front end's garbage keeps it running).
func (a *arena) newW(w wexpr) *wexpr {
	p := a.ws.alloc()
	p.kind, p.k, p.x, p.y = w.kind, w.k, w.x, w.y
	p.h = p.computeHash()
	return p
}

// newB allocates e with its hash, field by field like newW.
func (a *arena) newB(e bexpr) *bexpr {
	p := a.bs.alloc()
	p.kind, p.op, p.x, p.y, p.l, p.r, p.set = e.kind, e.op, e.x, e.y, e.l, e.r, e.set
	p.h = p.computeHash()
	return p
}

func (a *arena) reset() {
	a.ws.reset()
	a.bs.reset()
	a.zero = nil
}

func (a *arena) wConstOf(k uint32) *wexpr {
	if k != 0 {
		return a.newW(wexpr{kind: wConst, k: k})
	}
	if a.zero == nil {
		a.zero = a.newW(wexpr{kind: wConst})
	}
	return a.zero
}

func (w *wexpr) isConst() bool { return w.kind == wConst }

// simple reports whether computing w needs neither X nor scratch memory.
func (w *wexpr) simple() bool {
	switch w.kind {
	case wWord, wConst:
		return true
	}
	return w.y.isConst() && w.x.simple()
}

func wequal(a, b *wexpr) bool {
	if a == b {
		return true
	}
	if a.h != b.h || a.kind != b.kind || a.k != b.k {
		return false
	}
	if a.kind == wWord || a.kind == wConst {
		return true
	}
	return wequal(a.x, b.x) && wequal(a.y, b.y)
}

// knownBits returns the bits of w that are one and zero for every input.
func (w *wexpr) knownBits() (one, zero uint32) {
	switch w.kind {
	case wConst:
		return w.k, ^w.k
	case wAnd:
		o1, z1 := w.x.knownBits()
		o2, z2 := w.y.knownBits()
		return o1 & o2, z1 | z2
	case wOr:
		o1, z1 := w.x.knownBits()
		o2, z2 := w.y.knownBits()
		return o1 | o2, z1 & z2
	}
	return 0, 0
}

// mkBit builds x&y (and) or x|y (!and), folding constants: the result is
// a constant, one operand, or an operation whose constant (if any) is on
// the right and merged with the constants of nested operations of the same kind.
func (a *arena) mkBit(and bool, x, y *wexpr) *wexpr {
	kind, identity, absorb := wOr, uint32(0), ^uint32(0)
	if and {
		kind, identity, absorb = wAnd, ^uint32(0), 0
	}
	apply := func(a, b uint32) uint32 {
		if and {
			return a & b
		}
		return a | b
	}
	if x.isConst() && !y.isConst() {
		x, y = y, x
	}
	switch {
	case x.isConst(): // both constant
		return a.wConstOf(apply(x.k, y.k))
	case y.isConst() && y.k == absorb:
		return y
	case y.isConst() && y.k == identity:
		return x
	case wequal(x, y):
		return x
	case y.isConst() && x.kind == kind && x.y.isConst():
		return a.mkBit(and, x.x, a.wConstOf(apply(x.y.k, y.k)))
	}
	if one, zero := x.knownBits(); y.isConst() {
		// Bits the constant cannot change are those x already has.
		if and && (^y.k)&^zero == 0 {
			return x
		}
		if !and && y.k&^one == 0 {
			return x
		}
	}
	return a.newW(wexpr{kind: kind, x: x, y: y})
}

const hashPrime = 0x100000001b3

func mix(h, v uint64) uint64 {
	h = (h ^ v) * hashPrime
	return h ^ h>>29
}

// hash returns the hash of w: equal expressions have equal hashes.
func (w *wexpr) hash() uint64 { return w.h }

// computeHash computes the hash of w from those of its operands.
func (w *wexpr) computeHash() uint64 {
	h := mix(uint64(w.kind)+1, uint64(w.k))
	if w.kind == wAnd || w.kind == wOr {
		h = mix(mix(h, w.x.hash()), w.y.hash())
	}
	return h
}

// hash returns the hash of e: equal conditions have equal hashes.
func (e *bexpr) hash() uint64 { return e.h }

// computeHash computes the hash of e from those of its operands.
func (e *bexpr) computeHash() uint64 {
	h := mix(uint64(e.kind)+7, uint64(e.op))
	switch e.kind {
	case bCmp:
		h = mix(mix(h, e.x.hash()), e.y.hash())
	case bAnd, bOr:
		h = mix(mix(h, e.l.hash()), e.r.hash())
	case bIn:
		h = mix(h, e.x.hash())
		for _, r := range *e.set {
			h = mix(h, uint64(r.lo)<<32|uint64(r.hi))
		}
	}
	return h
}

func bequal(a, b *bexpr) bool {
	if a == b {
		return true
	}
	if a.h != b.h || a.kind != b.kind || a.op != b.op {
		return false
	}
	switch a.kind {
	case bCmp:
		return wequal(a.x, b.x) && wequal(a.y, b.y)
	case bAnd, bOr:
		return bequal(a.l, b.l) && bequal(a.r, b.r)
	case bIn:
		return wequal(a.x, b.x) && slices.Equal(*a.set, *b.set)
	}
	return true
}

func (w *wexpr) write(b *strings.Builder) {
	switch w.kind {
	case wWord:
		b.WriteString("w")
		b.WriteString(strconv.FormatUint(uint64(w.k), 10))
	case wConst:
		b.WriteString("#")
		b.WriteString(strconv.FormatUint(uint64(w.k), 16))
	default:
		b.WriteByte('(')
		w.x.write(b)
		if w.kind == wAnd {
			b.WriteByte('&')
		} else {
			b.WriteByte('|')
		}
		w.y.write(b)
		b.WriteByte(')')
	}
}

// bkind is the kind of a lowered condition.
type bkind uint8

const (
	bFalse bkind = iota
	bTrue
	bCmp // x op y, 32-bit unsigned
	bAnd // l && r
	bOr  // l || r
	bIn  // x is in one of the ranges set (made by collectSets only)
)

// bexpr is a condition over 32-bit comparisons. It never contains a
// negation: negations are pushed into the comparisons.
type bexpr struct {
	kind bkind
	op   CmpOp
	x, y *wexpr
	l, r *bexpr
	set  *[]valRange
	h    uint64 // the hash, set by newB (see computeHash)
}

// valRange is the range of 32-bit values lo..hi.
type valRange struct{ lo, hi uint32 }

var (
	bexprTrue  = hashed(&bexpr{kind: bTrue})
	bexprFalse = hashed(&bexpr{kind: bFalse})
)

func hashed(e *bexpr) *bexpr {
	e.h = e.computeHash()
	return e
}

func bconst(v bool) *bexpr {
	if v {
		return bexprTrue
	}
	return bexprFalse
}

func (e *bexpr) isConst() bool { return e.kind == bTrue || e.kind == bFalse }

// negOp is the operator that holds exactly when op does not.
func negOp(op CmpOp) CmpOp {
	switch op {
	case Eq:
		return Ne
	case Ne:
		return Eq
	case Lt:
		return Ge
	case Ge:
		return Lt
	case Gt:
		return Le
	}
	return Gt // Le
}

// swapOp is the operator with the operands exchanged: x op y == y swapOp(op) x.
func swapOp(op CmpOp) CmpOp {
	switch op {
	case Lt:
		return Gt
	case Gt:
		return Lt
	case Le:
		return Ge
	case Ge:
		return Le
	}
	return op
}

func cmp32Holds(op CmpOp, x, y uint32) bool { return cmpHolds(op, uint64(x), uint64(y)) }

// mkCmp builds the 32-bit comparison x op y, folded where the known bits
// of the operands decide it, with any constant on the right.
func (a *arena) mkCmp(op CmpOp, x, y *wexpr) *bexpr {
	if x.isConst() && y.isConst() {
		return bconst(cmp32Holds(op, x.k, y.k))
	}
	if wequal(x, y) {
		return bconst(op == Eq || op == Le || op == Ge)
	}
	if x.isConst() {
		op, x, y = swapOp(op), y, x
	}
	if y.isConst() {
		k := y.k
		one, zero := x.knownBits()
		lo, hi := one, ^zero // every value of x lies in [lo, hi]
		switch op {
		case Eq, Ne:
			if k&zero != 0 || ^k&one != 0 {
				return bconst(op == Ne)
			}
		case Gt, Le:
			if lo > k {
				return bconst(op == Gt)
			}
			if hi <= k {
				return bconst(op == Le)
			}
			if k == lo { // x > lo is x != lo
				if op == Gt {
					return a.newB(bexpr{kind: bCmp, op: Ne, x: x, y: y})
				}
				return a.newB(bexpr{kind: bCmp, op: Eq, x: x, y: y})
			}
		case Ge, Lt:
			if lo >= k {
				return bconst(op == Ge)
			}
			if hi < k {
				return bconst(op == Lt)
			}
			if k == hi { // x >= hi is x == hi
				if op == Ge {
					return a.newB(bexpr{kind: bCmp, op: Eq, x: x, y: y})
				}
				return a.newB(bexpr{kind: bCmp, op: Ne, x: x, y: y})
			}
		}
	}
	return a.newB(bexpr{kind: bCmp, op: op, x: x, y: y})
}

// negates reports whether a holds exactly when b does not.
func negates(a, b *bexpr) bool {
	return a.kind == bCmp && b.kind == bCmp && negOp(a.op) == b.op && wequal(a.x, b.x) && wequal(a.y, b.y)
}

func (a *arena) mkAnd(l, r *bexpr) *bexpr {
	switch {
	case l.kind == bFalse || r.kind == bTrue:
		return l
	case l.kind == bTrue || r.kind == bFalse:
		return r
	case negates(l, r):
		return bexprFalse
	case r.kind == bOr && negates(l, r.l): // a && (!a || b) == a && b
		return a.mkAnd(l, r.r)
	}
	return a.newB(bexpr{kind: bAnd, l: l, r: r})
}

func (a *arena) mkOr(l, r *bexpr) *bexpr {
	switch {
	case l.kind == bTrue || r.kind == bFalse:
		return l
	case l.kind == bFalse || r.kind == bTrue:
		return r
	case negates(l, r):
		return bexprTrue
	case r.kind == bAnd && negates(l, r.l): // a || (!a && b) == a || b
		return a.mkOr(l, r.r)
	}
	return a.newB(bexpr{kind: bOr, l: l, r: r})
}

func (a *arena) mkNot(e *bexpr) *bexpr {
	switch e.kind {
	case bTrue:
		return bexprFalse
	case bFalse:
		return bexprTrue
	case bCmp:
		return a.mkCmp(negOp(e.op), e.x, e.y)
	case bAnd:
		return a.mkOr(a.mkNot(e.l), a.mkNot(e.r))
	}
	return a.mkAnd(a.mkNot(e.l), a.mkNot(e.r))
}

func (e *bexpr) write(b *strings.Builder) {
	switch e.kind {
	case bTrue:
		b.WriteString("T")
	case bFalse:
		b.WriteString("F")
	case bIn:
		e.x.write(b)
		b.WriteString(" in")
		for _, r := range *e.set {
			fmt.Fprintf(b, " %x-%x", r.lo, r.hi)
		}
	case bCmp:
		e.x.write(b)
		b.WriteString([]string{"==", "!=", "<", "<=", ">", ">="}[e.op])
		e.y.write(b)
	default:
		b.WriteByte('[')
		e.l.write(b)
		if e.kind == bAnd {
			b.WriteString("&&")
		} else {
			b.WriteString("||")
		}
		e.r.write(b)
		b.WriteByte(']')
	}
}

// lowering turns Exprs into bexprs for one arch's argument layout.
type lowering struct {
	arena
	bigEndian bool
	words     [16]*wexpr // the words of seccomp_data, shared
	wordNodes [16]wexpr
}

func newLowering(bigEndian bool) *lowering {
	lw := &lowering{}
	lw.init(bigEndian)
	return lw
}

// init readies lw for an arch, keeping the nodes of its arena for reuse.
func (lw *lowering) init(bigEndian bool) {
	lw.bigEndian = bigEndian
	for i := range lw.words {
		lw.wordNodes[i] = wexpr{kind: wWord, k: uint32(4 * i)}
		lw.wordNodes[i].h = lw.wordNodes[i].computeHash()
		lw.words[i] = &lw.wordNodes[i]
	}
}

// halves returns the low and high 32-bit halves of v.
func (lw *lowering) halves(v Value) (lo, hi *wexpr, err error) {
	switch v := v.(type) {
	case Arg:
		if v < 0 || v > 5 {
			return nil, nil, fmt.Errorf("argument %d out of range 0..5", int(v))
		}
		lowOff, highOff := uint32(offArgs+8*v), uint32(offArgs+8*v+4)
		if lw.bigEndian {
			lowOff, highOff = highOff, lowOff
		}
		return lw.words[lowOff/4], lw.words[highOff/4], nil
	case Const:
		return lw.wConstOf(uint32(v)), lw.wConstOf(uint32(v >> 32)), nil
	case *BitAnd:
		if v != nil {
			return lw.bitHalves(true, v.X, v.Y)
		}
		return nil, nil, fmt.Errorf("nil operand in a comparison")
	case *BitOr:
		if v != nil {
			return lw.bitHalves(false, v.X, v.Y)
		}
		return nil, nil, fmt.Errorf("nil operand in a comparison")
	}
	return nil, nil, fmt.Errorf("invalid operand %T in a comparison", v)
}

func (lw *lowering) bitHalves(and bool, x, y Value) (lo, hi *wexpr, err error) {
	xl, xh, err := lw.halves(x)
	if err != nil {
		return nil, nil, err
	}
	yl, yh, err := lw.halves(y)
	if err != nil {
		return nil, nil, err
	}
	return lw.mkBit(and, xl, yl), lw.mkBit(and, xh, yh), nil
}

// lower returns e as a folded condition over 32-bit comparisons.
func (lw *lowering) lower(e Expr) (*bexpr, error) {
	switch e := e.(type) {
	case *And:
		if e == nil {
			break
		}
		l, err := lw.lower(e.X)
		if err != nil {
			return nil, err
		}
		if l.kind == bFalse {
			return l, lw.check(e.Y)
		}
		r, err := lw.lower(e.Y)
		if err != nil {
			return nil, err
		}
		return lw.mkAnd(l, r), nil
	case *Or:
		if e == nil {
			break
		}
		l, err := lw.lower(e.X)
		if err != nil {
			return nil, err
		}
		if l.kind == bTrue {
			return l, lw.check(e.Y)
		}
		r, err := lw.lower(e.Y)
		if err != nil {
			return nil, err
		}
		return lw.mkOr(l, r), nil
	case *Not:
		if e == nil {
			break
		}
		x, err := lw.lower(e.X)
		if err != nil {
			return nil, err
		}
		return lw.mkNot(x), nil
	case *Compare:
		if e == nil {
			break
		}
		if e.Op < Eq || e.Op > Ge {
			return nil, fmt.Errorf("unknown comparison operator %d", int(e.Op))
		}
		xl, xh, err := lw.halves(e.X)
		if err != nil {
			return nil, err
		}
		yl, yh, err := lw.halves(e.Y)
		if err != nil {
			return nil, err
		}
		if e.Is32 {
			return lw.mkCmp(e.Op, xl, yl), nil
		}
		return lw.cmp64(e.Op, xl, xh, yl, yh), nil
	}
	return nil, fmt.Errorf("invalid condition %T", e)
}

// check validates e without keeping the result (for the operand a folded
// && or || does not need).
func (lw *lowering) check(e Expr) error {
	_, err := lw.lower(e)
	return err
}

// cmp64 is the 64-bit comparison (xh:xl) op (yh:yl): equality needs both
// halves equal; an ordering is decided by the high halves unless they
// are equal, and then by the low halves.
func (a *arena) cmp64(op CmpOp, xl, xh, yl, yh *wexpr) *bexpr {
	switch op {
	case Eq:
		return a.mkAnd(a.mkCmp(Eq, xh, yh), a.mkCmp(Eq, xl, yl))
	case Ne:
		return a.mkOr(a.mkCmp(Ne, xh, yh), a.mkCmp(Ne, xl, yl))
	}
	strict := Gt // the high halves decide when they differ in this direction
	if op == Lt || op == Le {
		strict = Lt
	}
	return a.mkOr(a.mkCmp(strict, xh, yh), a.mkAnd(a.mkCmp(Eq, xh, yh), a.mkCmp(op, xl, yl)))
}
