package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/internal/cli"
)

func TestSim(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "p.kafel")
	src := `ALLOW { write { fd == 1 } }
ERRNO(1) { write }
TRAP(5) { lseek { offset == -1 } }
LOG { SYSCALL[1000] }
DEFAULT KILL
`
	if err := os.WriteFile(policy, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stdout string // regexp
	}{
		{[]string{"--arch", "x86_64", policy, "write", "1", "0", "0"}, cli.ExitOK, `^ALLOW\n$`},
		{[]string{"--arch", "x86_64", policy, "write", "0x100000001"}, cli.ExitOK, `^ALLOW\n$`}, // fd is an int: 32 bits
		{[]string{"--arch", "x86_64", policy, "write", "2"}, cli.ExitOK, `^ERRNO\(1\)\n$`},
		{[]string{"--arch", "x86_64", policy, "1", "01"}, cli.ExitOK, `^ALLOW\n$`},
		{[]string{"--arch", "x86_64", policy, "lseek", "3", "-1"}, cli.ExitOK, `^TRAP\(5\)\n$`},
		{[]string{"--arch", "x86_64", policy, "lseek", "3", "0xffffffff"}, cli.ExitOK, `^KILL\n$`},
		{[]string{"--arch", "mips64", policy, "lseek", "3", "0xffffffffffffffff"}, cli.ExitOK, `^TRAP\(5\)\n$`},
		{[]string{"--arch", "mips64", policy, "lseek", "3", "0b11111111111111111111111111111111"}, cli.ExitOK, `^KILL\n$`},
		{[]string{"--arch", "x86_64", policy, "1000"}, cli.ExitOK, `^LOG\n$`},
		{[]string{"--arch", "x86_64", policy, "0x40000001", "1"}, cli.ExitOK, `^KILL\n$`}, // x32
		{[]string{"--arch", "x86_64", "--allow-x32", policy, "0x40000001", "1"}, cli.ExitOK, `^KILL\n$`},
		{[]string{"-v", "--arch", "x86_64", policy, "write", "1"}, cli.ExitOK, `^ALLOW\ninstructions executed: \d+ of \d+\n$`},
		{[]string{"--arch", "x86_64", policy, "no_such_call"}, cli.ExitUsage, `^$`},
		{[]string{"--arch", "x86_64", policy, "write", "18446744073709551616"}, cli.ExitUsage, `^$`},
		{[]string{"--arch", "vax", policy, "write"}, cli.ExitUsage, `^$`},
		{[]string{"--arch", "x86_64", policy}, cli.ExitUsage, `^$`},
		{[]string{"--arch", "x86_64", filepath.Join(dir, "missing"), "write"}, cli.ExitUsage, `^$`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		root := newRootCmd()
		root.SetOut(&stdout)
		root.SetErr(&stderr)
		code := cli.Run(root, append([]string{"sim"}, tt.args...), &stderr)
		if code != tt.code || !regexp.MustCompile(tt.stdout).MatchString(stdout.String()) {
			t.Errorf("kafel sim %s: exit %d, stdout %q; want exit %d, stdout matching %s\nstderr: %s",
				strings.Join(tt.args, " "), code, stdout.String(), tt.code, tt.stdout, stderr.String())
		}
	}
}

func TestSimPolicyError(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "bad.kafel")
	if err := os.WriteFile(policy, []byte("ALLOW { no_such_call }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	root := newRootCmd()
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if code := cli.Run(root, []string{"sim", "--arch", "x86_64", policy, "read"}, &stderr); code != cli.ExitFindings {
		t.Errorf("exit %d, want %d", code, cli.ExitFindings)
	}
	if !strings.Contains(stderr.String(), "bad.kafel:1:") || stdout.Len() != 0 {
		t.Errorf("stdout %q, stderr %q: want a diagnostic on stderr only", stdout.String(), stderr.String())
	}
}
