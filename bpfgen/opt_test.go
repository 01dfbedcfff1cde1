package bpfgen

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// ti is an instruction of a test program: jumps name their targets by
// index in the listing.
type ti struct {
	op     uint16
	k      uint32
	jt, jf int
}

func ld(off uint32) ti             { return ti{op: opLdAbs, k: off} }
func and(k uint32) ti              { return ti{op: opAndK, k: k} }
func ret(a Action) ti              { return ti{op: opRetK, k: uint32(a)} }
func ja(t int) ti                  { return ti{op: opJa, jt: t} }
func jeq(k uint32, jt, jf int) ti  { return ti{op: opJeqK, k: k, jt: jt, jf: jf} }
func jgt(k uint32, jt, jf int) ti  { return ti{op: opJgtK, k: k, jt: jt, jf: jf} }
func jset(k uint32, jt, jf int) ti { return ti{op: opJsetK, k: k, jt: jt, jf: jf} }
func jeqX(jt, jf int) ti           { return ti{op: opJeqX, jt: jt, jf: jf} }
func tax() ti                      { return ti{op: opTax} }
func ldImm(k uint32) ti            { return ti{op: opLdImm, k: k} }
func st(slot uint32) ti            { return ti{op: opSt, k: slot} }
func ldxMem(slot uint32) ti        { return ti{op: opLdxMem, k: slot} }
func jge(k uint32, jt, jf int) ti  { return ti{op: opJgeK, k: k, jt: jt, jf: jf} }
func listing(l ...ti) []ti         { return l }
func (t ti) String() string        { return fmt.Sprintf("%#02x %#x %d %d", t.op, t.k, t.jt, t.jf) }
func sameListing(a, b []ti) bool   { return fmt.Sprint(a) == fmt.Sprint(b) }
func formatListing(l []ti) string  { return fmtLines(l) }
func fmtLines[T fmt.Stringer](l []T) string {
	var b strings.Builder
	for i, x := range l {
		fmt.Fprintf(&b, "  %d: %v\n", i, x)
	}
	return b.String()
}

// progOf builds a prog whose ids are the indexes of l.
func progOf(l []ti) *prog {
	p := &prog{nextID: label(len(l))}
	for i, t := range l {
		in := insn{op: t.op, k: t.k, id: label(i)}
		if isJump(t.op) {
			in.jt = label(t.jt)
			if t.op != opJa {
				in.jf = label(t.jf)
			}
		}
		p.insns = append(p.insns, in)
	}
	return p
}

// listingOf turns p back into a listing with targets as indexes.
func listingOf(p *prog) []ti {
	pos := p.positions()
	var l []ti
	for _, in := range p.insns {
		t := ti{op: in.op, k: in.k}
		if isJump(in.op) {
			t.jt = int(pos[in.jt])
			if in.op != opJa {
				t.jf = int(pos[in.jf])
			}
		}
		l = append(l, t)
	}
	return l
}

// passInputs are inputs with the words the test programs look at
// (args[0] and args[1], low halves) set to values around their constants.
func passInputs() []SeccompData {
	vals := []uint64{0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 0x10, 0x11, 0x30, 0xff, 0xffffffff}
	var in []SeccompData
	for _, a := range vals {
		for _, b := range vals {
			in = append(in, SeccompData{Arch: auditArchX86_64, Args: [6]uint64{a, b}})
		}
	}
	return in
}

// checkSameMeaning assembles both programs and checks on passInputs that
// they give the same verdicts and that after executes no more instructions.
func checkSameMeaning(t *testing.T, before, after *prog) {
	t.Helper()
	b, _, err := before.assemble()
	if err != nil {
		t.Fatalf("assemble before: %v", err)
	}
	a, _, err := after.assemble()
	if err != nil {
		t.Fatalf("assemble after: %v", err)
	}
	for _, d := range passInputs() {
		va, na, err := Simulate(a, d, false)
		if err != nil {
			t.Fatalf("the optimized program is invalid: %v\n%s", err, Disassemble(a, nil))
		}
		vb, nb, _ := Simulate(b, d, false)
		if va != vb || na > nb {
			t.Fatalf("args %#x: before %v in %d steps, after %v in %d steps\nbefore:\n%s\nafter:\n%s", d.Args[:2], vb, nb, va, na, Disassemble(b, nil), Disassemble(a, nil))
		}
	}
}

// copyProg copies the program of p, none of its working tables.
func copyProg(p *prog) *prog {
	return &prog{insns: append([]insn(nil), p.insns...), nextID: p.nextID, notes: p.notes}
}

func TestPasses(t *testing.T) {
	const a0, a1 = offArgs, offArgs + 8
	ok, no := Allow, Errno.WithData(1)
	tests := []struct {
		name     string
		pass     func(*prog) bool
		in, want []ti
	}{
		{"thread: jump to JA goes to its target", threadJumps,
			listing(ld(a0), jeq(1, 2, 3), ja(4), ret(no), ret(ok)),
			listing(ld(a0), jeq(1, 4, 3), ret(ok), ret(no), ret(ok))},
		{"thread: JA to a return becomes the return", threadJumps,
			listing(ld(a0), ja(3), ret(no), ret(ok)),
			listing(ld(a0), ret(ok), ret(no), ret(ok))},
		{"thread: both targets equal", threadJumps,
			listing(ld(a0), jeq(1, 2, 2), ret(ok)),
			listing(ld(a0), ja(2), ret(ok))},
		{"thread: nothing to do", threadJumps,
			listing(ld(a0), jeq(1, 2, 3), ret(no), ret(ok)),
			listing(ld(a0), jeq(1, 2, 3), ret(no), ret(ok))},
		{"known: A == 1 false, then A == 1", foldKnownJumps,
			listing(ld(a0), jeq(1, 4, 2), jeq(1, 3, 5), ret(no), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 4, 5), jeq(1, 3, 5), ret(no), ret(ok), ret(no))},
		{"known: A > 10 true, then A > 5", foldKnownJumps,
			listing(ld(a0), jgt(10, 2, 4), jgt(5, 3, 4), ret(ok), ret(no)),
			listing(ld(a0), jgt(10, 3, 4), jgt(5, 3, 4), ret(ok), ret(no))},
		{"known: A & 0x10 clear, then A & 0x10 again", foldKnownJumps,
			listing(ld(a0), jset(0x10, 3, 2), jset(0x10, 3, 4), ret(ok), ret(no)),
			listing(ld(a0), jset(0x10, 3, 4), jset(0x10, 3, 4), ret(ok), ret(no))},
		{"known: A == 3, then A & 1", foldKnownJumps,
			listing(ld(a0), jeq(3, 2, 4), jset(1, 3, 4), ret(ok), ret(no)),
			listing(ld(a0), jeq(3, 3, 4), jset(1, 3, 4), ret(ok), ret(no))},
		{"known: nothing decided (A != 1, then A > 5)", foldKnownJumps,
			listing(ld(a0), jeq(1, 4, 2), jgt(5, 3, 4), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 4, 2), jgt(5, 3, 4), ret(ok), ret(no))},
		{"known: X comparisons are left alone", foldKnownJumps,
			listing(ld(a1), tax(), ld(a0), jeq(1, 5, 4), jeqX(5, 6), ret(no), ret(ok)),
			listing(ld(a1), tax(), ld(a0), jeq(1, 5, 4), jeqX(5, 6), ret(no), ret(ok))},
		{"loads: A already holds args[0]", removeRedundantLoads,
			listing(ld(a0), jeq(1, 4, 2), ld(a0), jeq(2, 4, 5), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 3, 2), jeq(2, 3, 4), ret(ok), ret(no))},
		{"loads: A already holds args[0] & 3", removeRedundantLoads,
			listing(ld(a0), and(3), jeq(1, 6, 3), ld(a0), and(3), jeq(2, 6, 7), ret(ok), ret(no)),
			listing(ld(a0), and(3), jeq(1, 4, 3), jeq(2, 4, 5), ret(ok), ret(no))},
		{"loads: A holds args[0] on one path only", removeRedundantLoads,
			listing(ld(a0), jeq(1, 2, 3), ld(a1), ld(a0), jeq(2, 5, 6), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 2, 3), ld(a1), ld(a0), jeq(2, 5, 6), ret(ok), ret(no))},
		{"loads: args[0] & 3 is not args[0]", removeRedundantLoads,
			listing(ld(a0), and(3), jeq(1, 5, 3), ld(a0), jeq(2, 5, 6), ret(ok), ret(no)),
			listing(ld(a0), and(3), jeq(1, 5, 3), ld(a0), jeq(2, 5, 6), ret(ok), ret(no))},
		{"dead loads: overwritten before use", removeDeadLoads,
			listing(ld(a0), ld(a1), jeq(1, 3, 4), ret(ok), ret(no)),
			listing(ld(a1), jeq(1, 2, 3), ret(ok), ret(no))},
		{"dead loads: before a return", removeDeadLoads,
			listing(ld(a0), jeq(1, 2, 4), ld(a1), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 2, 3), ret(ok), ret(no))},
		{"dead loads: used by tax", removeDeadLoads,
			listing(ld(a1), tax(), ld(a0), jeqX(4, 5), ret(ok), ret(no)),
			listing(ld(a1), tax(), ld(a0), jeqX(4, 5), ret(ok), ret(no))},
		{"merge: identical blocks", mergeTails,
			listing(ld(a0), jeq(1, 2, 5), ld(a1), jeq(3, 8, 9), ja(9), ld(a1), jeq(3, 8, 9), ret(no), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 5, 5), ld(a1), jeq(3, 8, 9), ja(9), ld(a1), jeq(3, 8, 9), ret(no), ret(ok), ret(no))},
		{"merge: identical returns", mergeTails,
			listing(ld(a0), jeq(1, 2, 3), ret(no), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 4, 3), ret(no), ret(ok), ret(no))},
		{"merge: a block something falls into stays", mergeTails,
			listing(ld(a0), jeq(1, 2, 3), and(3), jeq(2, 5, 6), jeq(2, 5, 6), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 2, 3), and(3), jeq(2, 5, 6), jeq(2, 5, 6), ret(ok), ret(no))},
		{"merge: whole blocks using scratch memory", mergeTails,
			listing(ld(a0), jeq(1, 2, 6), ldImm(5), st(0), ldxMem(0), jeqX(10, 11), ldImm(5), st(0), ldxMem(0), jeqX(10, 11), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 6, 6), ldImm(5), st(0), ldxMem(0), jeqX(10, 11), ldImm(5), st(0), ldxMem(0), jeqX(10, 11), ret(ok), ret(no))},
		{"jumps to next", removeJumpsToNext,
			listing(ld(a0), jeq(1, 2, 4), ja(3), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 2, 3), ret(ok), ret(no))},
		{"unreachable", removeUnreachable,
			listing(ld(a0), jeq(1, 3, 4), ret(no), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 2, 3), ret(ok), ret(no))},
		{"unreachable: nothing", removeUnreachable,
			listing(ld(a0), jeq(1, 2, 3), ret(ok), ret(no)),
			listing(ld(a0), jeq(1, 2, 3), ret(ok), ret(no))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := progOf(tt.in)
			before := copyProg(p)
			changed := tt.pass(p)
			got := listingOf(p)
			if !sameListing(got, tt.want) {
				t.Fatalf("in:\n%sgot:\n%swant:\n%s", formatListing(tt.in), formatListing(got), formatListing(tt.want))
			}
			if want := !sameListing(tt.in, tt.want); changed != want {
				t.Errorf("pass reported changed=%v, want %v", changed, want)
			}
			checkSameMeaning(t, before, p)
		})
	}
}

// TestFactsAgainstArithmetic checks edgeFact and decide against the
// jumps' own arithmetic on values around the constants.
func TestFactsAgainstArithmetic(t *testing.T) {
	ops := []uint16{opJeqK, opJgtK, opJgeK, opJsetK}
	holds := func(op uint16, a, k uint32) bool {
		switch op {
		case opJeqK:
			return a == k
		case opJgtK:
			return a > k
		case opJgeK:
			return a >= k
		}
		return a&k != 0
	}
	consts := []uint32{0, 1, 2, 3, 4, 5, 7, 8, 0x10, 0x30, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff}
	var vals []uint32
	for _, k := range consts {
		vals = append(vals, k-1, k, k+1)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 64; i++ {
		vals = append(vals, r.Uint32())
	}
	for _, op1 := range ops {
		for _, k1 := range consts {
			for _, taken := range []bool{true, false} {
				f, ok := edgeFact(op1, k1, taken)
				for _, op2 := range ops {
					for _, k2 := range consts {
						res, decided := f.decide(op2, k2)
						if !ok || !decided {
							continue
						}
						for _, a := range vals {
							if holds(op1, a, k1) != taken {
								continue // not on this edge
							}
							if holds(op2, a, k2) != res {
								t.Fatalf("A=%#x: edge %#x %#x taken=%v decides %#x %#x as %v, but it is %v",
									a, op1, k1, taken, op2, k2, res, !res)
							}
						}
					}
				}
			}
		}
	}
}

// TestAssembleLongJumps checks the resolution of jumps too long for 8
// bits: a far return is copied next to the jump, any other far target is
// reached through a JA placed after the jump, and the result still means
// the same.
func TestAssembleLongJumps(t *testing.T) {
	const a0 = offArgs
	ok, no := Allow, Errno.WithData(1)
	for _, farRet := range []bool{true, false} {
		// ld a0; jeq 1 -> far, else 300 tests that all end in "no";
		// far: a return, or a jump to one.
		l := listing(ld(a0))
		const pad = 300
		far := 2 + pad
		l = append(l, jeq(1, far, 2))
		for i := 0; i < pad; i++ {
			next := 3 + i
			if i == pad-1 {
				next = far + 2
			}
			l = append(l, jeq(uint32(100+i), far+2, next))
		}
		if farRet {
			l = append(l, ret(ok), ret(ok)) // far: ret ok
		} else {
			l = append(l, jeq(1, far+1, far+2), ret(ok)) // far: a jump
		}
		l = append(l, ret(no))
		p := progOf(l)
		insns, _, err := p.assemble()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewFilter(insns); err != nil {
			t.Fatalf("far return %v: %v\n%s", farRet, err, Disassemble(insns, nil))
		}
		next := insns[2]
		switch {
		case farRet && (next.Op != opRetK || next.K != uint32(ok)):
			t.Errorf("far return: instruction after the jump is %#x %#x, want a copy of the return", next.Op, next.K)
		case !farRet && next.Op != opJa:
			t.Errorf("far jump: instruction after the jump is %#x, want a JA", next.Op)
		}
		for _, v := range []uint64{0, 1, 2, 100, 399, 400} {
			d := SeccompData{Args: [6]uint64{v}}
			want := no
			if v == 1 {
				want = ok
			}
			if got, _, _ := Simulate(insns, d, false); got != want {
				t.Errorf("far return %v, a0=%d: %v, want %v", farRet, v, got, want)
			}
		}
	}
}

// TestHashIndexClaim checks that claim and set keep the same table as get
// and put would, across growth and with the hash 0 (stored as 1).
func TestHashIndexClaim(t *testing.T) {
	t.Parallel()
	idx := newHashIndex(0)
	want := map[uint64]int{}
	for i := 0; i < 1000; i++ {
		h := uint64(i%300) * 0x9e3779b97f4a7c15 // repeats: some claims find their key
		if i == 500 {
			h = 0
		}
		s := idx.claim(h)
		wantV, found := want[h]
		if h == 0 {
			wantV, found = want[1]
		}
		if gotFound := s.key != 0; gotFound != found || found && int(s.val) != wantV {
			t.Fatalf("claim(%#x) = key %#x val %d, want found %v val %d", h, s.key, s.val, found, wantV)
		}
		idx.set(s, h, i)
		if h == 0 {
			want[1] = i
		} else {
			want[h] = i
		}
	}
	if idx.n != len(want) {
		t.Fatalf("%d keys stored, want %d", idx.n, len(want))
	}
	for h, v := range want {
		if got, ok := idx.get(h); !ok || got != v {
			t.Errorf("get(%#x) = %d, %v; want %d", h, got, ok, v)
		}
	}
}

// TestTwinTerminators checks the precondition of merge-tails: it sees
// identical terminators however they are told apart (a return by its
// value, a JA by its target, a conditional jump by all four fields), and
// says false only when there are none.
func TestTwinTerminators(t *testing.T) {
	t.Parallel()
	const a0, a1 = offArgs, offArgs + 8
	ok, no, other := Allow, Errno.WithData(1), Errno.WithData(2)
	tests := []struct {
		name string
		l    []ti
		want bool
	}{
		{"distinct returns", listing(ld(a0), jeq(1, 2, 3), ret(ok), ret(no)), false},
		{"identical returns", listing(ld(a0), jeq(1, 2, 3), ret(no), ret(ok), ret(no)), true},
		{"jumps with a target of their own", listing(ld(a0), jeq(1, 3, 2), jeq(2, 3, 4), ret(ok), ret(no)), false},
		{"identical jumps", listing(ld(a0), jeq(1, 2, 5), ld(a1), jeq(3, 6, 7), jeq(3, 6, 7), ret(ok), ret(no), ret(other)), true},
		{"jumps differing in the constant", listing(ld(a0), jeq(1, 2, 5), ld(a1), jeq(3, 6, 7), jeq(4, 6, 7), ret(ok), ret(no), ret(other)), false},
		{"jumps differing in the op", listing(ld(a0), jeq(1, 2, 5), ld(a1), jeq(3, 6, 7), jgt(3, 6, 7), ret(ok), ret(no), ret(other)), false},
		{"identical JAs", listing(ld(a0), jeq(1, 2, 3), ja(4), ja(4), ret(ok)), true},
		{"JAs to different targets", listing(ld(a0), jeq(1, 2, 3), ja(4), ja(5), ret(ok), ret(no)), false},
	}
	for _, tt := range tests {
		if got := twinTerminators(progOf(tt.l)); got != tt.want {
			t.Errorf("%s: twinTerminators = %v, want %v\n%s", tt.name, got, tt.want, formatListing(tt.l))
		}
	}
	// Random programs of few constants and targets, so that twins are
	// common: false must mean that no two terminators are identical.
	r := rand.New(rand.NewSource(2))
	for n := 0; n < 2000; n++ {
		size := 3 + r.Intn(12)
		var l []ti
		for i := 0; i < size-2; i++ {
			target := func() int { return i + 1 + r.Intn(size-i-1) }
			switch r.Intn(4) {
			case 0:
				l = append(l, ret(Action(r.Intn(2))))
			case 1:
				l = append(l, ja(target()))
			default:
				l = append(l, jeq(uint32(r.Intn(2)), target(), target()))
			}
		}
		l = append(l, ret(ok), ret(no))
		p := progOf(l)
		twins := false
		for i, x := range p.insns {
			for _, y := range p.insns[i+1:] {
				if isTerminator(x.op) && sameRun([]insn{x}, []insn{y}) {
					twins = true
				}
			}
		}
		if got := twinTerminators(p); twins && !got {
			t.Fatalf("twinTerminators = false, but two terminators are identical\n%s", formatListing(l))
		}
	}
}
