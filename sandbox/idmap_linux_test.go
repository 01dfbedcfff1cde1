package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The newuidmap test runs a copy of this test binary in a mount namespace
// of its own whose /etc gives root a subordinate id range, without
// touching the host's /etc.
const testNewIDMapEnv = "KAFEL_SANDBOX_TEST_NEWIDMAP"

func testNewIDMapMain() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, err); return 125 }
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail(err)
	}
	etc := os.Getenv(testNewIDMapEnv)
	if err := unix.Mount(etc, "/etc", "", unix.MS_BIND, ""); err != nil {
		return fail(err)
	}
	c := testConfig("/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; id -u; id -g")
	c.UIDMap = []IDMap{{Inside: 0, Outside: 100000, Count: 1000, UseNewIDMap: true}}
	c.GIDMap = []IDMap{{Inside: 0, Outside: 100000, Count: 1000, UseNewIDMap: true}}
	res, err := Run(contextBackground(), c, RunOptions{})
	if err != nil {
		return fail(err)
	}
	return res.ExitCode
}

func TestNewIDMap(t *testing.T) {
	requireRoot(t)
	for _, tool := range []string{"newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (package uidmap) for multi-id maps", tool)
		}
	}
	etc := worldDir(t)
	for _, f := range []string{"passwd", "group", "nsswitch.conf", "login.defs"} {
		if b, err := os.ReadFile(filepath.Join("/etc", f)); err == nil {
			os.WriteFile(filepath.Join(etc, f), b, 0o644)
		}
	}
	os.WriteFile(filepath.Join(etc, "subuid"), []byte("root:100000:65536\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "subgid"), []byte("root:100000:65536\n"), 0o644)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), testNewIDMapEnv+"="+etc)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS}
	out, err := cmd.Output()
	var errs string
	if ee, ok := err.(*exec.ExitError); ok {
		errs = string(ee.Stderr)
	}
	want := " 0 100000 1000\n 0 100000 1000\n0\n0\n"
	if err != nil || string(out) != want {
		t.Fatalf("err %v, stdout %q, stderr %q; want %q", err, out, strings.TrimSpace(errs), want)
	}
}
