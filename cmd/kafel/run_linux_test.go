package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/sandbox"
)

// requireJails skips a test that runs jails when this host cannot make
// them: not root and no unprivileged user namespaces.
func requireJails(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	for _, f := range []string{"/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces"} {
		if b, err := os.ReadFile(f); err == nil && strings.TrimSpace(string(b)) == "0" {
			t.Skipf("running jails needs root or unprivileged user namespaces (%s is 0)", f)
		}
	}
}

// allowAll replaces the default policy where a test is about something
// else than seccomp.
const allowAll = "--seccomp_string=DEFAULT ALLOW"

func TestRunExitStatus(t *testing.T) {
	requireJails(t)
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string // substring
	}{
		{[]string{allowAll, "--", "sh", "-c", "echo hi; exit 3"}, 3, "hi\n", ""},
		{[]string{allowAll, "sh", "-c", "echo first word ends the flags"}, 0, "first word ends the flags\n", ""},
		// Not pid 1, so the program can die from its own signal.
		{[]string{allowAll, "--disable_clone_newpid", "--disable_proc", "--", "sh", "-c", "kill -TERM $$"}, 128 + 15, "", ""},
		{[]string{allowAll, "-t", "1", "--", "sleep", "10"}, 128 + 9, "", "kafel run: time limit"},
		{[]string{allowAll, "--", "/no/such/program"}, ExitNotFound, "", "no such file"},
		{[]string{allowAll, "--", "/etc/hosts"}, ExitCannotExecute, "", "permission denied"},
		{[]string{allowAll, "-R", "/no/such/dir", "--", "/bin/true"}, ExitRunner, "", "/no/such/dir"},
	}
	for _, tt := range tests {
		code, stdout, stderr := kafelRun(t, tt.args...)
		if code != tt.code || stdout != tt.stdout || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("kafel run %q: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
				tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}

// TestRunLimitHeld: a limit that refused forks is reported, in one line
// and in the report, also when the program went on and exited 0.
func TestRunLimitHeld(t *testing.T) {
	requireJails(t)
	requireFile(t, "/usr/bin/python3")
	report := filepath.Join(t.TempDir(), "r.json")
	// Forks until one is refused, and goes on.
	prog := "import os\nfor i in range(20):\n    try:\n        if os.fork() == 0:\n            os._exit(0)\n    except OSError:\n        break\n"
	code, _, stderr := kafelRun(t, allowAll, "--cgroup_pids_max", "4", "--report", report, "--", "/usr/bin/python3", "-c", prog)
	if code == ExitRunner && strings.Contains(stderr, "not delegated") {
		t.Skipf("no pids cgroup for this user: %s", stderr)
	}
	if code != 0 || !strings.Contains(stderr, "kafel run: exited with status 0; the pids limit of 4 refused") {
		t.Errorf("exit %d, stderr %q; want 0 and the refused forks in a line", code, stderr)
	}
	var r struct {
		PidsRefused uint64 `json:"pids_refused"`
	}
	b, _ := os.ReadFile(report)
	if err := json.Unmarshal(b, &r); err != nil || r.PidsRefused == 0 {
		t.Errorf("report %s (%v): want pids_refused", b, err)
	}
}

// TestRunSeccompLog: --seccomp_log lets the call go on and names it on
// stderr, once per syscall with the number of calls.
func TestRunSeccompLog(t *testing.T) {
	requireJails(t)
	requireNotifContinue(t)
	code, stdout, stderr := kafelRun(t, "--seccomp_log", "--seccomp_string", "POLICY p { KILL { uname } } USE p DEFAULT ALLOW", "--",
		"sh", "-c", "uname -s; uname -s")
	if code != 0 || stdout != "Linux\nLinux\n" || !regexp.MustCompile(`kafel run: seccomp log: the policy would kill (new)?uname\(0x[0-9a-f]+\) \[nr \d+\] on \w+ \(2 calls\)`).MatchString(stderr) {
		t.Errorf("exit %d, stdout %q, stderr %q; want the calls to go on and be named", code, stdout, stderr)
	}
	if !regexp.MustCompile(`kafel run: seccomp log: to allow them: ALLOW \{ (new)?uname \}\n`).MatchString(stderr) {
		t.Errorf("stderr %q: want the ALLOW block that would let the calls through", stderr)
	}
}

// requireNotifContinue skips a test of --seccomp_log's list where the
// kernel cannot let a notified call go on (before 5.5).
func requireNotifContinue(t *testing.T) {
	t.Helper()
	var u unix.Utsname
	var major, minor int
	unix.Uname(&u)
	fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor)
	if major < 5 || major == 5 && minor < 5 {
		t.Skipf("kernel %d.%d cannot let a notified call go on (5.5): the calls are only in its audit log", major, minor)
	}
}

// TestRunListenSeccompLog: in mode l, each jail's logged calls go to the
// log with the connection's address.
func TestRunListenSeccompLog(t *testing.T) {
	requireJails(t)
	requireNotifContinue(t)
	cfg := sandbox.DefaultConfig()
	cfg.Seccomp.Policy, cfg.Seccomp.Log = "POLICY p { KILL { uname } } USE p DEFAULT ALLOW", true
	cfg.Path, cfg.Argv = "/bin/sh", []string{"sh", "-c", "uname -s"}
	cfg.Mode, cfg.BindHost = sandbox.ModeListenTCP, "127.0.0.1"
	addr, logs, stop := startListen(t, cfg)
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	out, _ := io.ReadAll(c)
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "to allow them") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	l := logs.String()
	if string(out) != "Linux\n" || !regexp.MustCompile(`seccomp log: the policy would kill" remote=127\.0\.0\.1:\d+ call="(new)?uname\(`).MatchString(l) || !strings.Contains(l, "ALLOW {") {
		t.Errorf("jail said %q; logs:\n%s\nwant the uname call logged with the connection", out, l)
	}
}

// TestRunSeedConfig runs the article's configuration as written, with
// the command given after --.
func TestRunSeedConfig(t *testing.T) {
	requireJails(t)
	requireFile(t, "/usr/bin/python3")
	cfg := filepath.Join("..", "..", "sandbox", "nsjailcfg", "testdata", "python-sandbox.cfg")
	code, stdout, stderr := kafelRun(t, "--config", cfg, "--", "/usr/bin/python3", "-c", "import os, socket; print('hello from sandbox', os.getcwd(), socket.gethostname())")
	if code != 0 || stdout != "hello from sandbox /app sandbox\n" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

// TestRunDefault is the main job on a fresh machine: no flags at all.
func TestRunDefault(t *testing.T) {
	requireJails(t)
	requireFile(t, "/usr/bin/python3")
	code, stdout, stderr := kafelRun(t, "--", "python3", "-c", "import os; print(1, os.getcwd(), open('/etc/hostname' if False else '/proc/self/status').read().count('\\n') > 0)")
	if code != 0 || stdout != "1 /tmp True\n" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

func TestRunReport(t *testing.T) {
	requireJails(t)
	dir := t.TempDir()
	report := filepath.Join(dir, "r.json")
	code, _, stderr := kafelRun(t, allowAll, "--report", report, "-t", "1", "--", "sleep", "5")
	if code != 137 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var r struct {
		ExitCode   int    `json:"exit_code"`
		Signal     int    `json:"signal"`
		ReasonKind string `json:"reason_kind"`
		Reason     string `json:"reason"`
		WallTime   int64  `json:"wall_time_ns"`
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	if r.ExitCode != 137 || r.Signal != 9 || r.ReasonKind != "time_limit" || r.WallTime < 1e9 {
		t.Errorf("report %s", b)
	}
	// A program that never ran still gets a report.
	code, _, _ = kafelRun(t, allowAll, "--report", report, "--", "/no/such/program")
	b, _ = os.ReadFile(report)
	if code != ExitNotFound || !strings.Contains(string(b), `"exit_code": 127`) || !strings.Contains(string(b), `"reason_kind": "error"`) {
		t.Errorf("exit %d, report %s", code, b)
	}
}

func TestRunOutsideRootWarning(t *testing.T) {
	requireJails(t)
	if os.Geteuid() != 0 {
		t.Skip("mapping to outside uid 0 needs root")
	}
	code, stdout, stderr := kafelRun(t, allowAll, "-u", "0:0:1", "-g", "0:0:1", "--", "id", "-u")
	if code != 0 || stdout != "0\n" || !strings.Contains(stderr, "flag --user: warning:") || !strings.Contains(stderr, "outside id 0") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// The default maps a root runner to nobody outside.
	code, stdout, stderr = kafelRun(t, allowAll, "--", "sh", "-c", "cat /proc/self/uid_map")
	if f := strings.Fields(stdout); code != 0 || len(f) != 3 || f[1] != "65534" {
		t.Errorf("exit %d, uid_map %q, stderr %q", code, stdout, stderr)
	}
}

func requireFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("needs %s: %v", path, err)
	}
}

// TestRunListen runs jails per TCP connection, as mode l does, with one
// connection per address at most.
func TestRunListen(t *testing.T) {
	requireJails(t)
	cfg := sandbox.DefaultConfig()
	cfg.Seccomp.Policy = "DEFAULT ALLOW\n"
	cfg.Path, cfg.Argv = "/bin/sh", []string{"sh", "-c", "read x; echo got $x"}
	cfg.Mode, cfg.BindHost, cfg.MaxConnsPerIP = sandbox.ModeListenTCP, "127.0.0.1", 1
	addr, logs, stop := startListen(t, cfg)
	c1, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	// Wait until the first jail holds the address's only slot.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "msg=connection") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c2, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c2.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("second connection from one address: read %d, %v; want it closed", n, err)
	}
	c2.Close()
	c1.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c1.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(c1)
	if string(out) != "got hello\n" {
		t.Errorf("jail said %q (%v); logs:\n%s", out, err, logs.String())
	}
	stop()
}

// startListen runs mode l for cfg until stop, which says how it ended;
// it returns the address it listens on and its log.
func startListen(t *testing.T, cfg *sandbox.Config) (addr net.Addr, logs *syncWriter, stop func()) {
	t.Helper()
	addrs := make(chan net.Addr, 1)
	logs = &syncWriter{}
	r := &jailRunner{cfg: cfg, logger: slog.New(slog.NewTextHandler(logs, nil)), stderr: io.Discard,
		onListen: func(a net.Addr) { addrs <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.listen(ctx) }()
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("listen: %v", err)
	}
	return addr, logs, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listen ended with %v", err)
		}
	}
}

// syncWriter is a log buffer the jails' goroutines write concurrently.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunRerun runs the program again and again, as mode r does, until
// kafel run is interrupted; each run is a fresh jail.
func TestRunRerun(t *testing.T) {
	requireJails(t)
	cfg := sandbox.DefaultConfig()
	cfg.Path, cfg.Argv = "/bin/sh", []string{"sh", "-c", "ls /tmp; touch /tmp/seen; echo pid $$"}
	cfg.Mode = sandbox.ModeRerun
	out := &syncWriter{}
	r := &jailRunner{cfg: cfg, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), stderr: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.rerun(ctx, sandbox.RunOptions{Stdin: strings.NewReader(""), Stdout: out, Stderr: out})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(out.String(), "pid 1\n") < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	got := out.String()
	// /tmp is empty in every run: no run sees what the one before left.
	if n := strings.Count(got, "pid 1\n"); n < 3 || strings.Contains(got, "seen") {
		t.Errorf("output of the reruns:\n%s\nwant 3 or more runs, each with pid 1 and an empty /tmp", got)
	}
}

// TestBareRun checks that kafel run without flags (CMD or "--" first),
// which the process builds without nsjail's flags, runs jails as the
// command with flags does: same output and exit status.
func TestBareRun(t *testing.T) {
	requireJails(t)
	run := func(root func() *cobra.Command, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		c := root()
		c.SetOut(&out)
		c.SetErr(&errb)
		c.SetIn(strings.NewReader(""))
		code := cli.Run(c, append([]string{"run"}, args...), &errb)
		return code, out.String(), errb.String()
	}
	for _, args := range [][]string{
		{"--", "/bin/sh", "-c", "echo hi; echo err >&2; exit 3"},
		{"/bin/sh", "-c", "echo $0 \"$@\"", "--help", "-t", "1"},
		{"--", "-h"},
		{"--", "/no/such/program"},
		{"--"},
		{},
	} {
		whole := func() *cobra.Command { return newRootCmd() }
		bare := func() *cobra.Command { return newRootCmd(append([]string{"run"}, args...)...) }
		if bare().Commands()[0].Flags().Lookup("time_limit") != nil {
			t.Fatalf("kafel run %q: the process's run command has nsjail's flags, want the bare one", args)
		}
		code, out, errs := run(bare, args...)
		wcode, wout, werrs := run(whole, args...)
		if code != wcode || out != wout || errs != werrs {
			t.Errorf("kafel run %q, bare: exit %d, stdout %q, stderr %q; with flags: exit %d, stdout %q, stderr %q",
				args, code, out, errs, wcode, wout, werrs)
		}
	}
}
