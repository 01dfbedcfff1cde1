package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gokafel/gokafel/internal/cli"
)

// kafelScriptCmd runs the kafel command in-process for testscript. Paths
// in the arguments are made absolute under the script's work directory; a
// non-zero exit status is printed to stderr as `[exit N]`, so that scripts
// can tell findings (1) from usage errors (2).
func kafelScriptCmd(ts *testscript.TestScript, neg bool, args []string) {
	abs := make([]string, len(args))
	for i, a := range args {
		abs[i] = a
		isPath := !strings.HasPrefix(a, "-") && (i == 0 || args[i-1] != "--arch")
		if i > 0 && (args[i-1] == "-I" || args[i-1] == "--include") {
			isPath = true
		}
		if isPath && i > 0 {
			if _, err := os.Stat(ts.MkAbs(a)); err == nil {
				abs[i] = ts.MkAbs(a)
			}
		}
	}
	root := newRootCmd(abs...) // the tree a kafel process with these args builds
	root.SetOut(ts.Stdout())
	root.SetErr(ts.Stderr())
	code := cli.Run(root, abs, ts.Stderr())
	if code != 0 {
		fmt.Fprintf(ts.Stderr(), "[exit %d]\n", code)
	}
	if neg != (code != 0) {
		ts.Fatalf("kafel %s: unexpected exit status %d", strings.Join(args, " "), code)
	}
}

// TestLintFmtScripts runs the scripts under testdata/lint-fmt.
func TestLintFmtScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  "testdata/lint-fmt",
		Cmds: map[string]func(*testscript.TestScript, bool, []string){"kafel": kafelScriptCmd},
	})
}

// TestLintStdin checks that a policy read from standard input is named
// <stdin> in the findings.
func TestLintStdin(t *testing.T) {
	var stdout, stderr bytes.Buffer
	root := newRootCmd()
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetIn(strings.NewReader("ALLOW { reed }\n"))
	code := cli.Run(root, []string{"lint", "--arch", "x86_64", "-"}, &stderr)
	if code != cli.ExitFindings || !strings.HasPrefix(stdout.String(), "<stdin>:1:9: unknown syscall `reed` on x86_64\n") {
		t.Errorf("kafel lint - : exit %d, stdout:\n%s\nstderr: %s", code, stdout.String(), stderr.String())
	}
}
