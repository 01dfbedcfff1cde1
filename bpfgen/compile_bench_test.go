package bpfgen

import (
	"errors"
	"math/rand"
	"testing"
)

// BenchmarkCompile compiles the four shared benchmark rule sets.
func BenchmarkCompile(b *testing.B) {
	for _, bs := range benchSets {
		b.Run(bs.name, func(b *testing.B) {
			rs := bs.build(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(rs, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bigRuleSet has n rules: for each of 400 syscall numbers, rules with
// one or two argument comparisons and various actions, in random order.
func bigRuleSet(n int, seed int64) *RuleSet {
	r := rand.New(rand.NewSource(seed))
	ar := ArchRules{AuditArch: auditArchX86_64, Default: KillProcess, Syscalls: map[uint32][]Rule{}}
	actions := []Action{Allow, Errno.WithData(1), Log, Trap}
	for i := 0; i < n; i++ {
		nr := uint32(r.Intn(400))
		var cond Expr = &Compare{Op: CmpOp(r.Intn(6)), X: Arg(r.Intn(6)), Y: Const(r.Intn(1 << 16)), Is32: r.Intn(2) == 0}
		if r.Intn(3) == 0 {
			cond = &And{X: cond, Y: &Compare{Op: Eq, X: &BitAnd{X: Arg(r.Intn(6)), Y: Const(0xff)}, Y: Const(r.Intn(256)), Is32: true}}
		}
		ar.Syscalls[nr] = append(ar.Syscalls[nr], Rule{Cond: cond, Action: actions[r.Intn(len(actions))]})
	}
	return &RuleSet{Arches: []ArchRules{ar}}
}

// BenchmarkCompile100kRules compiles 100,000 rules with argument
// conditions; the filter is far over the kernel's limit, which Compile
// reports.
func BenchmarkCompile100kRules(b *testing.B) {
	rs := bigRuleSet(100000, 1)
	b.ReportAllocs()
	for b.Loop() {
		_, err := Compile(rs, Options{})
		var tl *TooLongError
		if !errors.As(err, &tl) {
			b.Fatalf("Compile: %v, want a TooLongError", err)
		}
	}
}

// BenchmarkCompile100kNumbers compiles 100,000 rules without conditions
// for 100,000 distinct syscall numbers, alternating actions in runs so
// that the dispatch has tens of thousands of ranges.
func BenchmarkCompile100kNumbers(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	ar := ArchRules{AuditArch: auditArchX86_64, Default: KillProcess, Syscalls: map[uint32][]Rule{}}
	for nr := uint32(0); nr < 100000; nr++ {
		ar.Syscalls[nr*3] = []Rule{{Action: Errno.WithData(uint16(r.Intn(3)))}}
	}
	rs := &RuleSet{Arches: []ArchRules{ar}}
	b.ReportAllocs()
	for b.Loop() {
		_, err := Compile(rs, Options{})
		var tl *TooLongError
		if !errors.As(err, &tl) {
			b.Fatalf("Compile: %v, want a TooLongError", err)
		}
	}
}
