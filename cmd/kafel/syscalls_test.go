package main

import (
	"bytes"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/internal/cli"
)

func runKafel(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&errb)
	code = cli.Run(root, args, &errb)
	return code, out.String(), errb.String()
}

func TestSyscallsCmd(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string // regexp
		stderr string // regexp
	}{
		{[]string{"--arch", "x86_64", "openat"}, cli.ExitOK, `^openat 257 dfd:4 filename:8 flags:4 mode:2\n$`, `^$`},
		{[]string{"--arch", "AMD64", "uname"}, cli.ExitOK, `^uname 63 name:8 \(alias of newuname\)\n$`, `^$`},
		{[]string{"--arch", "x86_64", "clone"}, cli.ExitOK, `^clone 56 clone_flags:8 newsp:8 parent_tidptr:8 child_tidptr:8 tls:8\n$`, `^$`},
		{[]string{"--arch", "arm64", "clone"}, cli.ExitOK, `^clone 220 clone_flags:8 newsp:8 parent_tidptr:8 tls:8 child_tidptr:8\n$`, `^$`},
		{[]string{"--arch", "i386", "chown", "chown16", "chown32"}, cli.ExitOK,
			`^chown 212 filename:4 user:4 group:4\nchown16 182 filename:4 user:2 group:2\nchown32 212 filename:4 user:4 group:4 \(alias of chown\)\n$`, `^$`},
		{[]string{"--arch", "mips", "4020", "0xfb4"}, cli.ExitOK, `^getpid 4020\ngetpid 4020\n$`, `^$`},
		{[]string{"--arch", "x86_64", "opneat"}, cli.ExitFindings, `^$`, `unknown syscall "opneat" on x86_64; did you mean openat, openat2\?`},
		{[]string{"--arch", "x86_64", "read", "arm_fadvise64_64"}, cli.ExitFindings, `^read 0 fd:4 buf:8 count:8\n$`, `unknown syscall "arm_fadvise64_64" on x86_64.*\(it exists on arm\)`},
		{[]string{"--arch", "x86_64", "9999"}, cli.ExitFindings, `^$`, `no syscall number 9999 on x86_64`},
		{[]string{"--arch", "vax"}, cli.ExitUsage, `^$`, `unknown arch "vax"; known arches: .*aarch64 \(arm64\).*x86_64 \(amd64\)`},
		{[]string{"--arch"}, cli.ExitUsage, `^$`, `flag needs an argument`},
	}
	for _, tt := range tests {
		code, stdout, stderr := runKafel(append([]string{"syscalls"}, tt.args...)...)
		if code != tt.code || !regexp.MustCompile(tt.stdout).MatchString(stdout) || !regexp.MustCompile(tt.stderr).MatchString(stderr) {
			t.Errorf("kafel syscalls %s: exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout ~ %s, stderr ~ %s",
				strings.Join(tt.args, " "), code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}

func TestSyscallsCmdWholeTable(t *testing.T) {
	code, stdout, stderr := runKafel("syscalls", "--arch", "aarch64")
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) < 300 {
		t.Fatalf("only %d lines", len(lines))
	}
	line := regexp.MustCompile(`^[a-z_0-9]+ \d+( [a-z_0-9]+:[1248])*( \(alias of [a-z_0-9]+\))?$`)
	aliases := 0
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("malformed line %q", l)
		}
		if strings.HasSuffix(l, ")") {
			aliases++
		}
	}
	for _, want := range []string{"io_setup 0 nr_events:4 ctxp:8", "newuname 160 name:8", "uname 160 name:8 (alias of newuname)"} {
		if !strings.Contains("\n"+stdout, "\n"+want+"\n") {
			t.Errorf("no line %q", want)
		}
	}
	if aliases == 0 || !strings.HasSuffix(lines[len(lines)-1], ")") {
		t.Errorf("aliases do not follow the table (%d aliases)", aliases)
	}
}

func TestSyscallsCmdDefaultArch(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the default-arch check expects an amd64 host, not %s", runtime.GOARCH)
	}
	code, stdout, _ := runKafel("syscalls", "openat")
	if code != cli.ExitOK || stdout != "openat 257 dfd:4 filename:8 flags:4 mode:2\n" {
		t.Errorf("kafel syscalls openat on amd64: exit %d, %q", code, stdout)
	}
}

func TestSyscallsCompletion(t *testing.T) {
	code, stdout, _ := runKafel("__complete", "syscalls", "--arch", "aa")
	if code != cli.ExitOK || !strings.Contains(stdout, "aarch64\n") || strings.Contains(stdout, "x86_64") {
		t.Errorf("arch completion: exit %d, %q", code, stdout)
	}
	code, stdout, _ = runKafel("__complete", "syscalls", "--arch", "x86_64", "opena")
	if code != cli.ExitOK || !strings.Contains(stdout, "openat\n") || !strings.Contains(stdout, "openat2\n") || strings.Contains(stdout, "read\n") {
		t.Errorf("syscall completion: exit %d, %q", code, stdout)
	}
}
