package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/sandbox/internal/jail"
)

// Starting a jail with a program (package jail's Prog) instead of a
// re-executed init: the runner turns the Spec into the list of system
// calls the init would make, maps it at a random address, and clones a
// child into the new namespaces that runs the list with a few
// instructions of assembly and ends with execve of the program. No Go
// runtime starts for a jail and nothing of the runner's binary is read:
// the clone shares the runner's memory (CLONE_VM) until its execve.
//
// The child is cloned early with a prelude that waits (parkChild; a
// Launcher parks children ahead of their runs), and the runner writes its
// id maps right away (setUpAhead; a Launcher makes and joins its cgroups
// there too). Woken, it switches to its program, which reads a byte from
// its socket once the cgroups are joined and the filter is in place, and
// before that another once the id maps are written, unless they were
// ahead (Spec.MapsWritten). A run's own child builds its root while the
// runner makes its cgroups. It reports a failure in the region
// (jail.Failure); the runner reads it when the child's end of the socket
// closes, which happens at its execve or its exit.

// progSpawn clones the child of a program mapped at p.Base with the clone
// flags and returns its pid; nil where the runner has no executor (the
// re-executed init does the job there).
var progSpawn func(p *jail.Prog, flags uintptr) (int, error)

// progRun is a program being run. The assembly executor's mapping (region)
// stays until the child has executed or exited, as does the filter it
// points to; a re-executed init maps its own copy (region nil).
type progRun struct {
	prog   *jail.Prog
	region []byte
	filter []unix.SockFilter
	unmap  sync.Once
	// The ops a re-executed init reported as failed and passed over.
	excused map[int]syscall.Errno
}

func (p *progRun) passed(i int, errno syscall.Errno) {
	if p.excused == nil {
		p.excused = map[int]syscall.Errno{}
	}
	p.excused[i] = errno
}

func (p *progRun) passedOver(i int) (syscall.Errno, bool) {
	e, ok := p.excused[i]
	return e, ok
}

// done reads what the child left in the region, and unmaps it. It is
// called once the child's end of the socket has closed.
func (p *progRun) done() (failed *SetupError, skipped []string) {
	p.unmap.Do(func() {
		if p.region == nil {
			return // a re-executed init's: it reports in frames
		}
		if e := p.prog.Failed(p.region); e != nil {
			failed = &SetupError{Op: e.Op, Path: e.Path, Err: e.Err}
		}
		skipped = p.prog.Skipped(p.region)
		// Not unix.Munmap: it unmaps only what unix.Mmap mapped.
		if err := unix.MunmapPtr(unsafe.Pointer(&p.region[0]), uintptr(len(p.region))); err != nil {
			panic("sandbox: unmapping a jail program: " + err.Error())
		}
		runtime.KeepAlive(p.filter)
		p.filter = nil
	})
	return failed, skipped
}

// setFilter points the program's seccomp step at prog (a re-executed
// init gets it in a frame).
func (p *progRun) setFilter(prog []unix.SockFilter) {
	p.filter = prog
	if p.region == nil {
		return
	}
	b := p.region[p.prog.FprogOff:]
	binary.NativeEndian.PutUint64(b, uint64(len(prog)))
	if len(prog) > 0 {
		binary.NativeEndian.PutUint64(b[8:], uint64(uintptr(unsafe.Pointer(&prog[0]))))
	}
}

// mapProg builds the program for in and maps it at a random address.
func mapProg(in *jail.ProgInput) (*progRun, error) {
	return mapNew(func(base uint64) (*jail.Prog, error) { return jail.Build(in, base) })
}

// mapNew builds a program with build at a random address (the kernel's
// random numbers: the gate's pointers must not be guessable) and maps it
// there, drawing again when the address is taken.
func mapNew(build func(base uint64) (*jail.Prog, error)) (*progRun, error) {
	for try := 0; ; try++ {
		var b [8]byte
		if err := randomBytes(b[:]); err != nil {
			return nil, &SetupError{Op: "draw the program's address", Err: err}
		}
		prog, err := build(progAddr(b))
		if err != nil {
			return nil, setupError(err)
		}
		pr, err := mapRegion(prog)
		if err == unix.EEXIST && try < 4 {
			continue
		}
		if err != nil {
			return nil, &SetupError{Op: "map the jail program", Err: err}
		}
		return pr, nil
	}
}

// mapRegion maps prog's region at its address.
func mapRegion(prog *jail.Prog) (*progRun, error) {
	page := uint64(unix.Getpagesize())
	size := (uint64(len(prog.Region)) + page - 1) &^ (page - 1)
	addr := uintptr(prog.Base)
	hint := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	// Populated at once: every page is written right below (and run by
	// the child), and one mmap that fills them costs less than a page
	// fault each.
	ptr, err := unix.MmapPtr(-1, 0, hint, uintptr(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE|unix.MAP_POPULATE)
	if err != nil {
		return nil, err
	}
	if uintptr(ptr) != addr {
		unix.MunmapPtr(ptr, uintptr(size))
		return nil, ErrNotSupported
	}
	region := unsafe.Slice((*byte)(ptr), size)
	copy(region, prog.Region)
	return &progRun{prog: prog, region: region}, nil
}

// sendProg builds the program for the run's re-executed init and sends
// it; the init maps it at the address drawn here.
func (r *runner) sendProg(ic *jail.Spec, sockNum int) error {
	in, err := r.progInput(ic, nil, sockNum)
	if err != nil {
		return err
	}
	var b [8]byte
	if err := randomBytes(b[:]); err != nil {
		return &SetupError{Op: "draw the program's address", Err: err}
	}
	prog, err := jail.Build(in, progAddr(b))
	if err != nil {
		return setupError(err)
	}
	r.prog = &progRun{prog: prog}
	if err := jail.WriteFrame(fdWriter(r.sock), jail.FrameProg, jail.EncodeProg(prog)); err != nil {
		return &SetupError{Op: "send the jail init its program", Err: err}
	}
	return nil
}

// progAddr turns random bytes into a page-aligned address for a region:
// 2^34 page positions on a 64-bit arch, 2^18 in a 32-bit address space.
func progAddr(b [8]byte) uint64 {
	page := uint64(unix.Getpagesize())
	lo, hi := uint64(gateMinAddr), uint64(gateMaxAddr)
	if unsafe.Sizeof(uintptr(0)) == 4 {
		lo, hi = 0x1000_0000, 0x5000_0000
	}
	return (lo + binary.LittleEndian.Uint64(b[:])%(hi-lo-1<<20)) &^ (page - 1)
}

// setupError makes a *jail.Error a *SetupError.
func setupError(err error) error {
	if je, ok := err.(*jail.Error); ok {
		return &SetupError{Op: je.Op, Path: je.Path, Err: je.Err}
	}
	return err
}

// progInput gathers what the program needs of the host: caps, affinity,
// the sources of the mounts, the staging directory.
func (r *runner) progInput(ic *jail.Spec, files []int, sockNum int) (*jail.ProgInput, error) {
	cfg := r.cfg
	// files is nil for a re-executed init: its fd table is set up.
	in := &jail.ProgInput{
		Spec: ic, Sock: sockNum, Files: files,
		LastCap: len(allCaps()) - 1,
		// Above any fd the setup holds at once: the root, a tree per
		// bind mount, a mount point and its parent.
		FixedFD: max(len(files), sockNum+1) + len(ic.Mounts) + 8,
	}
	if cfg.Namespaces.User {
		for _, c := range allCaps() {
			in.PermittedCaps |= 1 << c
		}
		in.SetPCap = true
	} else {
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			return nil, &SetupError{Op: "capget", Err: err}
		}
		in.PermittedCaps = uint64(data[0].Permitted) | uint64(data[1].Permitted)<<32
		in.SetPCap = data[0].Effective&(1<<unix.CAP_SETPCAP) != 0
	}
	if cfg.MaxCPUs > 0 {
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &set); err != nil {
			return nil, &SetupError{Op: "sched_getaffinity", Err: err}
		}
		var cpus []int
		for i := 0; i < len(set)*64; i++ {
			if set.IsSet(i) {
				cpus = append(cpus, i)
			}
		}
		if cfg.MaxCPUs < len(cpus) {
			rand.Shuffle(len(cpus), func(i, j int) { cpus[i], cpus[j] = cpus[j], cpus[i] })
			set.Zero()
			for _, c := range cpus[:cfg.MaxCPUs] {
				set.Set(c)
			}
			in.Affinity = &set
		}
	}
	if ic.Mount {
		staging, err := jail.StagingDir()
		if err != nil {
			return nil, setupError(err)
		}
		in.Staging = staging
		in.IsDir = make([]bool, len(ic.Mounts))
		in.SkipMount = make([]bool, len(ic.Mounts))
		for i, m := range ic.Mounts {
			in.IsDir[i] = true
			if !m.BindsSource() {
				continue
			}
			var st unix.Stat_t
			if err := unix.Stat(m.Src, &st); err != nil {
				if !m.Mandatory {
					r.log.Info("skipping the optional mount of " + m.Src + " on " + m.Dst + ": " + err.Error())
					in.SkipMount[i] = true
					continue
				}
				return nil, &SetupError{Op: "bind", Path: m.Src, Err: err}
			}
			in.IsDir[i] = st.Mode&unix.S_IFMT == unix.S_IFDIR
		}
	}
	return in, nil
}

// parkChild clones a child with cfg's namespaces that waits for its
// program (jail.BuildPrelude). It shares the runner's fd table until then
// (CLONE_FILES), so that the run's stdio can be given to it later.
func parkChild(cfg *Config) (*warmInit, error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, &SetupError{Op: "socketpair", Err: err}
	}
	signals := caughtSignals()
	pre, err := mapNew(func(base uint64) (*jail.Prog, error) {
		return jail.BuildPrelude(base, pair[1], runnerPidfd(), uint64(childNS(cfg)), signals, !cfg.SkipSetsid), nil
	})
	if err != nil {
		unix.Close(pair[0])
		unix.Close(pair[1])
		return nil, err
	}
	// The parent-death signal fires when the thread that started the
	// child exits: start it from a thread that stays.
	runtime.LockOSThread()
	pid, err := progSpawn(pre.prog, cloneFlags(cfg)&^childNS(cfg)|unix.CLONE_FILES)
	runtime.UnlockOSThread()
	if err != nil {
		pre.done()
		unix.Close(pair[0])
		unix.Close(pair[1])
		return nil, &SetupError{Op: "start the jail", Err: err}
	}
	return &warmInit{pid: pid, sock: pair[0], child: pair[1], pre: pre}, nil
}

// childNS are the namespaces a parked child makes itself: all but the user
// and pid namespaces (the pid namespace must come with the clone, for the
// child to be its pid 1, and the user namespace with it, to own it).
// clone makes namespaces in the calling thread; the network namespace
// alone costs about a millisecond, which the child spends on another CPU
// while the runner sets the run up.
func childNS(cfg *Config) uintptr {
	return cloneFlags(cfg) & (unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC)
}

// runnerPidfd is a pidfd of this process, for parked children to watch
// (-1 where the kernel has none).
var runnerPidfd = sync.OnceValue(func() int {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return -1
	}
	return fd
})

// claimParked gives r.warm, a parked child, the run's program and fd
// table and lets it go.
func (r *runner) claimParked(ic *jail.Spec, stdio *initIO, sockNum int) error {
	w := r.warm
	want := initFDs(stdio.fds(), r.cfg.PassFDs, sockNum, w.child)
	files, closeFiles, err := childFiles(want)
	if err != nil {
		return err
	}
	defer closeFiles()
	fds := make([]int, len(files))
	for i, f := range files {
		fds[i] = int(int64(f))
	}
	in, err := r.progInput(ic, fds, sockNum)
	if err != nil {
		return err
	}
	in.SavedMask = w.pre.prog.MaskSaved
	pr, err := mapProg(in)
	if err != nil {
		return err
	}
	sw := w.pre.region[w.pre.prog.SwitchAddr-w.pre.prog.Base:]
	binary.NativeEndian.PutUint64(sw, pr.prog.Base+uint64(pr.prog.OpsOff))
	binary.NativeEndian.PutUint64(sw[8:], uint64(pr.prog.NumOps))
	binary.NativeEndian.PutUint64(sw[16:], pr.prog.Base+uint64(pr.prog.FailOff))
	// Wake it; it answers once it has its own copy of the fd table, after
	// which the runner's duplicates and its end of the socket can go.
	_, err = fdWriter(w.sock).Write([]byte{pr.prog.SyncByte})
	if err == nil {
		err = awaitAck(w.sock, w.pid)
	}
	unix.Close(w.child)
	w.child = -1
	if err != nil {
		pr.done()
		unix.Kill(w.pid, unix.SIGKILL)
		var ws unix.WaitStatus
		for {
			if _, werr := unix.Wait4(w.pid, &ws, 0, nil); werr != unix.EINTR {
				break
			}
		}
		if failed, _ := w.pre.done(); failed != nil {
			return failed
		}
		return &SetupError{Op: "start the jail's program", Err: err}
	}
	r.pid, r.sock, r.prog = w.pid, w.sock, pr
	return nil
}

// errChildGone is a parked child that died before it took its program.
var errChildGone = errors.New("the parked child is gone")

// awaitAck reads the byte a woken child answers with. The socket does not
// tell a child's death (the runner holds the child's end until then), its
// pidfd does.
func awaitAck(sock, pid int) error {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return err
	}
	defer unix.Close(pidfd)
	pfd := []unix.PollFd{{Fd: int32(sock), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(pfd, -1); err != nil && err != unix.EINTR {
			return err
		}
		if pfd[0].Revents&unix.POLLIN != 0 {
			var ack [1]byte
			if n, err := unix.Read(sock, ack[:]); n == 1 || err != nil && err != unix.EINTR && err != unix.EAGAIN {
				return err
			}
		}
		if pfd[1].Revents != 0 {
			return errChildGone
		}
	}
}

// initFDs is the fd table of a jail's first process: std as 0 to 2, the
// passed fds at their numbers, sock at sockNum, -1 elsewhere.
func initFDs(std [3]int, passFDs []int, sockNum, sock int) []int {
	want := make([]int, sockNum+1)
	for i := range want {
		want[i] = -1
	}
	copy(want, std[:])
	for _, fd := range passFDs {
		want[fd] = fd
	}
	want[sockNum] = sock
	return want
}

// caughtSignals lists the signals this process has a handler for: a child
// that shares its memory resets them first, so that none runs Go code on
// it. Ignored signals stay ignored, as across execve.
func caughtSignals() []int {
	var sigs []int
	for sig := uintptr(1); sig < 65; sig++ {
		if sig == uintptr(unix.SIGKILL) || sig == uintptr(unix.SIGSTOP) {
			continue
		}
		var old [4]uintptr
		_, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGACTION, sig, 0, uintptr(unsafe.Pointer(&old[0])), 8, 0, 0)
		if e == 0 && old[0] != sigDfl && old[0] != sigIgn {
			sigs = append(sigs, int(sig))
		}
	}
	return sigs
}

// The handlers of struct sigaction that are not functions.
const (
	sigDfl = 0
	sigIgn = 1
)

// randomBytes fills b (at most 256 bytes, which getrandom(2) returns
// whole) from the kernel's cryptographic random number generator, as
// crypto/rand does, without linking crypto/rand (and the start-up of its
// packages) into every kafel command.
func randomBytes(b []byte) error {
	n, err := unix.Getrandom(b, 0)
	for err == unix.EINTR { // only while the kernel's pool is not ready (early boot)
		n, err = unix.Getrandom(b, 0)
	}
	if err == nil && n != len(b) {
		err = fmt.Errorf("getrandom returned %d of %d bytes", n, len(b))
	}
	return err
}
