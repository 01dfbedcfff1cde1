package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The rootless tests run a copy of this test binary as nobody, which then
// runs a jail as an unprivileged user would.
const testRootlessEnv = "KAFEL_SANDBOX_TEST_ROOTLESS"

func testRootlessMain(mode string) int {
	c := testConfig("/bin/sh", "-c", "id -u; id -g; hostname; echo $$; cat /proc/self/uid_map | tr -s ' '; grep CapEff /proc/self/status | cut -f2")
	uid, gid := DefaultIDMaps()
	c.UIDMap, c.GIDMap = uid, gid
	if mode == "cgroup" {
		c.Cgroups.PidsMax = 10 // asked for explicitly: must fail closed
	}
	res, err := Run(contextBackground(), c, RunOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 125
	}
	return res.ExitCode
}

// runAsNobody runs the test binary as uid/gid 65534 in mode.
func runAsNobody(t *testing.T, mode string) (string, string, error) {
	t.Helper()
	requireRoot(t)
	b, err := os.ReadFile("/proc/sys/user/max_user_namespaces")
	if err != nil || strings.TrimSpace(string(b)) == "0" {
		t.Skip("needs user namespaces for unprivileged users (user.max_user_namespaces)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := worldDir(t)
	copyExe := filepath.Join(dir, "sandbox.test")
	src, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(copyExe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	src.Close()
	dst.Close()
	cmd := exec.Command(copyExe)
	cmd.Dir = dir
	cmd.Env = []string{testRootlessEnv + "=" + mode, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: NobodyID, Gid: NobodyID}}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestRootless(t *testing.T) {
	out, errs, err := runAsNobody(t, "plain")
	if err != nil {
		t.Fatalf("rootless run: %v\nstdout %q\nstderr %q", err, out, errs)
	}
	want := "65534\n65534\njail\n1\n 65534 65534 1\n0000000000000000\n"
	if out != want {
		t.Errorf("stdout %q, want %q (stderr %q)", out, want, errs)
	}
}

// TestRootlessCgroupFailsClosed: cgroup limits asked for explicitly cannot
// be applied by an unprivileged user without delegation: the run fails
// and the program never runs.
func TestRootlessCgroupFailsClosed(t *testing.T) {
	out, errs, err := runAsNobody(t, "cgroup")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 125 || out != "" {
		t.Fatalf("err %v, stdout %q, stderr %q; want status 125 and no output", err, out, errs)
	}
	if !strings.Contains(errs, "cgroup") {
		t.Errorf("stderr %q does not name the cgroup", errs)
	}
	t.Logf("stderr: %s", strings.TrimSpace(errs))
}
