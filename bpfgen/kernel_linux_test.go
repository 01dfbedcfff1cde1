package bpfgen

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The kernel test re-executes the test binary as a child that installs a
// filter and makes one syscall; these variables select that mode.
const (
	childFilterEnv = "BPFGEN_TEST_CHILD_FILTER" // path of the raw filter
	childCallEnv   = "BPFGEN_TEST_CHILD_CALL"   // "nr arg0 ... arg5"
)

// Exit codes of the child.
const (
	childOK          = 0
	childTrapped     = 2 // the Go runtime dies on a seccomp SIGSYS with status 2
	childSetupFailed = 3
	childThreadDied  = 4
	childErrnoBase   = 10 // + errno
)

func TestMain(m *testing.M) {
	if os.Getenv(loopCountEnv) != "" {
		loopChild()
		return
	}
	if path := os.Getenv(validateEnv); path != "" {
		validateChild(path)
		return
	}
	if os.Getenv(childFilterEnv) != "" {
		kernelChild()
		return
	}
	os.Exit(m.Run())
}

// The loop child (for benchmarks) installs a filter, or none, makes the
// same syscall many times and prints the nanoseconds per call.
const loopCountEnv = "BPFGEN_TEST_LOOP_COUNT"

// installFilter sets no_new_privs and installs insns on the calling thread.
func installFilter(insns []bpf.RawInstruction) error {
	filter := make([]unix.SockFilter, len(insns))
	for i, ins := range insns {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog))); e != 0 {
		return fmt.Errorf("seccomp: %w", e)
	}
	return nil
}

func loopChild() {
	runtime.LockOSThread()
	n, err := strconv.Atoi(os.Getenv(loopCountEnv))
	fields := strings.Fields(os.Getenv(childCallEnv))
	if err != nil || len(fields) != 7 {
		fmt.Fprintln(os.Stderr, "loop child: bad count or call")
		os.Exit(childSetupFailed)
	}
	var nums [7]uintptr
	for i, f := range fields {
		v, err := strconv.ParseUint(f, 0, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loop child: bad number", f)
			os.Exit(childSetupFailed)
		}
		nums[i] = uintptr(v)
	}
	go func() {
		// Runs on another, unfiltered thread: a filter that kills the
		// looping thread must not hang the benchmark.
		time.Sleep(2 * time.Minute)
		fmt.Fprintln(os.Stderr, "loop child: the filtered thread did not finish")
		os.Exit(childThreadDied)
	}()
	// The fastest of several rounds, without and then with the filter, in
	// the same process: less noise from a busy machine.
	const rounds = 5
	per := max(n/rounds, 1)
	loop := func() time.Duration {
		best := time.Duration(1<<63 - 1)
		for range rounds {
			start := time.Now()
			for range per {
				unix.RawSyscall6(nums[0], nums[1], nums[2], nums[3], nums[4], nums[5], nums[6])
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	without := loop()
	with := without
	if path := os.Getenv(childFilterEnv); path != "" {
		raw, err := os.ReadFile(path)
		if err == nil {
			var insns []bpf.RawInstruction
			if insns, err = DecodeRaw(raw); err == nil {
				err = installFilter(insns)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loop child:", err)
			os.Exit(childSetupFailed)
		}
		with = loop()
	}
	fmt.Printf("%g %g\n", float64(with.Nanoseconds())/float64(per), float64(without.Nanoseconds())/float64(per))
	os.Exit(0)
}

// SyscallLoopNs makes the syscall nr with args about n times in a child
// process, first without a filter and then under insns (none when nil),
// and returns the nanoseconds per call with and without the filter (the
// fastest of five rounds each). It is exported for the benchmarks of
// package bpfgen_test.
func SyscallLoopNs(tb testing.TB, insns []bpf.RawInstruction, nr uintptr, args []uint64, n int) (with, without float64) {
	tb.Helper()
	if hostAudit() == 0 {
		tb.Skipf("kernel benchmark: no AUDIT_ARCH known for GOARCH %s", runtime.GOARCH)
	}
	// No preemption signals: their rt_sigreturn is not in every policy.
	env := append(os.Environ(), fmt.Sprintf("%s=%d", loopCountEnv, n), "GODEBUG=asyncpreemptoff=1")
	if insns != nil {
		path := tb.TempDir() + "/filter.bpf"
		if err := os.WriteFile(path, EncodeRaw(insns), 0o600); err != nil {
			tb.Fatal(err)
		}
		env = append(env, childFilterEnv+"="+path)
	}
	call := []string{strconv.FormatUint(uint64(nr), 10)}
	for i := 0; i < 6; i++ {
		var a uint64
		if i < len(args) {
			a = args[i]
		}
		call = append(call, strconv.FormatUint(a, 10))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(env, childCallEnv+"="+strings.Join(call, " "))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("loop child: %v\n%s", err, stderr.String())
	}
	if _, err := fmt.Sscan(string(out), &with, &without); err != nil {
		tb.Fatalf("loop child printed %q", out)
	}
	return with, without
}

// kernelChild installs the filter on this thread and makes the syscall.
// The outcome is the exit status: childOK, childErrnoBase+errno, death by
// SIGSYS (KILL_PROCESS), the runtime's crash on SIGSYS (TRAP), or
// childThreadDied when the thread vanished (KILL_THREAD).
func kernelChild() {
	runtime.LockOSThread() // main goroutine owns this thread; no other runs on it
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "child: "+format+"\n", args...)
		os.Exit(childSetupFailed)
	}
	raw, err := os.ReadFile(os.Getenv(childFilterEnv))
	if err != nil {
		fail("%v", err)
	}
	insns, err := DecodeRaw(raw)
	if err != nil {
		fail("%v", err)
	}
	fields := strings.Fields(os.Getenv(childCallEnv))
	if len(fields) != 7 {
		fail("bad call %q", os.Getenv(childCallEnv))
	}
	path := []byte("/dev/null\x00")
	buf := make([]byte, 64)
	var nums [7]uintptr
	for i, f := range fields {
		switch f {
		case "PATH":
			nums[i] = uintptr(unsafe.Pointer(&path[0]))
		case "BUF":
			nums[i] = uintptr(unsafe.Pointer(&buf[0]))
		default:
			n, err := strconv.ParseUint(f, 0, 64)
			if err != nil {
				fail("bad number %q", f)
			}
			nums[i] = uintptr(n)
		}
	}
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	go func() {
		// Runs on another, unfiltered thread: reports a killed thread.
		time.Sleep(time.Second)
		os.Exit(childThreadDied)
	}()
	if err := installFilter(insns); err != nil {
		fail("%v", err)
	}
	_, _, e := unix.Syscall6(nums[0], nums[1], nums[2], nums[3], nums[4], nums[5], nums[6])
	runtime.KeepAlive(path)
	runtime.KeepAlive(buf)
	if e != 0 {
		os.Exit(childErrnoBase + int(e))
	}
	os.Exit(childOK)
}

// hostAudit returns the AUDIT_ARCH of the host, or 0 when the test does
// not know it.
func hostAudit() uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return 0xc000003e
	case "arm64":
		return 0xc00000b7
	case "riscv64":
		return 0xc00000f3
	}
	return 0
}

// requireSeccomp skips the test, saying why, unless this kernel runs
// seccomp filters and the test knows the host arch.
func requireSeccomp(t *testing.T) {
	t.Helper()
	if hostAudit() == 0 {
		t.Skipf("kernel test: no AUDIT_ARCH known for GOARCH %s", runtime.GOARCH)
	}
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err != nil {
		t.Skipf("kernel test: seccomp not available (prctl PR_GET_SECCOMP: %v)", err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err == nil && !bytes.Contains(status, []byte("Seccomp_filters:")) && !bytes.Contains(status, []byte("Seccomp:")) {
		t.Skip("kernel test: the kernel reports no seccomp support in /proc/self/status")
	}
}

// outcome is what a syscall under a filter did, in the terms of a policy.
type outcome string

func outcomeOf(a Action, allowed outcome) outcome {
	switch a & 0xffff0000 {
	case Allow, Log:
		return allowed
	case Errno:
		return outcome(fmt.Sprintf("errno %d", uint16(a)))
	case Trap:
		return "trap"
	case KillProcess:
		return "killed"
	case KillThread:
		return "thread killed"
	}
	return outcome("unsupported action " + a.String())
}

// runChild runs the call under the filter insns in a child process.
func runChild(t *testing.T, insns []bpf.RawInstruction, call string, pipe *os.File) (outcome, string) {
	t.Helper()
	path := t.TempDir() + "/filter.bpf"
	if err := os.WriteFile(path, EncodeRaw(insns), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childFilterEnv+"="+path, childCallEnv+"="+call, "GOTRACEBACK=single", "GODEBUG=asyncpreemptoff=1")
	cmd.ExtraFiles = []*os.File{pipe} // fd 3
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "ok", stderr.String()
	case errors.As(err, &ee):
		ws := ee.Sys().(syscall.WaitStatus)
		switch {
		case ws.Signaled() && ws.Signal() == syscall.SIGSYS:
			return "killed", stderr.String()
		case ws.Signaled():
			return outcome("signal " + ws.Signal().String()), stderr.String()
		case ws.ExitStatus() == childTrapped && strings.Contains(stderr.String(), "SIGSYS"):
			return "trap", stderr.String()
		case ws.ExitStatus() == childThreadDied:
			return "thread killed", stderr.String()
		case ws.ExitStatus() >= childErrnoBase:
			return outcome(fmt.Sprintf("errno %d", ws.ExitStatus()-childErrnoBase)), stderr.String()
		}
		return outcome(fmt.Sprintf("exit status %d", ws.ExitStatus())), stderr.String()
	}
	t.Fatalf("running the child: %v", err)
	return "", ""
}

// runtimeSyscalls are what the Go runtime may call on the filtered thread
// of the child (and what it needs to crash and exit).
var runtimeSyscalls = []uintptr{unix.SYS_RT_SIGRETURN, unix.SYS_EXIT_GROUP, unix.SYS_EXIT, unix.SYS_FUTEX,
	unix.SYS_SCHED_YIELD, unix.SYS_NANOSLEEP, unix.SYS_MMAP, unix.SYS_MUNMAP, unix.SYS_MADVISE,
	unix.SYS_RT_SIGPROCMASK, unix.SYS_RT_SIGACTION, unix.SYS_SIGALTSTACK, unix.SYS_GETTID, unix.SYS_TGKILL,
	unix.SYS_CLOCK_GETTIME, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_GETPID, unix.SYS_EPOLL_PWAIT}

type kernelCall struct {
	desc    string
	call    string  // nr and six arguments (PATH, BUF or numbers)
	allowed outcome // what the syscall does when the filter allows it
	want    Action  // the policy's verdict
}

func sysCall(nr uintptr, args ...string) string {
	a := append([]string{strconv.FormatUint(uint64(nr), 10)}, args...)
	for len(a) < 7 {
		a = append(a, "0")
	}
	return strings.Join(a, " ")
}

// TestKernel installs compiled filters in child processes that make real
// syscalls, and checks that what happened is what the policy says.
func TestKernel(t *testing.T) {
	requireSeccomp(t)
	audit := hostAudit()
	cmp := func(op CmpOp, a int, k uint64, is32 bool) Expr {
		return &Compare{Op: op, X: Arg(a), Y: Const(k), Is32: is32}
	}
	rule := func(cond Expr, a Action) Rule { return Rule{Cond: cond, Action: a} }

	denylist := ArchRules{AuditArch: audit, Default: Allow, Syscalls: map[uint32][]Rule{
		unix.SYS_GETPPID: {rule(nil, Errno.WithData(42))},
		unix.SYS_KILL:    {rule(&And{cmp(Eq, 0, 0, true), cmp(Eq, 1, 0, true)}, Errno.WithData(43))},
		unix.SYS_LSEEK: {
			rule(cmp(Eq, 1, ^uint64(0), false), Errno.WithData(44)),
			rule(cmp(Eq, 1, 0xffffffff, true), Errno.WithData(45)),
		},
		unix.SYS_OPENAT:  {rule(&Compare{Op: Ne, X: &BitAnd{Arg(2), Const(3)}, Y: Const(0), Is32: true}, Errno.WithData(46))},
		unix.SYS_WRITE:   {rule(&And{cmp(Eq, 0, 3, true), cmp(Gt, 2, 4, false)}, Errno.WithData(47))},
		unix.SYS_GETUID:  {rule(nil, Trap.WithData(5))},
		unix.SYS_GETGID:  {rule(nil, KillProcess)},
		unix.SYS_GETEGID: {rule(nil, KillThread)},
		unix.SYS_GETEUID: {rule(nil, Log)},
	}}
	denyCalls := []kernelCall{
		{"getpid", sysCall(unix.SYS_GETPID), "ok", Allow},
		{"getppid", sysCall(unix.SYS_GETPPID), "ok", Errno.WithData(42)},
		{"kill(0, 0)", sysCall(unix.SYS_KILL, "0", "0"), "ok", Errno.WithData(43)},
		{"kill(0, 0) high words set", sysCall(unix.SYS_KILL, "0xffffffff00000000", "0x100000000"), "ok", Errno.WithData(43)},
		{"lseek(3, -1)", sysCall(unix.SYS_LSEEK, "3", "0xffffffffffffffff"), "errno 29", Errno.WithData(44)},
		{"lseek(3, 0xffffffff)", sysCall(unix.SYS_LSEEK, "3", "0xffffffff"), "errno 29", Errno.WithData(45)},
		{"lseek(3, 0x1ffffffff)", sysCall(unix.SYS_LSEEK, "3", "0x1ffffffff"), "errno 29", Errno.WithData(45)},
		{"lseek(3, 1<<32)", sysCall(unix.SYS_LSEEK, "3", "0x100000000"), "errno 29", Allow},
		{"openat O_RDONLY", sysCall(unix.SYS_OPENAT, "0xffffffffffffff9c", "PATH", "0"), "ok", Allow},
		{"openat O_WRONLY", sysCall(unix.SYS_OPENAT, "0xffffffffffffff9c", "PATH", "1"), "ok", Errno.WithData(46)},
		{"openat O_RDWR|O_CLOEXEC", sysCall(unix.SYS_OPENAT, "0xffffffffffffff9c", "PATH", "0x80002"), "ok", Errno.WithData(46)},
		{"write(3, 1 byte)", sysCall(unix.SYS_WRITE, "3", "BUF", "1"), "ok", Allow},
		{"write(3, 5 bytes)", sysCall(unix.SYS_WRITE, "3", "BUF", "5"), "ok", Errno.WithData(47)},
		{"write(3, 1<<32 bytes)", sysCall(unix.SYS_WRITE, "3", "BUF", "0x100000000"), "ok", Errno.WithData(47)},
		{"getuid traps", sysCall(unix.SYS_GETUID), "ok", Trap.WithData(5)},
		{"getgid kills the process", sysCall(unix.SYS_GETGID), "ok", KillProcess},
		{"getegid kills the thread", sysCall(unix.SYS_GETEGID), "ok", KillThread},
		{"geteuid logged", sysCall(unix.SYS_GETEUID), "ok", Log},
	}
	if audit == 0xc000003e {
		denyCalls = append(denyCalls, kernelCall{"x32 getpid is a foreign arch", sysCall(unix.SYS_GETPID | 0x40000000), "ok", KillProcess})
	}

	allowlist := ArchRules{AuditArch: audit, Default: Errno.WithData(55), Syscalls: map[uint32][]Rule{
		unix.SYS_WRITE: {rule(&Or{cmp(Eq, 0, 1, true), cmp(Eq, 0, 2, true)}, Allow)},
		unix.SYS_KILL:  {rule(cmp(Eq, 1, 0, true), Allow)},
	}}
	for _, nr := range runtimeSyscalls {
		if _, ok := allowlist.Syscalls[uint32(nr)]; !ok {
			allowlist.Syscalls[uint32(nr)] = []Rule{rule(nil, Allow)}
		}
	}
	allowCalls := []kernelCall{
		{"getpid", sysCall(unix.SYS_GETPID), "ok", Allow},
		{"getppid", sysCall(unix.SYS_GETPPID), "ok", Errno.WithData(55)},
		{"write(3)", sysCall(unix.SYS_WRITE, "3", "BUF", "1"), "ok", Errno.WithData(55)},
		{"kill(0, 0)", sysCall(unix.SYS_KILL, "0", "0"), "ok", Allow},
		{"lseek", sysCall(unix.SYS_LSEEK, "3", "0"), "errno 29", Errno.WithData(55)},
	}

	// Several arches in one filter: the host's rules and two others.
	multi := []ArchRules{
		{AuditArch: 0x40000003, Default: KillProcess, Syscalls: map[uint32][]Rule{unix.SYS_GETPPID: {rule(nil, Allow)}}},
		{AuditArch: 0x80000008, BigEndian: true, Default: KillProcess, Syscalls: map[uint32][]Rule{5000: {rule(nil, Allow)}}},
		{AuditArch: audit, Default: Allow, Syscalls: map[uint32][]Rule{
			unix.SYS_GETPPID: {rule(nil, Errno.WithData(61))},
			unix.SYS_LSEEK:   {rule(cmp(Ge, 1, 1<<40, false), Errno.WithData(62))},
		}},
	}
	multiCalls := []kernelCall{
		{"getpid", sysCall(unix.SYS_GETPID), "ok", Allow},
		{"getppid", sysCall(unix.SYS_GETPPID), "ok", Errno.WithData(61)},
		{"lseek(3, 1<<40)", sysCall(unix.SYS_LSEEK, "3", "0x10000000000"), "errno 29", Errno.WithData(62)},
		{"lseek(3, 1<<40 - 1)", sysCall(unix.SYS_LSEEK, "3", "0xffffffffff"), "errno 29", Allow},
	}

	suites := []struct {
		name  string
		rs    *RuleSet
		calls []kernelCall
	}{
		{"denylist", &RuleSet{Arches: []ArchRules{denylist}, ForeignArch: KillProcess}, denyCalls},
		{"allowlist", &RuleSet{Arches: []ArchRules{allowlist}, ForeignArch: KillProcess}, allowCalls},
		{"three arches", &RuleSet{Arches: multi, ForeignArch: KillProcess}, multiCalls},
	}
	for _, s := range suites {
		for _, opts := range []Options{{}, {NoOptimize: true}} {
			p, err := Compile(s.rs, opts)
			if err != nil {
				t.Errorf("%s %+v: Compile: %v", s.name, opts, err)
				continue
			}
			for _, c := range s.calls {
				t.Run(fmt.Sprintf("%s/%+v/%s", s.name, opts, c.desc), func(t *testing.T) {
					r, w, err := os.Pipe()
					if err != nil {
						t.Fatal(err)
					}
					defer r.Close()
					defer w.Close()
					got, stderr := runChild(t, p.Insns, c.call, w)
					if want := outcomeOf(c.want, c.allowed); got != want {
						t.Errorf("%s under %v: got %q, policy says %q\nchild stderr:\n%s\nprogram:\n%s", c.call, s.name, got, want, stderr, Disassemble(p.Insns, p.Comments))
					}
				})
			}
		}
	}
}

// KernelOutcome runs call ("nr arg0 ... arg5", arguments as numbers, PATH
// for "/dev/null" or BUF for a 64-byte buffer; fd 3 is the write end of a
// pipe) in a child process under insns and returns what happened: "ok",
// "errno N", "trap", "killed" or "thread killed". It skips the test when
// the kernel cannot run the filter. Exported for the tests of package
// bpfgen_test.
func KernelOutcome(t *testing.T, insns []bpf.RawInstruction, call string) (string, string) {
	t.Helper()
	requireSeccomp(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	got, stderr := runChild(t, insns, call, w)
	return string(got), stderr
}

// TestSimulatorMatchesKernel runs random argument filters on getppid
// (harmless whatever its arguments) in the kernel and in the simulator:
// the kernel's verdict must be the simulator's and the rule set's.
func TestSimulatorMatchesKernel(t *testing.T) {
	requireSeccomp(t)
	cases := 40
	if testing.Short() {
		cases = 8
	}
	r := rand.New(rand.NewSource(*propertySeed))
	audit := hostAudit()
	for c := 0; c < cases; c++ {
		var rules []Rule
		for k := r.Intn(3); k >= 0; k-- {
			a := Allow
			if r.Intn(3) != 0 {
				a = Errno.WithData(uint16(1 + r.Intn(100)))
			}
			rules = append(rules, Rule{Cond: randExpr(r, 1+r.Intn(3)), Action: a})
		}
		ar := ArchRules{AuditArch: audit, Default: Allow, Syscalls: map[uint32][]Rule{unix.SYS_GETPPID: rules}}
		rs := &RuleSet{Arches: []ArchRules{ar}, ForeignArch: KillProcess}
		p, err := Compile(rs, Options{})
		if err != nil {
			t.Fatalf("case %d: %v\n%s", c, err, formatRuleSet(rs))
		}
		pool := append([]uint64(nil), interestingConsts...)
		for _, k := range ruleConsts(&rs.Arches[0]) {
			pool = append(pool, k, k+1, k-1)
		}
		for i := 0; i < 3; i++ {
			d := SeccompData{Nr: unix.SYS_GETPPID, Arch: audit}
			fields := []string{strconv.Itoa(unix.SYS_GETPPID)}
			for j := range d.Args {
				d.Args[j] = pool[r.Intn(len(pool))]
				fields = append(fields, strconv.FormatUint(d.Args[j], 10))
			}
			sim, _, err := Simulate(p.Insns, d, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := rs.Eval(d); sim != want {
				t.Fatalf("case %d: simulator says %v, rule set %v on %s\n%s", c, sim, want, formatInput(d), formatRuleSet(rs))
			}
			r2, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			got, stderr := runChild(t, p.Insns, strings.Join(fields, " "), w)
			r2.Close()
			w.Close()
			if want := outcomeOf(sim, "ok"); got != want {
				t.Errorf("case %d: kernel %q, simulator %q (%v) on %s\nrule set:\n%s\nprogram:\n%s\nchild stderr:\n%s",
					c, got, want, sim, formatInput(d), formatRuleSet(rs), Disassemble(p.Insns, p.Comments), stderr)
				return
			}
		}
	}
}

// validateEnv selects the child that asks the kernel whether it accepts a
// filter.
const validateEnv = "BPFGEN_TEST_VALIDATE"

// validateChild installs the filter at path behind a prefix that allows
// exit_group, then exits: status 0 with nothing printed means the kernel
// accepted it; "EINVAL" on stdout that it refused it.
func validateChild(path string) {
	runtime.LockOSThread()
	raw, err := os.ReadFile(path)
	if err != nil {
		fmt.Println("read:", err)
		os.Exit(childSetupFailed)
	}
	insns, err := DecodeRaw(raw)
	if err != nil {
		fmt.Println("decode:", err)
		os.Exit(childSetupFailed)
	}
	if err := installFilter(insns); err != nil {
		if errors.Is(err, unix.EINVAL) {
			fmt.Println("EINVAL")
			os.Exit(0)
		}
		fmt.Println(err)
		os.Exit(childSetupFailed)
	}
	unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
}

// kernelAccepts asks the kernel, in a child process, whether it accepts
// insns as a seccomp filter.
func kernelAccepts(t *testing.T, insns []bpf.RawInstruction) bool {
	t.Helper()
	// The prefix lets the child exit once the filter is in place; it does
	// not change whether the rest is valid (jumps are relative, scratch
	// memory counts as unwritten after a jump as at the start).
	prefix := []bpf.RawInstruction{
		{Op: bpfLD | bpfW | bpfABS, K: 0},
		{Op: bpfJMP | bpfJEQ | bpfK, Jt: 0, Jf: 1, K: unix.SYS_EXIT_GROUP},
		{Op: bpfRET | bpfK, K: uint32(Allow)},
	}
	path := t.TempDir() + "/filter.bpf"
	if err := os.WriteFile(path, EncodeRaw(append(prefix, insns...)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), validateEnv+"="+path, "GODEBUG=asyncpreemptoff=1")
	out, err := cmd.Output()
	switch {
	case strings.TrimSpace(string(out)) == "EINVAL":
		return false
	case err == nil && len(out) == 0:
		return true
	}
	t.Fatalf("validate child: %v, output %q", err, out)
	return false
}

// randProgram returns a short filter that is often valid and often
// broken in one of the ways the kernel checks.
func randProgram(r *rand.Rand) []bpf.RawInstruction {
	valid := []uint16{
		bpfLD | bpfW | bpfABS, bpfLD | bpfW | bpfABS, bpfLD | bpfW | bpfABS, bpfLD | bpfIMM, bpfLDX | bpfIMM,
		bpfLD | bpfMEM, bpfLDX | bpfMEM, bpfST, bpfSTX, bpfMISC | bpfTAX, bpfMISC | bpfTXA,
		bpfLD | bpfW | bpfLEN, bpfLDX | bpfW | bpfLEN,
		bpfALU | bpfADD | bpfK, bpfALU | bpfSUB | bpfX, bpfALU | bpfMUL | bpfK, bpfALU | bpfDIV | bpfK,
		bpfALU | bpfDIV | bpfX, bpfALU | bpfAND | bpfK, bpfALU | bpfOR | bpfX, bpfALU | bpfXOR | bpfK,
		bpfALU | bpfLSH | bpfK, bpfALU | bpfRSH | bpfX, bpfALU | bpfNEG,
		bpfJMP | bpfJA, bpfJMP | bpfJEQ | bpfK, bpfJMP | bpfJGT | bpfX, bpfJMP | bpfJGE | bpfK, bpfJMP | bpfJSET | bpfK,
		bpfRET | bpfK, bpfRET | bpfA,
	}
	invalid := []uint16{bpfLD | bpfH | bpfABS, bpfLD | bpfB | bpfABS, bpfLD | bpfW | bpfIND, bpfLDX | bpfB | bpfMSH,
		bpfALU | bpfMOD | bpfK, bpfALU | bpfMOD | bpfX, 0x07 | 0x10, 0x0e, 0xffff}
	n := 1 + r.Intn(12)
	insns := make([]bpf.RawInstruction, n)
	for i := range insns {
		op := valid[r.Intn(len(valid))]
		if r.Intn(25) == 0 {
			op = invalid[r.Intn(len(invalid))]
		}
		ins := bpf.RawInstruction{Op: op}
		switch {
		case op == bpfLD|bpfW|bpfABS:
			ins.K = uint32(4 * r.Intn(16))
			if r.Intn(15) == 0 {
				ins.K = uint32(r.Intn(70))
			}
		case op == bpfLD|bpfMEM || op == bpfLDX|bpfMEM || op == bpfST || op == bpfSTX:
			ins.K = uint32(r.Intn(3))
			if r.Intn(20) == 0 {
				ins.K = 16
			}
		case op == bpfALU|bpfDIV|bpfK:
			ins.K = uint32(r.Intn(3))
		case op == bpfALU|bpfLSH|bpfK:
			ins.K = uint32(r.Intn(34))
		case op == bpfJMP|bpfJA:
			ins.K = uint32(r.Intn(max(n-i, 1) + 1))
		case op&bpfClassMask == bpfJMP:
			ins.K = r.Uint32()
			ins.Jt = uint8(r.Intn(max(n-i, 1) + 1))
			ins.Jf = uint8(r.Intn(max(n-i, 1) + 1))
		default:
			ins.K = r.Uint32()
		}
		insns[i] = ins
	}
	if r.Intn(6) != 0 {
		insns[n-1] = bpf.RawInstruction{Op: bpfRET | bpfK, K: uint32(Allow)}
	}
	return insns
}

// TestValidateMatchesKernel checks Validate against the kernel's own
// checks on random filters, valid and broken.
func TestValidateMatchesKernel(t *testing.T) {
	requireSeccomp(t)
	cases := 150
	if testing.Short() {
		cases = 30
	}
	r := rand.New(rand.NewSource(*propertySeed))
	valid := 0
	for c := 0; c < cases; c++ {
		insns := randProgram(r)
		verr := Validate(insns)
		if verr == nil {
			valid++
		}
		if got := kernelAccepts(t, insns); got != (verr == nil) {
			t.Errorf("case %d: the kernel accepts it: %v; Validate: %v\n%s", c, got, verr, Disassemble(insns, nil))
		}
	}
	t.Logf("%d random filters, %d valid", cases, valid)
}

// randComputation returns a valid filter that computes A from the
// seccomp_data with ALU, memory and forward jumps, and returns
// ERRNO(A & 0x7f), so that the kernel's result is visible as an errno.
func randComputation(r *rand.Rand) []bpf.RawInstruction {
	var body []bpf.RawInstruction
	// Every scratch cell used is written first.
	body = append(body,
		bpf.RawInstruction{Op: bpfLD | bpfW | bpfABS, K: uint32(16 + 4*r.Intn(12))},
		bpf.RawInstruction{Op: bpfST, K: 0},
		bpf.RawInstruction{Op: bpfLDX | bpfIMM, K: r.Uint32()},
		bpf.RawInstruction{Op: bpfSTX, K: 1},
	)
	aluOps := []uint16{bpfADD, bpfSUB, bpfMUL, bpfDIV, bpfOR, bpfAND, bpfLSH, bpfRSH, bpfXOR}
	jumpOps := []uint16{bpfJEQ, bpfJGT, bpfJGE, bpfJSET}
	n := 4 + r.Intn(14)
	for i := 0; i < n; i++ {
		var ins bpf.RawInstruction
		switch r.Intn(10) {
		case 0:
			// Any word but the instruction pointer's, which the test
			// cannot know.
			ins = bpf.RawInstruction{Op: bpfLD | bpfW | bpfABS, K: []uint32{0, 4, 16, 20, 28, 32, 44, 52, 56, 60}[r.Intn(10)]}
		case 1:
			ins = bpf.RawInstruction{Op: []uint16{bpfLD | bpfMEM, bpfLDX | bpfMEM}[r.Intn(2)], K: uint32(r.Intn(2))}
		case 2:
			ins = bpf.RawInstruction{Op: []uint16{bpfMISC | bpfTAX, bpfMISC | bpfTXA, bpfALU | bpfNEG, bpfLDX | bpfW | bpfLEN}[r.Intn(4)]}
		case 3:
			ins = bpf.RawInstruction{Op: []uint16{bpfLD | bpfIMM, bpfLDX | bpfIMM}[r.Intn(2)], K: r.Uint32()}
		case 4, 5:
			op := aluOps[r.Intn(len(aluOps))]
			k := r.Uint32()
			if op == bpfLSH || op == bpfRSH {
				k %= 32
			}
			if op == bpfDIV && k == 0 {
				k = 3
			}
			ins = bpf.RawInstruction{Op: bpfALU | op | bpfK, K: k}
		case 6, 7:
			op := aluOps[r.Intn(len(aluOps))]
			if op == bpfDIV && r.Intn(4) != 0 {
				op = bpfXOR // division by a zero X ends the filter: keep it rare
			}
			ins = bpf.RawInstruction{Op: bpfALU | op | bpfX}
		default:
			// A forward jump within the body.
			rest := n - i
			ins = bpf.RawInstruction{Op: bpfJMP | jumpOps[r.Intn(len(jumpOps))] | uint16(r.Intn(2))*bpfX, K: r.Uint32(),
				Jt: uint8(r.Intn(rest)), Jf: uint8(r.Intn(rest))}
			if r.Intn(5) == 0 {
				ins = bpf.RawInstruction{Op: bpfJMP | bpfJA, K: uint32(r.Intn(rest))}
			}
		}
		body = append(body, ins)
	}
	return append(body,
		bpf.RawInstruction{Op: bpfALU | bpfAND | bpfK, K: 0x7f},
		bpf.RawInstruction{Op: bpfALU | bpfOR | bpfK, K: uint32(Errno)},
		bpf.RawInstruction{Op: bpfRET | bpfA},
	)
}

// TestSimulatorALUMatchesKernel runs random computations on the
// seccomp_data of a getppid call in the kernel and in the simulator.
func TestSimulatorALUMatchesKernel(t *testing.T) {
	requireSeccomp(t)
	cases := 60
	if testing.Short() {
		cases = 10
	}
	r := rand.New(rand.NewSource(*propertySeed))
	for c := 0; c < cases; c++ {
		body := randComputation(r)
		if err := Validate(body); err != nil {
			t.Fatalf("case %d: generated an invalid filter: %v\n%s", c, err, Disassemble(body, nil))
		}
		// Only getppid runs the computation: the Go runtime's own calls in
		// the child are allowed.
		insns := append([]bpf.RawInstruction{
			{Op: bpfLD | bpfW | bpfABS, K: 0},
			{Op: bpfJMP | bpfJEQ | bpfK, Jt: 1, Jf: 0, K: unix.SYS_GETPPID},
			{Op: bpfRET | bpfK, K: uint32(Allow)},
		}, body...)
		d := SeccompData{Nr: unix.SYS_GETPPID, Arch: hostAudit()}
		fields := []string{strconv.Itoa(unix.SYS_GETPPID)}
		for j := range d.Args {
			d.Args[j] = r.Uint64() >> (r.Intn(4) * 16)
			fields = append(fields, strconv.FormatUint(d.Args[j], 10))
		}
		sim, _, err := Simulate(insns, d, false)
		if err != nil {
			t.Fatal(err)
		}
		want := outcomeOf(sim, "ok")
		if sim == Errno {
			want = "ok" // ERRNO(0): the call returns 0
		}
		r2, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		got, stderr := runChild(t, insns, strings.Join(fields, " "), w)
		r2.Close()
		w.Close()
		if got != want {
			t.Errorf("case %d: kernel %q, simulator %q on %s\nprogram:\n%s\nchild stderr:\n%s", c, got, want, formatInput(d), Disassemble(insns, nil), stderr)
		}
	}
}
