package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The cleanup tests run this test binary as a runner (testRunnerMain) and
// signal it while its jail runs.
const testRunnerEnv = "KAFEL_SANDBOX_TEST_RUNNER"

// testSignalInSetupEnv makes the test runner send itself SIGTERM once its
// jail's cgroups exist, before the jail runs.
const testSignalInSetupEnv = "KAFEL_SANDBOX_TEST_SIGNAL_IN_SETUP"

// sleepMarker is the argument of the jail's sleeps, to find them: unique
// to the test process (the runner gets it in testRunnerEnv).
var sleepMarker = fmt.Sprintf("1234.%d", os.Getpid())

func testRunnerMain() int {
	marker := os.Getenv(testRunnerEnv)
	// The jail's shell is pid 1: it reports SIGUSR1 and goes on.
	c := testConfig("/bin/sh", "-c", "trap 'echo got-usr1' USR1; sleep "+marker+" & echo ready; while :; do sleep "+marker+" & wait $!; done")
	c.Cgroups.PidsMax = 8
	if os.Getenv(testSignalInSetupEnv) != "" {
		testHookCgroupsMade = func() { unix.Kill(os.Getpid(), unix.SIGTERM) }
	}
	res, err := Run(contextBackground(), c, RunOptions{HandleSignals: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 125
	}
	json.NewEncoder(os.Stderr).Encode(res)
	return res.ExitCode
}

// startRunner starts the runner and waits until its jail runs.
func startRunner(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd, _ := startRunnerOut(t)
	return cmd
}

// startRunnerOut is startRunner that also returns the jail's output after
// "ready".
func startRunnerOut(t *testing.T) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), testRunnerEnv+"="+sleepMarker)
	// Should this test die, its runner (and so the jail) dies too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	br := bufio.NewReader(out)
	line, err := br.ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("runner said %q, %v", line, err)
	}
	// The jail printed "ready" right after forking its first sleep: wait
	// until both sleeps run.
	deadline := time.Now().Add(10 * time.Second)
	for len(jailSleeps()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the jail's sleeps did not show up: %v", jailSleeps())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cmd, br
}

// jailSleeps returns the pids of the jail's sleep processes.
func jailSleeps() []int {
	var pids []int
	m, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range m {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if strings.Contains(string(b), "sleep\x00"+sleepMarker) {
			var pid int
			fmt.Sscanf(p, "/proc/%d/cmdline", &pid)
			pids = append(pids, pid)
		}
	}
	return pids
}

func runnerCgroups(pid int) []string {
	m, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/pids/NSJAIL/%s%d.*", cgroupPrefix, pid))
	return m
}

func waitGone(t *testing.T, what string, f func() []int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(f()) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%s still there: %v", what, f())
}

func TestRunnerInterrupted(t *testing.T) {
	requireCgroupV1(t, "pids")
	for _, sig := range []syscall.Signal{unix.SIGTERM, unix.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := startRunner(t)
			if len(runnerCgroups(cmd.Process.Pid)) == 0 {
				t.Fatal("the jail has no cgroup")
			}
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(sig) {
				t.Errorf("runner ended with %v, want status %d", err, 128+int(sig))
			}
			if l := jailSleeps(); len(l) > 0 {
				t.Errorf("jail processes left after the runner returned: %v", l)
			}
			if l := runnerCgroups(cmd.Process.Pid); len(l) > 0 {
				t.Errorf("cgroups left: %v", l)
			}
		})
	}
}

// TestRunnerInterruptedInSetup: a signal that comes while the run is set
// up, once there is something to clean up, is caught too: nothing is left.
func TestRunnerInterruptedInSetup(t *testing.T) {
	requireCgroupV1(t, "pids")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), testRunnerEnv+"="+sleepMarker, testSignalInSetupEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(unix.SIGTERM) {
		t.Errorf("runner ended with %v (stderr %q), want status %d", err, stderr.String(), 128+int(unix.SIGTERM))
	}
	waitGone(t, "jail processes", jailSleeps)
	if l := runnerCgroups(cmd.Process.Pid); len(l) > 0 {
		t.Errorf("cgroups left: %v", l)
	}
}

// TestRunnerForwardsSignals: SIGUSR1 to the runner reaches the program;
// the run goes on.
func TestRunnerForwardsSignals(t *testing.T) {
	requireCgroupV1(t, "pids")
	cmd, out := startRunnerOut(t)
	cmd.Process.Signal(unix.SIGUSR1)
	line, err := out.ReadString('\n')
	if err != nil || line != "got-usr1\n" {
		t.Fatalf("after SIGUSR1 the jail said %q, %v", line, err)
	}
	if cmd.ProcessState != nil {
		t.Fatal("the runner ended")
	}
	cmd.Process.Signal(unix.SIGTERM)
	cmd.Wait()
	waitGone(t, "jail processes", jailSleeps)
}

// TestRunnerKilled: a SIGKILLed runner takes its jail with it, and the
// next run removes the cgroup it left.
func TestRunnerKilled(t *testing.T) {
	requireCgroupV1(t, "pids")
	cmd := startRunner(t)
	cmd.Process.Kill()
	cmd.Wait()
	waitGone(t, "jail processes", jailSleeps)
	if len(runnerCgroups(cmd.Process.Pid)) == 0 {
		t.Log("the killed runner's cgroup is already gone")
	}
	pidsRunCgroups(t)
	if l := runnerCgroups(cmd.Process.Pid); len(l) > 0 {
		t.Errorf("stale cgroups of the killed runner not removed: %v", l)
	}
}

// TestRunSignalCaughtAhead: a signal that comes after CatchSignals and
// before the run that takes them ends that run as soon as it starts, as
// interrupted, with nothing left behind.
func TestRunSignalCaughtAhead(t *testing.T) {
	requireCgroupV1(t, "pids")
	s := CatchSignals()
	defer s.Stop()
	s.caught()
	unix.Kill(os.Getpid(), unix.SIGHUP)
	c := testConfig("/bin/sleep", sleepMarker)
	c.Cgroups.PidsMax = 8
	start := time.Now()
	res, err := Run(t.Context(), c, RunOptions{HandleSignals: true, Signals: s})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReasonKind != ReasonInterrupted || res.ExitCode != 128+int(unix.SIGHUP) {
		t.Errorf("result %+v, want interrupted by SIGHUP", res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the run took %v: the signal did not end it", d)
	}
	if left := runnerCgroups(os.Getpid()); len(left) > 0 {
		t.Errorf("cgroups left: %v", left)
	}
	waitGone(t, "jailed sleep", jailSleeps)
}
