package bpfgen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// trace runs insns on d and returns the verdict and the seccomp_data
// offsets the filter loaded. It knows the instructions Compile emits.
func trace(t *testing.T, insns []bpf.RawInstruction, d SeccompData, bigEndian bool) (Action, []uint32) {
	t.Helper()
	var data [64]byte
	order := binary.ByteOrder(binary.LittleEndian)
	if bigEndian {
		order = binary.BigEndian
	}
	order.PutUint32(data[0:], uint32(d.Nr))
	order.PutUint32(data[4:], d.Arch)
	order.PutUint64(data[8:], d.InstructionPointer)
	for i, a := range d.Args {
		order.PutUint64(data[16+8*i:], a)
	}
	var a, x uint32
	var mem [16]uint32
	var loads []uint32
	for pc := 0; pc < len(insns); pc++ {
		in := insns[pc]
		src := in.K
		if in.Op&0x08 != 0 {
			src = x
		}
		switch in.Op {
		case opLdAbs:
			a = order.Uint32(data[in.K:])
			loads = append(loads, in.K)
		case opLdImm:
			a = in.K
		case opLdMem:
			a = mem[in.K]
		case opLdxMem:
			x = mem[in.K]
		case opSt:
			mem[in.K] = a
		case opTax:
			x = a
		case opAndK, opAndX:
			a &= src
		case opOrK, opOrX:
			a |= src
		case opJa:
			pc += int(in.K)
		case opJeqK, opJeqX, opJgtK, opJgtX, opJgeK, opJgeX, opJsetK, 0x4d:
			var holds bool
			switch in.Op &^ 0x08 {
			case opJeqK:
				holds = a == src
			case opJgtK:
				holds = a > src
			case opJgeK:
				holds = a >= src
			default:
				holds = a&src != 0
			}
			if holds {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case opRetK:
			return Action(in.K), loads
		default:
			t.Fatalf("trace: instruction %#x at %d", in.Op, pc)
		}
	}
	t.Fatal("trace: ran off the end")
	return 0, nil
}

// argIndependent reports whether the verdict for nr on ar does not depend
// on the arguments, by the rules themselves.
func argIndependent(ar *ArchRules, nr uint32) bool {
	rules := ar.Syscalls[nr]
	return len(rules) == 0 || rules[0].Cond == nil
}

// TestNoArgLoadsForArgIndependentSyscalls checks that a syscall whose
// rules do not look at the arguments is decided from arch and nr alone,
// which lets the kernel's action cache skip the filter for it.
func TestNoArgLoadsForArgIndependentSyscalls(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	sets := []*RuleSet{benchAllow(t), benchArgs(t), benchDeny(t), benchGen300(t)}
	for i := 0; i < 40; i++ {
		sets = append(sets, randRuleSet(r, 60))
	}
	argVecs := PathArgs[:]
	for si, rs := range sets {
		for _, opts := range []Options{{}, {NoOptimize: true}} {
			p, err := Compile(rs, opts)
			if err != nil {
				t.Fatalf("set %d: %v", si, err)
			}
			for _, ar := range rs.Arches {
				base := pathBase(&ar)
				nrs := []uint32{0xffffffff, 0x40000000, 0x80000000}
				for nr := base; nr < base+PathSyscalls; nr++ {
					nrs = append(nrs, nr)
				}
				for nr := range ar.Syscalls {
					nrs = append(nrs, nr)
				}
				for _, nr := range nrs {
					if !argIndependent(&ar, nr) {
						continue
					}
					for _, args := range argVecs {
						d := SeccompData{Nr: int32(nr), Arch: ar.AuditArch, InstructionPointer: 0x1234, Args: args}
						act, loads := trace(t, p.Insns, d, ar.BigEndian)
						if want := rs.Eval(d); act != want {
							t.Fatalf("set %d %+v nr %d: %v, want %v", si, opts, nr, act, want)
						}
						for _, off := range loads {
							if off >= 8 {
								t.Fatalf("set %d %+v: arch %#x nr %d loads seccomp_data[%d] though its verdict does not depend on the arguments\n%s",
									si, opts, ar.AuditArch, nr, off, Disassemble(p.Insns, p.Comments))
							}
						}
					}
				}
			}
		}
	}
}

func TestX32(t *testing.T) {
	rules := map[uint32][]Rule{
		1:          {{Action: Allow}},
		0xffffffff: {{Action: Errno.WithData(3)}}, // SYSCALL[-1]
		0x40000001: {{Action: Allow}},
	}
	for _, allow := range []bool{false, true} {
		rs := &RuleSet{ForeignArch: KillProcess, Arches: []ArchRules{{
			AuditArch: auditArchX86_64, AllowX32: allow, Default: Errno.WithData(1), Syscalls: rules,
		}}}
		p, err := Compile(rs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			nr      uint32
			want    Action
			wantX32 Action
		}{
			{1, Allow, Allow},
			{2, Errno.WithData(1), Errno.WithData(1)},
			{0x3fffffff, Errno.WithData(1), Errno.WithData(1)},
			{0x40000000, KillProcess, Errno.WithData(1)},
			{0x40000001, KillProcess, Allow},
			{0x7fffffff, KillProcess, Errno.WithData(1)},
			{0x80000000, Errno.WithData(1), Errno.WithData(1)},
			{0xbfffffff, Errno.WithData(1), Errno.WithData(1)},
			{0xc0000000, Errno.WithData(1), Errno.WithData(1)}, // beyond the x32 range
			{0xfffffffe, Errno.WithData(1), Errno.WithData(1)},
			{0xffffffff, Errno.WithData(3), Errno.WithData(3)}, // SYSCALL[-1] keeps its rule
		} {
			want := c.want
			if allow {
				want = c.wantX32
			}
			d := SeccompData{Nr: int32(c.nr), Arch: auditArchX86_64}
			got, _ := trace(t, p.Insns, d, false)
			if got != want || rs.Eval(d) != want {
				t.Errorf("allow-x32=%v nr %#x: filter %v, Eval %v, want %v\n%s", allow, c.nr, got, rs.Eval(d), want, Disassemble(p.Insns, p.Comments))
			}
		}
	}
}

func TestTooLong(t *testing.T) {
	ar := ArchRules{AuditArch: auditArchX86_64, Default: KillThread, Syscalls: map[uint32][]Rule{}}
	for nr := uint32(0); nr < 4500; nr++ {
		ar.Syscalls[2*nr] = []Rule{{Action: Allow}}
	}
	_, err := Compile(&RuleSet{Arches: []ArchRules{ar}}, Options{})
	var tl *TooLongError
	if !errors.As(err, &tl) {
		t.Fatalf("Compile: %v, want a TooLongError", err)
	}
	want := fmt.Sprintf("filter has %d instructions, %d over the kernel's limit of 4096", tl.Instructions, tl.Instructions-4096)
	if tl.Instructions <= MaxInstructions || err.Error() != want {
		t.Errorf("error %q (%d instructions), want %q", err, tl.Instructions, want)
	}
}

// TestLongJumps compiles rule sets whose filters are a few thousand
// instructions long, so that many jumps need more than 8 bits, and checks
// them against the rule set.
func TestLongJumps(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for c := 0; c < 6; c++ {
		ar := ArchRules{AuditArch: auditArchX86_64, Default: Errno.WithData(uint16(c)), Syscalls: map[uint32][]Rule{}}
		for nr := uint32(0); nr < 200; nr++ {
			if r.Intn(4) == 0 {
				continue
			}
			ar.Syscalls[nr] = []Rule{{Cond: randCond(r, 1), Action: Allow}, {Cond: randCond(r, 0), Action: Trap.WithData(uint16(nr))}}
		}
		rs := &RuleSet{Arches: []ArchRules{ar}}
		for _, opts := range []Options{{}, {NoOptimize: true}} {
			p, err := Compile(rs, opts)
			if err != nil {
				t.Fatal(err)
			}
			far := 0
			for _, in := range p.Insns {
				if in.Op == opJa && in.K > maxJump {
					far++
				}
			}
			if len(p.Insns) < 1000 {
				t.Errorf("case %d: only %d instructions, the test wants long programs", c, len(p.Insns))
			}
			st, err := MeasurePaths(p.Insns, rs)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mismatches != 0 {
				t.Fatalf("case %d %+v: %d mismatches", c, opts, st.Mismatches)
			}
			for i := 0; i < 3000; i++ {
				d := SeccompData{Nr: int32(r.Intn(210)), Arch: auditArchX86_64}
				for j := range d.Args {
					d.Args[j] = randArgValue(r)
				}
				if got, _ := trace(t, p.Insns, d, false); got != rs.Eval(d) {
					t.Fatalf("case %d %+v: %+v: filter %v, policy %v", c, opts, d, got, rs.Eval(d))
				}
			}
			t.Logf("case %d %+v: %d instructions, %d long JAs, mean path %.2f", c, opts, len(p.Insns), far, st.Mean)
		}
	}
}

func randArgValue(r *rand.Rand) uint64 {
	switch r.Intn(4) {
	case 0:
		return uint64(r.Intn(8))
	case 1:
		return r.Uint64()
	case 2:
		return uint64(r.Uint32())
	}
	return interestingConsts[r.Intn(len(interestingConsts))]
}

// randCond is a random condition for TestLongJumps and the lowering test.
func randCond(r *rand.Rand, depth int) Expr {
	if depth > 0 {
		switch r.Intn(4) {
		case 0:
			return &And{X: randCond(r, depth-1), Y: randCond(r, depth-1)}
		case 1:
			return &Or{X: randCond(r, depth-1), Y: randCond(r, depth-1)}
		case 2:
			return &Not{X: randCond(r, depth-1)}
		}
	}
	return &Compare{Op: CmpOp(r.Intn(6)), X: randOperand(r, 2), Y: randOperand(r, 1), Is32: r.Intn(2) == 0}
}

func randOperand(r *rand.Rand, depth int) Value {
	if depth > 0 {
		switch r.Intn(5) {
		case 0:
			return &BitAnd{X: randOperand(r, depth-1), Y: randOperand(r, depth-1)}
		case 1:
			return &BitOr{X: randOperand(r, depth-1), Y: randOperand(r, depth-1)}
		}
	}
	if r.Intn(2) == 0 {
		return Arg(r.Intn(6))
	}
	return Const(randArgValue(r))
}

// evalLowered evaluates a lowered condition on seccomp_data words.
func evalLowered(e *bexpr, word func(off uint32) uint32) bool {
	switch e.kind {
	case bTrue:
		return true
	case bFalse:
		return false
	case bAnd:
		return evalLowered(e.l, word) && evalLowered(e.r, word)
	case bOr:
		return evalLowered(e.l, word) || evalLowered(e.r, word)
	case bIn:
		v := evalWord(e.x, word)
		for _, r := range *e.set {
			if v >= r.lo && v <= r.hi {
				return true
			}
		}
		return false
	}
	return cmp32Holds(e.op, evalWord(e.x, word), evalWord(e.y, word))
}

func evalWord(w *wexpr, word func(off uint32) uint32) uint32 {
	switch w.kind {
	case wWord:
		return word(w.k)
	case wConst:
		return w.k
	case wAnd:
		return evalWord(w.x, word) & evalWord(w.y, word)
	}
	return evalWord(w.x, word) | evalWord(w.y, word)
}

// TestLowering checks the lowering of conditions to folded 32-bit
// comparisons against EvalExpr, on both byte orders.
func TestLowering(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for c := 0; c < 3000; c++ {
		e := randCond(r, 3)
		for _, be := range []bool{false, true} {
			lw := newLowering(be)
			low, err := lw.lower(e)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 40; i++ {
				var args [6]uint64
				for j := range args {
					args[j] = randArgValue(r)
				}
				word := func(off uint32) uint32 {
					a := args[(off-offArgs)/8]
					high := (off-offArgs)%8 == 4
					if be {
						high = !high
					}
					if high {
						return uint32(a >> 32)
					}
					return uint32(a)
				}
				if got, want := evalLowered(low, word), EvalExpr(e, args); got != want {
					var b strings.Builder
					low.write(&b)
					t.Fatalf("big-endian %v: %s lowered to %s: %v on args %#x, want %v", be, formatExpr(e), b.String(), got, args, want)
				}
			}
		}
	}
}

// TestFolding checks that comparisons the known bits decide fold to
// constants, so that no code is emitted for them.
func TestFolding(t *testing.T) {
	a0 := Arg(0)
	tests := []struct {
		e    Expr
		want string
	}{
		{&Compare{Op: Eq, X: Const(5), Y: Const(5)}, "T"},
		{&Compare{Op: Lt, X: a0, Y: Const(0)}, "F"},
		{&Compare{Op: Ge, X: a0, Y: Const(0)}, "T"},
		{&Compare{Op: Eq, X: &BitAnd{X: a0, Y: Const(0xf0)}, Y: Const(0x0f), Is32: true}, "F"},
		{&Compare{Op: Gt, X: &BitAnd{X: a0, Y: Const(0xff)}, Y: Const(0xff), Is32: true}, "F"},
		{&Compare{Op: Ne, X: &BitOr{X: a0, Y: Const(1)}, Y: Const(0), Is32: true}, "T"},
		{&Compare{Op: Eq, X: a0, Y: a0}, "T"},
		// 64-bit: the high half of a small constant is zero.
		{&Compare{Op: Gt, X: a0, Y: Const(1000)}, "[w20!=#0||w16>#3e8]"},
		{&Compare{Op: Eq, X: &BitAnd{X: a0, Y: Const(0x10)}, Y: Const(0x10)}, "(w16&#10)==#10"},
		{&Compare{Op: Le, X: a0, Y: Const(0xffffffff)}, "w20==#0"},
		{&Not{X: &Compare{Op: Lt, X: a0, Y: Const(7), Is32: true}}, "w16>=#7"},
	}
	for _, tt := range tests {
		lw := newLowering(false)
		low, err := lw.lower(tt.e)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		low.write(&b)
		if b.String() != tt.want {
			t.Errorf("%s lowers to %s, want %s", formatExpr(tt.e), b.String(), tt.want)
		}
	}
}

// TestScratchMemory compares arguments with each other and combines
// them, which needs X and scratch memory.
func TestScratchMemory(t *testing.T) {
	a := func(i int) Value { return Arg(i) }
	band := func(x, y Value) Value { return &BitAnd{X: x, Y: y} }
	bor := func(x, y Value) Value { return &BitOr{X: x, Y: y} }
	conds := []Expr{
		&Compare{Op: Eq, X: a(0), Y: a(1)},
		&Compare{Op: Lt, X: a(0), Y: a(1)},
		&Compare{Op: Ge, X: band(a(0), a(1)), Y: bor(a(2), Const(3))},
		&Compare{Op: Gt, X: bor(band(a(0), a(1)), band(a(2), a(3))), Y: band(bor(a(4), a(5)), bor(a(0), Const(1<<40))), Is32: false},
		&Compare{Op: Le, X: bor(band(a(0), a(1)), band(a(2), a(3))), Y: a(4), Is32: true},
		&Compare{Op: Ne, X: Const(7), Y: band(a(3), a(4))},
	}
	r := rand.New(rand.NewSource(9))
	for i, c := range conds {
		for _, be := range []bool{false, true} {
			rs := &RuleSet{Arches: []ArchRules{{AuditArch: 0x80000008, BigEndian: be, Default: Errno.WithData(1),
				Syscalls: map[uint32][]Rule{5001: {{Cond: c, Action: Allow}}}}}}
			for _, opts := range []Options{{}, {NoOptimize: true}} {
				p, err := Compile(rs, opts)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := NewFilter(p.Insns); err != nil {
					t.Fatalf("cond %d: the kernel would refuse the filter: %v", i, err)
				}
				for n := 0; n < 2000; n++ {
					d := SeccompData{Nr: 5001, Arch: 0x80000008}
					for j := range d.Args {
						d.Args[j] = randArgValue(r)
					}
					if n%3 == 0 {
						d.Args[1] = d.Args[0]
					}
					got, _, err := Simulate(p.Insns, d, be)
					if err != nil {
						t.Fatal(err)
					}
					if want := rs.Eval(d); got != want {
						t.Fatalf("cond %d (%s) big-endian %v %+v: args %#x: %v, want %v\n%s", i, formatExpr(c), be, opts, d.Args, got, want, Disassemble(p.Insns, p.Comments))
					}
				}
			}
		}
	}
	// A deep one-sided combination needs one scratch word: the deep side
	// is computed first.
	var v Value = Arg(0)
	for i := 0; i < 40; i++ {
		v = &BitAnd{X: &BitOr{X: Arg((i + 1) % 6), Y: v}, Y: Arg(i % 6)}
	}
	rs := &RuleSet{Arches: []ArchRules{{AuditArch: auditArchX86_64, Default: KillThread,
		Syscalls: map[uint32][]Rule{1: {{Cond: &Compare{Op: Eq, X: Arg(5), Y: v}, Action: Allow}}}}}}
	if _, err := Compile(rs, Options{}); err != nil {
		t.Errorf("Compile of a deep expression: %v", err)
	}
	// Running out of scratch words is an error, not a wrong filter.
	var b builder
	lw := newLowering(false)
	w := lw.mkBit(true, lw.words[4], lw.words[6])
	if err := newCondEmitter(&b).load(w, scratchSlots); err == nil || !strings.Contains(err.Error(), "scratch") {
		t.Errorf("load with no scratch word left: %v, want an error about scratch memory", err)
	}
}

func TestInvalidRuleSets(t *testing.T) {
	mk := func(c Expr) *RuleSet {
		return &RuleSet{Arches: []ArchRules{{AuditArch: auditArchX86_64, Syscalls: map[uint32][]Rule{1: {{Cond: c, Action: Allow}}}}}}
	}
	tests := []struct {
		rs   *RuleSet
		want string
	}{
		{nil, "nil rule set"},
		{mk(&Compare{Op: Eq, X: Arg(6), Y: Const(1)}), "argument 6 out of range"},
		{mk(&Compare{Op: Eq, X: Arg(-1), Y: Const(1)}), "argument -1 out of range"},
		{mk(&Compare{Op: CmpOp(9), X: Arg(0), Y: Const(1)}), "unknown comparison operator"},
		{mk(&Compare{Op: Eq, X: nil, Y: Const(1)}), "invalid operand"},
		{mk(&Compare{Op: Eq, X: (*BitAnd)(nil), Y: Const(1)}), "nil operand"},
		{mk(&And{X: nil, Y: &Compare{Op: Eq, X: Arg(0), Y: Const(1)}}), "invalid condition"},
		{mk(&Or{X: &Compare{Op: Eq, X: Arg(0), Y: Const(1)}, Y: (*Not)(nil)}), "invalid condition"},
		// An invalid operand after a part that decides the condition is still an error.
		{mk(&Or{X: &Compare{Op: Eq, X: Const(1), Y: Const(1)}, Y: &Compare{Op: Eq, X: Arg(9), Y: Const(1)}}), "out of range"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.rs, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile: %v, want an error containing %q", err, tt.want)
		}
	}
}

// TestArches checks the arch dispatch: several arches with their own
// byte order, an arch listed twice (the first counts) and no arch at all.
func TestArches(t *testing.T) {
	cond := &Compare{Op: Eq, X: Arg(1), Y: Const(0x1_0000_0002)}
	rs := &RuleSet{ForeignArch: Trap.WithData(9), Arches: []ArchRules{
		{AuditArch: auditArchX86_64, Default: Errno.WithData(1), Syscalls: map[uint32][]Rule{1: {{Cond: cond, Action: Allow}}}},
		{AuditArch: 0x80000008, BigEndian: true, Default: Errno.WithData(2), Syscalls: map[uint32][]Rule{5001: {{Cond: cond, Action: Allow}}}},
		{AuditArch: auditArchX86_64, Default: KillProcess},
	}}
	p, err := Compile(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d    SeccompData
		be   bool
		want Action
	}{
		{SeccompData{Nr: 1, Arch: auditArchX86_64, Args: [6]uint64{1: 0x1_0000_0002}}, false, Allow},
		{SeccompData{Nr: 1, Arch: auditArchX86_64, Args: [6]uint64{1: 0x2_0000_0001}}, false, Errno.WithData(1)},
		{SeccompData{Nr: 5001, Arch: 0x80000008, Args: [6]uint64{1: 0x1_0000_0002}}, true, Allow},
		{SeccompData{Nr: 5001, Arch: 0x80000008, Args: [6]uint64{1: 0x2_0000_0001}}, true, Errno.WithData(2)},
		{SeccompData{Nr: 1, Arch: 0x40000003}, false, Trap.WithData(9)},
	} {
		if got, _ := trace(t, p.Insns, c.d, c.be); got != c.want || rs.Eval(c.d) != c.want {
			t.Errorf("%+v: filter %v, Eval %v, want %v", c.d, got, rs.Eval(c.d), c.want)
		}
	}
	p, err = Compile(&RuleSet{ForeignArch: Allow}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := trace(t, p.Insns, SeccompData{Arch: auditArchX86_64}, false); got != Allow || len(p.Insns) != 1 {
		t.Errorf("no arch: %v in %d instructions, want ALLOW in 1", got, len(p.Insns))
	}
}

// TestComments checks that listings name the syscalls and the actions.
func TestComments(t *testing.T) {
	p, err := Compile(benchArgs(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	asm := Disassemble(p.Insns, p.Comments)
	for _, want := range []string{"openat", "ioctl", "write", "ALLOW", "ERRNO(1)", "KILL", "arch 0xc000003e"} {
		if !strings.Contains(asm, want) {
			t.Errorf("listing lacks %q:\n%s", want, asm)
		}
	}
}

// TestOptimizerStats checks the build statistics on a rule set the
// passes improve: the argument checks of two syscalls end alike, and a
// rule repeats a test of the one before.
func TestOptimizerStats(t *testing.T) {
	eq := func(a Arg, k uint64) Expr { return &Compare{Op: Eq, X: a, Y: Const(k), Is32: true} }
	rs := &RuleSet{Arches: []ArchRules{{AuditArch: auditArchX86_64, Default: KillThread, Syscalls: map[uint32][]Rule{
		1: {{Cond: eq(0, 1), Action: Errno.WithData(1)}, {Cond: &And{X: eq(0, 1), Y: eq(1, 3)}, Action: Allow}, {Cond: eq(2, 7), Action: Trap}},
		9: {{Cond: eq(0, 5), Action: Errno.WithData(1)}, {Cond: eq(2, 7), Action: Trap}},
	}}}}
	opt, err := Compile(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Compile(rs, Options{NoOptimize: true})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Stats.Instructions != len(opt.Insns) || raw.Stats.Instructions != len(raw.Insns) {
		t.Errorf("Stats.Instructions %d/%d, lengths %d/%d", opt.Stats.Instructions, raw.Stats.Instructions, len(opt.Insns), len(raw.Insns))
	}
	if opt.Stats.Unoptimized != raw.Stats.Unoptimized || len(opt.Insns) >= len(raw.Insns) {
		t.Errorf("optimized %d (unoptimized %d), without the optimizer %d (unoptimized %d)\n%s",
			len(opt.Insns), opt.Stats.Unoptimized, len(raw.Insns), raw.Stats.Unoptimized, Disassemble(opt.Insns, opt.Comments))
	}
	for _, pass := range []string{"merge-tails", "known-jumps", "unreachable"} {
		if opt.Stats.Passes[pass] == 0 {
			t.Errorf("pass %s did nothing: passes %v", pass, opt.Stats.Passes)
		}
	}
	if len(raw.Stats.Passes) != 0 {
		t.Errorf("passes ran without the optimizer: %v", raw.Stats.Passes)
	}
	for _, d := range []SeccompData{{Nr: 1, Args: [6]uint64{1, 3}}, {Nr: 1, Args: [6]uint64{2, 3, 7}}, {Nr: 9, Args: [6]uint64{5}}, {Nr: 9, Args: [6]uint64{2: 7}}} {
		d.Arch = auditArchX86_64
		if got, _ := trace(t, opt.Insns, d, false); got != rs.Eval(d) {
			t.Errorf("%+v: %v, want %v", d, got, rs.Eval(d))
		}
	}
}

// TestValueSets compiles runs of rules that test an argument against
// many constants, which become searches over sets of values, and checks
// them against the rule set around every constant.
func TestValueSets(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for c := 0; c < 60; c++ {
		ar := ArchRules{AuditArch: 0x80000008, BigEndian: c%2 == 1, Default: KillProcess, Syscalls: map[uint32][]Rule{}}
		var consts []uint64
		for nr := uint32(5000); nr < 5004; nr++ {
			n := 1 + r.Intn(40)
			base := uint64(r.Intn(100))
			if r.Intn(3) == 0 {
				base += uint64(r.Intn(4)) << 32
			}
			action := Allow
			for i := 0; i < n; i++ {
				k := base + uint64(r.Intn(3*n))
				if r.Intn(4) == 0 {
					k = randArgValue(r)
				}
				consts = append(consts, k)
				arg := Arg(r.Intn(2))
				var cond Expr = &Compare{Op: Eq, X: arg, Y: Const(k), Is32: k <= 0xffffffff && r.Intn(2) == 0}
				if r.Intn(8) == 0 {
					cond = &Or{X: cond, Y: &Compare{Op: Eq, X: arg, Y: Const(k + 1)}}
					consts = append(consts, k+1)
				}
				if r.Intn(10) == 0 {
					action = Errno.WithData(uint16(i))
				}
				ar.Syscalls[nr] = append(ar.Syscalls[nr], Rule{Cond: cond, Action: action})
			}
		}
		rs := &RuleSet{Arches: []ArchRules{ar}}
		for _, opts := range []Options{{}, {NoOptimize: true}} {
			p, err := Compile(rs, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := NewFilter(p.Insns); err != nil {
				t.Fatal(err)
			}
			for _, k := range consts {
				for _, v := range []uint64{k - 1, k, k + 1, k ^ 1<<32, k & 0xffffffff} {
					for nr := int32(5000); nr < 5004; nr++ {
						d := SeccompData{Nr: nr, Arch: 0x80000008, Args: [6]uint64{v, randArgValue(r)}}
						if r.Intn(2) == 0 {
							d.Args[0], d.Args[1] = d.Args[1], d.Args[0]
						}
						got, _, _ := Simulate(p.Insns, d, ar.BigEndian)
						if want := rs.Eval(d); got != want {
							t.Fatalf("case %d %+v: %s: filter %v, policy %v\nrule set:\n%s\nprogram:\n%s", c, opts, formatInput(d), got, want, formatRuleSet(rs), Disassemble(p.Insns, p.Comments))
						}
					}
				}
			}
		}
	}
}
