package jail

import (
	"errors"
	"fmt"
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
	rights []int  // fds received and not installed yet
	filter []byte // the seccomp filter, kept while the program runs
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

func setupErr(op, path string, err error) error {
	return &Error{Op: op, Path: path, Err: err}
}

func (in *jailInit) run() error {
	typ, p, err := ReadFrame(in)
	if err == nil && typ == FrameFDs {
		// An init started ahead of its run gets its stdio now.
		if err := in.installFDs(p); err != nil {
			return setupErr("install the jail's fds", "", err)
		}
		typ, p, err = ReadFrame(in)
	}
	if err != nil {
		return setupErr("read the jail program", "", err)
	}
	if typ != FrameProg {
		return setupErr("read the jail program", "", fmt.Errorf("unexpected frame %q", typ))
	}
	h, region, err := decodeProg(p)
	if err != nil {
		return setupErr("load the jail program", "", err)
	}
	in.Exec(h, region)
	return setupErr("report the failure of the jail program", "", errors.New("write failed"))
}

// Personality flags (linux/personality.h).
const (
	addrNoRandomize  = 0x0040000
	mmapPageZero     = 0x0100000
	addrCompatLayout = 0x0200000
	readImpliesExec  = 0x0400000
	addrLimit3GB     = 0x8000000
)

func nsNames(flags uintptr) string {
	var n []string
	for _, f := range []struct {
		flag uintptr
		name string
	}{
		{unix.CLONE_NEWNS, "CLONE_NEWNS"}, {unix.CLONE_NEWNET, "CLONE_NEWNET"}, {unix.CLONE_NEWUTS, "CLONE_NEWUTS"},
		{unix.CLONE_NEWIPC, "CLONE_NEWIPC"}, {unix.CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {unix.CLONE_NEWTIME, "CLONE_NEWTIME"},
	} {
		if flags&f.flag != 0 {
			n = append(n, f.name)
		}
	}
	return strings.Join(n, "|")
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
