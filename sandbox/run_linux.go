package sandbox

import (
	"github.com/gokafel/gokafel/sandbox/internal/jail"

	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Run runs cfg's program in a jail and reports how it ended.
//
// The jail's setup is a program of system calls (package
// sandbox/internal/jail) run by the jail's first process: a clone of the
// runner on amd64, this binary re-executed elsewhere (see Init). It waits
// until its uid/gid maps are written and until its cgroups are joined and
// its filter is compiled; it builds the root, drops privileges, installs
// the seccomp filter last and executes the program in place. Anything
// asked for that cannot be applied is a *SetupError and the program never
// runs. The program's end, however it comes, is a Result: a nil error
// means the program ran.
//
// Run kills the whole jail when the time limit passes, the seccomp policy
// forbids a call, ctx ends, or (with RunOptions.HandleSignals) the runner
// gets SIGINT, SIGTERM or SIGHUP. It returns only when every process of
// the jail is gone and its cgroup removed. If the runner itself dies, the
// jail gets SIGKILL (parent-death signal) and the next run removes the
// stale cgroup.
//
// Run supports ModeOnce; ModeExecve runs like ModeOnce. The other modes
// are loops around Run that belong to the caller.
func Run(ctx context.Context, cfg *Config, opts RunOptions) (*Result, error) {
	r, err := newRunner(cfg, opts)
	if err != nil {
		return nil, err
	}
	res, err := r.run(ctx)
	return res, explainRunError(err, cfg)
}

// newRunner checks cfg and sets up a run of it.
func newRunner(cfg *Config, opts RunOptions) (*runner, error) {
	if cfg == nil {
		return nil, errors.New("sandbox: Run: nil Config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.Mode {
	case ModeOnce, ModeExecve:
	default:
		return nil, fmt.Errorf("sandbox: Run runs one program (modes once and execve); mode %d is a loop around Run", cfg.Mode)
	}
	r := &runner{cfg: cfg, opts: opts, log: opts.Logger}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

type runner struct {
	cfg  *Config
	opts RunOptions
	log  *slog.Logger

	cg       *jailCgroups
	cgJoined bool      // the jail is in cg already (a Launcher's child)
	cgLater  bool      // cg is made once the jail has its program (prepare)
	signals  *Signals  // with HandleSignals
	warm     *warmInit // an init started ahead, to be claimed
	prog     *progRun  // the jail's program, when it has one
	sock     int       // the parent's end
	pid      int
	killed   sync.Once
	reason   ReasonKind // set by whoever killed the jail first
	reasonN  string
	mu       sync.Mutex
	viol     *SeccompViolation
	logged   []LoggedCall // with Seccomp.Log, in order of first call
	// interruptSig is the signal that interrupted the runner, if any.
	interruptSig syscall.Signal
}

func (r *runner) warn(format string, args ...any) { r.log.Warn(fmt.Sprintf(format, args...)) }

// events from the init's socket.
type initEvent struct {
	log      string
	err      *SetupError
	listener int // >= 0: the seccomp listener fd
	eof      bool
}

// newJailSpec takes the init's part of cfg.
func newJailSpec(cfg *Config) (*jail.Spec, error) {
	s := &jail.Spec{
		User: cfg.Namespaces.User, Mount: cfg.Namespaces.Mount, Net: cfg.Namespaces.Net, UTS: cfg.Namespaces.UTS,
		Hostname: cfg.Hostname, Cwd: cfg.Cwd, Chroot: cfg.Chroot,
		RW: cfg.RW, NoPivotRoot: cfg.NoPivotRoot, MountProc: cfg.MountProc, IfaceNoLo: cfg.IfaceNoLo,
		KeepCaps: cfg.KeepCaps, DisableNoNewPrivs: cfg.DisableNoNewPrivs,
		NiceLevel:   cfg.NiceLevel,
		Personality: jail.Personality(cfg.Personality),
		PassFDs:     cfg.PassFDs, UID: -1, GID: -1,
	}
	for _, m := range cfg.Mounts {
		s.Mounts = append(s.Mounts, jail.Mount{
			Src: m.Src, SrcContent: m.SrcContent, Dst: m.Dst, FSType: m.FSType, Options: m.Options,
			Bind: m.Bind, RW: m.RW, IsDir: m.IsDir, Mandatory: m.Mandatory, Symlink: m.Symlink,
			NoSuid: m.NoSuid, NoDev: m.NoDev, NoExec: m.NoExec,
		})
	}
	for _, rl := range cfg.Rlimits {
		s.Rlimits = append(s.Rlimits, jail.Rlimit{Resource: rl.Resource, Soft: rl.Soft, Hard: rl.Hard})
	}
	for _, name := range cfg.Caps {
		n, ok := CapNumber(name)
		if !ok {
			return nil, fmt.Errorf("sandbox: unknown capability %q", name)
		}
		s.Caps = append(s.Caps, n)
	}
	return s, nil
}

// testHookCgroupsMade, if set, runs once a run's cgroups exist.
var testHookCgroupsMade func()

// makeCgroups makes the run's cgroups (none when no limit is asked for).
// From then on the runner has something to clean up: the signals that
// would end it are caught first.
func (r *runner) makeCgroups() error {
	r.signalsCaught()
	cg, err := newJailCgroups(&r.cfg.Cgroups, r.warn)
	if err != nil {
		return err
	}
	r.cg = cg
	if testHookCgroupsMade != nil {
		testHookCgroupsMade()
	}
	return nil
}

// catchSignals starts making RunnerSignals arrive on the run's channel,
// when the caller asked for it; signalsCaught waits until they do. Until
// then such a signal ends the runner, and its jail with it (the
// parent-death signal), which is why they are caught before the run
// makes what needs cleaning up, its cgroups. A signal caught while the
// run is set up waits in the channel until the jail is there to kill.
// Catching them costs more than half a millisecond early in a process
// (see Signals): it runs beside the start of the run, unless the caller
// caught them ahead.
func (r *runner) catchSignals() {
	if !r.opts.HandleSignals || r.signals != nil {
		return
	}
	if r.signals = r.opts.Signals; r.signals == nil {
		r.signals = CatchSignals()
	}
}

func (r *runner) signalsCaught() {
	if r.signals != nil {
		r.signals.caught()
	}
}

// signalCh is the channel of the run's signals, nil without.
func (r *runner) signalCh() <-chan os.Signal {
	if r.signals == nil {
		return nil
	}
	return r.signals.ch
}

// releaseSignals undoes catchSignals, last of all, in the background:
// nothing waits for the runtime's answers.
func (r *runner) releaseSignals() {
	if r.signals != nil && r.signals != r.opts.Signals {
		go r.signals.Stop()
	}
}

func (r *runner) run(ctx context.Context) (res *Result, err error) {
	cfg := r.cfg
	// A jail program (no re-executed init) where the runner has an
	// executor, unless an init was started ahead for the run or the
	// caller named the init's binary.
	useProg := progSpawn != nil && r.warm == nil && !r.opts.forkExec && r.opts.Executable == ""
	// The cgroups of a child parked for this run are made while it builds
	// the jail (prepare), unless a mount in the jail is a cgroup file
	// system: it must be made in the cgroup namespace of the jail's cgroup.
	r.cgLater = useProg && !mountsCgroupFS(cfg.Mounts)
	r.catchSignals()
	defer r.releaseSignals()
	defer func() {
		if r.warm != nil && r.pid == 0 {
			r.warm.discard() // the run failed before it took its init
		}
	}()
	ic, err := newJailSpec(cfg)
	if err != nil {
		return nil, err
	}
	ic.Path = cfg.Path
	ic.Argv = cfg.Argv
	if len(ic.Argv) == 0 {
		ic.Argv = []string{cfg.Path}
	}
	if cfg.KeepEnv {
		ic.Env = append(os.Environ(), cfg.Env...)
	} else {
		ic.Env = cfg.Env
	}
	if len(cfg.UIDMap) > 0 {
		ic.UID = int(cfg.UIDMap[0].Inside)
	}
	if len(cfg.GIDMap) > 0 {
		ic.GID = int(cfg.GIDMap[0].Inside)
	}
	root := os.Geteuid() == 0
	newIDMap := cfg.Namespaces.User && needNewIDMap(cfg, root)
	ic.SetGroups = !cfg.Namespaces.User || root || newIDMap
	if cfg.Namespaces.Cgroup {
		ic.Unshare |= unix.CLONE_NEWCGROUP
	}
	if cfg.Namespaces.Time {
		ic.Unshare |= unix.CLONE_NEWTIME
	}

	// The seccomp filter is compiled while the jail is built (a policy
	// costs milliseconds to compile); the program waits for it before it
	// drops its privileges. A policy that does not compile still keeps
	// the program from running.
	sc := cfg.Seccomp
	wantFilter := r.opts.Filter != nil || sc.PolicyFile != "" || sc.Policy != "" || sc.Default
	ic.Notify = wantFilter && userNotifAvailable() && (!sc.Log || notifContinueAvailable())
	ic.Filter = wantFilter

	// The socket goes right after the passed fds.
	sockNum := 3
	for _, fd := range cfg.PassFDs {
		sockNum = max(sockNum, fd+1)
	}
	if useProg {
		// Cloned now, the child makes its namespaces (a millisecond, most
		// of it the network namespace) while the runner writes its id
		// maps and sets up stdio and the program on another CPU.
		if r.warm, err = parkChild(cfg); err != nil {
			return nil, err
		}
		if err = r.warm.setUpAhead(cfg, false); err != nil {
			r.warm.discard()
			r.warm = nil
			return nil, err
		}
	}
	filterCh := make(chan filterResult, 1)
	compile := func(calls []gateCall) {
		if r.opts.Filter != nil || sc.Default && sc.PolicyFile == "" && sc.Policy == "" {
			// Compiled already (the default policy ships compiled): the
			// gate and the kill mapping take microseconds, less than a
			// goroutine, which early in a process starts a thread.
			prog, err := r.filter(calls, ic.Notify)
			filterCh <- filterResult{prog, err}
			return
		}
		go func() {
			prog, err := r.filter(calls, ic.Notify)
			filterCh <- filterResult{prog, err}
		}()
	}
	defer func() {
		// The child is gone by now.
		if r.prog != nil {
			r.prog.done()
		}
		if r.warm != nil && r.warm.pre != nil && r.pid != 0 {
			r.warm.pre.done()
		}
	}()
	r.sock = -1
	defer func() {
		if r.sock >= 0 {
			unix.Close(r.sock)
		}
	}()

	defer func() {
		if derr := r.cg.destroy(); derr != nil && err == nil {
			err = derr
		}
	}()
	switch w := r.warm; {
	case w != nil && w.ahead != nil && w.ahead.cgMade:
		// A Launcher's child came with its cgroups made and joined.
		r.cg, r.cgJoined = w.ahead.cg, true
		w.ahead.cg = nil
		for _, text := range w.ahead.warnings {
			r.log.Warn(text)
		}
	case !r.cgLater:
		if err = r.makeCgroups(); err != nil {
			return nil, err
		}
	}
	// Joining the cgroups overlaps the init's building of the jail,
	// unless a mount in the jail is a cgroup file system: it must be made
	// in the cgroup namespace of the jail's cgroup.
	ic.CgroupFollows = (r.cg != nil || r.cgLater) && !r.cgJoined && !mountsCgroupFS(cfg.Mounts)

	stdin, stdout, stderr := r.opts.Stdin, r.opts.Stdout, r.opts.Stderr
	if stdin == nil {
		stdin = os.Stdin
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	if cfg.Silent {
		stdin, stdout, stderr = nil, nil, nil
	}
	if cfg.StderrToNull {
		stderr = nil
	}
	stdio, err := newInitIO(stdin, stdout, stderr)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	// A child whose maps were written ahead goes on to build the jail
	// without waiting for the runner.
	mapsAhead := func() bool {
		return r.warm != nil && r.warm.ahead != nil && r.warm.ahead.maps && !newIDMap
	}
	switch {
	case r.warm != nil && r.warm.pre != nil:
		ic.MapsWritten = mapsAhead()
		if err = r.claimParked(ic, stdio, sockNum); errors.Is(err, errChildGone) {
			// It died waiting: park another, with its maps written now.
			// It is in no cgroup yet: it joins the run's (prepare).
			r.log.Warn("sandbox: a child started ahead is gone; starting another")
			r.warm.discard()
			r.cgJoined = false
			if r.warm, err = parkChild(cfg); err == nil {
				if err = r.warm.setUpAhead(cfg, false); err == nil {
					ic.MapsWritten = mapsAhead()
					err = r.claimParked(ic, stdio, sockNum)
				}
			}
		}
	case r.warm != nil:
		if err = r.claim(stdio, sockNum); err != nil {
			// It died waiting: start one as if there had been none,
			// which joins the run's cgroups (prepare).
			r.log.Warn(err.Error())
			r.cgJoined = false
			err = r.spawnInit(stdio, sockNum)
		}
	default:
		err = r.spawnInit(stdio, sockNum)
	}
	if err == nil && r.prog == nil {
		// An init: it runs the program the runner sends it.
		ic.MapsWritten = mapsAhead()
		err = r.sendProg(ic, sockNum)
	}
	if err == nil && wantFilter {
		compile(progGateCalls(r.prog, sockNum))
	}
	stdio.started()
	if err != nil {
		stdio.close()
		return nil, err
	}
	// Once the init is gone, its pid namespace is empty; without one a
	// process the jail left behind (in its own session, outside any
	// cgroup) may hold the program's stdout: do not wait for it forever.
	var (
		ws unix.WaitStatus
		ru unix.Rusage
	)
	waitCh := make(chan error, 1)
	go func() {
		var err error
		for {
			if _, err = unix.Wait4(r.pid, &ws, 0, &ru); err != unix.EINTR {
				break
			}
		}
		if ioErr := stdio.wait(2 * time.Second); ioErr != nil {
			r.warn("%v", ioErr)
		}
		waitCh <- err
	}()

	if err := r.prepare(ic, newIDMap, root, filterCh, wantFilter); err != nil {
		r.kill("", "")
		{
			// The init had its configuration: a failure of its own
			// (which may be why it could not be added) says more.
			if ierr := r.initError(); ierr != nil {
				err = ierr
			}
		}
		<-waitCh
		return nil, err
	}

	filterCh = nil // the program has it
	r.cg.sweepStale()
	events := make(chan initEvent, 16)
	go r.readInit(events)

	var timer <-chan time.Time
	if cfg.TimeLimit > 0 {
		t := time.NewTimer(cfg.TimeLimit)
		defer t.Stop()
		timer = t.C
	}
	var (
		setupErr  error
		waitErr   error
		exited    bool
		eventsEOF bool
		notifDone chan struct{}
		stopNotif = -1
	)
	for !exited || !eventsEOF {
		select {
		case ev := <-events:
			switch {
			case ev.eof:
				eventsEOF = true
				events = nil
			case ev.log != "":
				r.log.Info(ev.log)
			case ev.err != nil:
				if setupErr == nil {
					setupErr = ev.err
				}
				r.kill("", "")
			case ev.listener >= 0:
				notifDone = make(chan struct{})
				var p [2]int
				if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
					unix.Close(ev.listener)
					setupErr = &SetupError{Op: "pipe", Err: err}
					r.kill("", "")
					close(notifDone)
					break
				}
				stopNotif = p[1]
				go r.watchNotif(ev.listener, p[0], notifDone)
			}
		case waitErr = <-waitCh:
			exited = true
			waitCh = nil
			// The jail's processes are gone with its init when it had a
			// pid namespace; without one, kill what is left.
			r.killRest()
		case <-timer:
			r.kill(ReasonTimeLimit, fmt.Sprintf("time limit of %v reached; the jail was killed", cfg.TimeLimit))
		case <-ctx.Done():
			r.kill(ReasonInterrupted, "interrupted: "+ctx.Err().Error())
		case s := <-r.signalCh():
			sig, _ := s.(syscall.Signal)
			if forwarded(sig) {
				// The program is the jail's pid 1: it gets the signal
				// only if it handles it, as any namespace init.
				unix.Kill(r.pid, sig)
				continue
			}
			r.mu.Lock()
			r.interruptSig = sig
			r.mu.Unlock()
			r.kill(ReasonInterrupted, fmt.Sprintf("runner interrupted by %s; the jail was killed", signalName(sig)))
		}
	}
	wall := time.Since(start)
	if notifDone != nil {
		unix.Write(stopNotif, []byte{0})
		<-notifDone
		unix.Close(stopNotif)
	}
	if setupErr != nil {
		return nil, setupErr
	}
	return r.result(ws, &ru, waitErr, wall), nil
}

type filterResult struct {
	prog []unix.SockFilter
	err  error
}

// filter compiles the jail's seccomp filter: the policy (or
// RunOptions.Filter) with its kill actions mapped and the execve gate in
// front.
func (r *runner) filter(calls []gateCall, notify bool) ([]unix.SockFilter, error) {
	policy := r.opts.Filter
	if policy == nil {
		var err error
		if policy, err = compilePolicy(r.cfg.Seccomp); err != nil {
			return nil, err
		}
	}
	prog, err := buildFilter(policy, r.cfg.Seccomp, calls, notify)
	if err != nil {
		return nil, err
	}
	out := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		out[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	return out, nil
}

// initAttr is how an init for cfg is started: its socket at fd sockNum,
// its fd table files.
func initAttr(cfg *Config, exe string, sockNum int, files []uintptr) *spawnAttr {
	if exe == "" {
		exe = "/proc/self/exe"
	}
	return &spawnAttr{
		path:       exe,
		argv:       []string{jail.Arg0},
		env:        []string{jail.EnvVar + "=" + strconv.Itoa(sockNum), "GODEBUG=asyncpreemptoff=1", "GOGC=off", "GOMAXPROCS=1"},
		files:      files,
		cloneflags: cloneFlags(cfg),
		setsid:     !cfg.SkipSetsid,
		// The init's uid has no mapping (or not to 0) in the new user
		// namespace, so execve would take the capabilities the clone gave
		// it; it keeps them as ambient ones and drops all of them before
		// it executes the program.
		ambientCaps: cfg.Namespaces.User,
	}
}

// spawnInit starts the run's init with its fd table in place.
func (r *runner) spawnInit(stdio *initIO, sockNum int) error {
	pid, sock, err := startInit(r.cfg, r.opts.Executable, stdio.fds(), r.cfg.PassFDs, sockNum, r.opts.forkExec)
	if err != nil {
		return err
	}
	r.pid, r.sock = pid, sock
	return nil
}

// startInit starts an init for cfg: std as its fds 0 to 2, passFDs at
// their numbers, its end of a new socket at sockNum; it returns the
// init's pid and the runner's end of the socket. slow forces
// syscall.ForkExec.
func startInit(cfg *Config, exe string, std [3]int, passFDs []int, sockNum int, slow bool) (pid, sock int, err error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, -1, fmt.Errorf("sandbox: socketpair: %w", err)
	}
	defer unix.Close(pair[1])
	want := initFDs(std, passFDs, sockNum, pair[1])
	files, closeFiles, err := childFiles(want)
	if err != nil {
		unix.Close(pair[0])
		return 0, -1, err
	}
	defer closeFiles()
	attr := initAttr(cfg, exe, sockNum, files)
	// The parent-death signal fires when the thread that started the
	// child exits: start it from a thread that stays.
	runtime.LockOSThread()
	pid, err = spawn(attr, slow)
	runtime.UnlockOSThread()
	if err != nil {
		unix.Close(pair[0])
		return 0, -1, &SetupError{Op: "start the jail init", Path: attr.path, Err: err}
	}
	return pid, pair[0], nil
}

// claim makes r.warm, an init started ahead, the run's init: it sends it
// its stdio and passed fds. If the init is gone, claim reaps it, clears
// r.warm and says why.
func (r *runner) claim(stdio *initIO, sockNum int) error {
	w := r.warm
	std := stdio.fds()
	fds := append(std[:], r.cfg.PassFDs...)
	targets := append([]int{0, 1, 2}, r.cfg.PassFDs...)
	payload := jail.EncodeFDs(sockNum, targets)
	frame := make([]byte, jail.FrameHeader, jail.FrameHeader+len(payload))
	frame[0] = jail.FrameFDs
	binary.LittleEndian.PutUint32(frame[1:], uint32(len(payload)))
	frame = append(frame, payload...)
	if err := unix.Sendmsg(w.sock, frame, unix.UnixRights(fds...), nil, unix.MSG_NOSIGNAL); err != nil {
		w.discard()
		r.warm = nil
		return fmt.Errorf("sandbox: an init started ahead is gone (%v); starting another", err)
	}
	r.pid, r.sock = w.pid, w.sock
	return nil
}

// prepare does what must happen while the jail's program runs: id maps,
// oom_score_adj and cgroups, then the filter, each followed by the byte
// the program waits for.
func (r *runner) prepare(ic *jail.Spec, newIDMap, root bool, filterCh <-chan filterResult, wantFilter bool) error {
	if err := r.prepareIDs(newIDMap, root); err != nil {
		return err
	}
	if r.cg != nil && !ic.CgroupFollows && !r.cgJoined {
		if err := r.cg.add(r.pid); err != nil {
			return err
		}
	}
	next := func(what string) error {
		if _, err := fdWriter(r.sock).Write([]byte{r.prog.prog.SyncByte}); err != nil {
			return &SetupError{Op: "tell the jail " + what, Err: err}
		}
		return nil
	}
	if !ic.MapsWritten {
		if err := next("its id maps are written"); err != nil {
			return err
		}
	}
	if ic.CgroupFollows {
		if r.cgLater {
			// The jail builds its root meanwhile.
			if err := r.makeCgroups(); err != nil {
				return err
			}
		}
		if r.cg != nil {
			if err := r.cg.add(r.pid); err != nil {
				return err
			}
		}
	}
	if wantFilter {
		fr := <-filterCh
		if fr.err != nil {
			return fr.err
		}
		r.prog.setFilter(fr.prog)
	}
	if err := next("its cgroups are joined and its filter is ready"); err != nil {
		return err
	}
	if wantFilter && r.prog.region == nil {
		// A re-executed init reads it when it gets to the filter.
		if err := jail.WriteFrame(fdWriter(r.sock), jail.FrameFilter, jail.EncodeFilter(r.prog.filter)); err != nil {
			return &SetupError{Op: "send the jail init its filter", Err: err}
		}
	}
	return nil
}

// prepareIDs writes the id maps of the jail's user namespace and its
// oom_score_adj.
func (r *runner) prepareIDs(newIDMap, root bool) error {
	cfg := r.cfg
	if cfg.Namespaces.User && !newIDMap && (r.warm == nil || r.warm.ahead == nil || !r.warm.ahead.maps) {
		if err := writeIDMaps(r.pid, cfg.UIDMap, cfg.GIDMap, root); err != nil {
			return err
		}
	}
	if newIDMap {
		if err := writeNewIDMap("newuidmap", r.pid, cfg.UIDMap); err != nil {
			return err
		}
		if err := writeNewIDMap("newgidmap", r.pid, cfg.GIDMap); err != nil {
			return err
		}
	}
	if cfg.OOMScoreAdj != nil {
		p := "/proc/" + strconv.Itoa(r.pid) + "/oom_score_adj"
		if err := writeKernelFile(p, []byte(strconv.Itoa(*cfg.OOMScoreAdj))); err != nil {
			return &SetupError{Op: "set oom_score_adj " + strconv.Itoa(*cfg.OOMScoreAdj), Path: p, Err: err}
		}
	}
	return nil
}

// mountsCgroupFS reports whether a mount of ms is a cgroup file system.
func mountsCgroupFS(ms []Mount) bool {
	for _, m := range ms {
		if strings.HasPrefix(m.FSType, "cgroup") {
			return true
		}
	}
	return false
}

// initError reads what the init sent until the socket closes and
// returns the first setup error it reported, if any.
func (r *runner) initError() error {
	events := make(chan initEvent, 16)
	go r.readInit(events)
	var first error
	for ev := range events {
		switch {
		case ev.eof:
			return first
		case ev.err != nil && first == nil:
			first = ev.err
		case ev.listener >= 0:
			unix.Close(ev.listener)
		}
	}
	return first
}

type fdWriter int

func (w fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(int(w), p[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// readInit reads the init's messages until EOF.
func (r *runner) readInit(events chan<- initEvent) {
	defer func() {
		if r.warm != nil && r.warm.pre != nil {
			// A child that failed before its program.
			if failed, _ := r.warm.pre.done(); failed != nil {
				events <- initEvent{err: failed, listener: -1}
			}
		}
		if r.prog != nil {
			// The child's end closed: it executed the program or exited.
			failed, skipped := r.prog.done()
			for _, s := range skipped {
				events <- initEvent{log: s, listener: -1}
			}
			if failed != nil {
				events <- initEvent{err: failed, listener: -1}
			}
		}
		events <- initEvent{eof: true, listener: -1}
	}()
	var buf []byte
	chunk := make([]byte, 4<<10) // frames are small; a longer one is put together
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(r.sock, chunk, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return
		}
		fds := parseRights(oob[:oobn])
		buf = append(buf, chunk[:n]...)
		for len(buf) >= jail.FrameHeader {
			size := int(binary.LittleEndian.Uint32(buf[1:]))
			if len(buf) < jail.FrameHeader+size {
				break
			}
			typ, p := buf[0], buf[jail.FrameHeader:jail.FrameHeader+size]
			switch typ {
			case jail.FrameError:
				events <- initEvent{err: fromWire(p), listener: -1}
			case jail.FrameListener:
				if len(fds) == 0 {
					events <- initEvent{err: &SetupError{Op: "receive the seccomp listener", Err: errors.New("no fd in the message")}, listener: -1}
					break
				}
				events <- initEvent{listener: fds[0]}
				fds = fds[1:]
			case jail.FrameProgFail, jail.FrameSkipped:
				i, errno, err := jail.DecodeReport(p)
				switch {
				case err != nil:
					events <- initEvent{err: &SetupError{Op: "read the jail's report", Err: err}, listener: -1}
				case typ == jail.FrameSkipped && r.prog.prog.Optional(i):
					events <- initEvent{log: r.prog.prog.SkipText(i, errno), listener: -1}
				case typ == jail.FrameSkipped:
					r.prog.passed(i, errno)
				default:
					e := r.prog.prog.Failure(i, errno, r.prog.passedOver)
					events <- initEvent{err: &SetupError{Op: e.Op, Path: e.Path, Err: e.Err}, listener: -1}
				}
			}
			buf = buf[jail.FrameHeader+size:]
		}
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
}

func parseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if f, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, f...)
		}
	}
	return fds
}

// watchNotif waits for the first forbidden syscall and kills the jail;
// with Seccomp.Log it records each one and lets it go on instead.
func (r *runner) watchNotif(listener, stop int, done chan<- struct{}) {
	defer close(done)
	defer unix.Close(listener)
	defer unix.Close(stop)
	seen := map[[2]int]int{} // with Seccomp.Log: {audit arch, nr} -> index in r.logged
	for {
		n, ok, err := recvNotif(listener, stop)
		if err != nil {
			r.warn("seccomp listener: %v", err)
			return
		}
		if !ok {
			return
		}
		if r.cfg.Seccomp.Log {
			// Recorded, and the call goes on.
			key := [2]int{int(n.Data.Arch), int(n.Data.Nr)}
			r.mu.Lock()
			if i, ok := seen[key]; ok {
				r.logged[i].Count++
			} else {
				seen[key] = len(r.logged)
				r.logged = append(r.logged, LoggedCall{SeccompViolation: *violationOf(n), Count: 1})
			}
			r.mu.Unlock()
			if err := continueNotif(listener, n.ID); err != nil && err != unix.ENOENT {
				r.warn("seccomp listener: %v", err)
				return
			}
			continue
		}
		v := violationOf(n)
		r.mu.Lock()
		if r.viol == nil {
			r.viol = v
		}
		r.mu.Unlock()
		r.kill(ReasonSeccomp, "seccomp violation: "+v.String())
		// The listener stays open until the run is over: closing it fails
		// the blocked call with ENOSYS, and the caller, if the kill of its
		// pid namespace has not reached it yet, would go on after the call
		// the policy forbids.
		pfd := []unix.PollFd{{Fd: int32(stop), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(pfd, -1); err != unix.EINTR {
				return
			}
		}
	}
}

// kill SIGKILLs the jail once; the first caller's reason is the run's.
func (r *runner) kill(reason ReasonKind, text string) {
	r.killed.Do(func() {
		r.mu.Lock()
		r.reason, r.reasonN = reason, text
		r.mu.Unlock()
		unix.Kill(r.pid, unix.SIGKILL)
		r.killRest()
	})
}

// killRest kills processes of the jail that may outlive its init when it
// has no pid namespace: those of its session and any in its cgroup. (The
// kernel kills a pid namespace's processes when its init dies, and the
// init's wait returns once they are gone.)
func (r *runner) killRest() {
	if r.cfg.Namespaces.PID {
		return
	}
	if !r.cfg.SkipSetsid {
		unix.Kill(-r.pid, unix.SIGKILL)
	}
	r.cg.kill()
}

var allCaps = sync.OnceValue(func() []uintptr {
	last := unix.CAP_LAST_CAP
	if b, err := readKernelFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(string(bytesTrim(b))); err == nil {
			last = n
		}
	}
	caps := make([]uintptr, last+1)
	for i := range caps {
		caps[i] = uintptr(i)
	}
	return caps
})

// forwarded reports whether the runner passes sig on to the program
// (with RunOptions.HandleSignals) instead of ending the run.
func forwarded(sig syscall.Signal) bool {
	switch sig {
	case unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH, unix.SIGQUIT:
		return true
	}
	return false
}

func cloneFlags(cfg *Config) uintptr {
	var f uintptr
	ns := cfg.Namespaces
	for _, x := range []struct {
		on   bool
		flag uintptr
	}{{ns.User, unix.CLONE_NEWUSER}, {ns.PID, unix.CLONE_NEWPID}, {ns.Mount, unix.CLONE_NEWNS}, {ns.Net, unix.CLONE_NEWNET}, {ns.UTS, unix.CLONE_NEWUTS}, {ns.IPC, unix.CLONE_NEWIPC}} {
		if x.on {
			f |= x.flag
		}
	}
	return f
}

// writeIDMaps writes the uid and gid maps of the init's new user
// namespace. Without root, setgroups is denied first, as the kernel
// requires of an unprivileged gid map.
func writeIDMaps(pid int, uids, gids []IDMap, root bool) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	write := func(name, text string) error {
		if err := writeKernelFile(dir+name, []byte(text)); err != nil {
			return &SetupError{Op: "write " + name + " of the jail's user namespace", Path: dir + name, Err: err}
		}
		return nil
	}
	if len(uids) > 0 {
		if err := write("uid_map", idMapText(uids)); err != nil {
			return err
		}
	}
	if len(gids) > 0 {
		if !root {
			if err := write("setgroups", "deny"); err != nil {
				return err
			}
		}
		if err := write("gid_map", idMapText(gids)); err != nil {
			return err
		}
	}
	return nil
}

func idMapText(m []IDMap) string {
	var b []byte
	for _, x := range m {
		b = strconv.AppendUint(b, uint64(x.Inside), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(x.Outside), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(x.Count), 10)
		b = append(b, '\n')
	}
	return string(b)
}

// needNewIDMap reports whether the maps must be written by the setuid
// helpers: when asked, or when an unprivileged runner maps anything but
// its own uid and gid.
func needNewIDMap(cfg *Config, root bool) bool {
	for _, m := range append(append([]IDMap(nil), cfg.UIDMap...), cfg.GIDMap...) {
		if m.UseNewIDMap {
			return true
		}
	}
	if root {
		return false
	}
	own := func(ms []IDMap, id int) bool {
		return len(ms) == 0 || len(ms) == 1 && ms[0].Count == 1 && int(ms[0].Outside) == id
	}
	return !own(cfg.UIDMap, os.Geteuid()) || !own(cfg.GIDMap, os.Getegid())
}

func writeNewIDMap(tool string, pid int, maps []IDMap) error {
	if len(maps) == 0 {
		return nil
	}
	path, err := exec.LookPath(tool)
	if err != nil {
		return &SetupError{Op: "write the id map", Path: tool, Err: fmt.Errorf("%w (install the uidmap package)", err)}
	}
	args := []string{strconv.Itoa(pid)}
	for _, m := range maps {
		args = append(args, strconv.FormatUint(uint64(m.Inside), 10), strconv.FormatUint(uint64(m.Outside), 10), strconv.FormatUint(uint64(m.Count), 10))
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		return &SetupError{Op: "write the id map with", Path: tool, Err: fmt.Errorf("%w: %s", err, bytesTrim(out))}
	}
	return nil
}

func bytesTrim(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return string(b)
}

// result describes how the run ended.
func (r *runner) result(ws unix.WaitStatus, ru *unix.Rusage, waitErr error, wall time.Duration) *Result {
	res := &Result{WallTime: wall}
	if waitErr != nil {
		res.ReasonKind, res.Reason, res.ExitCode = ReasonSignaled, fmt.Sprintf("jail init lost: %v", waitErr), 128+int(unix.SIGKILL)
		return res
	}
	res.CPUTime = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	switch {
	case ws.Exited():
		res.ExitCode = ws.ExitStatus()
		res.ReasonKind, res.Reason = ReasonExited, fmt.Sprintf("exited with status %d", res.ExitCode)
	case ws.Signaled():
		res.Signal = int(ws.Signal())
		res.ExitCode = 128 + res.Signal
		res.ReasonKind, res.Reason = ReasonSignaled, fmt.Sprintf("killed by signal %d (%v)", res.Signal, signalName(ws.Signal()))
	}
	st := r.cg.stats()
	res.PeakMemory, res.OOMKills, res.PidsRefused = st.PeakMemory, st.OOMKills, st.PidsMaxHit

	r.mu.Lock()
	reason, text, viol, isig := r.reason, r.reasonN, r.viol, r.interruptSig
	res.SeccompLogged = r.logged
	r.mu.Unlock()
	cpuLimit := r.rlimit(unix.RLIMIT_CPU)
	switch {
	case reason == ReasonInterrupted:
		res.ReasonKind, res.Reason = reason, text
		if isig != 0 {
			// Exit as a shell reports a command the signal ended.
			res.ExitCode = 128 + int(isig)
		}
	case viol != nil:
		res.ReasonKind, res.Reason, res.SeccompViolation = ReasonSeccomp, "seccomp violation: "+viol.String(), viol
		// The runner SIGKILLed the jail for the kernel; report the death
		// the kernel's own kill gives (SIGSYS), as nsjail users expect.
		res.Signal, res.ExitCode = int(unix.SIGSYS), 128+int(unix.SIGSYS)
	case reason != "":
		res.ReasonKind, res.Reason = reason, text
	case res.Signal == int(unix.SIGSYS) && len(r.opts.Filter)+len(r.cfg.Seccomp.PolicyFile)+len(r.cfg.Seccomp.Policy) > 0 || res.Signal == int(unix.SIGSYS) && r.cfg.Seccomp.Default:
		res.ReasonKind, res.Reason = ReasonSeccomp, "killed by SIGSYS (seccomp): the kernel did not say which syscall"
	case st.OOMKills > 0 && res.ExitCode != 0:
		res.ReasonKind, res.Reason = ReasonMemoryLimit, fmt.Sprintf("memory limit of %s reached (%s)", bytesText(r.memLimit()), counted(st.OOMKills, "OOM kill", "OOM kills"))
	case res.Signal == int(unix.SIGXCPU) || cpuLimit != nil && res.Signal == int(unix.SIGKILL) && res.CPUTime >= time.Duration(cpuLimit.Soft)*time.Second*9/10:
		// SIGKILL that no one here sent, after the soft limit's worth of
		// CPU: the kernel's hard RLIMIT_CPU (pid 1 ignores SIGXCPU).
		res.ReasonKind, res.Reason = ReasonCPULimit, fmt.Sprintf("cpu time limit reached (%v of CPU)", res.CPUTime.Round(time.Millisecond))
	case st.PidsMaxHit > 0 && res.ExitCode != 0:
		res.ReasonKind, res.Reason = ReasonPidsLimit, fmt.Sprintf("pids limit of %d reached (%s refused)", r.cfg.Cgroups.PidsMax, counted(st.PidsMaxHit, "fork", "forks"))
	}
	if st.OOMKills > 0 && res.ReasonKind != ReasonMemoryLimit {
		res.Reason += fmt.Sprintf("; the memory limit of %s OOM-killed %s", bytesText(r.memLimit()), counted(st.OOMKills, "process", "processes"))
	}
	if st.PidsMaxHit > 0 && res.ReasonKind != ReasonPidsLimit {
		res.Reason += fmt.Sprintf("; the pids limit of %d refused %s", r.cfg.Cgroups.PidsMax, counted(st.PidsMaxHit, "fork", "forks"))
	}
	return res
}

// counted says n things: "1 fork", "3 forks".
func counted(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (r *runner) rlimit(res int) *Rlimit {
	for i := range r.cfg.Rlimits {
		if r.cfg.Rlimits[i].Resource == res && r.cfg.Rlimits[i].Hard != RlimitInfinity {
			return &r.cfg.Rlimits[i]
		}
	}
	return nil
}

func (r *runner) memLimit() uint64 { return r.cfg.Cgroups.MemMax }

func bytesText(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return s.String()
}
