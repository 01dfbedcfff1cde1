package bpfgen

import (
	"flag"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
)

var propertySeed = flag.Int64("property.seed", 1, "seed of the random rule sets of TestCompileMatchesEval")

// testArch is a target arch for random rule sets.
type testArch struct {
	name      string
	audit     uint32
	bigEndian bool
	base      uint32 // first syscall number
}

var testArches = []testArch{
	{"x86_64", 0xc000003e, false, 0},
	{"x86", 0x40000003, false, 0},
	{"aarch64", 0xc00000b7, false, 0},
	{"arm", 0x40000028, false, 0},
	{"riscv64", 0xc00000f3, false, 0},
	{"mips", 0x00000008, true, 4000},
	{"mips64", 0x80000008, true, 5000},
	{"m68k", 0x00000004, true, 0},
}

var actionKinds = []Action{KillThread, KillProcess, Trap, Errno, UserNotif, Trace, Log, Allow}

func randAction(r *rand.Rand) Action {
	a := actionKinds[r.Intn(len(actionKinds))]
	switch a {
	case Trap, Errno, Trace:
		a = a.WithData(uint16(r.Intn(4)) * uint16(r.Intn(20000)))
	}
	return a
}

var interestingConsts = []uint64{0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	1 << 32, 1<<32 + 1, 0xffffffff00000000, 0x8000000000000000, ^uint64(0) - 1, ^uint64(0)}

func randConst(r *rand.Rand) Const {
	switch r.Intn(4) {
	case 0:
		return Const(r.Uint64())
	case 1:
		return Const(r.Intn(100))
	case 2:
		return Const(uint64(r.Uint32()))
	}
	return Const(interestingConsts[r.Intn(len(interestingConsts))])
}

func randValue(r *rand.Rand, depth int) Value {
	switch n := r.Intn(10); {
	case depth > 0 && n == 0:
		return &BitAnd{randValue(r, depth-1), randValue(r, depth-1)}
	case depth > 0 && n == 1:
		return &BitOr{randValue(r, depth-1), randValue(r, depth-1)}
	case depth > 0 && n == 2:
		return &BitAnd{Arg(r.Intn(6)), randConst(r)} // the common mask test
	case n < 6:
		return Arg(r.Intn(6))
	default:
		return randConst(r)
	}
}

func randExpr(r *rand.Rand, depth int) Expr {
	switch n := r.Intn(8); {
	case depth > 0 && n == 0:
		return &And{randExpr(r, depth-1), randExpr(r, depth-1)}
	case depth > 0 && n == 1:
		return &Or{randExpr(r, depth-1), randExpr(r, depth-1)}
	case depth > 0 && n == 2:
		return &Not{randExpr(r, depth-1)}
	default:
		x := randValue(r, 2)
		y := randValue(r, 1)
		if r.Intn(2) == 0 {
			x = Arg(r.Intn(6)) // mostly arguments on the left, as policies have them
		}
		return &Compare{Op: CmpOp(r.Intn(6)), X: x, Y: y, Is32: r.Intn(2) == 0}
	}
}

// randRuleSet returns a rule set of 1-3 arches with up to maxSyscalls
// syscalls each.
func randRuleSet(r *rand.Rand, maxSyscalls int) *RuleSet {
	rs := &RuleSet{ForeignArch: randAction(r)}
	if r.Intn(3) == 0 {
		rs.ForeignArch = KillThread
	}
	for _, i := range r.Perm(len(testArches))[:1+r.Intn(3)] {
		ta := testArches[i]
		ar := ArchRules{
			AuditArch: ta.audit,
			BigEndian: ta.bigEndian,
			AllowX32:  ta.name == "x86_64" && r.Intn(2) == 0,
			Default:   randAction(r),
			Syscalls:  map[uint32][]Rule{},
			Names:     map[uint32]string{},
		}
		n := r.Intn(maxSyscalls + 1)
		for j := 0; j < n; j++ {
			nr := ta.base + uint32(r.Intn(60))
			switch r.Intn(20) {
			case 0:
				nr = ta.base + 1000 + uint32(r.Intn(3))
			case 1:
				nr = 0xffffffff - uint32(r.Intn(2)) // SYSCALL[-1]
			case 2:
				if ta.name == "x86_64" {
					nr = 0x40000000 | uint32(r.Intn(60))
				}
			}
			var rules []Rule
			for k := r.Intn(4); k >= 0; k-- {
				var cond Expr
				if r.Intn(4) != 0 {
					cond = randExpr(r, r.Intn(4))
				}
				rules = append(rules, Rule{Cond: cond, Action: randAction(r)})
			}
			ar.Syscalls[nr] = rules
			ar.Names[nr] = fmt.Sprintf("sys%d", nr)
		}
		rs.Arches = append(rs.Arches, ar)
	}
	return rs
}

// ruleConsts collects the numbers in the rules of ar.
func ruleConsts(ar *ArchRules) []uint64 {
	var out []uint64
	var value func(v Value)
	value = func(v Value) {
		switch v := v.(type) {
		case Const:
			out = append(out, uint64(v))
		case *BitAnd:
			value(v.X)
			value(v.Y)
		case *BitOr:
			value(v.X)
			value(v.Y)
		}
	}
	var expr func(e Expr)
	expr = func(e Expr) {
		switch e := e.(type) {
		case *And:
			expr(e.X)
			expr(e.Y)
		case *Or:
			expr(e.X)
			expr(e.Y)
		case *Not:
			expr(e.X)
		case *Compare:
			value(e.X)
			value(e.Y)
		}
	}
	for _, rules := range ar.Syscalls {
		for _, rule := range rules {
			expr(rule.Cond)
		}
	}
	return out
}

// testInput is a seccomp_data with the byte order to lay it out in.
type testInput struct {
	d         SeccompData
	bigEndian bool
}

// randInputs returns random and boundary inputs for rs: each syscall of
// each arch (and neighbours, x32 forms, unknown numbers) with argument
// words drawn independently from boundary values and the rule constants
// and their neighbours, and foreign arches.
func randInputs(r *rand.Rand, rs *RuleSet, perSyscall int) []testInput {
	var in []testInput
	word := func(pool []uint64) uint64 {
		switch r.Intn(6) {
		case 0:
			return r.Uint64()
		case 1:
			// Words chosen separately: high and low from the pool.
			hi, lo := pool[r.Intn(len(pool))], pool[r.Intn(len(pool))]
			return hi&0xffffffff00000000 | lo&0xffffffff
		case 2:
			return interestingConsts[r.Intn(len(interestingConsts))]
		default:
			return pool[r.Intn(len(pool))]
		}
	}
	for ai := range rs.Arches {
		ar := &rs.Arches[ai]
		pool := append([]uint64(nil), interestingConsts...)
		for _, c := range ruleConsts(ar) {
			pool = append(pool, c, c+1, c-1, c&0xffffffff, c^0xffffffff00000000, c>>32)
		}
		nrs := []uint32{0, 1, 0xffffffff, 0x40000000, 0x7fffffff, 0x80000000}
		for nr := range ar.Syscalls {
			nrs = append(nrs, nr, nr+1, nr-1, nr|0x40000000, nr&^0x40000000)
		}
		sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
		for _, nr := range nrs {
			for k := 0; k < perSyscall; k++ {
				d := SeccompData{Nr: int32(nr), Arch: ar.AuditArch, InstructionPointer: r.Uint64()}
				for i := range d.Args {
					d.Args[i] = word(pool)
				}
				in = append(in, testInput{d, ar.BigEndian})
			}
		}
	}
	for _, arch := range []uint32{0, 0xc000003e, 0x40000003, 0xc00000b7, 0x8, 0x80000008, 0xffffffff} {
		if rs.evalArch(arch) == nil {
			for _, be := range []bool{false, true} {
				in = append(in, testInput{SeccompData{Nr: int32(r.Intn(60)), Arch: arch}, be})
			}
		}
	}
	return in
}

// TestCompileMatchesEval is the main proof of the code generator: on
// random rule sets and random and boundary inputs, the compiled filter run
// in the simulator gives the verdict of the direct evaluation, with and
// without the optimizer, and the kernel's checks accept it.
func TestCompileMatchesEval(t *testing.T) {
	cases := 1000
	if testing.Short() {
		cases = 150
	}
	r := rand.New(rand.NewSource(*propertySeed))
	total := 0
	defer func() { t.Logf("%d rule sets (each compiled with and without the optimizer), %d inputs", cases, total) }()
	for c := 0; c < cases; c++ {
		maxSyscalls := 8
		if c%10 == 9 {
			maxSyscalls = 60
		}
		rs := randRuleSet(r, maxSyscalls)
		inputs := randInputs(r, rs, 6)
		total += len(inputs)
		for _, opts := range []Options{{}, {NoOptimize: true}} {
			if !checkProgram(t, fmt.Sprintf("case %d (seed %d) %+v", c, *propertySeed, opts), rs, opts, inputs) {
				return
			}
		}
	}
}

// checkProgram compiles rs and compares the simulated verdicts with Eval
// on inputs. It reports the first failure and returns false on failure.
func checkProgram(t *testing.T, name string, rs *RuleSet, opts Options, inputs []testInput) bool {
	t.Helper()
	p, err := Compile(rs, opts)
	if err != nil {
		t.Errorf("%s: Compile: %v\nrule set:\n%s", name, err, formatRuleSet(rs))
		return false
	}
	f, err := NewFilter(p.Insns)
	if err != nil {
		t.Errorf("%s: the kernel would refuse the filter: %v\nrule set:\n%s\nprogram:\n%s", name, err, formatRuleSet(rs), Disassemble(p.Insns, p.Comments))
		return false
	}
	for _, in := range inputs {
		got, _ := f.Run(in.d, in.bigEndian)
		if want := rs.Eval(in.d); got != want {
			t.Errorf("%s: input %s (big-endian %v): filter says %v, policy says %v\nrule set:\n%s\nprogram:\n%s",
				name, formatInput(in.d), in.bigEndian, got, want, formatRuleSet(rs), Disassemble(p.Insns, p.Comments))
			return false
		}
	}
	return true
}

// TestCompileBoundaries64 checks each operator at the 64-bit and 32-bit
// boundaries against Go's own operators (through Eval) on both byte orders.
func TestCompileBoundaries64(t *testing.T) {
	vals := []uint64{0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 1 << 32, 1<<32 + 1, 0x80000000_00000000, ^uint64(0) - 1, ^uint64(0), 0xffffffff_00000000, 0x00000001_ffffffff}
	for _, ta := range []testArch{testArches[0], testArches[6]} {
		for op := Eq; op <= Ge; op++ {
			for _, is32 := range []bool{false, true} {
				for _, k := range vals {
					rs := &RuleSet{Arches: []ArchRules{{
						AuditArch: ta.audit, BigEndian: ta.bigEndian, Default: Errno.WithData(2),
						Syscalls: map[uint32][]Rule{ta.base + 1: {{Cond: &Compare{Op: op, X: Arg(2), Y: Const(k), Is32: is32}, Action: Allow}}},
					}}}
					var inputs []testInput
					for _, v := range vals {
						for _, dv := range []uint64{v, v ^ 0xffffffff, v ^ 0xffffffff00000000} {
							inputs = append(inputs, testInput{SeccompData{Nr: int32(ta.base + 1), Arch: ta.audit, Args: [6]uint64{2: dv}}, ta.bigEndian})
						}
					}
					for _, opts := range []Options{{}, {NoOptimize: true}} {
						name := fmt.Sprintf("%s arg2 %s %#x is32=%v %+v", ta.name, opNames[op], k, is32, opts)
						if !checkProgram(t, name, rs, opts, inputs) {
							return
						}
					}
				}
			}
		}
	}
}

func formatInput(d SeccompData) string {
	args := make([]string, len(d.Args))
	for i, a := range d.Args {
		args[i] = fmt.Sprintf("%#x", a)
	}
	return fmt.Sprintf("{nr %d (%#x), arch %#x, args [%s]}", d.Nr, uint32(d.Nr), d.Arch, strings.Join(args, " "))
}

var opNames = map[CmpOp]string{Eq: "==", Ne: "!=", Lt: "<", Le: "<=", Gt: ">", Ge: ">="}

// formatRuleSet prints rs in a Kafel-like notation for failure messages.
func formatRuleSet(rs *RuleSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "foreign arch: %v\n", rs.ForeignArch)
	for _, ar := range rs.Arches {
		fmt.Fprintf(&b, "arch %#x big-endian=%v allow-x32=%v DEFAULT %v\n", ar.AuditArch, ar.BigEndian, ar.AllowX32, ar.Default)
		nrs := make([]uint32, 0, len(ar.Syscalls))
		for nr := range ar.Syscalls {
			nrs = append(nrs, nr)
		}
		sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
		for _, nr := range nrs {
			for _, rule := range ar.Syscalls[nr] {
				cond := ""
				if rule.Cond != nil {
					cond = " { " + formatExpr(rule.Cond) + " }"
				}
				fmt.Fprintf(&b, "  %v { SYSCALL[%d]%s }\n", rule.Action, nr, cond)
			}
		}
	}
	return b.String()
}

func formatExpr(e Expr) string {
	switch e := e.(type) {
	case *And:
		return "(" + formatExpr(e.X) + " && " + formatExpr(e.Y) + ")"
	case *Or:
		return "(" + formatExpr(e.X) + " || " + formatExpr(e.Y) + ")"
	case *Not:
		return "!(" + formatExpr(e.X) + ")"
	case *Compare:
		w := "64"
		if e.Is32 {
			w = "32"
		}
		return fmt.Sprintf("%s %s%s %s", formatValue(e.X), opNames[e.Op], w, formatValue(e.Y))
	}
	return fmt.Sprintf("%T", e)
}

func formatValue(v Value) string {
	switch v := v.(type) {
	case Arg:
		return fmt.Sprintf("a%d", int(v))
	case Const:
		return fmt.Sprintf("%#x", uint64(v))
	case *BitAnd:
		return "(" + formatValue(v.X) + " & " + formatValue(v.Y) + ")"
	case *BitOr:
		return "(" + formatValue(v.X) + " | " + formatValue(v.Y) + ")"
	}
	return fmt.Sprintf("%T", v)
}

// FuzzCompileMatchesEval is TestCompileMatchesEval driven by the fuzzer:
// the seed picks a random rule set and the bytes add an input of its own.
func FuzzCompileMatchesEval(f *testing.F) {
	f.Add(int64(1), uint32(1), uint64(0), uint64(0xffffffff))
	f.Add(int64(7), uint32(0x40000001), uint64(1<<32), ^uint64(0))
	f.Fuzz(func(t *testing.T, seed int64, nr uint32, a0, a1 uint64) {
		r := rand.New(rand.NewSource(seed))
		rs := randRuleSet(r, 12)
		inputs := randInputs(r, rs, 2)
		for _, ar := range rs.Arches {
			for _, args := range [][6]uint64{{a0, a1, a0, a1, a0, a1}, {a1, a0, a1, a0, a1, a0}} {
				inputs = append(inputs, testInput{SeccompData{Nr: int32(nr), Arch: ar.AuditArch, Args: args}, ar.BigEndian})
			}
		}
		for _, opts := range []Options{{}, {NoOptimize: true}} {
			checkProgram(t, fmt.Sprintf("seed %d %+v", seed, opts), rs, opts, inputs)
		}
	})
}
