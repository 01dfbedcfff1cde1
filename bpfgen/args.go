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
}

// arena allocates expression nodes in blocks.
type arena struct {
	ws []wexpr
	bs []bexpr
}

const arenaBlock = 256

func (a *arena) newW(w wexpr) *wexpr {
	if len(a.ws) == cap(a.ws) {
		a.ws = make([]wexpr, 0, arenaBlock)
	}
	a.ws = append(a.ws, w)
	return &a.ws[len(a.ws)-1]
}

func (a *arena) newB(e bexpr) *bexpr {
	if len(a.bs) == cap(a.bs) {
		a.bs = make([]bexpr, 0, arenaBlock)
	}
	a.bs = append(a.bs, e)
	return &a.bs[len(a.bs)-1]
}

func (a *arena) wConstOf(k uint32) *wexpr { return a.newW(wexpr{kind: wConst, k: k}) }

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
	if a.kind != b.kind || a.k != b.k {
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

func (w *wexpr) hash() uint64 {
	h := mix(uint64(w.kind)+1, uint64(w.k))
	if w.kind == wAnd || w.kind == wOr {
		h = mix(mix(h, w.x.hash()), w.y.hash())
	}
	return h
}

func (e *bexpr) hash() uint64 {
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
	if a.kind != b.kind || a.op != b.op {
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
}

// valRange is the range of 32-bit values lo..hi.
type valRange struct{ lo, hi uint32 }

var (
	bexprTrue  = &bexpr{kind: bTrue}
	bexprFalse = &bexpr{kind: bFalse}
)

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
}

func newLowering(bigEndian bool) *lowering {
	lw := &lowering{bigEndian: bigEndian}
	for i := range lw.words {
		lw.words[i] = &wexpr{kind: wWord, k: uint32(4 * i)}
	}
	return lw
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

// condEmitter emits lowered conditions as jumps. It follows what A
// holds, so that a value already in A is not loaded again: at a label,
// A holds what it held at every jump there (all of them come before).
type condEmitter struct {
	b     *builder
	a     *wexpr           // what A holds now, nil: not known
	exits map[label]*wexpr // what A holds at the jumps to a label so far
	mixed map[label]bool   // labels jumped to with different values in A
}

func newCondEmitter(b *builder) *condEmitter {
	return &condEmitter{b: b, exits: make(map[label]*wexpr), mixed: make(map[label]bool)}
}

func (c *condEmitter) jump(op uint16, k uint32, t, f label) {
	c.b.jump(op, k, t, f, "")
	c.exit(t)
	if op != opJa {
		c.exit(f)
	}
}

func (c *condEmitter) exit(l label) {
	if w, ok := c.exits[l]; !ok {
		c.exits[l] = c.a
	} else if w == nil || c.a == nil || !wequal(w, c.a) {
		c.mixed[l] = true
	}
}

// bind binds l, which only jumps emitted before reach.
func (c *condEmitter) bind(l label) {
	c.b.bind(l)
	c.a = c.exits[l]
	if c.mixed[l] {
		c.a = nil
	}
	delete(c.exits, l)
	delete(c.mixed, l)
}

// reset forgets what A holds (at code reached from elsewhere).
func (c *condEmitter) reset() { c.a = nil }

// cond emits code that goes to t when e holds and to f otherwise.
func (c *condEmitter) cond(e *bexpr, t, f label) error {
	switch e.kind {
	case bTrue:
		c.jump(opJa, 0, t, 0)
	case bFalse:
		c.jump(opJa, 0, f, 0)
	case bAnd:
		m := c.b.newLabel()
		if err := c.cond(e.l, m, f); err != nil {
			return err
		}
		c.bind(m)
		return c.cond(e.r, t, f)
	case bOr:
		m := c.b.newLabel()
		if err := c.cond(e.l, t, m); err != nil {
			return err
		}
		c.bind(m)
		return c.cond(e.r, t, f)
	case bCmp:
		return c.compare(e.op, e.x, e.y, t, f)
	case bIn:
		if err := c.load(e.x, 0); err != nil {
			return err
		}
		c.valueTree(planSet(*e.set), t, f)
	}
	return nil
}

// jumpOps gives for each operator the jump instruction (K form) and
// whether its targets are swapped.
var jumpOps = [...]struct {
	op   uint16
	swap bool
}{
	Eq: {opJeqK, false},
	Ne: {opJeqK, true},
	Lt: {opJgeK, true},
	Le: {opJgtK, true},
	Gt: {opJgtK, false},
	Ge: {opJgeK, false},
}

func (c *condEmitter) compare(op CmpOp, x, y *wexpr, t, f label) error {
	j := jumpOps[op]
	if j.swap {
		t, f = f, t
	}
	if y.isConst() {
		// (v & m) != 0 and (v & m) == m for a single bit m are JSET m.
		if x.kind == wAnd && x.y.isConst() && (op == Eq || op == Ne) {
			m := x.y.k
			switch {
			case y.k == 0:
				if err := c.load(x.x, 0); err != nil {
					return err
				}
				c.jump(opJsetK, m, f, t)
				return nil
			case y.k == m && m&(m-1) == 0:
				if err := c.load(x.x, 0); err != nil {
					return err
				}
				c.jump(opJsetK, m, t, f)
				return nil
			}
		}
		if err := c.load(x, 0); err != nil {
			return err
		}
		c.jump(j.op, y.k, t, f)
		return nil
	}
	// Both sides vary: y goes to X, x to A.
	if x.simple() {
		if err := c.load(y, 0); err != nil {
			return err
		}
		c.b.stmt(opTax, 0, "")
		if err := c.load(x, 0); err != nil {
			return err
		}
	} else {
		if err := c.load(y, 0); err != nil {
			return err
		}
		c.b.stmt(opSt, 0, "")
		if err := c.load(x, 1); err != nil {
			return err
		}
		c.b.stmt(opLdxMem, 0, "")
	}
	c.jump(j.op+(opJeqX-opJeqK), 0, t, f)
	return nil
}

// scratchSlots is the number of words of BPF scratch memory.
const scratchSlots = 16

// load emits code that leaves w in A, using scratch slots from slot on.
func (c *condEmitter) load(w *wexpr, slot int) error {
	if c.a != nil && wequal(c.a, w) {
		return nil
	}
	if err := c.compute(w, slot); err != nil {
		return err
	}
	c.a = w
	return nil
}

// compute emits the code of load.
func (c *condEmitter) compute(w *wexpr, slot int) error {
	c.a = nil
	switch w.kind {
	case wWord:
		c.b.stmt(opLdAbs, w.k, "")
		return nil
	case wConst:
		c.b.stmt(opLdImm, w.k, "")
		return nil
	}
	aluK, aluX := uint16(opAndK), uint16(opAndX)
	if w.kind == wOr {
		aluK, aluX = opOrK, opOrX
	}
	if w.y.isConst() {
		if err := c.load(w.x, slot); err != nil {
			return err
		}
		c.b.stmt(aluK, w.y.k, "")
		return nil
	}
	if slot >= scratchSlots {
		return fmt.Errorf("argument expression needs more than %d scratch words", scratchSlots)
	}
	// & and | commute: compute the operand that needs more scratch words
	// first, keep it in M[slot] while the other one is computed.
	first, second := w.x, w.y
	if first.slots() < second.slots() {
		first, second = second, first
	}
	if err := c.load(first, slot); err != nil {
		return err
	}
	c.b.stmt(opSt, uint32(slot), "")
	if err := c.load(second, slot+1); err != nil {
		return err
	}
	c.b.stmt(opLdxMem, uint32(slot), "")
	c.b.stmt(aluX, 0, "")
	return nil
}

// slots is the number of scratch words load needs for w.
func (w *wexpr) slots() int {
	switch {
	case w.kind == wWord || w.kind == wConst:
		return 0
	case w.y.isConst():
		return w.x.slots()
	}
	a, b := w.x.slots(), w.y.slots()
	if a == b {
		return a + 1
	}
	return max(a, b)
}

// Sets of values. A run of rules with the same action that test one
// value for equality with many constants ("fd == 0, fd == 1, ...", common
// in generated policies) becomes a membership test, emitted as a search
// over the ranges of member values, planned like the syscall-number
// dispatch. A 64-bit equality test joins a set of its low word under the
// same test of its high word.

// minSetSize is the least number of values that make a set.
const minSetSize = 3

// collectSets rewrites the disjunctions of e so that equality tests of
// one value with constants become sets.
func (a *arena) collectSets(e *bexpr) *bexpr {
	switch e.kind {
	case bAnd:
		l, r := a.collectSets(e.l), a.collectSets(e.r)
		if l == e.l && r == e.r {
			return e
		}
		return a.mkAnd(l, r)
	case bOr:
	default:
		return e
	}
	if countEqualities(e) < minSetSize {
		return e
	}
	var ds []*bexpr
	var flatten func(e *bexpr)
	flatten = func(e *bexpr) {
		if e.kind == bOr {
			flatten(e.l)
			flatten(e.r)
			return
		}
		ds = append(ds, a.collectSets(e))
	}
	flatten(e)
	type group struct {
		guard *bexpr // a test all members need, or nil
		x     *wexpr
		vals  []uint32
	}
	var groups []*group
	member := make([]int, len(ds)) // index into groups, or -1
	for i, d := range ds {
		member[i] = -1
		x, k, guard, ok := equalityTest(d)
		if !ok {
			continue
		}
		for gi, g := range groups {
			if wequal(g.x, x) && (g.guard == guard || g.guard != nil && guard != nil && bequal(g.guard, guard)) {
				g.vals = append(g.vals, k)
				member[i] = gi
				break
			}
		}
		if member[i] < 0 {
			groups = append(groups, &group{guard: guard, x: x, vals: []uint32{k}})
			member[i] = len(groups) - 1
		}
	}
	var out *bexpr
	emitted := make([]bool, len(groups))
	or := func(d *bexpr) {
		if out == nil {
			out = d
		} else {
			out = a.mkOr(out, d)
		}
	}
	for i, d := range ds {
		gi := member[i]
		if gi < 0 || len(groups[gi].vals) < minSetSize {
			or(d)
			continue
		}
		if emitted[gi] {
			continue
		}
		emitted[gi] = true
		g := groups[gi]
		set := rangesOf(g.vals)
		in := a.newB(bexpr{kind: bIn, x: g.x, set: &set})
		if g.guard != nil {
			in = a.mkAnd(g.guard, in)
		}
		or(in)
	}
	return out
}

// countEqualities counts the equality tests with constants among the
// disjuncts of e.
func countEqualities(e *bexpr) int {
	n := 0
	for e.kind == bOr {
		n += countEqualities(e.r)
		e = e.l
	}
	if _, _, _, ok := equalityTest(e); ok {
		n++
	}
	return n
}

// equalityTest recognizes x == k and (guard && x == k) with guard an
// equality test with a constant (the high word of a 64-bit test).
func equalityTest(d *bexpr) (x *wexpr, k uint32, guard *bexpr, ok bool) {
	isEq := func(e *bexpr) bool { return e.kind == bCmp && e.op == Eq && e.y.isConst() }
	switch {
	case isEq(d):
		return d.x, d.y.k, nil, true
	case d.kind == bAnd && isEq(d.l) && isEq(d.r):
		return d.r.x, d.r.y.k, d.l, true
	}
	return nil, 0, nil, false
}

// rangesOf returns the values as sorted ranges of consecutive values.
func rangesOf(vals []uint32) []valRange {
	vals = slices.Clone(vals)
	slices.Sort(vals)
	var rs []valRange
	for _, v := range vals {
		if n := len(rs); n > 0 && uint64(rs[n-1].hi)+1 >= uint64(v) {
			rs[n-1].hi = max(rs[n-1].hi, v)
			continue
		}
		rs = append(rs, valRange{v, v})
	}
	return rs
}

// planSet plans the search for a value in set: the ranges of all 32-bit
// values, outcome 1 inside the set and 0 outside, each weighing the same,
// so that the plan is the smallest tree.
func planSet(set []valRange) *dnode {
	var rs []nrRange
	next := uint64(0)
	for _, r := range set {
		if uint64(r.lo) > next {
			rs = append(rs, nrRange{lo: uint32(next), hi: r.lo - 1, out: 0, w: 1})
		}
		rs = append(rs, nrRange{lo: r.lo, hi: r.hi, out: 1, w: 1})
		next = uint64(r.hi) + 1
	}
	if next <= 0xffffffff {
		rs = append(rs, nrRange{lo: uint32(next), hi: 0xffffffff, out: 0, w: 1})
	}
	return newPlanner(rs).plan(0, len(rs)-1)
}

// valueTree emits the search tree n over the value in A: to t for
// outcome 1, to f for outcome 0.
func (c *condEmitter) valueTree(n *dnode, t, f label) {
	b := c.b
	a := c.a // A holds the value all through the tree
	leaf := func(out int32) label {
		if out == 1 {
			return t
		}
		return f
	}
	target := func(n *dnode) label {
		if n.kind == dLeaf {
			return leaf(n.out)
		}
		n.lab = b.newLabel()
		return n.lab
	}
	var visit func(n *dnode)
	visit = func(n *dnode) {
		switch n.kind {
		case dSplit:
			lt, rt := target(n.left), target(n.right)
			c.jump(opJgeK, n.k, rt, lt)
			for _, child := range []*dnode{n.left, n.right} {
				if child.kind != dLeaf {
					c.bind(child.lab)
					c.a = a
					visit(child)
				}
			}
		case dChain:
			for i, e := range n.elems {
				next := leaf(n.out)
				if i+1 < len(n.elems) {
					next = b.newLabel()
				}
				c.jump(opJeqK, e.lo, leaf(e.out), next)
				if i+1 < len(n.elems) {
					c.bind(next)
					c.a = a
				}
			}
		}
	}
	if n.kind == dLeaf {
		c.jump(opJa, 0, leaf(n.out), 0)
		return
	}
	visit(n)
}
