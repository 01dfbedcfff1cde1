package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/internal/cli"
)

// TestRootForCommand checks that the tree newRootCmd builds for a process
// that names a subcommand (that subcommand alone) runs it as the whole
// tree does: same output, same exit status.
func TestRootForCommand(t *testing.T) {
	run := func(full bool, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		root := newRootCmd()
		if !full {
			root = newRootCmd(args...)
		}
		root.SetOut(&out)
		root.SetErr(&errb)
		root.SetIn(strings.NewReader(""))
		code := cli.Run(root, args, &errb)
		return code, out.String(), errb.String()
	}
	for _, c := range commands {
		if got := c.new().Name(); got != c.name {
			t.Errorf("command %q: its constructor makes %q", c.name, got)
		}
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {c.name, "--bogus"}, {c.name}, {c.name, "--arch", "nope", "x"}} {
			code, out, errs := run(false, args...)
			wcode, wout, werrs := run(true, args...)
			if code != wcode || out != wout || errs != werrs {
				t.Errorf("kafel %q, tree of %q alone: exit %d, stdout:\n%s\nstderr:\n%s\nwhole tree: exit %d, stdout:\n%s\nstderr:\n%s",
					args, c.name, code, out, errs, wcode, wout, werrs)
			}
		}
	}
	// Anything else gets the whole tree.
	for _, args := range [][]string{nil, {"help"}, {"--help"}, {"completion", "bash"}, {"rn"}} {
		if got, want := len(newRootCmd(args...).Commands()), len(commands); got != want {
			t.Errorf("newRootCmd(%q) has %d commands, want %d", args, got, want)
		}
	}
}
