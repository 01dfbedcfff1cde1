package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// asKafelEnv makes this test binary run as kafel itself (TestMain calls
// main): the tests signal a real `kafel run` process.
const asKafelEnv = "KAFEL_CMD_TEST_AS_KAFEL"

func TestMain(m *testing.M) {
	if os.Getenv(asKafelEnv) != "" {
		main() // exits
	}
	os.Exit(m.Run())
}

// TestRunSignalled: SIGTERM or SIGINT to a `kafel run` process whose jail
// runs (the signals caught from the start of main) kills the jail and
// cleans up: the run exits 128+signal and leaves no process and no
// cgroup.
func TestRunSignalled(t *testing.T) {
	requireJails(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root: the run has a pids cgroup")
	}
	if _, err := os.Stat("/sys/fs/cgroup/pids"); err != nil {
		t.Skip("needs the cgroup v1 pids controller at /sys/fs/cgroup/pids")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		marker := fmt.Sprintf("4321.%d%d", os.Getpid(), sig)
		cmd := exec.Command(os.Args[0], "run", allowAll, "--cgroup_pids_max", "8", "--",
			"/bin/sh", "-c", "echo ready; sleep "+marker+"; echo not-killed")
		cmd.Env = append(os.Environ(), asKafelEnv+"=1")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(out)
		if line, err := r.ReadString('\n'); line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("jail's first line %q (%v), stderr %q", line, err, stderr.String())
		}
		cgroups, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/pids/NSJAIL/kafel.%d.*", cmd.Process.Pid))
		if len(cgroups) == 0 {
			t.Errorf("%v: no pids cgroup of the run while its jail runs", sig)
		}
		cmd.Process.Signal(sig)
		rest, _ := r.ReadString(0)
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
			t.Errorf("%v: kafel run ended with %v, want exit %d; stderr %q", sig, err, 128+int(sig), stderr.String())
		}
		if rest != "" {
			t.Errorf("%v: the jail went on: %q", sig, rest)
		}
		for _, c := range cgroups {
			if _, err := os.Stat(c); err == nil {
				t.Errorf("%v: cgroup %s left after the run", sig, c)
			}
		}
		if pids := processesWith(marker); len(pids) > 0 {
			t.Errorf("%v: jailed processes left: %v", sig, pids)
		}
	}
}

// processesWith lists the processes whose command line holds s, after a
// moment for the kernel to reap a killed jail.
func processesWith(s string) []string {
	var found []string
	for try := 0; try < 20; try++ {
		found = found[:0]
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, d := range dirs {
			b, err := os.ReadFile(filepath.Join(d, "cmdline"))
			if err == nil && strings.Contains(string(b), s) {
				found = append(found, filepath.Base(d))
			}
		}
		if len(found) == 0 {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return found
}
