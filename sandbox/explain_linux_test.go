package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func TestExplainSetup(t *testing.T) {
	sysctls := func(m map[string]string) func(string) ([]byte, error) {
		return func(p string) ([]byte, error) {
			if v, ok := m[p]; ok {
				return []byte(v + "\n"), nil
			}
			return nil, os.ErrNotExist
		}
	}
	ubuntu := sysctls(map[string]string{"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1", "/proc/sys/user/max_user_namespaces": "63000"})
	tests := []struct {
		name string
		err  error
		euid int
		read func(string) ([]byte, error)
		want string // substring of the message; "" for unchanged
	}{
		{"apparmor", &SetupError{Op: "unshare CLONE_NEWNS", Err: unix.EPERM}, 1000, ubuntu, "apparmor_restrict_unprivileged_userns is 1"},
		{"no namespaces", &SetupError{Op: "start the jail", Err: unix.ENOSPC}, 1000, sysctls(map[string]string{"/proc/sys/user/max_user_namespaces": "0"}), "max_user_namespaces is 0"},
		{"debian", &SetupError{Op: "start the jail", Err: unix.EPERM}, 1000, sysctls(map[string]string{"/proc/sys/kernel/unprivileged_userns_clone": "0"}), "unprivileged_userns_clone is 0"},
		{"root", &SetupError{Op: "mount", Err: unix.EPERM}, 0, ubuntu, ""},
		{"container", &SetupError{Op: "start the jail", Err: unix.EPERM}, 0, sysctls(map[string]string{"/proc/self/status": "Name:\tkafel\nSeccomp:\t2\nSeccomp_filters:\t1"}), "kafel itself runs under a seccomp filter"},
		{"unfiltered", &SetupError{Op: "start the jail", Err: unix.EPERM}, 0, sysctls(map[string]string{"/proc/self/status": "Name:\tkafel\nSeccomp:\t0"}), ""},
		{"masked proc", &SetupError{Op: "mount proc on", Path: "/proc", Err: unix.EPERM}, 0, sysctls(map[string]string{"/proc/self/mountinfo": "22 27 0:21 / /proc rw - proc proc rw\n65 22 0:39 / /proc/acpi ro - tmpfs none ro\n66 22 0:5 /null /proc/kcore rw - devtmpfs udev rw"}), "(/proc/acpi, /proc/kcore)"},
		{"apparmor", &SetupError{Op: "mount tmpfs on", Path: "/tmp", Err: unix.EPERM}, 0, sysctls(map[string]string{"/proc/self/attr/current": "docker-default (enforce)\n"}), "AppArmor profile docker-default, which may forbid mounts"},
		{"apparmor, EACCES", &SetupError{Op: "bind", Path: "/usr", Err: unix.EACCES}, 0, sysctls(map[string]string{"/proc/self/attr/apparmor/current": "docker-default (enforce)"}), "AppArmor profile docker-default"},
		{"apparmor unconfined", &SetupError{Op: "mount tmpfs on", Path: "/tmp", Err: unix.EPERM}, 0, sysctls(map[string]string{"/proc/self/attr/current": "unconfined\n"}), ""},
		{"apparmor, not a mount", &SetupError{Op: "sethostname", Err: unix.EPERM}, 0, sysctls(map[string]string{"/proc/self/attr/current": "docker-default (enforce)\n"}), ""},
		{"whole proc", &SetupError{Op: "mount proc on", Path: "/proc", Err: unix.EPERM}, 0, sysctls(map[string]string{"/proc/self/mountinfo": "22 27 0:21 / /proc rw - proc proc rw\n40 22 0:37 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw"}), ""},
		{"cgroup", &SetupError{Op: "cgroup create", Err: unix.EACCES}, 1000, ubuntu, "cgroups are not delegated to this user"},
		{"cgroup as root", &SetupError{Op: "cgroup create", Err: unix.EACCES}, 0, ubuntu, ""},
		{"read-only cgroups", &SetupError{Op: "cgroup memory", Err: unix.EROFS}, 0, ubuntu, "mounted read-only"},
		{"other errno", &SetupError{Op: "mount", Err: unix.ENOENT}, 1000, ubuntu, ""},
		{"unrestricted host", &SetupError{Op: "mount", Err: unix.EPERM}, 1000, sysctls(nil), ""},
	}
	for _, tt := range tests {
		before := tt.err.Error()
		got := explainSetup(tt.err, tt.euid, tt.read)
		switch {
		case tt.want == "" && got.Error() != before:
			t.Errorf("%s: %q, want it unchanged (%q)", tt.name, got, before)
		case tt.want != "" && (!strings.Contains(got.Error(), tt.want) || !strings.HasPrefix(got.Error(), before)):
			t.Errorf("%s: %q, want %q with %q", tt.name, got, before, tt.want)
		}
		if !errors.Is(got, tt.err.(*SetupError).Err) {
			t.Errorf("%s: %v no longer wraps %v", tt.name, got, tt.err.(*SetupError).Err)
		}
	}
}

// TestBindUnreachable: a bind source the jail's user cannot reach on the
// host fails closed, and the error says who the jail is there.
func TestBindUnreachable(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir() // 0700, root's
	c := testConfig("/bin/true")
	c.Mounts = append(c.Mounts, Mount{Src: dir, Dst: "/x", Bind: true, Mandatory: true})
	_, _, err := runJailErr(c, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "permission denied (the jail is uid 65534 on the host, which may not reach "+dir) {
		t.Errorf("err %v, want the jail's host uid named", err)
	}
}

// testFilteredEnv makes the test binary a runner under a seccomp filter
// of its own that refuses new user namespaces, as a container's does.
const testFilteredEnv = "KAFEL_SANDBOX_TEST_FILTERED"

func testFilteredMain() int {
	// clone and unshare with CLONE_NEWUSER in their first argument fail
	// with EPERM; everything else goes.
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 0, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_CLONE, SkipTrue: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_UNSHARE, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 16, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: unix.CLONE_NEWUSER, SkipFalse: 1},
		bpf.RetConstant{Val: 0x00050000 | uint32(unix.EPERM)}, // SECCOMP_RET_ERRNO
		bpf.RetConstant{Val: seccompRetAllow},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		fmt.Fprintln(os.Stderr, "seccomp:", e)
		return 2
	}
	_, err = Run(contextBackground(), testConfig("/bin/true"), RunOptions{})
	fmt.Fprintln(os.Stderr, err)
	return 125
}

// TestRunnerUnderFilter: a runner whose own seccomp filter refuses new
// namespaces (a container's) fails closed, and says so.
func TestRunnerUnderFilter(t *testing.T) {
	requireRoot(t)
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("the test's filter reads the low word of a 64-bit little-endian argument; %s is not amd64 or arm64", runtime.GOARCH)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), testFilteredEnv+"=1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 125 || !strings.Contains(string(out), "operation not permitted (kafel itself runs under a seccomp filter") {
		t.Errorf("runner under a filter: %v, output %q; want the refused namespace explained", err, out)
	}
}

// testMaskedProcEnv makes the test binary a runner whose /proc has a
// mount over a part of it, as in a container.
const testMaskedProcEnv = "KAFEL_SANDBOX_TEST_MASKED_PROC"

func testMaskedProcMain() int {
	_, err := Run(contextBackground(), testConfig("/bin/true"), RunOptions{})
	fmt.Fprintln(os.Stderr, err)
	return 125
}

// TestRunnerMaskedProc: where a mount covers part of the runner's /proc
// (a container's masked paths), the jail's proc cannot be mounted; the
// run fails closed and says which mount is in the way.
func TestRunnerMaskedProc(t *testing.T) {
	requireRoot(t)
	unshare := requireBinary(t, "unshare")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A private mount namespace for the runner, with a tmpfs on /proc/sys.
	cmd := exec.Command(unshare, "-m", "--propagation", "private", "sh", "-c", `mount -t tmpfs none /proc/sys && exec "$0"`, exe)
	cmd.Env = append(os.Environ(), testMaskedProcEnv+"=1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 125 || !strings.Contains(string(out), "mount proc") || !strings.Contains(string(out), "(/proc/sys)") {
		t.Errorf("runner with /proc/sys covered: %v, output %q; want the proc mount refused and /proc/sys named", err, out)
	}
}
