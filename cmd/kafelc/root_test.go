package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/internal/cli"
)

// openPTY returns the terminal side of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("terminal test: no pseudo-terminals (%v)", err)
	}
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, master.Fd(), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("terminal test: unlockpt: %v", e)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("terminal test: ptsname: %v", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("terminal test: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

func TestRawNotToTerminal(t *testing.T) {
	tty := openPTY(t)
	policy := filepath.Join(t.TempDir(), "p.kafel")
	if err := os.WriteFile(policy, []byte("ALLOW { read } DEFAULT KILL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{policy}, cli.ExitUsage},
		{[]string{"--format", "asm", policy}, cli.ExitOK},
		{[]string{"--check", policy}, cli.ExitOK},
	} {
		cmd := newRootCmd()
		cmd.SetOut(tty)
		var stderr bytes.Buffer
		cmd.SetErr(&stderr)
		if code := cli.Run(cmd, tt.args, &stderr); code != tt.code {
			t.Errorf("kafelc %s to a terminal: exit %d, want %d; stderr:\n%s", strings.Join(tt.args, " "), code, tt.code, stderr.String())
		}
	}
}
