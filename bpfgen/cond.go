package bpfgen

import (
	"fmt"
	"slices"
)

// condEmitter emits lowered conditions as jumps. It follows what A
// holds, so that a value already in A is not loaded again: at a label,
// A holds what it held at every jump there (all of them come before).
type condEmitter struct {
	b     *builder
	a     *wexpr    // what A holds now, nil: not known
	exits []*wexpr  // by label: what A holds at the jumps to it so far
	state []uint8   // by label: exitNone, exitSeen or exitMixed
	sets  planSpace // the search trees of sets
}

// The states of a label in condEmitter.
const (
	exitNone  = iota // no jump to the label yet
	exitSeen         // jumps with the value exits[label] in A
	exitMixed        // jumps with different values in A
)

func newCondEmitter(b *builder) *condEmitter {
	c := &condEmitter{}
	c.init(b)
	return c
}

// init readies c to emit into b, keeping its tables for reuse.
func (c *condEmitter) init(b *builder) {
	c.b, c.a = b, nil
	clear(c.exits)
	clear(c.state)
}

func (c *condEmitter) jump(op uint16, k uint32, t, f label) {
	c.b.jump(op, k, t, f, "")
	c.exit(t)
	if op != opJa {
		c.exit(f)
	}
}

func (c *condEmitter) exit(l label) {
	if int(l) >= len(c.state) {
		n, m := max(len(c.b.binding), int(l)+1, 2*len(c.state)), len(c.state)
		c.state = slices.Grow(c.state, n-m)[:n]
		c.exits = slices.Grow(c.exits, n-m)[:n]
		clear(c.state[m:])
		clear(c.exits[m:])
	}
	switch c.state[l] {
	case exitNone:
		c.exits[l], c.state[l] = c.a, exitSeen
	case exitSeen:
		if w := c.exits[l]; w == nil || c.a == nil || !wequal(w, c.a) {
			c.state[l] = exitMixed
		}
	}
}

// bind binds l, which only jumps emitted before reach.
func (c *condEmitter) bind(l label) {
	c.b.bind(l)
	c.a = nil
	if int(l) < len(c.state) {
		if c.state[l] == exitSeen {
			c.a = c.exits[l]
		}
		c.exits[l], c.state[l] = nil, exitNone
	}
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
		c.sets.reset()
		c.valueTree(planSet(*e.set, &c.sets), t, f)
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
