package bpfgen

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/syscalls"
)

// The shared benchmark policies (/work/shared/bench) as rule sets, built
// here without the Kafel front end: the allow- and deny-lists are lists
// of names, the argument filters are written out, and gen_300x3 is read
// with a pattern that fits its one shape of rule.

const benchDir = "../../shared/bench"

var benchAllowList = strings.Fields(`read write openat close newfstat newfstatat lseek
	mmap mprotect munmap brk rt_sigaction rt_sigprocmask ioctl pread64 access pipe2 execve
	getdents64 getcwd readlink fcntl dup dup2 dup3 clone clone3 wait4 exit exit_group
	futex set_tid_address set_robust_list rseq prlimit64 getrandom
	clock_gettime clock_nanosleep nanosleep sched_getaffinity sched_yield arch_prctl
	getpid getppid gettid getuid geteuid getgid getegid newuname sysinfo madvise mremap
	poll ppoll select pselect6 epoll_create1 epoll_ctl epoll_wait eventfd2
	statx faccessat2 kill tgkill`)

var benchDenyList = strings.Fields(`ptrace mount umount pivot_root kexec_load kexec_file_load
	init_module finit_module delete_module bpf perf_event_open userfaultfd keyctl add_key request_key
	unshare setns open_by_handle_at name_to_handle_at io_uring_setup io_uring_enter io_uring_register
	swapon swapoff reboot acct settimeofday clock_settime adjtimex clock_adjtime quotactl
	lookup_dcookie personality iopl ioperm create_module get_kernel_syms query_module nfsservctl
	uselib ustat sysfs sysctl fanotify_init process_vm_readv process_vm_writev kcmp`)

func x86_64Table(t testing.TB) *syscalls.Arch {
	t.Helper()
	a, ok := syscalls.LookupArch("x86_64")
	if !ok {
		t.Fatal("no x86_64 syscall table")
	}
	return a
}

func x86_64Rules(t testing.TB, dflt Action) ArchRules {
	a := x86_64Table(t)
	names := make(map[uint32]string)
	for _, s := range a.Syscalls() {
		names[s.Nr] = s.Name
	}
	return ArchRules{AuditArch: auditArchX86_64, Default: dflt, Syscalls: map[uint32][]Rule{}, Names: names}
}

func addRule(t testing.TB, ar *ArchRules, name string, r Rule) {
	t.Helper()
	s, ok := x86_64Table(t).Lookup(name)
	if !ok {
		t.Fatalf("unknown x86_64 syscall %q", name)
	}
	ar.Syscalls[s.Nr] = append(ar.Syscalls[s.Nr], r)
}

// argOf returns the index of argument name of syscall and whether it is
// 4 bytes wide (or less).
func argOf(t testing.TB, syscall, name string) (Arg, bool) {
	t.Helper()
	s, _ := x86_64Table(t).Lookup(syscall)
	i := s.ArgIndex(name)
	for j, a := range s.Args {
		if i < 0 && slices.Contains(a.OldNames, name) {
			i = j // the name the reference compiler knows
		}
	}
	if i < 0 {
		t.Fatalf("%s has no argument %q", syscall, name)
	}
	return Arg(i), s.Args[i].Size <= 4
}

// cmpOf is syscall's "arg op k" or "(arg & mask) op k" with Kafel's width rule.
func cmpOf(t testing.TB, syscall, arg string, mask uint64, op CmpOp, k uint64) *Compare {
	a, narrow := argOf(t, syscall, arg)
	var x Value = a
	if mask != 0 {
		x = &BitAnd{X: a, Y: Const(mask)}
		narrow = narrow && mask <= 0xffffffff
	}
	return &Compare{Op: op, X: x, Y: Const(k), Is32: narrow && k <= 0xffffffff}
}

func benchAllow(t testing.TB) *RuleSet {
	ar := x86_64Rules(t, KillThread)
	for _, n := range benchAllowList {
		addRule(t, &ar, n, Rule{Action: Allow})
	}
	return &RuleSet{Arches: []ArchRules{ar}}
}

func benchArgs(t testing.TB) *RuleSet {
	ar := x86_64Rules(t, Errno.WithData(1))
	filtered := map[string]Expr{
		"openat": cmpOf(t, "openat", "flags", 3, Eq, 0),
		"socket": cmpOf(t, "socket", "family", 0, Eq, 1),
		"clone":  cmpOf(t, "clone", "clone_flags", 0x10000, Ne, 0),
		"mmap":   cmpOf(t, "mmap", "prot", 4, Eq, 0),
		"write":  &Or{X: cmpOf(t, "write", "fd", 0, Eq, 1), Y: cmpOf(t, "write", "fd", 0, Eq, 2)},
		"ioctl":  cmpOf(t, "ioctl", "cmd", 0, Eq, 0x5401),
	}
	for _, n := range []string{"openat", "socket", "clone", "mmap", "write", "ioctl"} {
		addRule(t, &ar, n, Rule{Cond: filtered[n], Action: Allow})
	}
	for _, n := range benchAllowList {
		if filtered[n] == nil {
			addRule(t, &ar, n, Rule{Action: Allow})
		}
	}
	return &RuleSet{Arches: []ArchRules{ar}}
}

func benchDeny(t testing.TB) *RuleSet {
	ar := x86_64Rules(t, Allow)
	for _, n := range benchDenyList {
		addRule(t, &ar, n, Rule{Action: KillThread})
	}
	return &RuleSet{Arches: []ArchRules{ar}}
}

// gen300Rule matches one rule of gen_300x3.policy:
// name { a == N || (b & M) == M || c > K }
var gen300Rule = regexp.MustCompile(`^\s*(\w+) \{ (\w+) == (\d+) \|\| \((\w+) & (0x[0-9a-f]+)\) == (0x[0-9a-f]+) \|\| (\w+) > (\d+) \},?$`)

func benchGen300(t testing.TB) *RuleSet {
	data, err := os.ReadFile(benchDir + "/gen_300x3.policy")
	if err != nil {
		t.Skipf("benchmark policy not available: %v", err)
	}
	ar := x86_64Rules(t, KillThread)
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		m := gen300Rule.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		num := func(s string) uint64 {
			v, err := strconv.ParseUint(s, 0, 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		sc := m[1]
		cond := &Or{
			X: cmpOf(t, sc, m[2], 0, Eq, num(m[3])),
			Y: &Or{
				X: cmpOf(t, sc, m[4], num(m[5]), Eq, num(m[6])),
				Y: cmpOf(t, sc, m[7], 0, Gt, num(m[8])),
			},
		}
		addRule(t, &ar, sc, Rule{Cond: cond, Action: Allow})
		n++
	}
	if n != 300 {
		t.Fatalf("read %d rules from gen_300x3.policy, want 300", n)
	}
	return &RuleSet{Arches: []ArchRules{ar}}
}

// benchSets are the four shared benchmark shapes with the reference
// Kafel compiler's figures (length, mean path, longest path) and the
// shorter of its and libseccomp's lengths.
var benchSets = []struct {
	name                string
	build               func(testing.TB) *RuleSet
	refLen              int
	refMean             float64
	refLongest, bestLen int
}{
	{"a_code_exec_allow", benchAllow, 82, 10.94, 11, 72},
	{"b_code_exec_args", benchArgs, 103, 10.97, 13, 103},
	{"c_denylist", benchDeny, 45, 9.55, 10, 45},
	{"gen_300x3", benchGen300, 3006, 18.71, 28, 3006},
}

// TestBenchmarkShapes compiles the four benchmark rule sets, checks the
// filters against the rule sets on every measured input, and logs their
// figures next to the reference compiler's.
func TestBenchmarkShapes(t *testing.T) {
	for _, bs := range benchSets {
		t.Run(bs.name, func(t *testing.T) {
			rs := bs.build(t)
			for _, opts := range []Options{{}, {NoOptimize: true}} {
				p, err := Compile(rs, opts)
				if err != nil {
					t.Fatal(err)
				}
				st, err := MeasurePaths(p.Insns, rs)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mismatches != 0 {
					t.Fatalf("%+v: %d of %d inputs get a verdict other than the rule set's\n%s", opts, st.Mismatches, st.Inputs, Disassemble(p.Insns, p.Comments))
				}
				t.Logf("%+v: %d insns (unoptimized %d, reference %d, best %d), mean path %.2f (reference %.2f), longest %d (reference %d), passes %v",
					opts, len(p.Insns), p.Stats.Unoptimized, bs.refLen, bs.bestLen, st.Mean, bs.refMean, st.Longest, bs.refLongest, p.Stats.Passes)
				if testing.Verbose() && os.Getenv("BPFGEN_DUMP") == bs.name {
					fmt.Println(Disassemble(p.Insns, p.Comments))
				}
			}
		})
	}
}
