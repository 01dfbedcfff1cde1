package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLauncher(t *testing.T) {
	requireRoot(t)
	shape := testConfig("/bin/true")
	l, err := NewLauncher(shape, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	// Several runs in a row, each its own jail: stdin from a reader, one
	// pipe for stdout and stderr, and a passed fd at its number, which
	// an init started ahead gets only when its run takes it.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	w.WriteString("through the passed fd\n")
	w.Close()
	pass, err := unix.FcntlInt(r.Fd(), unix.F_DUPFD_CLOEXEC, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pass)
	fd := strconv.Itoa(pass)

	for i := range 4 {
		c := testConfig("/bin/bash", "-c", "cat; echo err >&2; echo pid $$; cat <&"+fd+"; hostname; exit "+strconv.Itoa(i))
		c.PassFDs = nil
		if i == 0 {
			c.PassFDs = []int{pass}
		}
		waitWarm(l)
		var out bytes.Buffer
		res, err := l.Run(context.Background(), c, RunOptions{Stdin: strings.NewReader("in " + strconv.Itoa(i) + "\n"), Stdout: &out, Stderr: &out})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		got := out.String()
		want := "in " + strconv.Itoa(i) + "\nerr\npid 1\n"
		if i == 0 {
			want += "through the passed fd\n"
		}
		if res.ExitCode != i || !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "jail\n") {
			t.Fatalf("run %d: result %+v, output %q; want exit %d and output starting %q", i, res, got, i, want)
		}
	}

	// A seccomp policy through an init started ahead: its socket moved to
	// where the runner's execve gate expects it, and the kill is named.
	waitWarm(l)
	var pout bytes.Buffer
	res, err := l.Run(context.Background(), policyConfig("POLICY p { KILL { uname } } USE p DEFAULT ALLOW", "echo before; uname; echo after"), RunOptions{Stdout: &pout, Stderr: &pout})
	if err != nil || res.ReasonKind != ReasonSeccomp || res.SeccompViolation == nil || res.SeccompViolation.Nr != unix.SYS_UNAME || pout.String() != "before\n" {
		t.Fatalf("run under a policy: %v, %+v, output %q; want uname named as a seccomp violation after \"before\"", err, res, pout.String())
	}

	// A run of another shape (no network namespace) starts its own init.
	c := testConfig("/bin/sh", "-c", "grep -c : /proc/net/dev")
	c.Namespaces.Net = false
	var out bytes.Buffer
	res, err = l.Run(context.Background(), c, RunOptions{Stdout: &out, Stderr: &out})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("run of another shape: %v, %+v, %q", err, res, out.String())
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(out.String())); n < 2 {
		t.Errorf("run without a network namespace sees %q interfaces; want the host's (2 or more)", out.String())
	}
}

// waitWarm returns when an init started ahead is waiting in l, so that
// the next run of l's shape takes one.
func waitWarm(l *Launcher) { l.warm <- <-l.warm }

func TestLauncherInitDiedWaiting(t *testing.T) {
	requireRoot(t)
	l, err := NewLauncher(testConfig("/bin/true"), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The init waiting for a run dies; the run starts its own.
	pid := killWaiting(t, l)
	var out bytes.Buffer
	res, err := l.Run(context.Background(), testConfig("/bin/echo", "ran"), RunOptions{Stdout: &out})
	if err != nil || res.ExitCode != 0 || out.String() != "ran\n" {
		t.Fatalf("run after the waiting init died: %v, %+v, %q", err, res, out.String())
	}
	if err := unix.Kill(pid, 0); err != unix.ESRCH {
		t.Errorf("the dead init %d was not reaped (kill 0: %v)", pid, err)
	}
}

// TestLauncherInitDiedWaitingLimits: the child a run starts in place of a
// dead one joins the cgroups made ahead for the dead one, and its limits
// hold.
func TestLauncherInitDiedWaitingLimits(t *testing.T) {
	requireCgroupV1(t, "pids")
	c := testConfig("/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 0.2 & done; wait")
	c.Cgroups.PidsMax = 4
	l, err := NewLauncher(c, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	killWaiting(t, l)
	res, err := l.Run(context.Background(), c, RunOptions{})
	if err != nil {
		t.Fatalf("run after the waiting init died: %v", err)
	}
	if res.ReasonKind != ReasonPidsLimit || res.PidsRefused == 0 {
		t.Errorf("8 forks under a pids limit of 4: %+v, want the limit to refuse some", res)
	}
}

// killWaiting kills the init waiting in l, waits for its end and puts it
// back for the next run to find dead; it returns its pid.
func killWaiting(t *testing.T, l *Launcher) int {
	t.Helper()
	w := <-l.warm
	unix.Kill(w.pid, unix.SIGKILL)
	pidfd, err := unix.PidfdOpen(w.pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	pfd := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	if _, err := unix.Poll(pfd, 5000); err != nil || pfd[0].Revents&unix.POLLIN == 0 {
		t.Fatalf("the killed init did not end: %v, revents %#x", err, pfd[0].Revents)
	}
	l.warm <- w
	return w.pid
}

func TestLauncherCloseLeavesNothing(t *testing.T) {
	requireRoot(t)
	l, err := NewLauncher(testConfig("/bin/true"), 3, "")
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the three inits are there, then close.
	var w []*warmInit
	for range 3 {
		w = append(w, <-l.warm)
	}
	for _, x := range w {
		l.warm <- x
	}
	l.Close()
	for _, x := range w {
		if err := unix.Kill(x.pid, 0); err != unix.ESRCH {
			t.Errorf("init %d started ahead is still there after Close (kill 0: %v)", x.pid, err)
		}
	}
	if _, err := l.Run(context.Background(), testConfig("/bin/true"), RunOptions{}); err != nil {
		t.Errorf("Run after Close (starts its own init): %v", err)
	}
}

// testLauncherEnv makes the test binary a runner that parks children in a
// Launcher, prints their pids and waits to be killed.
const testLauncherEnv = "KAFEL_SANDBOX_TEST_LAUNCHER"

func testLauncherMain() int {
	l, err := NewLauncher(testConfig("/bin/true"), 2, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 125
	}
	a, b := <-l.warm, <-l.warm
	fmt.Printf("%d %d\n", a.pid, b.pid)
	select {}
}

// TestLauncherRunnerKilled: children parked ahead of their runs die with a
// runner that is SIGKILLed (their parent-death signal).
func TestLauncherRunnerKilled(t *testing.T) {
	requireRoot(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), testLauncherEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var a, b int
	if _, err := fmt.Fscan(out, &a, &b); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reading the parked children's pids: %v", err)
	}
	for _, pid := range []int{a, b} {
		if err := unix.Kill(pid, 0); err != nil {
			t.Fatalf("parked child %d is not there: %v", pid, err)
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	waitGone(t, "parked children", func() []int {
		var left []int
		for _, pid := range []int{a, b} {
			if unix.Kill(pid, 0) == nil {
				left = append(left, pid)
			}
		}
		return left
	})
}

// TestLauncherCgroupsAhead: a child parked by a Launcher comes with its
// cgroups made and joined; a run that takes it is held by its limits,
// and neither the run nor Close leaves a cgroup behind.
func TestLauncherCgroupsAhead(t *testing.T) {
	requireCgroupV1(t, "pids")
	c := limitedConfig("for i in $(seq 40); do sleep 5 & done; wait")
	c.TimeLimit = 0
	l, err := NewLauncher(c, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	waitWarm(l)
	w := <-l.warm
	if progSpawn != nil && (w.ahead == nil || w.ahead.cg == nil) {
		t.Fatalf("the parked child has no cgroups made ahead: %+v", w.ahead)
	}
	l.warm <- w
	var out bytes.Buffer
	res, err := l.Run(context.Background(), c, RunOptions{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReasonKind != ReasonPidsLimit && !strings.Contains(res.Reason, "pids limit") {
		t.Fatalf("result %+v, output %q; want the pids limit", res, out.String())
	}
	l.Close()
	if left := leftoverCgroups(t); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
