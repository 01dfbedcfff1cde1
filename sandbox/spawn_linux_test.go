package sandbox

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
)

// spawnPaths are the ways Run can start the init: vfork where this
// architecture has it, and syscall.ForkExec everywhere.
func spawnPaths(t *testing.T) map[string]RunOptions {
	paths := map[string]RunOptions{"forkexec": {forkExec: true}}
	if fastSpawn != nil {
		paths["vfork"] = RunOptions{}
	} else {
		t.Log("no vfork path on this architecture: testing syscall.ForkExec only")
	}
	return paths
}

func TestSpawnStdioAndSignals(t *testing.T) {
	requireRoot(t)
	for name, opts := range spawnPaths(t) {
		t.Run(name, func(t *testing.T) {
			// stdin from a reader, stdout and stderr one writer (one pipe):
			// what the program reads comes back in order with what it
			// writes to both; cat catches nothing, so its status shows the
			// signal mask and handlers the init left it.
			var both bytes.Buffer
			opts.Stdin = strings.NewReader("from stdin\n")
			opts.Stdout, opts.Stderr = &both, &both
			c := testConfig("/bin/sh", "-c", "cat; echo to stderr >&2; exec cat /proc/self/status")
			res, err := Run(context.Background(), c, opts)
			if err != nil {
				t.Fatal(err)
			}
			out := both.String()
			if res.ExitCode != 0 {
				t.Fatalf("result %+v\noutput:\n%s", res, out)
			}
			if !strings.HasPrefix(out, "from stdin\nto stderr\n") {
				t.Errorf("output does not start with stdin, then stderr:\n%s", out)
			}
			for _, want := range []string{"SigBlk:\t0000000000000000\n", "SigCgt:\t0000000000000000\n", "NoNewPrivs:\t1\n"} {
				if !strings.Contains(out, want) {
					t.Errorf("status lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestSpawnFailure(t *testing.T) {
	requireRoot(t)
	for name, opts := range spawnPaths(t) {
		t.Run(name, func(t *testing.T) {
			opts.Executable = "/nonexistent/kafel"
			_, _, err := runJailErr(testConfig("/bin/true"), opts)
			var se *SetupError
			if !errors.As(err, &se) || !errors.Is(err, syscall.ENOENT) || !strings.Contains(err.Error(), "/nonexistent/kafel") {
				t.Fatalf("Run with a missing init binary: %v; want a *SetupError naming it, wrapping ENOENT", err)
			}
		})
	}
}

// runJailErr runs c and returns its result, output and error.
func runJailErr(c *Config, opts RunOptions) (*Result, string, error) {
	var out bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &out
	res, err := Run(context.Background(), c, opts)
	return res, out.String(), err
}

func TestSpawnOutputHeldAfterExit(t *testing.T) {
	requireRoot(t)
	// Without a pid namespace or a session of its own, a process of the
	// jail can outlive its init while it holds stdout: Run returns once
	// the init is gone and the output has stopped for a while, with what
	// came before, instead of waiting for the holder.
	c := testConfig("/bin/sh", "-c", "(sleep 4; echo late) & echo early")
	c.Namespaces.PID, c.SkipSetsid = false, true
	c.Mounts, c.Chroot = nil, "/" // no /proc of its own without a pid namespace
	var out bytes.Buffer
	res, err := Run(context.Background(), c, RunOptions{Stdout: &out, Stderr: &out})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Run: %v, %+v", err, res)
	}
	if got := out.String(); got != "early\n" {
		t.Errorf("output %q, want only what came before the init ended", got)
	}
}
