package sandbox

import (
	"github.com/gokafel/gokafel/sandbox/internal/jail"

	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// vforkArena holds everything the vfork child reads, in one heap object
// that stays put while the child uses it: the parent's thread waits until
// the child has executed or exited (CLONE_VFORK).
type vforkArena struct {
	all, saved uint64
	fail       jail.Failure
	stack      [256]byte
	capHeader  unix.CapUserHeader
	capData    [2]unix.CapUserData
	dfl        [4]uintptr // a struct sigaction with SIG_DFL
	ops        []jail.Op
	what       []opName // what each op does, for errors
}

// opName names an op of the child's list: what it does and the number
// (fd, capability, signal) it does it to, or -1.
type opName struct {
	text string
	n    int
}

func (o opName) String() string {
	if o.n < 0 {
		return o.text
	}
	return o.text + " " + strconv.Itoa(o.n)
}

func (a *vforkArena) op(what opName, nr uintptr, args ...uintptr) {
	op := jail.Op{Nr: uint64(nr), OnFail: jail.OpAbort}
	for i, x := range args {
		op.Args[i] = uint64(x)
	}
	a.ops = append(a.ops, op)
	a.what = append(a.what, what)
}

func ptr[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

// vforkExec is spawn by vfork: the parent's memory is not copied, which
// costs a runner with a large heap about a millisecond per launch in
// page-table copies and copy-on-write faults that a fork makes.
func vforkExec(s *spawnAttr) (int, error) {
	argv0, err := syscall.BytePtrFromString(s.path)
	if err != nil {
		return 0, err
	}
	argv, err := syscall.SlicePtrFromStrings(s.argv)
	if err != nil {
		return 0, err
	}
	envv, err := syscall.SlicePtrFromStrings(s.env)
	if err != nil {
		return 0, err
	}
	a := &vforkArena{all: ^uint64(0)}
	if s.setsid {
		a.op(opName{"setsid", -1}, unix.SYS_SETSID)
	}
	a.op(opName{"set the parent-death signal", -1}, unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL))
	for i, fd := range s.files {
		if fd == ^uintptr(0) {
			continue // the init marks every fd it was not given close-on-exec
		}
		a.op(opName{"set up fd", i}, unix.SYS_DUP3, fd, uintptr(i), 0)
	}
	if s.ambientCaps {
		a.capHeader.Version = unix.LINUX_CAPABILITY_VERSION_3
		for _, c := range allCaps() {
			a.capData[c/32].Effective |= 1 << (c % 32)
		}
		for i := range a.capData {
			a.capData[i].Permitted = a.capData[i].Effective
			a.capData[i].Inheritable = a.capData[i].Effective
		}
		a.op(opName{"capset", -1}, unix.SYS_CAPSET, ptr(&a.capHeader), ptr(&a.capData[0]))
		for _, c := range allCaps() {
			a.op(opName{"raise ambient capability", int(c)}, unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, c, 0, 0)
		}
	}
	// The child shares this process's signal handlers' code but not their
	// table: it puts back the default for every signal the runtime
	// catches before it unblocks signals, so that none of them runs Go
	// code on the child's thread. Ignored signals stay ignored, as with
	// execve.
	for _, sig := range caughtSignals() {
		a.op(opName{"reset the handler of signal", sig}, unix.SYS_RT_SIGACTION, uintptr(sig), ptr(&a.dfl[0]), 0, 8)
	}
	a.op(opName{"restore the signal mask", -1}, unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, ptr(&a.saved), 0, 8)
	a.op(opName{"execute " + s.path, -1}, unix.SYS_EXECVE, ptr(argv0), ptr(&argv[0]), ptr(&envv[0]))

	// No syscall.ForkLock: an fd that another goroutine opens without
	// O_CLOEXEC may reach the init, but the init marks every fd it was
	// not given close-on-exec before it executes the program, and
	// concurrent launches do not wait for each other's clones.
	stackTop := uintptr(unsafe.Pointer(&a.stack[len(a.stack)-16])) &^ 15
	pid, errno := rawCloneProg(s.cloneflags|unix.CLONE_VM|unix.CLONE_VFORK|uintptr(unix.SIGCHLD), stackTop,
		unsafe.Pointer(&a.ops[0]), uintptr(len(a.ops)), unsafe.Pointer(&a.fail), &a.all, &a.saved)
	runtime.KeepAlive(argv0)
	runtime.KeepAlive(argv)
	runtime.KeepAlive(envv)
	runtime.KeepAlive(a)
	if errno != 0 {
		return 0, &spawnError{op: "clone", err: syscall.Errno(errno)}
	}
	if a.fail.Failed != 0 {
		var ws unix.WaitStatus
		for {
			if _, err := unix.Wait4(int(pid), &ws, 0, nil); err != unix.EINTR {
				break
			}
		}
		return 0, &spawnError{op: a.what[a.fail.Index].String(), err: syscall.Errno(a.fail.Errno)}
	}
	return int(pid), nil
}

// rawCloneProg blocks every signal on the calling thread (saving the mask
// it replaces in saved), clones a child with flags on stack, restores the
// mask and returns the child's pid. The child runs the jail program ops
// (nops of them, package jail's Op) with every signal blocked until an op
// restores the mask; the op that ends it is recorded in fail, and it
// exits with jail.ProgFailed. With CLONE_VFORK in flags the call returns
// once the child has executed or exited. It is in spawn_linux_amd64.s.
//
//go:noescape
func rawCloneProg(flags, stack uintptr, ops unsafe.Pointer, nops uintptr, fail unsafe.Pointer, all, saved *uint64) (pid, errno uintptr)

// cloneProg clones the child that runs p, which is mapped at p.Base: it
// shares this process's memory (CLONE_VM, no CLONE_VFORK: the runner goes
// on and writes the id maps the child waits for) on a stack of its own in
// the region.
func cloneProg(p *jail.Prog, flags uintptr) (int, error) {
	at := func(a uint64) unsafe.Pointer {
		x := uintptr(a)
		return *(*unsafe.Pointer)(unsafe.Pointer(&x))
	}
	pid, errno := rawCloneProg(flags|unix.CLONE_VM|uintptr(unix.SIGCHLD), uintptr(p.StackTop),
		at(p.Base+uint64(p.OpsOff)), uintptr(p.NumOps), at(p.Base+uint64(p.FailOff)),
		(*uint64)(at(p.MaskAll)), (*uint64)(at(p.MaskSaved)))
	if errno != 0 {
		return 0, &spawnError{op: "clone", err: syscall.Errno(errno)}
	}
	return int(pid), nil
}

func init() {
	fastSpawn = vforkExec
	progSpawn = cloneProg
}
