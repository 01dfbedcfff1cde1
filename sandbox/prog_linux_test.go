package sandbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestProgOptionalMountSkipped: an optional mount that fails inside the
// jail (tmpfs with options it rejects) is skipped and logged; the program
// runs. A mandatory one with the same options stops the run, naming it.
func TestProgOptionalMountSkipped(t *testing.T) {
	requireRoot(t)
	c := testConfig("/bin/sh", "-c", "test -d /opt/x && echo made; grep -c ' /opt/x ' /proc/self/mounts || true")
	c.Mounts = append(c.Mounts, Mount{Dst: "/opt/x", FSType: "tmpfs", Options: "size=not-a-size", Mandatory: false})
	var logs bytes.Buffer
	res, out, _ := runJail(t, c, RunOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if res.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	// The mount point was made before the mount failed; nothing is mounted.
	wantOut(t, out, "made\n0")
	if !strings.Contains(logs.String(), "skipping the optional mount on /opt/x: mount tmpfs (size=not-a-size) on: invalid argument") {
		t.Errorf("log lacks the skipped mount:\n%s", logs.String())
	}

	c.Mounts[len(c.Mounts)-1].Mandatory = true
	_, err := Run(context.Background(), c, RunOptions{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	var se *SetupError
	if !errors.As(err, &se) || se.Path != "/opt/x" || !errors.Is(err, syscall.EINVAL) || !strings.Contains(se.Op, "mount tmpfs") {
		t.Fatalf("mandatory bad mount: %v, want a SetupError for /opt/x wrapping EINVAL", err)
	}
}

// TestProgPathSearch: a program without a slash is searched in the PATH of
// its environment inside the jail; a miss says which PATH, and a file
// found but not executable says so rather than "not found".
func TestProgPathSearch(t *testing.T) {
	requireRoot(t)
	c := testConfig("true")
	c.Env = []string{"PATH=/nonexistent:/etc:/usr/bin"}
	if res, _, errs := runJail(t, c, RunOptions{}); res.ExitCode != 0 {
		t.Fatalf("true in the third PATH directory: %+v, stderr %q", res, errs)
	}

	c = testConfig("no-such-program")
	c.Env = []string{"PATH=/nonexistent:/usr/bin"}
	_, err := Run(context.Background(), c, RunOptions{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	var se *SetupError
	if !errors.As(err, &se) || se.Op != "exec" || !errors.Is(err, syscall.ENOENT) || !strings.Contains(err.Error(), "not found in PATH /nonexistent:/usr/bin") {
		t.Fatalf("missing program: %v", err)
	}

	c = testConfig("tool")
	c.Env = []string{"PATH=/opt/bin"}
	c.Mounts = append(c.Mounts, Mount{SrcContent: []byte("#!/bin/sh\necho never\n"), Dst: "/opt/bin/tool", Mandatory: true})
	_, err = Run(context.Background(), c, RunOptions{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	if !errors.As(err, &se) || se.Op != "exec" || !errors.Is(err, syscall.EACCES) {
		t.Fatalf("program found but not executable: %v, want exec failing with EACCES", err)
	}
}

// TestProgSetupFailureNamed: a step of the setup that fails names itself,
// and nothing of the program runs.
func TestProgSetupFailureNamed(t *testing.T) {
	requireRoot(t)
	c := testConfig("/bin/sh", "-c", "echo ran")
	c.Cwd = "/no/such/dir"
	var out bytes.Buffer
	_, err := Run(context.Background(), c, RunOptions{Stdout: &out, Stderr: &bytes.Buffer{}})
	var se *SetupError
	if !errors.As(err, &se) || se.Op != "chdir" || se.Path != "/no/such/dir" || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("bad cwd: %v, want chdir /no/such/dir: ENOENT", err)
	}
	if out.Len() != 0 {
		t.Errorf("the program ran: %q", out.String())
	}
}

// TestProgLeavesNoMapping: a run unmaps its program and its prelude, and
// closes every fd it opened, whichever way it started its jail.
func TestProgLeavesNoMapping(t *testing.T) {
	requireRoot(t)
	count := func() (maps, fds int) {
		b, err := os.ReadFile("/proc/self/maps")
		if err != nil {
			t.Fatal(err)
		}
		e, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Count(b, []byte("\n")), len(e)
	}
	c := testConfig("/bin/true")
	l, err := NewLauncher(c, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name string
		run  func() error
	}{
		{"cold", func() error { _, err := Run(context.Background(), c, RunOptions{}); return err }},
		{"launcher", func() error { _, err := l.Run(context.Background(), c, RunOptions{}); return err }},
		{"forkexec", func() error { _, err := Run(context.Background(), c, RunOptions{forkExec: true}); return err }},
	} {
		if err := v.run(); err != nil { // first use: pools, the runner's pidfd
			t.Fatal(err)
		}
		waitWarm(l)
		m0, f0 := count()
		for range 20 {
			if err := v.run(); err != nil {
				t.Fatal(err)
			}
		}
		waitWarm(l)
		// The Go runtime may map a little more as its heap grows; a
		// mapping per run would be 20 or 40 more.
		if m, f := count(); m > m0+8 || f != f0 {
			t.Errorf("%s: 20 runs took mappings %d -> %d, fds %d -> %d", v.name, m0, m, f0, f)
		}
	}
	l.Close()
}
