package sandbox

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/syscalls"
)

// The escape suite: adversarial programs, each of which must stay inside.

var (
	escapeOnce sync.Once
	escapeDir  string
	escapeErr  error
)

// escapeBinary builds testdata/escape.c into a directory the jail's user
// can reach, once per test binary.
func escapeBinary(t *testing.T) string {
	t.Helper()
	requireRoot(t)
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("needs gcc to build the escape programs")
	}
	escapeOnce.Do(func() {
		escapeDir, escapeErr = os.MkdirTemp("", "kafel-escape-")
		if escapeErr != nil {
			return
		}
		os.Chmod(escapeDir, 0o755)
		out, err := exec.Command(gcc, "-O1", "-o", filepath.Join(escapeDir, "escape"), "testdata/escape.c").CombinedOutput()
		if err != nil {
			escapeErr = fmt.Errorf("gcc: %v\n%s", err, out)
		}
	})
	if escapeErr != nil {
		t.Fatal(escapeErr)
	}
	return escapeDir
}

// escapeConfig runs the escape program in mode with its directory
// mounted at /escape.
func escapeConfig(t *testing.T, mode string) *Config {
	dir := escapeBinary(t)
	c := testConfig("/escape/escape", mode)
	c.Mounts = append(c.Mounts, Mount{Src: dir, Dst: "/escape", Bind: true, Mandatory: true})
	return c
}

func TestEscapeReadHostFile(t *testing.T) {
	requireRoot(t)
	secret := filepath.Join(worldDir(t), "secret")
	os.WriteFile(secret, []byte("host secret\n"), 0o644)
	_, out := probe(t, nil, "cat "+secret+" /etc/shadow /root/.bashrc 2>/dev/null; ls /home 2>/dev/null; echo done")
	if out != "done\n" {
		t.Errorf("the jail read host files: %q", out)
	}
}

func TestEscapeWriteReadOnlyMount(t *testing.T) {
	requireRoot(t)
	res, out := probe(t, nil, "echo x > /usr/kafel-escape 2>/dev/null; echo x >> /usr/bin/env 2>/dev/null; mkdir /usr/x 2>/dev/null; mount -o remount,rw /usr 2>/dev/null; touch /usr/kafel-escape2 2>/dev/null; ls /usr | grep -c kafel-escape")
	if strings.TrimSpace(out) != "0" {
		t.Errorf("wrote to read-only /usr: %q (%+v)", out, res)
	}
	if _, err := os.Stat("/usr/kafel-escape"); err == nil {
		os.Remove("/usr/kafel-escape")
		t.Error("the file reached the host's /usr")
	}
}

func TestEscapeSeeHostProcesses(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, nil, "ls /proc | grep -c '^[0-9]'; kill -0 1 && echo pid1-is-us; kill -9 "+fmt.Sprint(os.Getpid())+" 2>/dev/null && echo killed-host || echo host-unreachable")
	lines := strings.Fields(out)
	// Visible: sh (1), ls or grep, maybe the subshell: a handful.
	if len(lines) != 3 || lines[2] != "host-unreachable" {
		t.Fatalf("output %q", out)
	}
	var n int
	fmt.Sscan(lines[0], &n)
	if n > 5 {
		t.Errorf("the jail sees %d processes", n)
	}
}

func TestEscapeNetwork(t *testing.T) {
	requireRoot(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("reached the host\n"))
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	script := fmt.Sprintf(`
import socket
for host, port in (("127.0.0.1", %d), ("1.1.1.1", 53), ("8.8.8.8", 443)):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((host, port))
        print("connected", host, s.recv(100))
    except OSError as e:
        print("refused", host, e.errno)
`, port)
	c := testConfig("/usr/bin/python3", "-c", script)
	res, out, errs := runJail(t, c, RunOptions{})
	if strings.Contains(out, "connected") || res.ExitCode != 0 {
		t.Errorf("result %+v, stdout %q, stderr %q", res, out, errs)
	}
}

func TestEscapeForkBomb(t *testing.T) {
	requireCgroupV1(t, "pids")
	c := testConfig("/bin/sh", "-c", "b() { b | b & }; b; sleep 2; echo survived")
	c.Cgroups.PidsMax = 32
	c.TimeLimit = 5 * time.Second
	res, _, _ := runJail(t, c, RunOptions{})
	if !strings.Contains(res.Reason, "pids limit") || res.PidsRefused == 0 {
		t.Errorf("result %+v, want the pids limit reported", res)
	}
	if l := leftoverCgroups(t); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
	t.Logf("reason: %s", res.Reason)
}

func TestEscapeMemoryBomb(t *testing.T) {
	requireCgroupV1(t, "memory")
	c := testConfig("/bin/sh", "-c", "x=a; while :; do x=$x$x; done")
	c.Cgroups.MemMax = 32 << 20
	c.Cgroups.MemSwapMax = 0
	c.TimeLimit = 30 * time.Second
	res, _, _ := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonMemoryLimit {
		t.Errorf("result %+v, want the memory limit", res)
	}
}

func TestEscapeBusyLoop(t *testing.T) {
	requireRoot(t)
	c := testConfig("/bin/sh", "-c", "while :; do :; done")
	c.Rlimits = []Rlimit{{Resource: unix.RLIMIT_CPU, Soft: 1, Hard: 1}}
	c.TimeLimit = 30 * time.Second
	res, _, _ := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonCPULimit {
		t.Errorf("cpu rlimit: result %+v", res)
	}
	c.Rlimits = nil
	c.TimeLimit = 500 * time.Millisecond
	res, _, _ = runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonTimeLimit {
		t.Errorf("time limit: result %+v", res)
	}
}

// TestEscapeSetuid: a root-owned setuid copy of the probe, bound without
// nosuid, gains nothing: no_new_privs refuses the bit, and even without
// no_new_privs the owner (host root) has no mapping in the jail.
func TestEscapeSetuid(t *testing.T) {
	dir := escapeBinary(t)
	suid := filepath.Join(dir, "escape-suid")
	b, _ := os.ReadFile(filepath.Join(dir, "escape"))
	if err := os.WriteFile(suid, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(suid, 0o4755); err != nil {
		t.Fatal(err)
	}
	for _, nnp := range []bool{true, false} {
		c := escapeConfig(t, "euid")
		c.Path = "/escape/escape-suid"
		c.DisableNoNewPrivs = !nnp
		_, out, errs := runJail(t, c, RunOptions{})
		if !strings.Contains(out, "euid 1000 uid 1000") {
			t.Errorf("no_new_privs %v: %q (stderr %q), want euid 1000", nnp, out, errs)
		}
	}
}

// denyList is a deny-list policy a user may write: uname is forbidden,
// all else allowed.
const denyList = "POLICY p { KILL { uname } } USE p DEFAULT ALLOW"

// TestEscapeCompatSyscalls: the deny-list is for x86_64; the same call
// through the 32-bit int 0x80 entry or the x32 entry is a foreign arch
// and must be stopped too, and named.
func TestEscapeCompatSyscalls(t *testing.T) {
	for _, tc := range []struct{ mode, arch string }{
		{"uname", "x86_64"},
		{"int80", i386Name()},
		{"x32", "x32"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			if tc.mode == "int80" {
				requireInt80(t)
			}
			c := escapeConfig(t, tc.mode)
			c.Seccomp.Policy = denyList
			res, out, errs := runJail(t, c, RunOptions{})
			if out != "start\n" || res.ReasonKind != ReasonSeccomp || res.SeccompViolation == nil {
				t.Fatalf("result %+v, stdout %q, stderr %q", res, out, errs)
			}
			if res.SeccompViolation.Arch != tc.arch {
				t.Errorf("violation %v, want arch %s", res.SeccompViolation, tc.arch)
			}
			t.Logf("%s", res.Reason)
		})
	}
}

func i386Name() string {
	for _, a := range syscalls.Arches() {
		if a.AuditArch == unix.AUDIT_ARCH_I386 {
			return a.Name
		}
	}
	return "i386"
}

// TestEscapeDefaultPolicy: calls that widen the jail are killed by the
// embedded default policy, before they run.
func TestEscapeDefaultPolicy(t *testing.T) {
	for _, tc := range []struct{ mode, syscall string }{
		{"mount", "mount"},
		{"ptrace", "ptrace"},
		{"unshare", "unshare"},
		{"keyctl", "keyctl"},
		{"bpf", "bpf"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			c := escapeConfig(t, tc.mode)
			c.Seccomp.Default = true
			res, out, errs := runJail(t, c, RunOptions{})
			if out != "start\n" || res.SeccompViolation == nil || res.SeccompViolation.Syscall != tc.syscall {
				t.Fatalf("result %+v, stdout %q, stderr %q; want %s killed", res, out, errs, tc.syscall)
			}
		})
	}
}

// TestEscapeWithoutPolicy: the same calls without any policy still fail,
// held by the namespaces and the dropped capabilities (keyctl and unshare
// of a user namespace are allowed by the kernel: only the policy stops
// them).
func TestEscapeWithoutPolicy(t *testing.T) {
	for _, mode := range []string{"mount", "ptrace", "bpf"} {
		t.Run(mode, func(t *testing.T) {
			_, out, _ := runJail(t, escapeConfig(t, mode), RunOptions{})
			if !strings.Contains(out, "failed") {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

// requireInt80 skips a test where the kernel does not take system calls
// through the 32-bit int 0x80 entry at all: the probe's call, made
// outside any jail and filter, must return. Some virtual machines (a PVM
// guest, for one) turn the instruction into SIGSEGV even with
// CONFIG_IA32_EMULATION, and a jail's filter has nothing to stop there.
func requireInt80(t *testing.T) {
	t.Helper()
	out, err := exec.Command(filepath.Join(escapeBinary(t), "escape"), "int80").CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
			t.Skipf("this kernel does not take int 0x80 system calls: the probe, run outside any jail, died: %v (%q)", err, out)
		}
		t.Fatalf("int 0x80 probe outside the jail: %v (%q)", err, out)
	}
	if !strings.Contains(string(out), "int80: returned 0") {
		t.Fatalf("int 0x80 probe outside the jail: %q, want uname to return 0", out)
	}
}
