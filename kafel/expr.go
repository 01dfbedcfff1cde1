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
type cond struct {
	kind condKind
	op   bpfgen.CmpOp // kCmp
	num  uint64       // kNum
	arg  int          // kArg
	size int          // kArg: width in bytes
	x, y *cond        // operands; x only for kNot
	name string       // kIdent: an argument name, resolved per arch
	pos  Pos          // kIdent
}

type condKind int

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
	kIdent
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
	case kNum, kArg, kTrue, kFalse, kIdent:
		return c
	case kNot:
		x := simplify(c.x)
		switch x.kind {
		case kTrue:
			return condFalse
		case kFalse:
			return condTrue
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
			return &cond{kind: dominant}
		case x.kind == recessive:
			return y
		case y.kind == recessive:
			return x
		}
		return &cond{kind: c.kind, x: x, y: y}
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
		return &cond{kind: c.kind, x: x, y: y}
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
		return &cond{kind: kCmp, op: c.op, x: x, y: y}
	}
	panic("kafel: unknown cond kind")
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
	switch c.kind {
	case kNot:
		return &bpfgen.Not{X: lower(c.x)}
	case kAnd:
		return &bpfgen.And{X: lower(c.x), Y: lower(c.y)}
	case kOr:
		return &bpfgen.Or{X: lower(c.x), Y: lower(c.y)}
	case kCmp:
		return &bpfgen.Compare{Op: c.op, X: lowerValue(c.x), Y: lowerValue(c.y), Is32: !wide(c.x) && !wide(c.y)}
	}
	panic("kafel: lower of a non-boolean cond")
}

func lowerValue(c *cond) bpfgen.Value {
	switch c.kind {
	case kNum:
		return bpfgen.Const(c.num)
	case kArg:
		return bpfgen.Arg(c.arg)
	case kBitAnd:
		return &bpfgen.BitAnd{X: lowerValue(c.x), Y: lowerValue(c.y)}
	case kBitOr:
		return &bpfgen.BitOr{X: lowerValue(c.x), Y: lowerValue(c.y)}
	}
	panic("kafel: lowerValue of a boolean cond")
}
