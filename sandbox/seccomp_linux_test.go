package sandbox

import (
	"github.com/gokafel/gokafel/sandbox/internal/jail"

	"strings"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/bpfgen"
)

// TestGatePrefix checks the execve gate against the simulator: the exact
// calls pass, every other value of each argument word, another syscall,
// another arch and an x32 number fall through to the policy.
func TestGatePrefix(t *testing.T) {
	const base = 0x1234_5678_9000
	p := &jail.Prog{Base: base, PathAddrs: []uint64{base + 128, base + 4224}, ArgvAddr: base, EnvpAddr: base + 64, MsgAddr: base + 8320, ReportAddr: base + 8576}
	// A re-executed init's: every kind of call, execve twice.
	calls := progGateCalls(&progRun{prog: p}, 7)
	if len(calls) != 5 {
		t.Fatalf("%d gate calls, want 5", len(calls))
	}
	prefix, err := gatePrefix(calls)
	if err != nil {
		t.Fatal(err)
	}
	const policyRet = 0x00050000 | 1 // ERRNO(EPERM): "the policy decided"
	prog := append(prefix, bpf.RawInstruction{Op: unix.BPF_RET | unix.BPF_K, K: policyRet})
	run := func(d bpfgen.SeccompData) bpfgen.Action {
		t.Helper()
		a, _, err := bpfgen.Simulate(prog, d, nativeBigEndian)
		if err != nil {
			t.Fatalf("simulate %+v: %v", d, err)
		}
		return a
	}
	for _, c := range calls {
		d := bpfgen.SeccompData{Nr: int32(c.Nr), Arch: nativeAuditArch, Args: [6]uint64{c.Args[0], c.Args[1], c.Args[2], 0xdead, 0xbeef, 1}}
		if got := run(d); got != bpfgen.Allow {
			t.Errorf("nr %d with the gate's args: %#x, want ALLOW", c.Nr, uint32(got))
		}
		for i := 0; i < 3; i++ {
			for _, flip := range []uint64{1, 1 << 31, 1 << 32, 1 << 63} {
				e := d
				e.Args[i] ^= flip
				if got := run(e); got != policyRet {
					t.Errorf("nr %d arg%d^%#x: %#x, want the policy's", c.Nr, i, flip, uint32(got))
				}
			}
		}
		e := d
		e.Arch = unix.AUDIT_ARCH_I386
		if got := run(e); got != policyRet {
			t.Errorf("nr %d on i386: %#x, want the policy's", c.Nr, uint32(got))
		}
		e = d
		e.Nr |= 0x40000000
		if got := run(e); got != policyRet {
			t.Errorf("x32 nr %#x: %#x, want the policy's", e.Nr, uint32(got))
		}
	}
	d := bpfgen.SeccompData{Nr: unix.SYS_GETPID, Arch: nativeAuditArch, Args: [6]uint64{calls[0].Args[0], calls[0].Args[1], calls[0].Args[2]}}
	if got := run(d); got != policyRet {
		t.Errorf("getpid with execve's args: %#x, want the policy's", uint32(got))
	}
}

func TestMapKills(t *testing.T) {
	prog := []bpf.RawInstruction{
		{Op: unix.BPF_RET | unix.BPF_K, K: seccompRetKillProcess},
		{Op: unix.BPF_RET | unix.BPF_K, K: seccompRetKillThread},
		{Op: unix.BPF_RET | unix.BPF_K, K: 0x00050000 | 13},
		{Op: unix.BPF_RET | unix.BPF_K, K: seccompRetAllow},
		{Op: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: seccompRetKillProcess}, // not a return
	}
	got, err := mapKills(prog, seccompRetUserNotif)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{seccompRetUserNotif, seccompRetUserNotif, 0x00050000 | 13, seccompRetAllow, seccompRetKillProcess}
	for i := range want {
		if got[i].K != want[i] {
			t.Errorf("insn %d: K %#x, want %#x", i, got[i].K, want[i])
		}
	}
	if _, err := mapKills([]bpf.RawInstruction{{Op: unix.BPF_RET | unix.BPF_A}}, seccompRetLog); err == nil {
		t.Error("RET A was accepted")
	}
}

// policyConfig runs a shell script under a Kafel policy text.
func policyConfig(policy, script string) *Config {
	c := testConfig("/bin/sh", "-c", script)
	c.Seccomp.Policy = policy
	return c
}

func TestSeccompViolationNamed(t *testing.T) {
	requireRoot(t)
	c := policyConfig("POLICY p { KILL { uname } } USE p DEFAULT ALLOW", "echo before; uname; echo after")
	res, out, errs := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonSeccomp || res.SeccompViolation == nil {
		t.Fatalf("result %+v, stdout %q, stderr %q; want a seccomp violation", res, out, errs)
	}
	v := res.SeccompViolation
	if (v.Syscall != "uname" && v.Syscall != "newuname") || v.Nr != unix.SYS_UNAME || v.Arch != "x86_64" {
		t.Errorf("violation %+v, want [new]uname (%d) on x86_64", v, unix.SYS_UNAME)
	}
	if out != "before\n" || errs != "" {
		t.Errorf("stdout %q, stderr %q: the program must run up to the forbidden call and no further", out, errs)
	}
	if res.ExitCode != 128+int(unix.SIGSYS) || res.Signal != int(unix.SIGSYS) {
		t.Errorf("exit code %d, signal %d, want %d and SIGSYS, as the kernel's kill gives", res.ExitCode, res.Signal, 128+int(unix.SIGSYS))
	}
	t.Logf("reason: %s", res.Reason)
}

// TestSeccompExecveGate: the policy forbids execve, yet the runner's own
// execve of the program gets through; the program's execve does not.
func TestSeccompExecveGate(t *testing.T) {
	requireRoot(t)
	c := policyConfig("POLICY p { KILL { execve, execveat } } USE p DEFAULT ALLOW", "echo in; /bin/true; echo after")
	res, out, errs := runJail(t, c, RunOptions{})
	if out != "in\n" {
		t.Errorf("stdout %q, want %q", out, "in\n")
	}
	if res.SeccompViolation == nil || res.SeccompViolation.Syscall != "execve" {
		t.Fatalf("result %+v, stderr %q; want the shell's execve reported", res, errs)
	}
}

// TestSeccompDenyAllButGate: a policy that allows nothing still lets the
// gate through; the program dies at its first syscall, which is reported.
func TestSeccompDenyAll(t *testing.T) {
	requireRoot(t)
	c := policyConfig("POLICY nothing { ALLOW { } }\nUSE nothing DEFAULT KILL", "echo hi")
	res, out, errs := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonSeccomp || res.SeccompViolation == nil || out != "" {
		t.Fatalf("result %+v, stdout %q, stderr %q", res, out, errs)
	}
	if res.SeccompViolation.Syscall == "execve" {
		t.Errorf("the runner's own execve was refused: %+v", res.SeccompViolation)
	}
	t.Logf("first call of /bin/sh: %s", res.SeccompViolation)
}

// TestSeccompLog: with Seccomp.Log the calls the policy would kill go on,
// and the result lists each syscall once, with how many calls.
func TestSeccompLog(t *testing.T) {
	requireRoot(t)
	c := policyConfig("POLICY p { KILL { uname } } USE p DEFAULT ALLOW", "echo before; uname -s; uname -s; echo after")
	c.Seccomp.Log = true
	res, out, errs := runJail(t, c, RunOptions{})
	if res.ExitCode != 0 || out != "before\nLinux\nLinux\nafter\n" {
		t.Fatalf("result %+v, stdout %q, stderr %q; with Seccomp.Log the call must go on", res, out, errs)
	}
	if !notifContinueAvailable() {
		t.Skip("the kernel cannot let a notified call go on (before 5.5): only its audit log has the calls")
	}
	l := res.SeccompLogged
	if len(l) != 1 || (l[0].Syscall != "uname" && l[0].Syscall != "newuname") || l[0].Nr != unix.SYS_UNAME || l[0].Count < 2 {
		t.Errorf("logged %+v, want uname once with a count of at least 2", l)
	}
}

func TestSeccompDefaultPolicyRunsShell(t *testing.T) {
	requireRoot(t)
	c := testConfig("/bin/sh", "-c", "echo ok; ls / >/dev/null; cat /proc/self/status | grep -c Seccomp")
	c.Seccomp.Default = true
	res, out, errs := runJail(t, c, RunOptions{})
	if res.ExitCode != 0 || !strings.HasPrefix(out, "ok\n") {
		t.Fatalf("result %+v, stdout %q, stderr %q", res, out, errs)
	}
}

func TestSeccompPolicyError(t *testing.T) {
	requireRoot(t)
	c := policyConfig("POLICY p { KILL { no_such_call } } USE p DEFAULT ALLOW", "true")
	_, err := Run(t.Context(), c, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "no_such_call") {
		t.Fatalf("err %v, want the compiler's diagnostic naming no_such_call", err)
	}
}

// TestSeccompWithoutUserNotif: on a kernel without USER_NOTIF the kill
// actions stay KILL_PROCESS: the calling process dies (here the jail's
// pid 1, which execs uname) and the run says it was seccomp.
func TestSeccompWithoutUserNotif(t *testing.T) {
	requireRoot(t)
	saved := userNotifAvailable
	defer func() { userNotifAvailable = saved }()
	userNotifAvailable = func() bool { return false }
	c := policyConfig("POLICY p { KILL { uname } } USE p DEFAULT ALLOW", "echo before; exec uname")
	res, out, errs := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonSeccomp || res.Signal != int(unix.SIGSYS) || out != "before\n" {
		t.Fatalf("result %+v, stdout %q, stderr %q; want killed by SIGSYS and reported as seccomp", res, out, errs)
	}
	t.Logf("reason: %s", res.Reason)
}

func TestSeccompViolationString(t *testing.T) {
	for _, tt := range []struct {
		v    SeccompViolation
		want string
	}{
		{SeccompViolation{Syscall: "getuid", Nr: 102, Arch: "x86_64", Args: [6]uint64{1, 2}, NArgs: 0}, "getuid() [nr 102] on x86_64"},
		{SeccompViolation{Syscall: "bpf", Nr: 321, Arch: "x86_64", Args: [6]uint64{0, 0x10, 3, 9}, NArgs: 3}, "bpf(0x0, 0x10, 0x3) [nr 321] on x86_64"},
		{SeccompViolation{Syscall: "syscall_999", Nr: 999, Arch: "x86_64", Args: [6]uint64{1}}, "syscall_999(0x1, 0x0, 0x0, 0x0, 0x0, 0x0) [nr 999] on x86_64"},
	} {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.v, got, tt.want)
		}
	}
}
