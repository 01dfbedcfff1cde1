package sandbox

import (
	"github.com/gokafel/gokafel/internal/latency"

	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// benchLaunch measures launch: see latency.Measure.
func benchLaunch(b *testing.B, launch func() error) {
	b.Helper()
	latency.Measure(b, launch)
}

// benchConfig is full isolation running /bin/true: every namespace but
// time, the default mounts, no cgroup limit, no seccomp filter.
func benchConfig() *Config {
	c := testConfig("/bin/true")
	return c
}

// devNull is where a benchmarked jail's stdio goes: /dev/null, as for
// the bwrap and unshare lines (exec.Cmd with nil stdio), so that every
// line pays for the same plumbing (no pipes and copying goroutines).
var devNull = sync.OnceValue(func() *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		panic(err)
	}
	return f
})

func runQuiet(c *Config) error { return runQuietOpts(c, RunOptions{}) }

func runQuietOpts(c *Config, opts RunOptions) error { return quietly(Run, c, opts) }

func launchQuiet(l *Launcher, c *Config) error { return quietly(l.Run, c, RunOptions{}) }

// quietly runs c with run, its stdio on /dev/null, and fails unless the
// program exits 0.
func quietly(run func(context.Context, *Config, RunOptions) (*Result, error), c *Config, opts RunOptions) error {
	null := devNull()
	opts.Stdin, opts.Stdout, opts.Stderr = null, null, null
	res, err := run(context.Background(), c, opts)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return &exec.ExitError{}
	}
	return nil
}

func BenchmarkLaunch(b *testing.B) {
	requireRoot(b)
	b.Run("kafel", func(b *testing.B) {
		c := benchConfig()
		benchLaunch(b, func() error { return runQuiet(c) })
	})
	b.Run("kafel-forkexec", func(b *testing.B) {
		// The same, the init started by syscall.ForkExec (a full fork of
		// the runner) instead of by vfork: the baseline of the vfork path.
		c := benchConfig()
		benchLaunch(b, func() error { return runQuietOpts(c, RunOptions{forkExec: true}) })
	})
	b.Run("kafel-warm", func(b *testing.B) {
		// The same through a Launcher, which starts each init ahead of
		// its run.
		c := benchConfig()
		l, err := NewLauncher(c, 1, "")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		benchLaunch(b, func() error { return launchQuiet(l, c) })
	})
	b.Run("kafel-ro-root", func(b *testing.B) {
		// The same jail as the bwrap line: all namespaces, / read-only.
		c := benchConfig()
		c.Mounts, c.Chroot = nil, "/"
		benchLaunch(b, func() error { return runQuiet(c) })
	})
	b.Run("kafel-default", func(b *testing.B) {
		// What `kafel run /bin/true` gets: DefaultConfig, with the
		// embedded seccomp policy and the cgroup limits.
		c := DefaultConfig()
		c.Path, c.Argv = "/bin/true", []string{"/bin/true"}
		benchLaunch(b, func() error { return runQuiet(c) })
	})
	b.Run("bwrap", func(b *testing.B) {
		bin := requireBinary(b, "bwrap")
		benchLaunch(b, func() error {
			return exec.Command(bin, "--unshare-all", "--ro-bind", "/", "/", "/bin/true").Run()
		})
	})
	b.Run("unshare", func(b *testing.B) {
		bin := requireBinary(b, "unshare")
		benchLaunch(b, func() error {
			return exec.Command(bin, "-Urpf", "--mount-proc", "/bin/true").Run()
		})
	})
}

// BenchmarkLaunchVersus interleaves launches of kafel's jails with bwrap
// and unshare, one of each per iteration, and reports each one's median
// and its ratio to kafel's: on a machine whose load changes from second
// to second the ratios hold better than those of BenchmarkLaunch's
// separate lines.
func BenchmarkLaunchVersus(b *testing.B) {
	requireRoot(b)
	bwrap := requireBinary(b, "bwrap")
	unshare := requireBinary(b, "unshare")
	full := benchConfig()
	roRoot := benchConfig()
	roRoot.Mounts, roRoot.Chroot = nil, "/"
	l, err := NewLauncher(full, 1, "")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	latency.Compare(b,
		latency.Contender{Name: "kafel", Launch: func() error { return runQuiet(full) }},
		latency.Contender{Name: "kafel-warm", Launch: func() error { return launchQuiet(l, full) }},
		latency.Contender{Name: "kafel-ro-root", Launch: func() error { return runQuiet(roRoot) }},
		latency.Contender{Name: "kafel-forkexec", Launch: func() error { return runQuietOpts(full, RunOptions{forkExec: true}) }},
		latency.Contender{Name: "bwrap", Launch: func() error {
			return exec.Command(bwrap, "--unshare-all", "--ro-bind", "/", "/", "/bin/true").Run()
		}},
		latency.Contender{Name: "unshare", Launch: func() error {
			return exec.Command(unshare, "-Urpf", "--mount-proc", "/bin/true").Run()
		}},
	)
}

// BenchmarkThroughput launches full-isolation jails from 2 workers and
// reports sandboxes per second; "forkexec" starts the inits with
// syscall.ForkExec, the baseline of the vfork path; "warm" goes through a
// Launcher; "bwrap" is bwrap --unshare-all from the same 2 workers.
func BenchmarkThroughput(b *testing.B) {
	requireRoot(b)
	c := benchConfig()
	b.Run("kafel", func(b *testing.B) { benchThroughput(b, func() error { return runQuiet(c) }) })
	b.Run("kafel-forkexec", func(b *testing.B) {
		benchThroughput(b, func() error { return runQuietOpts(c, RunOptions{forkExec: true}) })
	})
	b.Run("kafel-warm", func(b *testing.B) {
		l, err := NewLauncher(c, 2, "")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		benchThroughput(b, func() error { return launchQuiet(l, c) })
	})
	b.Run("bwrap", func(b *testing.B) {
		bin := requireBinary(b, "bwrap")
		benchThroughput(b, func() error {
			return exec.Command(bin, "--unshare-all", "--ro-bind", "/", "/", "/bin/true").Run()
		})
	})
}

func benchThroughput(b *testing.B, launch func() error) {
	const workers = 2
	if err := launch(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		next <- struct{}{}
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if err := launch(); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "sandboxes/s")
}

func requireBinary(b testing.TB, name string) string {
	b.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		b.Skipf("needs %s for the baseline: %v", name, err)
	}
	return p
}

// BenchmarkLaunchParts measures launches with one part of the isolation
// left out, to show what each costs.
func BenchmarkLaunchParts(b *testing.B) {
	b.Run("bare-exec", func(b *testing.B) {
		benchLaunch(b, func() error { return exec.Command("/bin/true").Run() })
	})
	b.Run("reexec-self", func(b *testing.B) {
		exe, _ := os.Executable()
		benchLaunch(b, func() error {
			cmd := exec.Command(exe, "-test.run=^$")
			return cmd.Run()
		})
	})
	requireRoot(b)
	parts := []struct {
		name string
		edit func(*Config)
	}{
		{"full", func(*Config) {}},
		{"no-net", func(c *Config) { c.Namespaces.Net = false }},
		{"no-mounts", func(c *Config) { c.Mounts = nil; c.Chroot = "/" }},
		{"no-user-ns", func(c *Config) { c.Namespaces.User = false; c.UIDMap, c.GIDMap = nil, nil }},
		{"no-ns", func(c *Config) {
			c.Namespaces = Namespaces{}
			c.Mounts = nil
			c.Hostname = ""
			c.UIDMap, c.GIDMap = nil, nil
		}},
	}
	for _, p := range parts {
		b.Run(p.name, func(b *testing.B) {
			c := benchConfig()
			p.edit(c)
			benchLaunch(b, func() error { return runQuiet(c) })
		})
	}
}
