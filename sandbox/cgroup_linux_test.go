package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// requireCgroupV1 skips t unless the v1 controllers are mounted where
// NsjailCgroups expects them.
func requireCgroupV1(t *testing.T, controllers ...string) {
	t.Helper()
	requireRoot(t)
	for _, c := range controllers {
		var st unix.Statfs_t
		p := "/sys/fs/cgroup/" + c
		if err := unix.Statfs(p, &st); err != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
			t.Skipf("needs the cgroup v1 %s controller mounted at %s", c, p)
		}
	}
}

func readTrim(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestCgroupV1Files creates a per-run cgroup on the real hierarchy, checks
// the limit files, and that destroy leaves nothing.
func TestCgroupV1Files(t *testing.T) {
	requireCgroupV1(t, "memory", "pids", "cpu")
	g := NsjailCgroups()
	g.MemMax = 64 << 20
	g.MemSwapMax = 0
	g.PidsMax = 17
	g.CPUMsPerSec = 250
	cg, err := newJailCgroups(&g, func(f string, a ...any) { t.Logf(f, a...) })
	if err != nil {
		t.Fatal(err)
	}
	if cg.mem == "" || cg.pids == "" || cg.cpu == "" {
		t.Fatalf("controllers not set up: %+v", cg)
	}
	checks := map[string]string{
		filepath.Join(cg.mem, "memory.limit_in_bytes"): "67108864",
		filepath.Join(cg.pids, "pids.max"):             "17",
		filepath.Join(cg.cpu, "cpu.cfs_quota_us"):      "25000",
		filepath.Join(cg.cpu, "cpu.cfs_period_us"):     "100000",
	}
	if cg.memsw {
		checks[filepath.Join(cg.mem, "memory.memsw.limit_in_bytes")] = "67108864"
	}
	for p, want := range checks {
		if got := readTrim(t, p); got != want {
			t.Errorf("%s = %s, want %s", p, got, want)
		}
	}
	dirs := append([]string(nil), cg.dirs...)
	if err := cg.destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left behind (%v)", d, err)
		}
	}
}

// TestCgroupStaleRemoved: a per-run cgroup whose runner pid is gone is
// removed by the next run under the same parent, by the time that run's
// own cgroups are.
func TestCgroupStaleRemoved(t *testing.T) {
	requireCgroupV1(t, "pids")
	dead := deadPID(t)
	stale := filepath.Join("/sys/fs/cgroup/pids/NSJAIL", fmt.Sprintf("%s%d.1", cgroupPrefix, dead))
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	pidsRunCgroups(t)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale cgroup %s not removed (%v)", stale, err)
		os.Remove(stale)
	}
}

// deadPID returns a pid that no process has.
func deadPID(t *testing.T) int {
	for pid := 4000000; pid > 100000; pid -= 7919 {
		if unix.Kill(pid, 0) == unix.ESRCH {
			return pid
		}
	}
	t.Skip("found no unused pid")
	return 0
}

// leftoverCgroups lists per-run cgroups of this process.
func leftoverCgroups(t *testing.T) []string {
	var out []string
	for _, c := range []string{"memory", "pids", "cpu"} {
		m, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/%s/NSJAIL/%s%d.*", c, cgroupPrefix, os.Getpid()))
		out = append(out, m...)
	}
	return out
}

func limitedConfig(script string) *Config {
	c := testConfig("/bin/sh", "-c", script)
	c.Cgroups.MemMax = 64 << 20
	c.Cgroups.MemSwapMax = 0
	c.Cgroups.PidsMax = 16
	c.TimeLimit = 60 * time.Second
	return c
}

func TestCgroupMemoryLimit(t *testing.T) {
	requireCgroupV1(t, "memory", "pids")
	c := testConfig("/usr/bin/python3", "-c", "x = []\nwhile True: x.append(bytearray(1<<20))")
	c.Cgroups.MemMax = 64 << 20
	c.Cgroups.MemSwapMax = 0
	res, _, errs := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonMemoryLimit {
		t.Fatalf("result %+v, stderr %q; want the memory limit", res, errs)
	}
	if res.PeakMemory < 32<<20 || res.PeakMemory > 80<<20 {
		t.Errorf("peak memory %d, want about the 64 MiB limit", res.PeakMemory)
	}
	if l := leftoverCgroups(t); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
}

// TestCgroupMemoryLimitHeldChild: the OOM kill of a child the program
// survives is counted and said, though the run ends by a plain exit.
func TestCgroupMemoryLimitHeldChild(t *testing.T) {
	requireCgroupV1(t, "memory")
	c := testConfig("/bin/sh", "-c", "/usr/bin/python3 -c 'x = bytearray(200 << 20)'; echo child=$?")
	c.Cgroups.MemMax = 64 << 20
	c.Cgroups.MemSwapMax = 0
	res, out, errs := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonExited || res.ExitCode != 0 || out != "child=137\n" {
		t.Fatalf("result %+v, stdout %q, stderr %q; want the shell to exit 0 after its child's OOM kill", res, out, errs)
	}
	if res.OOMKills == 0 || !strings.Contains(res.Reason, "OOM-killed") {
		t.Errorf("result %+v: want the OOM kill counted and said", res)
	}
}

func TestCgroupPidsLimit(t *testing.T) {
	requireCgroupV1(t, "pids")
	c := limitedConfig("for i in $(seq 40); do sleep 5 & done; wait")
	c.TimeLimit = 0
	res, _, errs := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonPidsLimit && !strings.Contains(res.Reason, "pids limit") {
		t.Fatalf("result %+v, stderr %q; want the pids limit", res, errs)
	}
	t.Logf("reason: %s", res.Reason)
}

func TestCgroupCPULimit(t *testing.T) {
	requireCgroupV1(t, "cpu")
	c := testConfig("/bin/sh", "-c", "while :; do :; done")
	c.Cgroups.CPUMsPerSec = 100
	c.TimeLimit = 1500 * time.Millisecond
	res, _, _ := runJail(t, c, RunOptions{})
	if res.ReasonKind != ReasonTimeLimit {
		t.Fatalf("result %+v", res)
	}
	// 10% of a CPU for 1.5 s of wall time: far below the 1.5 s a busy
	// loop would use (the quota is enforced per 100 ms period).
	if res.CPUTime > 600*time.Millisecond {
		t.Errorf("busy loop used %v of CPU in %v under a 100 ms/s quota", res.CPUTime, res.WallTime)
	}
	t.Logf("cpu %v in wall %v", res.CPUTime, res.WallTime)
}

// TestCgroupV2Files writes the v2 limits into a directory laid out like
// cgroupfs: this host's cgroup2 hierarchy has no memory, pids or cpu
// controller to enable (they are bound to v1).
func TestCgroupV2Files(t *testing.T) {
	t.Log("cgroup v2 tested against a fake cgroupfs in a temporary directory: the host's v2 hierarchy lacks the controllers")
	root := fakeCgroup2(t)
	g := NsjailCgroups()
	g.UseV2 = true
	g.V2Mount = root
	g.MemMax = 128 << 20
	g.MemSwapMax = 0
	g.PidsMax = 9
	g.CPUMsPerSec = 1500
	cg, err := newJailCgroups(&g, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if !cg.v2 || len(cg.dirs) != 1 || filepath.Dir(cg.dirs[0]) != filepath.Join(root, "NSJAIL") {
		t.Fatalf("cgroups %+v, want one v2 directory in %s/NSJAIL", cg, root)
	}
	d := cg.dirs[0]
	for f, want := range map[string]string{
		"memory.max": "134217728", "memory.swap.max": "0", "pids.max": "9", "cpu.max": "150000 100000",
	} {
		if got := readTrim(t, filepath.Join(d, f)); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	// Each level hands the controllers down; the root only those it did not.
	for dir, want := range map[string]string{root: "+pids +cpu", filepath.Join(root, "NSJAIL"): "+memory +pids +cpu"} {
		if got := readTrim(t, filepath.Join(dir, "cgroup.subtree_control")); got != want {
			t.Errorf("%s/cgroup.subtree_control = %q, want %q", dir, got, want)
		}
	}
	if err := cg.add(12345); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, filepath.Join(d, "cgroup.procs")); got != "12345" {
		t.Errorf("cgroup.procs %q", got)
	}
	if err := cg.destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d); !os.IsNotExist(err) {
		t.Errorf("%s left behind", d)
	}
}

// TestCgroupV2EnableKernel hands a controller down on the host's real
// cgroup2 hierarchy, whichever controller it has (here hugetlb, the one v1
// leaves it): from a cgroup with a process of its own the kernel refuses
// (EBUSY) and the error says why; once the process is gone it works.
func TestCgroupV2EnableKernel(t *testing.T) {
	requireRoot(t)
	var mount string
	for _, m := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(m, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			mount = m
			break
		}
	}
	if mount == "" {
		t.Skip("no cgroup2 hierarchy mounted")
	}
	ctrls := strings.Fields(readTrim(t, filepath.Join(mount, "cgroup.controllers")))
	if len(ctrls) == 0 {
		t.Skipf("the cgroup2 hierarchy at %s has no controller (all are bound to v1)", mount)
	}
	ctrl := ctrls[0]
	t.Logf("controller %s of %s", ctrl, mount)
	if !slices.Contains(strings.Fields(readTrim(t, filepath.Join(mount, "cgroup.subtree_control"))), ctrl) {
		t.Cleanup(func() { os.WriteFile(filepath.Join(mount, "cgroup.subtree_control"), []byte("-"+ctrl), 0) })
	}
	if err := enableControllers(mount, []string{ctrl}); err != nil {
		t.Fatalf("root: %v", err)
	}
	dir := filepath.Join(mount, fmt.Sprintf("kafel-test.%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Rmdir(dir) })
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	pid := strconv.Itoa(sleep.Process.Pid)
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(pid), 0); err != nil {
		t.Fatal(err)
	}
	err := enableControllers(dir, []string{ctrl})
	if !errors.Is(err, unix.EBUSY) || !strings.Contains(err.Error(), "holds processes") {
		t.Errorf("with a process in %s: %v, want EBUSY explained", dir, err)
	}
	if err := os.WriteFile(filepath.Join(mount, "cgroup.procs"), []byte(pid), 0); err != nil {
		t.Fatal(err)
	}
	if err := enableControllers(dir, []string{ctrl}); err != nil {
		t.Fatalf("empty %s: %v", dir, err)
	}
	if got := readTrim(t, filepath.Join(dir, "cgroup.subtree_control")); got != ctrl {
		t.Errorf("subtree_control %q, want %q", got, ctrl)
	}
}

// fakeCgroup2 lays out a v2 hierarchy in a temporary directory whose root
// offers memory, pids and cpu and hands down memory only (as systemd might
// have it), and makes the cgroup hooks create and remove cgroups there.
func fakeCgroup2(t *testing.T) string {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "cgroup.controllers"), []byte("cpuset cpu io memory hugetlb pids\n"), 0o644)
	os.WriteFile(filepath.Join(root, "cgroup.subtree_control"), []byte("memory\n"), 0o644)
	mkdir, rmdir := cgroupMkdir, cgroupRmdir
	t.Cleanup(func() { cgroupMkdir, cgroupRmdir = mkdir, rmdir })
	cgroupMkdir = func(dir string) error {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		for _, f := range []string{"memory.max", "memory.swap.max", "pids.max", "cpu.max", "cgroup.procs", "cgroup.kill", "cgroup.subtree_control"} {
			os.WriteFile(filepath.Join(dir, f), nil, 0o644)
		}
		return nil
	}
	cgroupRmdir = os.RemoveAll
	return root
}

// TestCgroupV2RootLeftAlone: optional limits (the default jail's) do
// without the controllers the host's root cgroup does not hand down,
// instead of changing it; one asked for has it handed down.
func TestCgroupV2RootLeftAlone(t *testing.T) {
	t.Log("cgroup v2 tested against a fake cgroupfs in a temporary directory: the host's v2 hierarchy lacks the controllers")
	root := fakeCgroup2(t)
	g := DefaultConfig().Cgroups
	g.UseV2, g.V2Mount = true, root
	var warned []string
	cg, err := newJailCgroups(&g, func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
	if err != nil {
		t.Fatal(err)
	}
	defer cg.destroy()
	if got := readTrim(t, filepath.Join(root, "cgroup.subtree_control")); got != "memory" {
		t.Errorf("the root's subtree_control became %q", got)
	}
	if cg.mem == "" || cg.pids != "" || cg.cpu != "" || len(warned) != 2 {
		t.Errorf("cgroups %+v, warnings %q; want memory only, pids and cpu skipped with a warning each", cg, warned)
	}
	g.Required = LimitPids
	cg2, err := newJailCgroups(&g, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer cg2.destroy()
	if got := readTrim(t, filepath.Join(root, "cgroup.subtree_control")); got != "+pids" || cg2.pids == "" {
		t.Errorf("pids asked for: root's subtree_control %q, cgroups %+v; want pids handed down and applied", got, cg2)
	}
}

// TestCgroupOptionalMissingController: with Optional a limit the host
// cannot apply is skipped with a warning; without it the run fails.
func TestCgroupOptionalMissingController(t *testing.T) {
	g := NsjailCgroups()
	g.NetClsClassID = 0x100001
	g.V1NetClsMount = filepath.Join(t.TempDir(), "no-net_cls")
	g.Optional = true
	var warned []string
	cg, err := newJailCgroups(&g, func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
	if err != nil || len(warned) != 1 {
		t.Fatalf("optional: err %v, warnings %q", err, warned)
	}
	cg.destroy()
	// Required, it stops the run though the others are optional.
	g.Required = LimitNetCls
	if _, err := newJailCgroups(&g, t.Logf); err == nil {
		t.Fatal("a required net_cls limit without the controller was accepted")
	}
	g.Required = LimitPids
	warned = nil
	cg, err = newJailCgroups(&g, func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
	if err != nil || len(warned) != 1 {
		t.Fatalf("another limit required: err %v, warnings %q", err, warned)
	}
	cg.destroy()
	g.Optional, g.Required = false, 0
	if _, err := newJailCgroups(&g, t.Logf); err == nil {
		t.Fatal("a net_cls limit without the controller was accepted")
	}
}

// TestCgroupJoinedBeforeProgram checks the order the runner and the init
// follow when the init builds the jail while the runner joins it to its
// cgroups (CgroupFollows): the program starts inside the per-run cgroups,
// and the cgroup namespace is rooted there, so the jail sees "/" as its
// cgroup in every hierarchy.
func TestCgroupJoinedBeforeProgram(t *testing.T) {
	requireCgroupV1(t, "memory", "pids")
	c := limitedConfig("cat /proc/self/cgroup; cat /proc/1/cgroup")
	res, out, errs := runJail(t, c, RunOptions{})
	if res.ExitCode != 0 {
		t.Fatalf("result %+v, stderr %q", res, errs)
	}
	lines := strings.Fields(out)
	if len(lines) == 0 {
		t.Fatal("no output")
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("cgroup line %q: the jail's cgroup namespace is not rooted at its own cgroup", l)
		}
	}
	// Without the cgroup namespace the same program sees the per-run
	// cgroup's own path: it was in it before it ran.
	c.Namespaces.Cgroup = false
	res, out, errs = runJail(t, c, RunOptions{})
	if res.ExitCode != 0 {
		t.Fatalf("result %+v, stderr %q", res, errs)
	}
	for _, ctl := range []string{"memory", "pids"} {
		want := fmt.Sprintf(":%s:/NSJAIL/%s%d.", ctl, cgroupPrefix, os.Getpid())
		if !strings.Contains(out, want) {
			t.Errorf("/proc/self/cgroup without a cgroup namespace:\n%s\nwant a line containing %q", out, want)
		}
	}
}

func TestReadKeys(t *testing.T) {
	p := filepath.Join(t.TempDir(), "memory.oom_control")
	os.WriteFile(p, []byte("oom_kill_disable 0\n\nunder_oom 1\nbroken line here\noom_kill 3\n"), 0o644)
	if got := readKeys(p, "oom_kill", "under_oom", "missing"); !slices.Equal(got, []uint64{3, 1, 0}) {
		t.Errorf("readKeys = %v, want [3 1 0]", got)
	}
	if got := readKeys(filepath.Join(t.TempDir(), "none"), "a"); !slices.Equal(got, []uint64{0}) {
		t.Errorf("missing file: %v", got)
	}
}

// TestCgroupNameTaken: when the name a run is about to take is there
// already (a runner that had this pid before was SIGKILLed), the run
// takes another and leaves that cgroup alone; before, it failed with
// EEXIST.
func TestCgroupNameTaken(t *testing.T) {
	requireCgroupV1(t, "pids")
	taken := filepath.Join("/sys/fs/cgroup/pids/NSJAIL", fmt.Sprintf("%s%d.%d", cgroupPrefix, os.Getpid(), cgroupSeq.Load()+1))
	if err := os.MkdirAll(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(taken)
	cg := pidsRunCgroups(t)
	if cg.pids != taken+".2" {
		t.Errorf("the run's pids cgroup was %s, want %s.2", cg.pids, taken)
	}
	if _, err := os.Stat(cg.pids); !os.IsNotExist(err) {
		t.Errorf("%s left after the run (%v)", cg.pids, err)
	}
	if _, err := os.Stat(taken); err != nil {
		t.Errorf("the cgroup that had the name is gone: %v", err)
	}
}

// TestCgroupStaleBusyLeft: a cgroup named for a runner whose pid is gone
// here but that holds processes (a runner in another pid namespace that
// shares the hierarchy) is neither removed nor emptied by a run's sweep.
func TestCgroupStaleBusyLeft(t *testing.T) {
	requireCgroupV1(t, "pids")
	other := filepath.Join("/sys/fs/cgroup/pids/NSJAIL", fmt.Sprintf("%s%d.1", cgroupPrefix, deadPID(t)))
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sleep.Process.Kill()
		sleep.Wait()
		waitRmdir(t, other)
	}()
	if err := os.WriteFile(filepath.Join(other, "cgroup.procs"), []byte(strconv.Itoa(sleep.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	pidsRunCgroups(t)
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the busy cgroup was removed: %v", err)
	}
	if err := sleep.Process.Signal(unix.Signal(0)); err != nil {
		t.Errorf("the process in the busy cgroup was killed: %v", err)
	}
}

// waitRmdir removes an emptied cgroup, which the kernel may keep busy for
// a moment after its last process is reaped.
func waitRmdir(t *testing.T, dir string) {
	t.Helper()
	for range 100 {
		if err := unix.Rmdir(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%s could not be removed", dir)
}

// pidsRunCgroups makes the cgroups of a run with a pids limit, as a run
// does, and removes them, sweeping stale ones; it returns them.
func pidsRunCgroups(t *testing.T) *jailCgroups {
	t.Helper()
	g := NsjailCgroups()
	g.PidsMax = 5
	cg, err := newJailCgroups(&g, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := cg.destroy(); err != nil {
		t.Fatal(err)
	}
	return cg
}
