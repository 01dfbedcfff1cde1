package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Per-run cgroups.
//
// Each run gets its own cgroup, named kafel.<runner pid>.<n>, under the
// configured parent of each v1 controller it needs (memory, pids, cpu,
// net_cls) or under NSJAIL at the root of the v2 hierarchy. It is
// created and filled with the limits before the jail starts, the init is
// placed in it before it reads its configuration (so before the program
// exists), and it is always removed afterwards: remaining processes are
// killed, the runner waits until it is empty and removes it. A cgroup
// left by a runner that was SIGKILLed (its pid is gone) is removed by the
// next run that uses the same parent.

// cgroupPrefix starts the names of per-run cgroups.
const cgroupPrefix = "kafel."

var cgroupSeq atomic.Uint64

// Hooks for tests that lay out a fake cgroupfs in a temporary directory:
// there a new directory has no control files and a directory with files
// cannot be removed with rmdir.
var (
	cgroupMkdir = func(dir string) error { return os.Mkdir(dir, 0o755) }
	cgroupRmdir = func(dir string) error { return unix.Rmdir(dir) }
)

// jailCgroups is the per-run cgroup of one jail.
type jailCgroups struct {
	v2 bool
	// dirs are the per-run directories (one per v1 controller, one for v2).
	dirs []string
	// Controller directories; empty when not used.
	mem, pids, cpu, netcls string
	memsw                  bool          // memory.memsw.* exists (v1)
	swept                  chan struct{} // closed when sweepStale is done
}

// wantedLimits are the kinds of limit g asks for.
func wantedLimits(g *Cgroups) CgroupLimits {
	var k CgroupLimits
	if g.MemMax > 0 || g.MemMemswMax > 0 {
		k |= LimitMemory
	}
	if g.PidsMax > 0 {
		k |= LimitPids
	}
	if g.CPUMsPerSec > 0 {
		k |= LimitCPU
	}
	if g.NetClsClassID != 0 {
		k |= LimitNetCls
	}
	return k
}

// cgroupsWanted reports whether g asks for any limit.
func cgroupsWanted(g *Cgroups) bool {
	return g.MemMax > 0 || g.MemMemswMax > 0 || g.PidsMax > 0 || g.CPUMsPerSec > 0 || g.NetClsClassID != 0 ||
		(g.MemSwapMax >= 0 && g.MemMax > 0)
}

// useCgroupV2 decides the hierarchy: --use_cgroupv2, or --detect_cgroupv2
// and V2Mount is a cgroup2 filesystem.
func useCgroupV2(g *Cgroups) bool {
	if g.UseV2 {
		return true
	}
	if g.DetectV2 {
		var st unix.Statfs_t
		if err := unix.Statfs(v2Mount(g), &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			return true
		}
	}
	return false
}

func v2Mount(g *Cgroups) string {
	if g.V2Mount == "" {
		return "/sys/fs/cgroup"
	}
	return g.V2Mount
}

// newJailCgroups creates and fills the per-run cgroup. With g.Optional,
// a limit the host cannot apply is logged through warn and skipped;
// otherwise it is an error and nothing is left behind.
func newJailCgroups(g *Cgroups, warn func(string, ...any)) (cg *jailCgroups, err error) {
	if !cgroupsWanted(g) {
		return nil, nil
	}
	name := fmt.Sprintf("%s%d.%d", cgroupPrefix, os.Getpid(), cgroupSeq.Add(1))
	cg = &jailCgroups{}
	defer func() {
		if err != nil {
			cg.destroy()
			cg = nil
		}
	}()
	if useCgroupV2(g) {
		cg.v2 = true
		return cg, cg.setupV2(g, name, warn)
	}
	return cg, cg.setupV1(g, name, warn)
}

// limitErr handles limits (what, of the kinds in limits) that cannot be
// applied.
func limitErr(g *Cgroups, warn func(string, ...any), what string, limits CgroupLimits, err error) error {
	if err == nil {
		return nil
	}
	if g.Optional && g.Required&limits == 0 {
		warn("cgroup %s not applied: %v", what, err)
		return nil
	}
	return &SetupError{Op: "cgroup " + what, Err: err}
}

// makeDir makes the run's directory name under parent. When name is
// taken (by a runner that had this pid before, or one with the same pid
// in another pid namespace that shares the hierarchy), the run takes
// name.2, name.3, ...: a cgroup that may be another runner's is never
// removed here.
func (cg *jailCgroups) makeDir(parent, name string) (string, error) {
	dir := filepath.Join(parent, name)
	err := cgroupMkdir(dir)
	for try := 2; errors.Is(err, os.ErrExist) && try <= 8; try++ {
		dir = filepath.Join(parent, name+"."+strconv.Itoa(try))
		err = cgroupMkdir(dir)
	}
	if err != nil {
		return "", err
	}
	cg.dirs = append(cg.dirs, dir)
	return dir, nil
}

// sweepStale removes, in the background, the per-run cgroups that
// runners that are gone (SIGKILLed) left beside the run's; destroy waits
// for it, and starts it if the run did not. The run does not wait: it
// never takes a name that is there (makeDir).
func (cg *jailCgroups) sweepStale() {
	if cg == nil || cg.swept != nil {
		return
	}
	cg.swept = make(chan struct{})
	parents := make([]string, len(cg.dirs))
	for i, d := range cg.dirs {
		parents[i] = filepath.Dir(d)
	}
	go func() {
		defer close(cg.swept)
		for _, p := range parents {
			removeStale(p)
		}
	}()
}

// prefetchAttachGP starts the RCU grace period that the init's joining of
// its v1 cgroups waits for (5-16 ms here), so that it runs while the
// runner creates the cgroups and starts the init instead of after.
//
// Moving a task between v1 cgroups takes a global lock whose writers wait
// for a grace period unless another writer holds or has just held it; so
// this thread moves itself into the cgroup it already is in (a no-op
// move) in the hierarchy mounted at mount. It writes only after it has
// seen its own thread id in that cgroup's tasks file, so a path that
// means another cgroup here (another cgroup namespace) is left alone.
// Any failure just leaves the grace period to the real move.
func prefetchAttachGP(mount string) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := strconv.Itoa(unix.Gettid())
	b, err := readKernelFile("/proc/thread-self/cgroup")
	if err != nil {
		return
	}
	ctl := filepath.Base(mount)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || !slices.Contains(strings.Split(f[1], ","), ctl) {
			continue
		}
		dir := filepath.Join(mount, f[2])
		tasks, err := readKernelFile(filepath.Join(dir, "tasks"))
		if err != nil || !slices.Contains(strings.Fields(string(tasks)), tid) {
			return
		}
		writeCgroup(dir, "tasks", tid)
		return
	}
}

// v1Dir creates <mount>/<parent>/<name> for one v1 controller.
func (cg *jailCgroups) v1Dir(mount, parent, name string) (string, error) {
	if mount == "" {
		return "", fmt.Errorf("no mount point configured: %w", ErrNotSupported)
	}
	p := filepath.Join(mount, parent)
	dir, err := cg.makeDir(p, name)
	if !errors.Is(err, os.ErrNotExist) {
		return dir, err
	}
	// The first run under parent, or no such hierarchy: parent is made
	// only inside a mount that is there.
	var st unix.Statfs_t
	if err := unix.Statfs(mount, &st); err != nil {
		return "", fmt.Errorf("%s: %w", mount, err)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return "", err
	}
	return cg.makeDir(p, name)
}

func (cg *jailCgroups) setupV1(g *Cgroups, name string, warn func(string, ...any)) error {
	parent := func(p string) string {
		if p == "" {
			return "NSJAIL"
		}
		return p
	}
	for _, m := range []struct {
		on    bool
		mount string
	}{{g.MemMax > 0 || g.MemMemswMax > 0, g.V1MemMount}, {g.PidsMax > 0, g.V1PidsMount}, {g.CPUMsPerSec > 0, g.V1CPUMount}, {g.NetClsClassID != 0, g.V1NetClsMount}} {
		if m.on && m.mount != "" {
			go prefetchAttachGP(m.mount)
			break
		}
	}
	if g.MemMax > 0 || g.MemMemswMax > 0 {
		dir, err := cg.v1Dir(g.V1MemMount, parent(g.V1MemParent), name)
		if err == nil {
			cg.mem = dir
			_, serr := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes"))
			cg.memsw = serr == nil
			err = cg.memV1(g)
		}
		if err := limitErr(g, warn, "memory", LimitMemory, err); err != nil {
			return err
		}
	}
	if g.PidsMax > 0 {
		dir, err := cg.v1Dir(g.V1PidsMount, parent(g.V1PidsParent), name)
		if err == nil {
			cg.pids = dir
			err = writeCgroup(dir, "pids.max", strconv.FormatUint(g.PidsMax, 10))
		}
		if err := limitErr(g, warn, "pids", LimitPids, err); err != nil {
			return err
		}
	}
	if g.CPUMsPerSec > 0 {
		dir, err := cg.v1Dir(g.V1CPUMount, parent(g.V1CPUParent), name)
		if err == nil {
			cg.cpu = dir
			// A new cgroup's cfs_period_us is the kernel's default.
			const period = 100000 // µs
			err = writeCgroup(dir, "cpu.cfs_quota_us", strconv.FormatUint(g.CPUMsPerSec*period/1000, 10))
		}
		if err := limitErr(g, warn, "cpu", LimitCPU, err); err != nil {
			return err
		}
	}
	if g.NetClsClassID != 0 {
		dir, err := cg.v1Dir(g.V1NetClsMount, parent(g.V1NetClsParent), name)
		if err == nil {
			cg.netcls = dir
			err = writeCgroup(dir, "net_cls.classid", strconv.FormatUint(uint64(g.NetClsClassID), 10))
		}
		if err := limitErr(g, warn, "net_cls", LimitNetCls, err); err != nil {
			return err
		}
	}
	return nil
}

func (cg *jailCgroups) memV1(g *Cgroups) error {
	if g.MemMax > 0 {
		if err := writeCgroup(cg.mem, "memory.limit_in_bytes", strconv.FormatUint(g.MemMax, 10)); err != nil {
			return err
		}
	}
	memsw := g.MemMemswMax
	if memsw == 0 && g.MemMax > 0 && g.MemSwapMax >= 0 {
		memsw = g.MemMax + uint64(g.MemSwapMax)
	}
	if memsw == 0 {
		return nil
	}
	if !cg.memsw {
		if g.MemMemswMax > 0 {
			return fmt.Errorf("memory.memsw.limit_in_bytes: the kernel has no swap accounting: %w", ErrNotSupported)
		}
		return nil // no swap accounting: swap is not limited, nor usable beyond MemMax
	}
	return writeCgroup(cg.mem, "memory.memsw.limit_in_bytes", strconv.FormatUint(memsw, 10))
}

// v2Parent holds the runs' cgroups in the v2 hierarchy, under its root,
// as NSJAIL does for each v1 controller.
const v2Parent = "NSJAIL"

// setupV2 makes the run's cgroup as <mount>/NSJAIL/kafel.<pid>.<n>. The
// mount's root cgroup (the host's, or a cgroup namespace's) hands the
// controllers down to NSJAIL, which hands them to the runs' cgroups.
// NSJAIL holds no process of its own, so cgroup v2's rule that a cgroup
// with processes hands no controller down concerns the root alone: the
// host's is exempt, a cgroup namespace's (a container's) is not.
func (cg *jailCgroups) setupV2(g *Cgroups, name string, warn func(string, ...any)) error {
	root := v2Mount(g)
	avail, err := readKernelFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		return limitErr(g, warn, "v2 hierarchy", wantedLimits(g), err)
	}
	have := map[string]bool{}
	for _, c := range strings.Fields(string(avail)) {
		have[c] = true
	}
	want := map[string]bool{}
	var enable []string
	var kinds CgroupLimits // of the controllers to hand down
	need := func(ctrl string, kind CgroupLimits, on bool) error {
		if !on {
			return nil
		}
		if !have[ctrl] {
			return limitErr(g, warn, ctrl, kind, fmt.Errorf("controller %q is not available in %s: %w", ctrl, root, ErrNotSupported))
		}
		want[ctrl] = true
		enable = append(enable, ctrl)
		kinds |= kind
		return nil
	}
	if err := need("memory", LimitMemory, g.MemMax > 0); err != nil {
		return err
	}
	if err := need("pids", LimitPids, g.PidsMax > 0); err != nil {
		return err
	}
	if err := need("cpu", LimitCPU, g.CPUMsPerSec > 0); err != nil {
		return err
	}
	if g.NetClsClassID != 0 {
		if err := limitErr(g, warn, "net_cls", LimitNetCls, fmt.Errorf("cgroup v2 has no net_cls controller: %w", ErrNotSupported)); err != nil {
			return err
		}
	}
	// The root's hand-down is the host's: a limit that is only optional
	// does without a controller the root does not hand down, rather than
	// change it.
	rootOn, err := handedDown(root)
	if err != nil {
		return limitErr(g, warn, "v2 hierarchy", kinds, err)
	}
	kindOf := map[string]CgroupLimits{"memory": LimitMemory, "pids": LimitPids, "cpu": LimitCPU}
	enable = slices.DeleteFunc(enable, func(ctrl string) bool {
		if slices.Contains(rootOn, ctrl) || !g.Optional || g.Required&kindOf[ctrl] != 0 {
			return false
		}
		warn("cgroup %s not applied: the root cgroup of %s does not hand the controller down, and kafel changes it only for a limit asked for", ctrl, root)
		want[ctrl] = false
		kinds &^= kindOf[ctrl]
		return true
	})
	if len(enable) == 0 {
		return nil
	}
	parent := filepath.Join(root, v2Parent)
	if err := handDown(root, rootOn, enable); err != nil {
		return limitErr(g, warn, strings.Join(enable, ", "), kinds, err)
	}
	if err := cgroupMkdir(parent); err != nil && !errors.Is(err, os.ErrExist) {
		return limitErr(g, warn, strings.Join(enable, ", "), kinds, err)
	}
	if err := enableControllers(parent, enable); err != nil {
		return limitErr(g, warn, strings.Join(enable, ", "), kinds, err)
	}
	dir, err := cg.makeDir(parent, name)
	if err != nil {
		return &SetupError{Op: "cgroup create", Path: filepath.Join(parent, name), Err: err}
	}
	if want["memory"] {
		cg.mem = dir
		if err := writeCgroup(dir, "memory.max", strconv.FormatUint(g.MemMax, 10)); err != nil {
			return err
		}
		if g.MemSwapMax >= 0 {
			if err := writeCgroup(dir, "memory.swap.max", strconv.FormatInt(g.MemSwapMax, 10)); err != nil {
				if err := limitErr(g, warn, "memory.swap.max", LimitMemory, err); err != nil {
					return err
				}
			}
		}
	}
	if want["pids"] {
		cg.pids = dir
		if err := writeCgroup(dir, "pids.max", strconv.FormatUint(g.PidsMax, 10)); err != nil {
			return err
		}
	}
	if want["cpu"] {
		cg.cpu = dir
		const period = 100000
		if err := writeCgroup(dir, "cpu.max", fmt.Sprintf("%d %d", g.CPUMsPerSec*period/1000, period)); err != nil {
			return err
		}
	}
	return nil
}

// enableControllers has dir hand ctrls down to its children: it writes
// those missing from its cgroup.subtree_control there.
func enableControllers(dir string, ctrls []string) error {
	on, err := handedDown(dir)
	if err != nil {
		return err
	}
	return handDown(dir, on, ctrls)
}

// handedDown lists the controllers dir hands down (cgroup.subtree_control).
func handedDown(dir string) ([]string, error) {
	cur, err := readKernelFile(filepath.Join(dir, "cgroup.subtree_control"))
	return strings.Fields(string(cur)), err
}

// handDown writes those of ctrls that are not in on, the controllers dir
// hands down already, to its cgroup.subtree_control.
func handDown(dir string, on, ctrls []string) error {
	var add []string
	for _, c := range ctrls {
		if !slices.Contains(on, c) {
			add = append(add, "+"+c)
		}
	}
	if len(add) == 0 {
		return nil
	}
	err := writeCgroup(dir, "cgroup.subtree_control", strings.Join(add, " "))
	if errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("%w: %s holds processes, and cgroup v2 hands no controller down from a cgroup with processes of its own but the host's root (in a container, share the host's cgroup namespace, or move its processes into a child cgroup)", err, dir)
	}
	return err
}

func writeCgroup(dir, file, value string) error {
	p := filepath.Join(dir, file)
	if err := writeKernelFile(p, []byte(value)); err != nil {
		// The path is in the SetupError already.
		return &SetupError{Op: "cgroup write " + value + " to", Path: p, Err: err.(*os.PathError).Err}
	}
	return nil
}

// add places pid in every per-run cgroup.
func (cg *jailCgroups) add(pid int) error {
	for _, d := range cg.dirs {
		if err := writeCgroup(d, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

// cgroupStats are what the cgroups saw of a run.
type cgroupStats struct {
	PeakMemory uint64
	OOMKills   uint64
	PidsMaxHit uint64
}

func (cg *jailCgroups) stats() cgroupStats {
	var s cgroupStats
	if cg == nil {
		return s
	}
	if cg.mem != "" {
		if cg.v2 {
			s.PeakMemory, _ = readUint(filepath.Join(cg.mem, "memory.peak"))
			s.OOMKills = readKey(filepath.Join(cg.mem, "memory.events"), "oom_kill")
		} else {
			s.PeakMemory, _ = readUint(filepath.Join(cg.mem, "memory.max_usage_in_bytes"))
			// Kernels before 4.13 have no oom_kill count: an OOM kill
			// shows as under_oom at most.
			v := readKeys(filepath.Join(cg.mem, "memory.oom_control"), "oom_kill", "under_oom")
			s.OOMKills = max(v[0], v[1])
		}
	}
	if cg.pids != "" {
		s.PidsMaxHit = readKey(filepath.Join(cg.pids, "pids.events"), "max")
	}
	return s
}

func readUint(p string) (uint64, error) {
	b, err := readKernelFile(p)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// readKey reads the value of key in a flat-keyed cgroup file.
func readKey(p, key string) uint64 { return readKeys(p, key)[0] }

// readKeys reads the "key value" lines of the file p, returning the value
// of each of keys (0 when it is missing).
func readKeys(p string, keys ...string) []uint64 {
	v := make([]uint64, len(keys))
	b, err := readKernelFile(p)
	if err != nil {
		return v
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		if i := slices.Index(keys, f[0]); i >= 0 {
			v[i], _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	return v
}

// kill sends SIGKILL to every process in the cgroups.
func (cg *jailCgroups) kill() {
	if cg == nil {
		return
	}
	for _, d := range cg.dirs {
		killCgroupDir(d)
	}
}

func killCgroupDir(d string) {
	if _, err := os.Stat(filepath.Join(d, "cgroup.kill")); err == nil {
		if writeCgroup(d, "cgroup.kill", "1") == nil {
			return
		}
	}
	for _, pid := range cgroupPids(d) {
		unix.Kill(pid, unix.SIGKILL)
	}
}

func cgroupPids(d string) []int {
	b, err := readKernelFile(filepath.Join(d, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// destroy kills what is left in the cgroups, waits until they are empty
// and removes them. It returns the first error; it tries every directory.
func (cg *jailCgroups) destroy() error {
	if cg == nil {
		return nil
	}
	cg.sweepStale() // unless it ran during the run
	<-cg.swept
	var first error
	for i := len(cg.dirs) - 1; i >= 0; i-- {
		if err := removeCgroupDir(cg.dirs[i]); err != nil && first == nil {
			first = err
		}
	}
	cg.dirs = nil
	return first
}

func removeCgroupDir(d string) error {
	deadline := time.Now().Add(5 * time.Second)
	for wait := 50 * time.Microsecond; ; wait = min(2*wait, 10*time.Millisecond) {
		err := cgroupRmdir(d)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			return &SetupError{Op: "remove cgroup", Path: d, Err: err}
		}
		killCgroupDir(d)
		time.Sleep(wait)
	}
}

// removeStale removes per-run cgroups under parent whose runner is gone.
// It only removes empty ones, with no retry and no kill: the jail of a
// SIGKILLed runner died with it (parent-death signal), and a runner
// whose pid is not there may be alive in another pid namespace that
// shares the hierarchy (a container's), its jail in that cgroup.
func removeStale(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), cgroupPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, ".")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := unix.Kill(pid, 0); err == unix.ESRCH {
			cgroupRmdir(filepath.Join(parent, e.Name()))
		}
	}
}
