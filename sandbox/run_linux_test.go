package sandbox

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
)

// reexecFlag runs the suite with the re-executed init as the executor of
// every jail's program, as on the architectures without the assembly one
// (make test runs the suite both ways).
var reexecFlag = flag.Bool("sandbox.reexec", false, "start every jail with a re-executed init instead of the assembly executor")

func TestMain(m *testing.M) {
	Init()
	flag.Parse()
	if *reexecFlag {
		progSpawn = nil
	}
	if os.Getenv(testLauncherEnv) != "" {
		os.Exit(testLauncherMain())
	}
	if os.Getenv(testRunnerEnv) != "" {
		os.Exit(testRunnerMain())
	}
	if os.Getenv(testNewIDMapEnv) != "" {
		os.Exit(testNewIDMapMain())
	}
	if os.Getenv(testFilteredEnv) != "" {
		os.Exit(testFilteredMain())
	}
	if os.Getenv(testMaskedProcEnv) != "" {
		os.Exit(testMaskedProcMain())
	}
	if mode := os.Getenv(testRootlessEnv); mode != "" {
		os.Exit(testRootlessMain(mode))
	}
	code := m.Run()
	if escapeDir != "" {
		os.RemoveAll(escapeDir) // built once for the escape tests
	}
	os.Exit(code)
}

// requireRoot skips t unless the test runs as root.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test builds jails with cgroups and id maps only root may write")
	}
}

// testConfig is a full-isolation jail running argv with the default
// mounts and no limits.
func testConfig(argv ...string) *Config {
	c := &Config{
		Mode:       ModeOnce,
		Hostname:   "jail",
		Cwd:        "/",
		Path:       argv[0],
		Argv:       argv,
		Env:        []string{"PATH=/usr/bin:/bin"},
		Namespaces: Namespaces{User: true, PID: true, Mount: true, Net: true, UTS: true, IPC: true, Cgroup: true},
		UIDMap:     []IDMap{{Inside: 1000, Outside: 65534, Count: 1}},
		GIDMap:     []IDMap{{Inside: 1000, Outside: 65534, Count: 1}},
		Mounts:     DefaultMounts(),
		Cgroups:    NsjailCgroups(),
	}
	return c
}

// runJail runs c and returns the result and the program's stdout and stderr.
func runJail(t testing.TB, c *Config, opts RunOptions) (*Result, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &errb
	if opts.Stdin == nil {
		opts.Stdin = strings.NewReader("")
	}
	res, err := Run(context.Background(), c, opts)
	if err != nil {
		t.Fatalf("Run(%q): %v\nstderr: %s", c.Argv, err, errb.String())
	}
	return res, out.String(), errb.String()
}

func TestRunTrue(t *testing.T) {
	requireRoot(t)
	res, out, errs := runJail(t, testConfig("/bin/true"), RunOptions{})
	if res.ExitCode != 0 || res.ReasonKind != ReasonExited {
		t.Fatalf("result %+v, stdout %q, stderr %q", res, out, errs)
	}
}

func TestRunShellProbe(t *testing.T) {
	requireRoot(t)
	res, out, errs := runJail(t, testConfig("/bin/sh", "-c", "id -u; hostname; echo pid $$; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; exit 3"), RunOptions{})
	if res.ExitCode != 3 || res.ReasonKind != ReasonExited {
		t.Fatalf("result %+v, want exit 3\nstdout:\n%s\nstderr:\n%s", res, out, errs)
	}
	for _, want := range []string{"1000\n", "jail\n", "pid 1\n", "CapEff:\t0000000000000000\n", "NoNewPrivs:\t1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, out, errs)
		}
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func contextBackground() context.Context { return context.Background() }
