//go:build libseccomp && cgo

package bpfgen_test

import (
	"errors"
	"fmt"
	"math/bits"
	"os"
	"sort"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/gokafel/gokafel/bpfgen"
)

// The same rule sets built through libseccomp, to compare its filters
// with ours: length, executed path (our simulator on its program) and the
// cost of an allowed syscall in the kernel.

var errNotExpressible = errors.New("not expressible as libseccomp rules")

func scmpAction(a bpfgen.Action) (seccomp.ScmpAction, error) {
	data := int16(uint16(a))
	switch a & 0xffff0000 {
	case bpfgen.Allow:
		return seccomp.ActAllow, nil
	case bpfgen.Log:
		return seccomp.ActLog, nil
	case bpfgen.KillThread:
		return seccomp.ActKillThread, nil
	case bpfgen.KillProcess:
		return seccomp.ActKillProcess, nil
	case bpfgen.Errno:
		return seccomp.ActErrno.SetReturnCode(data), nil
	case bpfgen.Trap:
		return seccomp.ActTrap, nil
	case bpfgen.Trace:
		return seccomp.ActTrace.SetReturnCode(data), nil
	}
	return 0, fmt.Errorf("%w: action %v", errNotExpressible, a)
}

var scmpOps = map[bpfgen.CmpOp]seccomp.ScmpCompareOp{
	bpfgen.Eq: seccomp.CompareEqual, bpfgen.Ne: seccomp.CompareNotEqual,
	bpfgen.Lt: seccomp.CompareLess, bpfgen.Le: seccomp.CompareLessOrEqual,
	bpfgen.Gt: seccomp.CompareGreater, bpfgen.Ge: seccomp.CompareGreaterEqual,
}

// scmpConds turns a condition into alternatives (an OR of ANDs) of
// libseccomp comparisons. libseccomp compares 64-bit values only, so a
// 32-bit comparison of the policy becomes a 64-bit one (the path
// statistics count where the verdicts then differ).
func scmpConds(e bpfgen.Expr) ([][]seccomp.ScmpCondition, error) {
	switch e := e.(type) {
	case *bpfgen.Or:
		x, err := scmpConds(e.X)
		if err != nil {
			return nil, err
		}
		y, err := scmpConds(e.Y)
		if err != nil {
			return nil, err
		}
		return append(x, y...), nil
	case *bpfgen.And:
		x, err := scmpConds(e.X)
		if err != nil {
			return nil, err
		}
		y, err := scmpConds(e.Y)
		if err != nil {
			return nil, err
		}
		var out [][]seccomp.ScmpCondition
		for _, a := range x {
			for _, b := range y {
				out = append(out, append(append([]seccomp.ScmpCondition(nil), a...), b...))
			}
		}
		return out, nil
	case *bpfgen.Compare:
		k, ok := e.Y.(bpfgen.Const)
		if !ok {
			return nil, fmt.Errorf("%w: comparison with a non-constant", errNotExpressible)
		}
		switch x := e.X.(type) {
		case bpfgen.Arg:
			c, err := seccomp.MakeCondition(uint(x), scmpOps[e.Op], uint64(k))
			return [][]seccomp.ScmpCondition{{c}}, err
		case *bpfgen.BitAnd:
			arg, ok1 := x.X.(bpfgen.Arg)
			mask, ok2 := x.Y.(bpfgen.Const)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%w: mask shape", errNotExpressible)
			}
			switch {
			case e.Op == bpfgen.Eq:
				c, err := seccomp.MakeCondition(uint(arg), seccomp.CompareMaskedEqual, uint64(mask), uint64(k))
				return [][]seccomp.ScmpCondition{{c}}, err
			case e.Op == bpfgen.Ne && k == 0 && bits.OnesCount64(uint64(mask)) == 1:
				c, err := seccomp.MakeCondition(uint(arg), seccomp.CompareMaskedEqual, uint64(mask), uint64(mask))
				return [][]seccomp.ScmpCondition{{c}}, err
			}
		}
	}
	return nil, fmt.Errorf("%w: condition %T", errNotExpressible, e)
}

// libseccompFilter builds the one-arch rule set rs with libseccomp for the
// native arch and exports its BPF. treeLayout asks for the binary tree.
func libseccompFilter(tb testing.TB, rs *bpfgen.RuleSet, treeLayout bool) ([]byte, error) {
	tb.Helper()
	if len(rs.Arches) != 1 {
		return nil, fmt.Errorf("%w: %d arches", errNotExpressible, len(rs.Arches))
	}
	ar := rs.Arches[0]
	dflt, err := scmpAction(ar.Default)
	if err != nil {
		return nil, err
	}
	f, err := seccomp.NewFilter(dflt)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	if err := f.SetNoNewPrivsBit(false); err != nil {
		return nil, err
	}
	bad, err := scmpAction(rs.ForeignArch)
	if err != nil {
		return nil, err
	}
	if err := f.SetBadArchAction(bad); err != nil {
		return nil, err
	}
	if treeLayout {
		if err := f.SetOptimize(2); err != nil {
			return nil, err
		}
	}
	nrs := make([]uint32, 0, len(ar.Syscalls))
	for nr := range ar.Syscalls {
		nrs = append(nrs, nr)
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	for _, nr := range nrs {
		rules := ar.Syscalls[nr]
		// libseccomp has no rule order: only rules of one action, or one
		// unconditional rule, mean the same there.
		for _, r := range rules[1:] {
			if r.Action != rules[0].Action {
				return nil, fmt.Errorf("%w: syscall %d has rules of different actions", errNotExpressible, nr)
			}
		}
		act, err := scmpAction(rules[0].Action)
		if err != nil {
			return nil, err
		}
		if rules[0].Action == ar.Default {
			continue
		}
		for _, r := range rules {
			if r.Cond == nil {
				if err := f.AddRule(seccomp.ScmpSyscall(nr), act); err != nil {
					return nil, fmt.Errorf("syscall %d: %w", nr, err)
				}
				break
			}
			alts, err := scmpConds(r.Cond)
			if err != nil {
				return nil, err
			}
			for _, conds := range alts {
				if err := f.AddRuleConditional(seccomp.ScmpSyscall(nr), act, conds); err != nil {
					return nil, fmt.Errorf("syscall %d: %w", nr, err)
				}
			}
		}
	}
	tmp, err := os.CreateTemp(tb.TempDir(), "libseccomp*.bpf")
	if err != nil {
		return nil, err
	}
	defer tmp.Close()
	if err := f.ExportBPF(tmp); err != nil {
		return nil, err
	}
	return os.ReadFile(tmp.Name())
}

var libseccompLayouts = []struct {
	name string
	tree bool
}{{"linear", false}, {"tree", true}}

// BenchmarkLibseccomp builds each shared policy's rule set with libseccomp
// (ns/op is libseccomp's build and export time) and reports its filter's
// length and executed path next to ours.
func BenchmarkLibseccomp(b *testing.B) {
	for _, bp := range benchPolicies {
		for _, layout := range libseccompLayouts {
			b.Run(bp.file+"/"+layout.name, func(b *testing.B) {
				rs := loadBenchPolicy(b, bp.file)
				raw, err := libseccompFilter(b, rs, layout.tree)
				if err != nil {
					b.Skipf("libseccomp: %v", err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := libseccompFilter(b, rs, layout.tree); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				theirs, err := bpfgen.DecodeRaw(raw)
				n := len(raw) / bpfgen.RawInsnSize
				b.ReportMetric(float64(n), "insns")
				ours, oerr := bpfgen.Compile(rs, bpfgen.Options{})
				if oerr != nil {
					b.Fatal(oerr)
				}
				ops, oerr := bpfgen.MeasurePaths(ours.Insns, rs)
				if oerr != nil {
					b.Fatal(oerr)
				}
				if err != nil {
					b.Logf("libseccomp %s: %d instructions (%v); ours %d", layout.name, n, err, len(ours.Insns))
					return
				}
				ps, err := bpfgen.MeasurePaths(theirs, rs)
				if err != nil {
					b.Logf("libseccomp %s: %d instructions, the kernel would refuse it (%v); ours %d", layout.name, n, err, len(ours.Insns))
					return
				}
				b.ReportMetric(ps.Mean, "mean-path")
				b.ReportMetric(float64(ps.Longest), "longest-path")
				b.Logf("\n%-26s %10s %10s %8s\n%-26s %10d %10d %8.3f\n%-26s %10.2f %10.2f %8.3f\n%-26s %10d %10d %8.3f\n%-26s %10d %10d\n",
					bp.file+" "+layout.name, "ours", "libseccomp", "ratio",
					"instructions", len(ours.Insns), n, float64(len(ours.Insns))/float64(n),
					"mean path", ops.Mean, ps.Mean, ops.Mean/ps.Mean,
					"longest path", ops.Longest, ps.Longest, float64(ops.Longest)/float64(ps.Longest),
					"verdicts unlike the policy", ops.Mismatches, ps.Mismatches)
			})
		}
	}
}

// BenchmarkKernelSyscallLibseccomp is BenchmarkKernelSyscall under
// libseccomp's filters of the same rule sets.
func BenchmarkKernelSyscallLibseccomp(b *testing.B) {
	for _, c := range kernelCalls {
		for _, bp := range benchPolicies[:3] {
			for _, layout := range libseccompLayouts {
				b.Run(bp.file+"/"+layout.name+"/"+c.name, func(b *testing.B) {
					rs := loadBenchPolicy(b, bp.file)
					raw, err := libseccompFilter(b, rs, layout.tree)
					if err != nil {
						b.Skipf("libseccomp: %v", err)
					}
					insns, err := bpfgen.DecodeRaw(raw)
					if err != nil {
						b.Fatal(err)
					}
					with, without := bpfgen.SyscallLoopNs(b, insns, c.nr, c.args, b.N)
					b.ReportMetric(with, "ns/op")
					b.ReportMetric(without, "nofilter-ns/op")
					b.ReportMetric(with/without, "x-nofilter")
				})
			}
		}
	}
}
