package bpfgen_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/kafel"
	"github.com/gokafel/gokafel/syscalls"
)

// benchDir holds the shared benchmark policies, relative to this package
// (the repository is checked out next to the shared directory).
const benchDir = "../../shared/bench"

// benchPolicy is one shared benchmark policy with the figures the two
// established compilers reach on it (shared/bench/README.md).
type benchPolicy struct {
	file string
	// Reference Kafel compiler.
	refInsns   int
	refMean    float64
	refLongest int
	// libseccomp 2.5.4, default (linear) and binary tree layouts; 0 when
	// over the kernel's limit.
	lsInsns, lsTreeInsns int
	lsMean, lsTreeMean   float64
}

var benchPolicies = []benchPolicy{
	{"a_code_exec_allow.policy", 82, 10.94, 11, 72, 89, 67.97, 14.90},
	{"b_code_exec_args.policy", 103, 10.97, 13, 105, 122, 68.93, 14.92},
	{"c_denylist.policy", 45, 9.55, 10, 54, 66, 50.94, 13.63},
	{"gen_300x3.policy", 3006, 18.71, 28, 4827, 4920, 0, 0},
}

// refCompileNs is the reference compiler's in-process compile time of
// gen_300x3.policy (about 1.8 ms).
const refCompileNs = 1.8e6

func x86_64(tb testing.TB) *syscalls.Arch {
	tb.Helper()
	a, ok := syscalls.LookupArch("x86_64")
	if !ok {
		tb.Fatal("no x86_64 syscall table")
	}
	return a
}

// readBenchPolicy reads a shared policy or skips, saying why.
func readBenchPolicy(tb testing.TB, file string) []byte {
	tb.Helper()
	src, err := os.ReadFile(filepath.Join(benchDir, file))
	if err != nil {
		tb.Skipf("shared benchmark policies not available: %v", err)
	}
	return src
}

func loadBenchPolicy(tb testing.TB, file string) *bpfgen.RuleSet {
	tb.Helper()
	src := readBenchPolicy(tb, file)
	p, err := kafel.Load(file, src, kafel.Options{Arches: []*syscalls.Arch{x86_64(tb)}})
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	return p.RuleSet()
}

// shorter returns the smaller positive length.
func shorter(a, b int) int {
	if b == 0 || (a != 0 && a < b) {
		return a
	}
	return b
}

// BenchmarkSharedPolicies compiles each shared benchmark policy's rule set
// and reports the filter's length and executed path next to the reference
// figures (ratios below 1 are better than the anchor).
func BenchmarkSharedPolicies(b *testing.B) {
	for _, bp := range benchPolicies {
		b.Run(bp.file, func(b *testing.B) {
			rs := loadBenchPolicy(b, bp.file)
			p, err := bpfgen.Compile(rs, bpfgen.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ps, err := bpfgen.MeasurePaths(p.Insns, rs)
			if err != nil {
				b.Fatal(err)
			}
			if ps.Mismatches != 0 {
				b.Fatalf("the filter disagrees with the policy on %d inputs", ps.Mismatches)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := bpfgen.Compile(rs, bpfgen.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			n := len(p.Insns)
			b.ReportMetric(float64(n), "insns")
			b.ReportMetric(ps.Mean, "mean-path")
			b.ReportMetric(float64(ps.Longest), "longest-path")
			target := shorter(bp.refInsns, bp.lsInsns)
			var t bytes.Buffer
			fmt.Fprintf(&t, "%-26s %10s %10s %10s %8s\n", bp.file, "ours", "reference", "libseccomp", "ratio")
			fmt.Fprintf(&t, "%-26s %10d %10d %10d %8.3f (vs the shorter, %d)\n", "instructions", n, bp.refInsns, bp.lsInsns, float64(n)/float64(target), target)
			lsMean := "over limit"
			if bp.lsMean > 0 {
				lsMean = fmt.Sprintf("%.2f", bp.lsMean)
			}
			fmt.Fprintf(&t, "%-26s %10.2f %10.2f %10s %8.3f\n", "mean path", ps.Mean, bp.refMean, lsMean, ps.Mean/bp.refMean)
			fmt.Fprintf(&t, "%-26s %10d %10d %10s %8.3f\n", "longest path", ps.Longest, bp.refLongest, "", float64(ps.Longest)/float64(bp.refLongest))
			b.Log("\n" + t.String())
		})
	}
}

// BenchmarkSharedPoliciesFromSource measures the whole in-process compile
// (parse, check, resolve, generate) of each shared policy, the measure of
// the reference figure (about 1.8 ms for gen_300x3.policy).
func BenchmarkSharedPoliciesFromSource(b *testing.B) {
	for _, bp := range benchPolicies {
		b.Run(bp.file, func(b *testing.B) {
			src := readBenchPolicy(b, bp.file)
			opts := kafel.Options{Arches: []*syscalls.Arch{x86_64(b)}}
			b.ResetTimer()
			cpu0 := processCPU(b)
			for b.Loop() {
				if _, err := kafel.Compile(bp.file, src, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu := float64(processCPU(b)-cpu0) / float64(b.N)
			b.ReportMetric(cpu, "cpu-ns/op")
			if bp.file == "gen_300x3.policy" {
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.Logf("gen_300x3 compile: ours %.3f ms (%.3f ms of CPU, the garbage collector's included), reference %.3f ms, ratio %.3f",
					ns/1e6, cpu/1e6, refCompileNs/1e6, ns/refCompileNs)
			}
		})
	}
}

// processCPU returns the CPU time, in nanoseconds, the process has used
// so far (all threads, the garbage collector's included): on a shared
// machine it varies less than the wall clock.
func processCPU(tb testing.TB) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// bigPolicySource returns a Kafel policy of n rules with argument filters
// over many syscalls; the rules of one syscall test one argument against
// consecutive values, as generated policies often do.
func bigPolicySource(n int) []byte {
	names := []string{"read", "write", "close", "lseek", "openat", "mmap", "mprotect", "munmap", "ioctl", "fcntl"}
	argOf := map[string]string{"read": "fd", "write": "fd", "close": "fd", "lseek": "fd", "openat": "flags",
		"mmap": "prot", "mprotect": "prot", "munmap": "len", "ioctl": "cmd", "fcntl": "cmd"}
	var b bytes.Buffer
	b.WriteString("ALLOW {\n")
	for i := 0; i < n; i++ {
		name := names[i%len(names)]
		sep := ","
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s { %s == %d }%s\n", name, argOf[name], i/len(names), sep)
	}
	b.WriteString("}\nDEFAULT KILL\n")
	return b.Bytes()
}

// BenchmarkFromSource100kRules compiles a policy of 100,000 filtered rules
// from source (the target is under a second).
func BenchmarkFromSource100kRules(b *testing.B) {
	src := bigPolicySource(100_000)
	opts := kafel.Options{Arches: []*syscalls.Arch{x86_64(b)}}
	var p *bpfgen.Program
	var err error
	b.ResetTimer()
	for b.Loop() {
		p, err = kafel.Compile("100k.policy", src, opts)
	}
	b.StopTimer()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	if err != nil {
		b.Logf("100k rules: %.1f ms to an error: %v", ns/1e6, err)
		return
	}
	b.ReportMetric(float64(len(p.Insns)), "insns")
	b.Logf("100k rules: %.1f ms, %d instructions (target: under 1000 ms)", ns/1e6, len(p.Insns))
}

// BenchmarkGenerate100kRules is BenchmarkFromSource100kRules without the
// front end: the code generator alone on the loaded rule set.
func BenchmarkGenerate100kRules(b *testing.B) {
	src := bigPolicySource(100_000)
	pol, err := kafel.Load("100k.policy", src, kafel.Options{Arches: []*syscalls.Arch{x86_64(b)}})
	if err != nil {
		b.Fatal(err)
	}
	rs := pol.RuleSet()
	var p *bpfgen.Program
	b.ResetTimer()
	for b.Loop() {
		p, err = bpfgen.Compile(rs, bpfgen.Options{})
	}
	b.StopTimer()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	if err != nil {
		b.Logf("100k rules, generator only: %.1f ms to an error: %v", ns/1e6, err)
		return
	}
	b.ReportMetric(float64(len(p.Insns)), "insns")
	b.Logf("100k rules, generator only: %.1f ms, %d instructions", ns/1e6, len(p.Insns))
}

// kernelCalls are the syscalls timed in the kernel: getppid, which every
// shared policy allows without looking at arguments (the kernel's action
// cache then skips the filter), and write(1, NULL, 0), which the argument
// filter policy allows only after checking fd.
var kernelCalls = []struct {
	name string
	nr   uintptr
	args []uint64
}{
	{"getppid", unix.SYS_GETPPID, nil},
	{"write-fd1", unix.SYS_WRITE, []uint64{1, 0, 0}},
}

// BenchmarkKernelSyscall times an allowed syscall in a child process
// under each shared policy's filter and, in the same process before the
// filter is installed, without one (ns/op is per syscall).
func BenchmarkKernelSyscall(b *testing.B) {
	for _, c := range kernelCalls {
		for _, bp := range benchPolicies[:3] {
			b.Run(bp.file+"/"+c.name, func(b *testing.B) {
				rs := loadBenchPolicy(b, bp.file)
				p, err := bpfgen.Compile(rs, bpfgen.Options{})
				if err != nil {
					b.Fatal(err)
				}
				with, without := bpfgen.SyscallLoopNs(b, p.Insns, c.nr, c.args, b.N)
				b.ReportMetric(with, "ns/op")
				b.ReportMetric(without, "nofilter-ns/op")
				b.ReportMetric(with/without, "x-nofilter")
			})
		}
	}
}
