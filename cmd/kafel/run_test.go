package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gokafel/gokafel/internal/cli"
)

// kafelRun runs `kafel run args...` in-process, with the command tree a
// kafel process with these args builds.
func kafelRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"run"}, args...)
	root := newRootCmd(args...)
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(""))
	code = cli.Run(root, args, &errb)
	return code, out.String(), errb.String()
}

// TestRunUsage checks the failures of kafel run itself: each exits 125
// and says what is wrong, without running anything.
func TestRunUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.cfg")
	if err := os.WriteFile(bad, []byte("name: \"x\"\nmount {\n  dst: \"/tmp\"\n  fstyp: \"tmpfs\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		stderr string // regexp
	}{
		{nil, `no command: kafel run \[flags\] -- CMD`},
		{[]string{"--bogus", "--", "/bin/true"}, `unknown flag: --bogus`},
		{[]string{"-t", "ten", "--", "/bin/true"}, `invalid argument "ten" for "-t, --time_limit"`},
		{[]string{"-C", bad, "--", "/bin/true"}, regexp.QuoteMeta(bad) + `:4:3: unknown field "fstyp" in MountPt \(did you mean "fstype"\?\)\n\t  fstyp: "tmpfs"\n\t  \^`},
		{[]string{"-C", filepath.Join(dir, "missing.cfg")}, `missing.cfg: no such file`},
		{[]string{"-D", "relative", "--", "/bin/true"}, `flag --cwd: "relative" is not an absolute path`},
		{[]string{"--rlimit_nofile", "many", "--", "/bin/true"}, `flag --rlimit_nofile: "many" is not a number`},
		{[]string{"-M", "z", "--", "/bin/true"}, `flag --mode: unknown mode "z"`},
		{[]string{"-d", "--", "/bin/true"}, `flag --daemon: not supported by kafel run`},
	}
	for _, tt := range tests {
		code, stdout, stderr := kafelRun(t, tt.args...)
		if code != ExitRunner || stdout != "" || !regexp.MustCompile(tt.stderr).MatchString(stderr) {
			t.Errorf("kafel run %q: exit %d, stdout %q, stderr:\n%s\nwant exit %d and stderr matching %s",
				tt.args, code, stdout, stderr, ExitRunner, tt.stderr)
		}
	}
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}} {
		code, stdout, _ := kafelRun(t, args...)
		if code != 0 || !strings.Contains(stdout, "Exit status: the program's own") || !strings.Contains(stdout, "--bindmount_ro") {
			t.Errorf("kafel run %v: exit %d, stdout:\n%s", args, code, stdout)
		}
	}
}

// TestRunHelpAfterFlags checks that flags given before -h do not change
// what --help shows: runRun parses into the set that --help prints.
func TestRunHelpAfterFlags(t *testing.T) {
	_, want, _ := kafelRun(t, "--help")
	code, got, stderr := kafelRun(t, "-t", "5", "-R", "/tmp", "-E", "A=1", "--cap", "CAP_CHOWN", "--pass_fd", "3", "-h")
	if code != 0 || got != want {
		t.Errorf("kafel run -t 5 ... -h: exit %d, stderr %q, stdout:\n%s\nwant the output of kafel run --help:\n%s", code, stderr, got, want)
	}
	for _, line := range []string{
		"-t, --time_limit uint                 wall-clock limit in seconds (0: none) (default 600)\n",
		"-E, --env stringArray                 NAME=value to set, or NAME to pass yours (repeatable)\n",
		"--pass_fd ints                    descriptor to pass to the program besides 0, 1, 2 (repeatable)\n",
	} {
		if !strings.Contains(want, line) {
			t.Errorf("kafel run --help has no line %q:\n%s", line, want)
		}
	}
}

// TestRunScripts runs the scripts under testdata/run: the configuration
// errors of kafel run, as a person sees them.
func TestRunScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  "testdata/run",
		Cmds: map[string]func(*testscript.TestScript, bool, []string){"kafel": kafelScriptCmd},
	})
}
