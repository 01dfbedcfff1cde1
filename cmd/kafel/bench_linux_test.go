package main

import (
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
	if os.Geteuid() != 0 {
		b.Skip("needs root: the default jail has cgroup limits")
	}
	bin := filepath.Join(b.TempDir(), "kafel")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
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
