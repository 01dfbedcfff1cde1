package kafel

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/syscalls"
)

// This file keeps the resolver the loader had before fold, in three
// passes over a tree of its own (resolve, simplify, lower), as the oracle
// that fold must agree with.

// cond is a resolved argument filter: argument names have become argument
// numbers with their widths and constants have become numbers. It is the
// form the oracle simplifies and lowers to a bpfgen.Expr.
type cond struct {
	x, y *cond  // operands; x only for kNot
	num  uint64 // kNum
	op   bpfgen.CmpOp
	arg  int8 // kArg
	size int8 // kArg: width in bytes
	kind condKind
}

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
		return bpfgen.Arg(int(c.arg))
	case kBitAnd:
		return &bpfgen.BitAnd{X: lowerValue(c.x), Y: lowerValue(c.y)}
	case kBitOr:
		return &bpfgen.BitOr{X: lowerValue(c.x), Y: lowerValue(c.y)}
	}
	panic("kafel: lowering a boolean cond as a value")
}

// resolveCond builds the cond of a checked filter on arch.
func (l *loader) resolveCond(arch *syscalls.Arch, r *ruleDef, sc *syscalls.Syscall, e grammar.Expr) (*cond, bool) {
	switch e := e.(type) {
	case *grammar.Number:
		return &cond{kind: kNum, num: e.Value}, true
	case *grammar.Ident:
		if c, ok := l.consts[e.Name]; ok && c.seq < r.consts {
			return &cond{kind: kNum, num: c.value}, true
		}
		// The lookup as it was: through the rule's list of names.
		for i, a := range l.ruleArgs(r, sc) {
			if a.name == e.Name {
				return &cond{kind: kArg, arg: int8(i), size: int8(a.size)}, true
			}
		}
		i, size, ok := l.resolveArg(arch, r, sc, e) // old names, generic names, errors
		if !ok {
			return nil, false
		}
		return &cond{kind: kArg, arg: int8(i), size: int8(size)}, true
	case *grammar.NotExpr:
		x, ok := l.resolveCond(arch, r, sc, e.X)
		if !ok {
			return nil, false
		}
		return &cond{kind: kNot, x: x}, true
	case *grammar.BinaryExpr:
		kind, _ := condKindOf(e.Op)
		x, okx := l.resolveCond(arch, r, sc, e.X)
		y, oky := l.resolveCond(arch, r, sc, e.Y)
		if !okx || !oky {
			return nil, false
		}
		c := &cond{kind: kind, x: x, y: y}
		if kind == kCmp {
			c.op = cmpOp(e.Op)
		}
		return c, true
	}
	return nil, false
}

// randomFilter writes a random filter over the names in args, the
// constants K (wide) and Z (zero), and numbers at the 32- and 64-bit
// boundaries.
func randomFilter(rng *rand.Rand, args []string, depth int) string {
	nums := []string{"0", "1", "7", "0x10", "0xffffffff", "0x100000000", "-1", "K", "Z"}
	var value func(d int) string
	value = func(d int) string {
		switch k := rng.Intn(6); {
		case d <= 0 || k == 0:
			return nums[rng.Intn(len(nums))]
		case k <= 2:
			return args[rng.Intn(len(args))]
		case k == 3:
			return "(" + value(d-1) + " & " + value(d-1) + ")"
		case k == 4:
			return value(d-1) + " | " + value(d-1)
		}
		return "(" + value(d-1) + ")"
	}
	ops := []string{"==", "!=", "<", "<=", ">", ">="}
	var cond func(d int) string
	cond = func(d int) string {
		switch k := rng.Intn(6); {
		case d <= 0 || k <= 1:
			return value(2) + " " + ops[rng.Intn(len(ops))] + " " + value(2)
		case k == 2:
			return "!(" + cond(d-1) + ")"
		case k == 3:
			return "(" + cond(d-1) + " && " + cond(d-1) + ")"
		case k == 4:
			return cond(d-1) + " || " + cond(d-1)
		}
		return cond(d-1) + ", " + cond(d-1)
	}
	return cond(depth)
}

// TestFoldMatchesOracle checks fold against resolve, simplify and lower
// on random filters of a kernel-named syscall (arguments 4 and 8 bytes
// wide), of a custom one with declared names, with generic names arg0..
// and with constants; the oracle looks names up as the loader did before
// resolveArg.
func TestFoldMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		if !checkFold(t, randomFilter(rng, []string{"fd", "buf", "count", "arg1"}, 3), randomFilter(rng, []string{"a", "b", "arg0"}, 3)) {
			t.Fatal("a random policy did not load")
		}
	}
}

// FuzzFold compares fold with the oracle on any pair of filters, the
// first for read (kernel names), the second for SYSCALL[1000](a, b).
func FuzzFold(f *testing.F) {
	f.Add("fd == 1 || (buf & 0x10) == 0x10 || count > 1000", "a == b")
	f.Add("!(fd | K) == -1, arg1 < Z", "(a & 0) == 0 && b != 0xffffffff")
	f.Fuzz(func(t *testing.T, read, custom string) {
		if strings.ContainsAny(read+custom, "{}#\"\n/*") {
			return // one filter each, nothing else
		}
		checkFold(t, read, custom)
	})
}

// checkFold loads a policy with the two filters and, when it loads,
// compares fold with the oracle on each rule. It reports whether the
// policy loaded.
func checkFold(t *testing.T, read, custom string) bool {
	t.Helper()
	arch := mustArch(t, "x86_64")
	src := fmt.Sprintf("#define K 0x100000000\n#define Z 0\nALLOW {\n  read { %s },\n  SYSCALL[1000](a, b) { %s }\n}\n", read, custom)
	l := newLoader("fold.policy", []byte(src), Options{Arches: []*syscalls.Arch{arch}})
	l.run()
	if l.parseError || l.diags.HasErrors() || len(l.main.items) != 1 || l.main.items[0].block == nil {
		return false
	}
	for _, r := range l.main.items[0].block.rules {
		if r.filter == nil {
			continue
		}
		var sc *syscalls.Syscall
		if !r.custom {
			sc, _ = arch.Lookup(r.name)
		}
		f, ok := l.fold(arch, r, sc, r.filter)
		c, cok := l.resolveCond(arch, r, sc, r.filter)
		if ok != cok {
			t.Fatalf("fold ok %v, oracle ok %v:\n%s", ok, cok, src)
		}
		if !ok {
			continue
		}
		if got, want := foldedString(f), condString(simplify(c)); got != want {
			t.Fatalf("rule at %s:\nfold:   %s\noracle: %s\npolicy:\n%s", posString(r.src.Pos()), got, want, src)
		}
	}
	return true
}

func foldedString(f folded) string {
	switch f.kind {
	case kTrue:
		return "true"
	case kFalse:
		return "false"
	}
	return dumpExpr(f.expr)
}

func condString(c *cond) string {
	switch c.kind {
	case kTrue:
		return "true"
	case kFalse:
		return "false"
	}
	return dumpExpr(lower(c))
}
