package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gokafel/gokafel/internal/latency"
)

// BenchmarkRunCLI measures `kafel run -- /bin/true` as a person or a
// script runs it: a new kafel process per launch (the runner's and the
// init's Go start-up included), next to bwrap and unshare started the
// same way. "kafel" is the default jail: every namespace, the default
// mounts, the embedded policy and the cgroup limits; "kafel-no-limits"
// leaves the cgroups out, like the other two.
func BenchmarkRunCLI(b *testing.B) {
	bin := installedKafel(b)
	run := func(name string, args ...string) {
		b.Run(name, func(b *testing.B) {
			path, err := exec.LookPath(args[0])
			if err != nil {
				b.Skipf("needs %s for the baseline: %v", args[0], err)
			}
			latency.Measure(b, func() error { return exec.Command(path, args[1:]...).Run() })
		})
	}
	run("kafel", bin, "run", "--", "/bin/true")
	run("kafel-no-limits", bin, "run", "--cgroup_mem_max", "0", "--cgroup_pids_max", "0", "--cgroup_cpu_ms_per_sec", "0", "--", "/bin/true")
	run("bwrap", "bwrap", "--unshare-all", "--ro-bind", "/", "/", "/bin/true")
	run("unshare", "unshare", "-Urpf", "--mount-proc", "/bin/true")
}

// BenchmarkRunCLIVersus interleaves the launches of BenchmarkRunCLI, one
// of each per iteration, and reports each median and its ratio to
// kafel's: the ratios hold on a machine whose load changes from second
// to second, where separate lines do not.
func BenchmarkRunCLIVersus(b *testing.B) {
	bin := installedKafel(b)
	var contenders []latency.Contender
	for _, c := range []struct {
		name string
		args []string
	}{
		{"kafel", []string{bin, "run", "--", "/bin/true"}},
		{"bwrap", []string{"bwrap", "--unshare-all", "--ro-bind", "/", "/", "/bin/true"}},
		{"unshare", []string{"unshare", "-Urpf", "--mount-proc", "/bin/true"}},
	} {
		path, err := exec.LookPath(c.args[0])
		if err != nil {
			b.Skipf("needs %s for the baseline: %v", c.args[0], err)
		}
		args := c.args[1:]
		contenders = append(contenders, latency.Contender{Name: c.name, Launch: func() error { return exec.Command(path, args...).Run() }})
	}
	latency.Compare(b, contenders...)
}

// installedKafel builds kafel and installs a copy in a temporary
// directory, the binary the benchmarks run.
func installedKafel(b *testing.B) string {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("needs root: the default jail has cgroup limits")
	}
	dir := b.TempDir()
	linked := filepath.Join(dir, "kafel.linked")
	build := exec.Command("go", "build", "-o", linked, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	// Run a copy, as installed: the file the linker has just written
	// (through a mapping) launched 0.25-0.55 ms slower per run than a copy
	// of the same bytes on this host's ext4 (same page faults, each
	// dearer: how its page cache was filled), a cost that bwrap and
	// unshare, installed, do not pay either.
	bin := filepath.Join(dir, "kafel")
	if err := installCopy(linked, bin); err != nil {
		b.Fatal(err)
	}
	return bin
}

// installCopy copies the executable src to dst, as install(1) would.
func installCopy(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
