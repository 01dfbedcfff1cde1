package kafel

import (
	"testing"

	"github.com/gokafel/gokafel/bpfgen"
)

func TestSimplify(t *testing.T) {
	num := func(v uint64) *cond { return &cond{kind: kNum, num: v} }
	arg := func(i, size int) *cond { return &cond{kind: kArg, arg: int8(i), size: int8(size)} }
	cmp := func(op bpfgen.CmpOp, x, y *cond) *cond { return &cond{kind: kCmp, op: op, x: x, y: y} }
	and := func(x, y *cond) *cond { return &cond{kind: kBitAnd, x: x, y: y} }
	or := func(x, y *cond) *cond { return &cond{kind: kBitOr, x: x, y: y} }
	land := func(x, y *cond) *cond { return &cond{kind: kAnd, x: x, y: y} }
	lor := func(x, y *cond) *cond { return &cond{kind: kOr, x: x, y: y} }
	not := func(x *cond) *cond { return &cond{kind: kNot, x: x} }
	fd, count := arg(0, 4), arg(2, 8)
	tests := []struct {
		name string
		in   *cond
		want string // "true", "false" or the lowered form
	}{
		{"numbers compare", cmp(bpfgen.Lt, num(1), num(2)), "true"},
		{"64-bit numbers compare in full", cmp(bpfgen.Eq, num(0x100001234), num(0x1234)), "false"},
		{"numbers fold under &", cmp(bpfgen.Eq, fd, and(num(0x100000001), num(1))), "a0 == 0x1/32"},
		{"numbers fold under |", cmp(bpfgen.Eq, fd, or(num(1), num(2))), "a0 == 0x3/32"},
		{"x & 0 is 0", cmp(bpfgen.Eq, and(count, num(0)), num(0)), "true"},
		{"x & all-ones is x", cmp(bpfgen.Eq, and(num(^uint64(0)), fd), num(1)), "a0 == 0x1/32"},
		{"x | 0 is x", cmp(bpfgen.Eq, or(fd, num(0)), num(1)), "a0 == 0x1/32"},
		{"x | all-ones is all-ones", cmp(bpfgen.Eq, or(fd, num(^uint64(0))), num(^uint64(0))), "true"},
		{"arg with itself", cmp(bpfgen.Ge, fd, fd), "true"},
		{"arg unequal to itself", cmp(bpfgen.Ne, count, count), "false"},
		{"true || x", lor(cmp(bpfgen.Eq, num(1), num(1)), cmp(bpfgen.Eq, fd, num(1))), "true"},
		{"false || x", lor(cmp(bpfgen.Eq, num(1), num(2)), cmp(bpfgen.Eq, fd, num(1))), "a0 == 0x1/32"},
		{"x && false", land(cmp(bpfgen.Eq, fd, num(1)), cmp(bpfgen.Eq, num(1), num(2))), "false"},
		{"x && true", land(cmp(bpfgen.Eq, fd, num(1)), cmp(bpfgen.Eq, num(2), num(2))), "a0 == 0x1/32"},
		{"!false", not(cmp(bpfgen.Eq, num(1), num(2))), "true"},
		{"!x", not(cmp(bpfgen.Eq, fd, num(1))), "!a0 == 0x1/32"},
		{"wide number", cmp(bpfgen.Eq, fd, num(0x100000000)), "a0 == 0x100000000/64"},
		{"wide argument", cmp(bpfgen.Gt, count, fd), "a2 > a0/64"},
		{"narrow argument pair", cmp(bpfgen.Lt, fd, arg(1, 2)), "a0 < a1/32"},
	}
	for _, tt := range tests {
		c := simplify(tt.in)
		var got string
		switch c.kind {
		case kTrue:
			got = "true"
		case kFalse:
			got = "false"
		default:
			got = dumpExpr(lower(c))
		}
		if got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}
