package jail

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The jail's init: the runner's binary re-executed by sandbox.Run with
// Arg0 as argv[0] and EnvVar set. It is pid 1 of the jail's pid
// namespace, reads its Spec from the parent, applies it, and executes the
// program in place, so the program becomes pid 1 (as with nsjail) and its
// exit status is the init's.
//
// It runs from this package's init function, before main. Go initializes
// the packages of a binary in dependency order, taking the first ready one
// by import path; this package needs only the standard library and
// x/sys/unix, so it comes before the compiler, the protobuf code and the
// command-line packages, whose initialization the init then never pays
// for (about 5 ms of CPU per launch, measured).

func init() {
	if os.Getenv(EnvVar) != "" {
		// Package initialization runs with the main goroutine locked to
		// the main thread (runtime.main), so the init does not call
		// runtime.LockOSThread, which would also start the runtime's
		// template thread: one thread fewer before execve. run checks
		// that it stayed on one thread anyway.
		initMain(false)
	}
}

// initFailed is the init's exit status when it could not set the jail up.
const initFailed = 125

// Error is a step of the setup that failed.
type Error struct {
	Op, Path string
	Err      error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Op + ": " + e.Err.Error()
	}
	return e.Op + " " + e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Main is the jail's init when this process is one (argv[0] is Arg0 and
// EnvVar is set): it sets the jail up, executes the program and never
// returns. Otherwise it returns at once.
func Main() { initMain(true) }

func initMain(lock bool) {
	v, ok := os.LookupEnv(EnvVar)
	if !ok || len(os.Args) == 0 || os.Args[0] != Arg0 {
		return
	}
	// Credentials, capabilities, no_new_privs and the seccomp filter are
	// per thread: they are applied to the thread that executes the
	// program, so the init stays on one thread.
	if lock {
		runtime.LockOSThread()
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		fmt.Fprintf(os.Stderr, "kafel: %s=%q: not a jail init socket\n", EnvVar, v)
		os.Exit(initFailed)
	}
	in := &jailInit{sock: fd}
	err = in.run()
	// run returns only when the setup failed; the program never ran.
	se, ok := err.(*Error)
	if !ok {
		se = &Error{Op: "jail init", Err: err}
	}
	WriteFrame(in, FrameError, toWire(se.Op, se.Path, se.Err))
	os.Exit(initFailed)
}

// jailInit is the state of the init.
type jailInit struct {
	sock   int
	rights []int // fds received and not installed yet
}

// Read reads from the parent's socket with a raw recvmsg, keeping the
// fds that come with the bytes (FrameFDs) in in.rights. The init may wait
// there (for its configuration while the runner writes the id maps, for
// the filter while it compiles): a wait the scheduler saw would make it
// hand the init's only P to a new thread (the runtime starts one for a P
// that stays in a system call longer than a sysmon tick when no other
// thread is idle), a clone for nothing, as the init has no other
// goroutine to run.
func (in *jailInit) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var oob [64]byte // room for FrameFDsMax fds: a 16-byte header and 4 bytes each
	iov := unix.Iovec{Base: &p[0]}
	iov.SetLen(len(p))
	msg := unix.Msghdr{Iov: &iov, Iovlen: 1, Control: &oob[0]}
	msg.SetControllen(len(oob))
	for {
		n, _, e := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(in.sock), uintptr(unsafe.Pointer(&msg)), unix.MSG_CMSG_CLOEXEC)
		switch {
		case e == unix.EINTR:
			continue
		case e != 0:
			return 0, e
		case n == 0:
			return 0, fmt.Errorf("parent closed the socket")
		}
		if msg.Flags&unix.MSG_CTRUNC != 0 {
			return 0, fmt.Errorf("more fds than a frame carries")
		}
		if msg.Controllen > 0 {
			cmsgs, err := unix.ParseSocketControlMessage(oob[:msg.Controllen])
			if err != nil {
				return 0, err
			}
			for i := range cmsgs {
				fds, err := unix.ParseUnixRights(&cmsgs[i])
				if err != nil {
					return 0, err
				}
				in.rights = append(in.rights, fds...)
			}
		}
		return int(n), nil
	}
}

// installFDs applies a FrameFDs: the socket moves to the number the
// runner chose, and the fds that came with the frame become the init's
// fds at the numbers it lists (stdio and the passed fds).
func (in *jailInit) installFDs(p []byte) error {
	sock, targets, err := DecodeFDs(p)
	if err != nil {
		return err
	}
	if len(targets) != len(in.rights) {
		return fmt.Errorf("%d fds listed, %d received", len(targets), len(in.rights))
	}
	// Out of the way first: no received fd nor the socket may sit on a
	// number another one is going to.
	hi := sock
	for _, t := range targets {
		hi = max(hi, t)
	}
	moved := make([]int, len(in.rights))
	for i, fd := range in.rights {
		d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, hi+1)
		if err != nil {
			return err
		}
		unix.Close(fd)
		moved[i] = d
	}
	in.rights = nil
	if sock != in.sock {
		if err := unix.Dup3(in.sock, sock, unix.O_CLOEXEC); err != nil {
			return err
		}
		unix.Close(in.sock)
		in.sock = sock
	}
	for i, t := range targets {
		if err := unix.Dup3(moved[i], t, 0); err != nil {
			return err
		}
		unix.Close(moved[i])
	}
	return nil
}

func (in *jailInit) Write(p []byte) (int, error) {
	if err := writeAll(in.sock, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (in *jailInit) logf(format string, args ...any) {
	WriteFrame(in, FrameLog, []byte(fmt.Sprintf(format, args...)))
}

func setupErr(op, path string, err error) error {
	return &Error{Op: op, Path: path, Err: err}
}

func (in *jailInit) run() error {
	tid := unix.Gettid()
	typ, p, err := ReadFrame(in)
	if err == nil && typ == FrameFDs {
		// An init started ahead of its run gets its stdio now.
		if err := in.installFDs(p); err != nil {
			return setupErr("install the jail's fds", "", err)
		}
		typ, p, err = ReadFrame(in)
	}
	if err != nil {
		return setupErr("read the jail configuration", "", err)
	}
	if typ != FrameConfig {
		return setupErr("read the jail configuration", "", fmt.Errorf("unexpected frame %q", typ))
	}
	ic, err := DecodeSpec(p)
	if err != nil {
		return setupErr("decode the jail configuration", "", err)
	}
	c := ic
	if c.User {
		// Take the jail's ids now: the init's own uid has no mapping in
		// the new user namespace, and the kernel refuses to create files
		// (mount points) for an unmapped fsuid. The capabilities stay: the
		// old uid was not the namespace's root, so the switch clears
		// nothing; applyCreds drops them at the end.
		if err := switchIDs(ic.UID, ic.GID, ic.SetGroups); err != nil {
			return err
		}
	}
	// The cgroup namespace is rooted where the init is when it unshares:
	// with CgroupFollows, in the jail's cgroup once the parent says so.
	unshare := ic.Unshare
	if ic.CgroupFollows {
		unshare &^= unix.CLONE_NEWCGROUP
	}
	if unshare != 0 {
		if err := unix.Unshare(int(unshare)); err != nil {
			return setupErr("unshare "+nsNames(uintptr(unshare)), "", err)
		}
	}
	if c.Mount {
		if err := in.buildRoot(c); err != nil {
			return err
		}
	} else if c.Chroot != "" {
		if err := unix.Chroot(c.Chroot); err != nil {
			return setupErr("chroot", c.Chroot, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return setupErr("chdir", "/", err)
		}
	}
	if c.UTS && c.Hostname != "" {
		if err := unix.Sethostname([]byte(c.Hostname)); err != nil {
			return setupErr("sethostname", c.Hostname, err)
		}
	}
	if c.Net && !c.IfaceNoLo {
		if err := loopbackUp(); err != nil {
			return setupErr("bring up the loopback interface", "lo", err)
		}
	}
	if ic.CgroupFollows {
		if err := in.awaitCgroup(); err != nil {
			return err
		}
		if ic.Unshare&unix.CLONE_NEWCGROUP != 0 {
			if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
				return setupErr("unshare CLONE_NEWCGROUP", "", err)
			}
		}
	}
	if err := applyProcess(c); err != nil {
		return err
	}
	if err := applyCreds(c, ic.UID, ic.GID, ic.SetGroups); err != nil {
		return err
	}
	// Changing credentials clears the parent-death signal: set it again,
	// then make sure the parent did not die in between.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return setupErr("prctl PR_SET_PDEATHSIG", "", err)
	}
	pfd := []unix.PollFd{{Fd: int32(in.sock), Events: unix.POLLRDHUP}}
	if n, _ := unix.Poll(pfd, 0); n > 0 && pfd[0].Revents&(unix.POLLRDHUP|unix.POLLHUP) != 0 {
		os.Exit(initFailed) // the parent is gone: nobody to report to
	}
	if c.Cwd != "" {
		if err := unix.Chdir(c.Cwd); err != nil {
			return setupErr("chdir", c.Cwd, err)
		}
	}
	if !c.DisableNoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return setupErr("prctl PR_SET_NO_NEW_PRIVS", "", err)
		}
	}
	path, err := lookPath(ic.Path, ic.Env)
	if err != nil {
		return err
	}
	if ic.FilterFollows {
		typ, p, err := ReadFrame(in)
		if err == nil && typ != FrameFilter {
			err = fmt.Errorf("unexpected frame %q", typ)
		}
		if err == nil {
			ic.Filter, err = DecodeFilter(p)
		}
		if err != nil {
			return setupErr("receive the seccomp filter", "", err)
		}
	}
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return setupErr("close_range", "", err)
	}
	for _, fd := range ic.PassFDs {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return setupErr("pass fd "+strconv.Itoa(fd), "", err)
		}
	}
	region, err := mapGate(ic.Gate)
	if err != nil {
		return err
	}
	argv, envp, pathp := fillGate(region, ic.Gate, path, ic.Argv, ic.Env)
	var prog unix.SockFprog
	filter := ic.Filter
	if len(filter) > 0 {
		prog = unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	}
	msg := fillListenerMsg(region, ic.Gate)
	errFrame := region[ic.Gate.ErrOff : ic.Gate.ErrOff+ErrFrameSize]
	errFrame[0] = FrameExecError
	binary.LittleEndian.PutUint32(errFrame[1:], ErrFrameSize-FrameHeader)

	// Every per-thread step (ids, capabilities, no_new_privs) must have
	// been made on the thread that installs the filter and executes.
	if unix.Gettid() != tid {
		return setupErr("jail init", "", fmt.Errorf("moved from thread %d to %d during the setup", tid, unix.Gettid()))
	}

	// Resource limits last: they may be low enough to hurt the setup.
	for _, rl := range c.Rlimits {
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(0, rl.Resource, &lim, nil); err != nil {
			return setupErr("setrlimit "+rlimitName(rl.Resource), "", err)
		}
	}

	// From here on: no allocation, no syscall but the gate's.
	var stage, errno uintptr
	if len(filter) > 0 {
		flags := uintptr(0)
		if ic.Notify {
			flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		}
		r, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&prog)))
		runtime.KeepAlive(filter)
		if e != 0 {
			if e == unix.EACCES {
				return setupErr("install the seccomp filter", "", fmt.Errorf("%w (no_new_privs is off and the jail has no CAP_SYS_ADMIN)", e))
			}
			return setupErr("install the seccomp filter", "", e)
		}
		if ic.Notify {
			binary.NativeEndian.PutUint32(msg, uint32(r))
			_, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(in.sock), gatePtr(ic.Gate, ic.Gate.MsgOff), 0)
			if e != 0 {
				stage, errno = ExecStageSendmsg, uintptr(e)
			}
		}
	}
	if stage == 0 {
		_, _, e := unix.RawSyscall(unix.SYS_EXECVE, pathp, argv, envp)
		stage, errno = ExecStageExecve, uintptr(e)
	}
	binary.LittleEndian.PutUint32(errFrame[FrameHeader:], uint32(stage))
	binary.LittleEndian.PutUint32(errFrame[FrameHeader+4:], uint32(errno))
	unix.RawSyscall(unix.SYS_WRITE, uintptr(in.sock), gatePtr(ic.Gate, ic.Gate.ErrOff), ErrFrameSize)
	unix.RawSyscall(unix.SYS_EXIT_GROUP, initFailed, 0, 0)
	panic("unreachable")
}

// awaitCgroup waits until the parent has put the init in the jail's
// cgroups. Nothing of the program runs before; if the parent cannot add
// it, it kills the init instead.
func (in *jailInit) awaitCgroup() error {
	typ, _, err := ReadFrame(in)
	if err == nil && typ != FrameCgroup {
		err = fmt.Errorf("unexpected frame %q", typ)
	}
	if err != nil {
		return setupErr("wait for the jail's cgroups", "", err)
	}
	return nil
}

// Stages of the exec error frame: what failed after the filter was
// installed.
const (
	ExecStageSendmsg = 1 // passing the seccomp listener
	ExecStageExecve  = 2 // execve of the program
)

func gatePtr(l GateLayout, off int) uintptr { return uintptr(l.Addr) + uintptr(off) }

// mapGate maps the gate region at its fixed address.
func mapGate(l GateLayout) ([]byte, error) {
	addr := uintptr(l.Addr)
	hint := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	p, err := unix.MmapPtr(-1, 0, hint, uintptr(l.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE)
	if err != nil {
		return nil, setupErr("map the exec region", fmt.Sprintf("%#x", l.Addr), err)
	}
	if uintptr(p) != addr {
		return nil, setupErr("map the exec region", fmt.Sprintf("%#x", l.Addr), fmt.Errorf("kernel placed it at %p (MAP_FIXED_NOREPLACE unsupported)", p))
	}
	return unsafe.Slice((*byte)(p), l.Size), nil
}

// fillGate writes path, argv and envp into the region and returns the
// three pointers execve takes.
func fillGate(region []byte, l GateLayout, path string, argv, env []string) (argvp, envp, pathp uintptr) {
	data := l.DataOff
	put := func(arrOff int, list []string) {
		for i, s := range list {
			copy(region[data:], s)
			region[data+len(s)] = 0
			binary.NativeEndian.PutUint64(region[arrOff+8*i:], uint64(gatePtr(l, data)))
			data += len(s) + 1
		}
		binary.NativeEndian.PutUint64(region[arrOff+8*len(list):], 0)
	}
	put(l.ArgvOff, argv)
	put(l.EnvpOff, env)
	copy(region[l.PathOff:], path)
	region[l.PathOff+len(path)] = 0
	return gatePtr(l, l.ArgvOff), gatePtr(l, l.EnvpOff), gatePtr(l, l.PathOff)
}

// fillListenerMsg writes the msghdr that carries the listener fd and
// returns the 4 bytes where the fd goes.
func fillListenerMsg(region []byte, l GateLayout) []byte {
	const (
		hdrOff  = 0
		iovOff  = 64
		bodyOff = 80
		cmsgOff = 96
	)
	base := l.MsgOff
	body := region[base+bodyOff : base+bodyOff+FrameHeader]
	body[0] = FrameListener // zero length
	cmsgLen := unix.CmsgLen(4)
	cmsg := (*unix.Cmsghdr)(unsafe.Pointer(&region[base+cmsgOff]))
	cmsg.Level = unix.SOL_SOCKET
	cmsg.Type = unix.SCM_RIGHTS
	cmsg.SetLen(cmsgLen)
	iov := (*unix.Iovec)(unsafe.Pointer(&region[base+iovOff]))
	iov.Base = &region[base+bodyOff]
	iov.SetLen(FrameHeader)
	hdr := (*unix.Msghdr)(unsafe.Pointer(&region[base+hdrOff]))
	hdr.Iov = iov
	hdr.Iovlen = 1
	hdr.Control = &region[base+cmsgOff]
	hdr.SetControllen(unix.CmsgSpace(4))
	return region[base+cmsgOff+unix.CmsgLen(0) : base+cmsgOff+unix.CmsgLen(0)+4]
}

// lookPath finds the program: a name without a slash is searched in the
// PATH of its environment (or a standard PATH), as execvp does.
func lookPath(name string, env []string) (string, error) {
	if len(name)+1 > pathMax {
		return "", setupErr("exec", name, unix.ENAMETOOLONG)
	}
	if strings.Contains(name, "/") {
		if err := checkExec(name); err != nil {
			return "", setupErr("exec", name, err)
		}
		return name, nil
	}
	pathVar := "/usr/local/bin:/usr/bin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	firstErr := error(unix.ENOENT)
	for _, dir := range strings.Split(pathVar, ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + name
		err := checkExec(p)
		if err == nil {
			if len(p)+1 > pathMax {
				return "", setupErr("exec", p, unix.ENAMETOOLONG)
			}
			return p, nil
		}
		if err != unix.ENOENT && err != unix.ENOTDIR && firstErr == unix.ENOENT {
			firstErr = err
		}
	}
	return "", setupErr("exec", name, fmt.Errorf("not found in PATH %s: %w", pathVar, firstErr))
}

func checkExec(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.EISDIR
	}
	return unix.Faccessat(unix.AT_FDCWD, p, unix.X_OK, unix.AT_EACCESS)
}

func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP | unix.IFF_RUNNING)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// Personality flags (linux/personality.h).
const (
	addrNoRandomize  = 0x0040000
	mmapPageZero     = 0x0100000
	addrCompatLayout = 0x0200000
	readImpliesExec  = 0x0400000
	addrLimit3GB     = 0x8000000
)

// applyProcess sets personality, CPU affinity and nice.
func applyProcess(c *Spec) error {
	var pers uintptr
	p := c.Personality
	for _, f := range []struct {
		on   bool
		flag uintptr
	}{{p.AddrNoRandomize, addrNoRandomize}, {p.MmapPageZero, mmapPageZero}, {p.AddrCompatLayout, addrCompatLayout}, {p.ReadImpliesExec, readImpliesExec}, {p.AddrLimit3GB, addrLimit3GB}} {
		if f.on {
			pers |= f.flag
		}
	}
	if pers != 0 {
		if _, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, pers, 0, 0); e != 0 {
			return setupErr("personality", fmt.Sprintf("%#x", pers), e)
		}
	}
	if c.MaxCPUs > 0 {
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &set); err != nil {
			return setupErr("sched_getaffinity", "", err)
		}
		var cpus []int
		for i := 0; i < len(set)*64; i++ {
			if set.IsSet(i) {
				cpus = append(cpus, i)
			}
		}
		if c.MaxCPUs < len(cpus) {
			rand.Shuffle(len(cpus), func(i, j int) { cpus[i], cpus[j] = cpus[j], cpus[i] })
			set.Zero()
			for _, cpu := range cpus[:c.MaxCPUs] {
				set.Set(cpu)
			}
			if err := unix.SchedSetaffinity(0, &set); err != nil {
				return setupErr("sched_setaffinity", "", err)
			}
		}
	}
	if c.NiceLevel != 0 {
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, c.NiceLevel); err != nil {
			return setupErr("setpriority "+strconv.Itoa(c.NiceLevel), "", err)
		}
	}
	return nil
}

func nsNames(flags uintptr) string {
	var n []string
	if flags&unix.CLONE_NEWCGROUP != 0 {
		n = append(n, "CLONE_NEWCGROUP")
	}
	if flags&unix.CLONE_NEWTIME != 0 {
		n = append(n, "CLONE_NEWTIME")
	}
	return strings.Join(n, "|")
}
