package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/gokafel/gokafel/sandbox/internal/jail"

	"golang.org/x/sys/unix"
)

// Launcher runs jails as Run does but starts each jail's first process
// ahead of its run: a run that finds one waiting does not wait for the
// clone and the namespaces (on amd64, a parked child, which also has its
// id maps written and its cgroups made and joined), or for a clone, an
// execve and a Go runtime's start-up (a re-executed init, elsewhere). It
// is for a process that runs many jails of one shape (a service,
// `kafel run --mode listen`); a single run gains nothing.
//
// A run whose configuration asks for other namespaces, another session,
// other id maps or cgroup limits, or more passed fds than an init takes
// later, starts its own as Run does. Close kills the ones no run took
// and removes their cgroups.
type Launcher struct {
	shape  *Config
	exe    string
	warm   chan *warmInit
	want   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
}

// warmInit is an init started ahead of its run, or a parked child that
// waits for its program (pre, its prelude, not nil; child, its end of
// the socket in the shared fd table).
type warmInit struct {
	pid, sock int
	child     int
	pre       *progRun
	ahead     *aheadState // what a Launcher set up for the run to come
}

// aheadState is what a Launcher does for a parked child besides the
// clone: the uid/gid maps of its user namespace, its cgroups made and
// joined. A run of the Launcher's shape with the same maps and limits
// takes them as they are.
type aheadState struct {
	maps     bool
	cgMade   bool // cg holds the run's cgroups (nil: no limits asked for)
	cg       *jailCgroups
	warnings []string // what making the cgroups warned of, for the run's log
}

// discard kills an init no run took and reaps it.
func (w *warmInit) discard() {
	unix.Kill(w.pid, unix.SIGKILL)
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(w.pid, &ws, 0, nil); err != unix.EINTR {
			break
		}
	}
	unix.Close(w.sock)
	if w.pre != nil {
		if w.child >= 0 {
			unix.Close(w.child)
		}
		w.pre.done()
	}
	if w.ahead != nil {
		w.ahead.cg.destroy()
	}
}

// NewLauncher returns a Launcher for jails with the namespaces and
// session of shape, which keeps n inits (at least one) started ahead;
// executable is RunOptions.Executable.
func NewLauncher(shape *Config, n int, executable string) (*Launcher, error) {
	if shape == nil {
		return nil, errors.New("sandbox: NewLauncher: nil Config")
	}
	if err := shape.Validate(); err != nil {
		return nil, err
	}
	n = max(n, 1)
	l := &Launcher{
		shape: shape,
		exe:   executable,
		warm:  make(chan *warmInit, n),
		want:  make(chan struct{}, n),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	for range n {
		l.want <- struct{}{}
	}
	go l.spawner()
	return l, nil
}

// spawner starts inits as runs take them, all from one thread: an init's
// parent-death signal fires when the thread that started it exits, so
// the thread must outlive every run, and it does: the goroutine unlocks
// it before it returns, which leaves the thread to the runtime instead of
// ending it.
func (l *Launcher) spawner() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(l.done)
	for {
		select {
		case <-l.stop:
			return
		case <-l.want:
		}
		w, err := l.spawnWarm()
		if err != nil {
			// The run that finds none starts its own init, whose
			// failure, if this one was not a fluke, it reports.
			continue
		}
		select {
		case l.warm <- w:
		case <-l.stop:
			w.discard()
			return
		}
	}
}

// spawnWarm parks a child where the runner has the assembly executor,
// and otherwise starts an init with /dev/null as stdio and its socket at
// fd 3.
func (l *Launcher) spawnWarm() (*warmInit, error) {
	if progSpawn != nil && l.exe == "" {
		w, err := parkChild(l.shape)
		if err != nil {
			return nil, err
		}
		if err := w.setUpAhead(l.shape, true); err != nil {
			w.discard()
			return nil, err
		}
		return w, nil
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer null.Close()
	nfd := int(null.Fd())
	pid, sock, err := startInit(l.shape, l.exe, [3]int{nfd, nfd, nfd}, nil, 3, false)
	if err != nil {
		return nil, err
	}
	return &warmInit{pid: pid, sock: sock}, nil
}

// setUpAhead writes the child's id maps for a run of shape and, with
// cgroups, makes and joins its cgroups.
func (w *warmInit) setUpAhead(shape *Config, cgroups bool) error {
	a := &aheadState{}
	w.ahead = a
	root := os.Geteuid() == 0
	if shape.Namespaces.User && !needNewIDMap(shape, root) {
		if err := writeIDMaps(w.pid, shape.UIDMap, shape.GIDMap, root); err != nil {
			return err
		}
		a.maps = true
	}
	if !cgroups {
		return nil
	}
	a.cgMade = true
	cg, err := newJailCgroups(&shape.Cgroups, func(format string, args ...any) {
		a.warnings = append(a.warnings, fmt.Sprintf(format, args...))
	})
	if err != nil {
		return err
	}
	if cg == nil {
		return nil // no limits asked for
	}
	a.cg = cg
	return cg.add(w.pid)
}

// fits reports whether a run of cfg with opts can take an init started
// for l's shape.
func (l *Launcher) fits(cfg *Config, opts RunOptions) bool {
	return cloneFlags(cfg) == cloneFlags(l.shape) &&
		cfg.SkipSetsid == l.shape.SkipSetsid &&
		cfg.Namespaces.User == l.shape.Namespaces.User &&
		opts.Executable == l.exe && !opts.forkExec &&
		(progSpawn != nil && l.exe == "" || 3+len(cfg.PassFDs) <= jail.FrameFDsMax) &&
		// The maps and cgroups a parked child got ahead.
		slices.Equal(cfg.UIDMap, l.shape.UIDMap) && slices.Equal(cfg.GIDMap, l.shape.GIDMap) &&
		cfg.Cgroups == l.shape.Cgroups
}

// Run runs cfg's program in a jail as sandbox.Run does, with an init
// started ahead when one is waiting and cfg has the Launcher's shape.
func (l *Launcher) Run(ctx context.Context, cfg *Config, opts RunOptions) (*Result, error) {
	r, err := newRunner(cfg, opts)
	if err != nil {
		return nil, err
	}
	if l.fits(cfg, opts) {
		select {
		case r.warm = <-l.warm:
			select {
			case l.want <- struct{}{}:
			default:
			}
		default:
		}
	}
	res, err := r.run(ctx)
	return res, explainRunError(err, cfg)
}

// Close kills the inits no run took and stops starting new ones. Runs in
// progress go on.
func (l *Launcher) Close() error {
	l.closed.Do(func() {
		close(l.stop)
		<-l.done
		for {
			select {
			case w := <-l.warm:
				w.discard()
				continue
			default:
			}
			break
		}
	})
	return nil
}
