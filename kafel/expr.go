package kafel

import (
	"math"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/internal/arena"
	"github.com/gokafel/gokafel/syscalls"
)

// Pos is a position in a source file.
type Pos = lexer.Position

// maxExprDepth bounds the nesting of an argument filter, as in the
// reference compiler: a node whose operand is already this deep is an error.
// Leaves have depth 0; each operator (comparison, &&, ||, !, &, |) adds one;
// parentheses add nothing.
const maxExprDepth = 200

// condKind is what a node of a resolved filter is.
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

// folded is a resolved filter, or a value in one, folded as it is built:
// a number (kNum), an argument (kArg), a combination of values (kBitAnd,
// kBitOr, in val), a condition that always or never holds (kTrue, kFalse),
// or any other condition (in expr).
type folded struct {
	kind condKind
	num  uint64 // kNum
	arg  int8   // kArg
	// wide says whether a value mentions an argument wider than 4 bytes or
	// a number that does not fit in 32 bits.
	wide bool
	val  bpfgen.Value // kArg, kBitAnd, kBitOr
	expr bpfgen.Expr  // a condition neither true nor false
}

var (
	foldedTrue  = folded{kind: kTrue}
	foldedFalse = folded{kind: kFalse}
)

func number(v uint64) folded { return folded{kind: kNum, num: v, wide: v > math.MaxUint32} }

// value returns f, a value, as the generator's Value.
func (f *folded) value() bpfgen.Value {
	if f.kind == kNum {
		return bpfgen.Const(f.num)
	}
	return f.val
}

// fold resolves a checked filter (see checkFilter) on one arch and lowers
// it to the generator's form: constants defined before the rule become
// numbers, argument names argument numbers with their widths. It folds
// constants the way the reference compiler does before it decides whether
// a comparison is 32- or 64-bit: number-only operations are computed, x&0
// is 0, x&^0 is x, x|0 is x, x|^0 is ^0 (a number is moved to the right
// of & and |), a comparison of two numbers (or of an argument with itself)
// becomes true or false, and true and false propagate through !, && and
// ||. None of this changes what a filter means on full 64-bit values; it
// only decides which comparisons still mention a wide number. Each
// remaining comparison is 32-bit unless one of its sides is wide.
//
// An unknown name is reported, and both operands of an operator are
// resolved before it fails, so that each unknown name is reported.
func (l *loader) fold(arch *syscalls.Arch, r *ruleDef, sc *syscalls.Syscall, e grammar.Expr) (folded, bool) {
	var f folded
	ok := l.foldInto(arch, r, sc, e, &f)
	return f, ok
}

// foldInto is fold writing its result to *out (the recursion passes
// results through its callers' frames instead of copying them back).
func (l *loader) foldInto(arch *syscalls.Arch, r *ruleDef, sc *syscalls.Syscall, e grammar.Expr, out *folded) bool {
	switch e := e.(type) {
	case *grammar.Number:
		*out = number(e.Value)
		return true
	case *grammar.Ident:
		if r.consts > 0 { // else no constant was defined before the rule
			if c, ok := l.consts[e.Name]; ok && c.seq < r.consts {
				*out = number(c.value)
				return true
			}
		}
		i, size, ok := l.resolveArg(arch, r, sc, e)
		if ok {
			*out = argValue(i, size)
		}
		return ok
	case *grammar.NotExpr:
		var x folded
		if !l.foldInto(arch, r, sc, e.X, &x) {
			return false
		}
		switch x.kind {
		case kTrue:
			*out = foldedFalse
		case kFalse:
			*out = foldedTrue
		default:
			n := l.lowering.nots.Take()
			n.X = x.expr
			*out = folded{kind: kNot, expr: n}
		}
		return true
	case *grammar.BinaryExpr:
		kind, _ := condKindOf(e.Op)
		var x, y folded
		okx := l.foldInto(arch, r, sc, e.X, &x)
		oky := l.foldInto(arch, r, sc, e.Y, &y)
		if !okx || !oky {
			return false
		}
		switch kind {
		case kAnd, kOr:
			*out = l.lowering.logical(kind, &x, &y)
		case kBitAnd, kBitOr:
			*out = l.lowering.bitwise(kind, &x, &y)
		default:
			*out = l.lowering.compare(cmpOp(e.Op), &x, &y)
		}
		return true
	}
	return false
}

// argValue returns argument i of the given width as a value.
func argValue(i, size int) folded {
	f := folded{kind: kArg, arg: int8(i), wide: size > 4}
	if i >= 0 && i < len(argValues) {
		f.val = argValues[i]
	} else {
		f.val = bpfgen.Arg(i)
	}
	return f
}

// logical folds x && y (kind kAnd) or x || y (kOr).
func (lw *lowering) logical(kind condKind, x, y *folded) folded {
	dominant, recessive := foldedTrue, kFalse // for ||
	if kind == kAnd {
		dominant, recessive = foldedFalse, kTrue
	}
	switch {
	case x.kind == dominant.kind || y.kind == dominant.kind:
		return dominant
	case x.kind == recessive:
		return *y
	case y.kind == recessive:
		return *x
	}
	if kind == kAnd {
		n := lw.ands.Take()
		n.X, n.Y = x.expr, y.expr
		return folded{kind: kAnd, expr: n}
	}
	n := lw.ors.Take()
	n.X, n.Y = x.expr, y.expr
	return folded{kind: kOr, expr: n}
}

// bitwise folds x & y (kind kBitAnd) or x | y (kBitOr).
func (lw *lowering) bitwise(kind condKind, x, y *folded) folded {
	if x.kind == kNum && y.kind == kNum {
		if kind == kBitAnd {
			return number(x.num & y.num)
		}
		return number(x.num | y.num)
	}
	if x.kind == kNum {
		x, y = y, x
	}
	if y.kind == kNum {
		clobber, identity := uint64(0), uint64(math.MaxUint64) // for &
		if kind == kBitOr {
			clobber, identity = identity, clobber
		}
		switch y.num {
		case clobber:
			return number(clobber)
		case identity:
			return *x
		}
	}
	f := folded{kind: kind, wide: x.wide || y.wide}
	if kind == kBitAnd {
		n := lw.bitAnds.Take()
		n.X, n.Y = x.value(), y.value()
		f.val = n
	} else {
		n := lw.bitOrs.Take()
		n.X, n.Y = x.value(), y.value()
		f.val = n
	}
	return f
}

// compare folds the comparison x op y.
func (lw *lowering) compare(op bpfgen.CmpOp, x, y *folded) folded {
	holds := false
	switch {
	case x.kind == kNum && y.kind == kNum:
		holds = compare(op, x.num, y.num)
	case x.kind == kArg && y.kind == kArg && x.arg == y.arg:
		holds = compare(op, 0, 0)
	default:
		n := lw.compares.Take() // filled field by field: no bulk write barrier
		n.Op, n.X, n.Y, n.Is32 = op, x.value(), y.value(), !x.wide && !y.wide
		return folded{kind: kCmp, expr: n}
	}
	if holds {
		return foldedTrue
	}
	return foldedFalse
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

// lowering allocates the generator's expression nodes of a load from
// chunks (see chunks): a filtered rule costs a handful of nodes, and one
// allocation each made up a fifth of the allocations of a large load.
type lowering struct {
	nots     arena.Chunks[bpfgen.Not]
	ands     arena.Chunks[bpfgen.And]
	ors      arena.Chunks[bpfgen.Or]
	compares arena.Chunks[bpfgen.Compare]
	bitAnds  arena.Chunks[bpfgen.BitAnd]
	bitOrs   arena.Chunks[bpfgen.BitOr]
}

// argValues are the arguments as Values, boxed once.
var argValues = [...]bpfgen.Value{bpfgen.Arg(0), bpfgen.Arg(1), bpfgen.Arg(2), bpfgen.Arg(3), bpfgen.Arg(4), bpfgen.Arg(5)}

// keepChunks makes lw remember its chunks for reset.
func (lw *lowering) keepChunks() {
	lw.nots.Recycle = true
	lw.ands.Recycle = true
	lw.ors.Recycle = true
	lw.compares.Recycle = true
	lw.bitAnds.Recycle = true
	lw.bitOrs.Recycle = true
}

// reset zeroes the nodes handed out and keeps their chunks.
func (lw *lowering) reset() {
	lw.nots.Reset()
	lw.ands.Reset()
	lw.ors.Reset()
	lw.compares.Reset()
	lw.bitAnds.Reset()
	lw.bitOrs.Reset()
}
