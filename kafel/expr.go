package kafel

import (
	"math"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/gokafel/gokafel/bpfgen"
)

// Pos is a position in a source file.
type Pos = lexer.Position

// maxExprDepth bounds the nesting of an argument filter, as in the
// reference compiler: a node whose operand is already this deep is an error.
// Leaves have depth 0; each operator (comparison, &&, ||, !, &, |) adds one;
// parentheses add nothing.
const maxExprDepth = 200

// cond is a resolved argument filter: argument names have become argument
// numbers with their widths and constants have become numbers. It is the
// form the checker simplifies and lowers to a bpfgen.Expr.
//
// It is kept small (40 bytes): a large policy resolves millions of them.
type cond struct {
	x, y *cond  // operands; x only for kNot
	num  uint64 // kNum
	op   bpfgen.CmpOp
	arg  int8 // kArg
	size int8 // kArg: width in bytes
	kind condKind
}

type condKind uint8

const (
	kNum condKind = iota
	kArg
	kTrue
	kFalse
	kNot
	kAnd
	kOr
	kCmp
	kBitAnd
	kBitOr
)

var (
	condTrue  = &cond{kind: kTrue}
	condFalse = &cond{kind: kFalse}
)

func isConst(c *cond) bool { return c.kind == kNum }

// simplify folds constants the way the reference compiler does before it
// decides whether a comparison is 32- or 64-bit: number-only operations are
// computed, x&0 is 0, x&^0 is x, x|0 is x, x|^0 is ^0, a comparison of two
// numbers (or of an argument with itself) becomes true or false, and true
// and false propagate through !, && and ||. None of this changes what a
// filter means on full 64-bit values; it only decides which comparisons
// still mention a wide number.
func simplify(c *cond) *cond {
	switch c.kind {
	case kNum, kArg, kTrue, kFalse:
		return c
	case kNot:
		x := simplify(c.x)
		switch x.kind {
		case kTrue:
			return condFalse
		case kFalse:
			return condTrue
		}
		if x == c.x {
			return c
		}
		return &cond{kind: kNot, x: x}
	case kAnd, kOr:
		x, y := simplify(c.x), simplify(c.y)
		dominant, recessive := kTrue, kFalse // for ||
		if c.kind == kAnd {
			dominant, recessive = kFalse, kTrue
		}
		switch {
		case x.kind == dominant || y.kind == dominant:
			if dominant == kTrue {
				return condTrue
			}
			return condFalse
		case x.kind == recessive:
			return y
		case y.kind == recessive:
			return x
		}
		return unchanged(c, x, y)
	case kBitAnd, kBitOr:
		x, y := simplify(c.x), simplify(c.y)
		if isConst(x) && isConst(y) {
			if c.kind == kBitAnd {
				return &cond{kind: kNum, num: x.num & y.num}
			}
			return &cond{kind: kNum, num: x.num | y.num}
		}
		if isConst(x) {
			x, y = y, x
		}
		if isConst(y) {
			clobber, identity := uint64(0), uint64(math.MaxUint64) // for &
			if c.kind == kBitOr {
				clobber, identity = identity, clobber
			}
			switch y.num {
			case clobber:
				return &cond{kind: kNum, num: clobber}
			case identity:
				return x
			}
		}
		return unchanged(c, x, y)
	case kCmp:
		x, y := simplify(c.x), simplify(c.y)
		if isConst(x) && isConst(y) {
			if compare(c.op, x.num, y.num) {
				return condTrue
			}
			return condFalse
		}
		if x.kind == kArg && y.kind == kArg && x.arg == y.arg {
			if compare(c.op, 0, 0) {
				return condTrue
			}
			return condFalse
		}
		return unchanged(c, x, y)
	}
	panic("kafel: unknown cond kind")
}

// unchanged returns c when its simplified operands are its own, in order
// (conds are never modified once built, so c can stand for the result),
// and otherwise a copy of c with operands x and y. Most filters have
// nothing to fold, and this keeps simplify from copying them whole.
func unchanged(c, x, y *cond) *cond {
	if x == c.x && y == c.y {
		return c
	}
	return &cond{kind: c.kind, op: c.op, x: x, y: y}
}

func compare(op bpfgen.CmpOp, x, y uint64) bool {
	switch op {
	case bpfgen.Eq:
		return x == y
	case bpfgen.Ne:
		return x != y
	case bpfgen.Lt:
		return x < y
	case bpfgen.Le:
		return x <= y
	case bpfgen.Gt:
		return x > y
	case bpfgen.Ge:
		return x >= y
	}
	panic("kafel: unknown comparison")
}

// wide reports whether a value mentions an argument wider than 4 bytes or a
// number that does not fit in 32 bits.
func wide(c *cond) bool {
	switch c.kind {
	case kNum:
		return c.num > math.MaxUint32
	case kArg:
		return c.size > 4
	case kBitAnd, kBitOr:
		return wide(c.x) || wide(c.y)
	}
	return false
}

// lower turns a simplified condition that is neither true nor false into
// the code generator's form. Each comparison is 32-bit unless one of its
// sides is wide.
func lower(c *cond) bpfgen.Expr {
	var lw lowering
	return lw.lower(c)
}

// lowering allocates the generator's expression nodes of a load from
// chunks (see chunks): a filtered rule costs a handful of nodes, and one
// allocation each made up a fifth of the allocations of a large load.
type lowering struct {
	nots     chunks[bpfgen.Not]
	ands     chunks[bpfgen.And]
	ors      chunks[bpfgen.Or]
	compares chunks[bpfgen.Compare]
	bitAnds  chunks[bpfgen.BitAnd]
	bitOrs   chunks[bpfgen.BitOr]
}

// argValues are the arguments as Values, boxed once.
var argValues = [...]bpfgen.Value{bpfgen.Arg(0), bpfgen.Arg(1), bpfgen.Arg(2), bpfgen.Arg(3), bpfgen.Arg(4), bpfgen.Arg(5)}

func (lw *lowering) lower(c *cond) bpfgen.Expr {
	switch c.kind {
	case kNot:
		n := lw.nots.next()
		n.X = lw.lower(c.x)
		return n
	case kAnd:
		n := lw.ands.next()
		n.X, n.Y = lw.lower(c.x), lw.lower(c.y)
		return n
	case kOr:
		n := lw.ors.next()
		n.X, n.Y = lw.lower(c.x), lw.lower(c.y)
		return n
	case kCmp:
		n := lw.compares.next()
		*n = bpfgen.Compare{Op: c.op, X: lw.value(c.x), Y: lw.value(c.y), Is32: !wide(c.x) && !wide(c.y)}
		return n
	}
	panic("kafel: lower of a non-boolean cond")
}

func (lw *lowering) value(c *cond) bpfgen.Value {
	switch c.kind {
	case kNum:
		return bpfgen.Const(c.num)
	case kArg:
		if c.arg >= 0 && int(c.arg) < len(argValues) {
			return argValues[c.arg]
		}
		return bpfgen.Arg(int(c.arg))
	case kBitAnd:
		n := lw.bitAnds.next()
		n.X, n.Y = lw.value(c.x), lw.value(c.y)
		return n
	case kBitOr:
		n := lw.bitOrs.next()
		n.X, n.Y = lw.value(c.x), lw.value(c.y)
		return n
	}
	panic("kafel: lowering a boolean cond as a value")
}
