package jail

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A jail program is the jail's whole setup as a list of system calls, built
// by the runner from a Spec and run by an executor in the new namespaces:
// on amd64 by a few instructions of assembly in a child that shares the
// runner's memory until it executes the program (no second Go runtime
// starts for a jail), elsewhere by the re-executed init.
//
// The program lives in one region at a fixed address, drawn by the runner
// for each run: its data (strings, structs, slots for results), then its
// ops.
// Every pointer in it is absolute, so the region works only at that
// address; an executor maps it there. An op is a system call whose
// arguments are constants or loaded from slots that earlier ops stored
// their results in (an fd that open_tree returned, say), with a jump on
// success and one on failure: enough for a mount that is optional, a
// program searched in PATH, and waiting for the runner.

// Op is one step of a program. Its layout is the executors': twelve
// 64-bit words.
type Op struct {
	Nr     uint64
	Args   [6]uint64
	Ctl    uint64 // OpIndirect0<<i, OpStore, OpEExistOK, OpNeedNonzero, OpNeedZero, OpReport
	Out    uint64 // OpStore: where the result goes
	Next   uint64 // index of the op after a success; 0: the next one
	OnFail uint64 // index of the op after a failure; OpAbort: give up
	Res    uint64 // the raw result, written by the executor
}

// OpSize is the size of an Op in bytes.
const OpSize = 96

// Bits of Op.Ctl.
const (
	OpIndirect0   = 1 << 0 // arg i (bit i, i < 6) is the word at that address
	OpStore       = 1 << 8 // store the raw result at Out
	OpEExistOK    = 1 << 9 // EEXIST is a success
	OpNeedNonzero = 1 << 10
	OpNeedZero    = 1 << 11
	OpReport      = 1 << 12 // an executor that does not share memory with the runner reports the failure of this op
)

// OpSwitch as Op.Nr is no system call: the executor goes on with the
// program whose ops address, number and failure record address are the
// three words at Args[0] (a prelude's switch, which the runner fills in).
const OpSwitch = ^uint64(0)

// OpAbort as Op.OnFail makes a failure end the program: the executor
// records it (Failure) and exits with ProgFailed.
const OpAbort = ^uint64(0)

// ProgFailed is the exit status of a child whose program failed.
const ProgFailed = 127

// Failure is where an executor records the op that ended the program.
// Errno 0 means a result check (OpNeedZero, OpNeedNonzero) failed.
type Failure struct {
	Index, Errno, Failed uint64
}

// OpDesc says what an op does, for errors and logs.
type OpDesc struct {
	Op, Path string
	// Err replaces the errno in the error when set (a check that failed,
	// a search that found nothing).
	Err error
	// Optional names the mount an optional op belongs to: its failure
	// skips that mount and is logged.
	Optional string
}

// Prog is a built program.
type Prog struct {
	Base   uint64 // the region's address
	Region []byte // its contents; ops at OpsOff
	OpsOff int
	NumOps int
	Desc   []OpDesc // what each op does

	// Offsets in Region of what the runner fills in or reads.
	FailOff  int // the Failure
	FprogOff int // the seccomp sock_fprog: length and pointer of the filter

	// Addresses the execve gate allows calls with: the places the program
	// may be, argv and envp, the listener's msghdr (0 without Notify), the
	// report frame of a re-executed init.
	PathAddrs          []uint64
	ArgvAddr, EnvpAddr uint64
	MsgAddr            uint64
	ReportAddr         uint64

	// A prelude's (BuildPrelude): the top of the child's stack; where the
	// spawner finds the mask that blocks every signal and keeps the one
	// it replaced; where the runner writes the program to switch to.
	StackTop           uint64
	MaskAll, MaskSaved uint64
	SwitchAddr         uint64

	SyncByte byte // what the runner writes for each wait

	pathVar    string // the PATH searched, for errors
	firstCheck int    // the first op of the search
	listenerAt uint64 // where the listener's fd goes in the message
}

// ProgInput is what the program needs besides the Spec: facts the runner
// knows about the host and the fds it set up.
type ProgInput struct {
	Spec *Spec
	Sock int // the socket to the runner in the child
	// Files is the child's fd table: fd i becomes Files[i] (-1: none);
	// the runner's other fds are closed. A re-executed init has its
	// table already (nil).
	Files []int
	// SavedMask is the address of the signal mask the program restores
	// before its filter (0: none, for a re-executed init).
	SavedMask uint64
	// Staging is the directory the root is built on; FixedFD a number no
	// fd of the child has, used to name a mount point in /proc/self/fd.
	Staging string
	FixedFD int
	// PermittedCaps are the capabilities the child has when it starts
	// (all of them in a new user namespace); SetPCap says it may drop
	// from the bounding set; LastCap is the highest capability number.
	PermittedCaps uint64
	SetPCap       bool
	LastCap       int
	// Affinity is the CPU mask to set (nil: leave it).
	Affinity *unix.CPUSet
	// IsDir says, for each Spec mount, whether its source is a directory
	// (decided by the runner, which sees the same files); a mount whose
	// source could not be read is skipped when optional (SkipMount).
	IsDir     []bool
	SkipMount []bool
}

// progBuilder lays out a program.
type progBuilder struct {
	base  uint64
	data  []byte
	ops   []Op
	desc  []OpDesc
	group string // the optional mount being built, if any
	made  map[string]bool
	err   error // the first string that cannot be placed
}

func (b *progBuilder) align() {
	for len(b.data)%8 != 0 {
		b.data = append(b.data, 0)
	}
}

// bytes places p in the data and returns its address.
func (b *progBuilder) bytes(p []byte) uint64 {
	b.align()
	a := b.base + uint64(len(b.data))
	b.data = append(b.data, p...)
	return a
}

// str places s NUL-terminated. A string with a NUL of its own would mean
// something shorter to the kernel: the build fails.
func (b *progBuilder) str(s string) uint64 {
	if strings.IndexByte(s, 0) >= 0 && b.err == nil {
		b.err = &Error{Op: "jail program", Path: strconv.Quote(s), Err: errors.New("a string with a NUL byte")}
	}
	a := b.bytes([]byte(s))
	b.data = append(b.data, 0)
	return a
}

// slot places a zeroed word: a place for a result.
func (b *progBuilder) slot() uint64 { return b.bytes(make([]byte, 8)) }

func (b *progBuilder) words(w ...uint64) uint64 {
	p := make([]byte, 8*len(w))
	for i, x := range w {
		binary.NativeEndian.PutUint64(p[8*i:], x)
	}
	return b.bytes(p)
}

// op appends a system call and returns its index; args that are slots
// (marked with ind) are loaded when the op runs.
func (b *progBuilder) op(d OpDesc, nr uint64, args ...arg) int {
	o := Op{Nr: nr, OnFail: OpAbort}
	for i, a := range args {
		o.Args[i] = a.v
		if a.ind {
			o.Ctl |= OpIndirect0 << i
		}
	}
	if b.group != "" {
		d.Optional = b.group
	}
	b.ops = append(b.ops, o)
	b.desc = append(b.desc, d)
	return len(b.ops) - 1
}

// store makes op i store its result in a new slot, returned.
func (b *progBuilder) store(i int) uint64 {
	s := b.slot()
	b.ops[i].Ctl |= OpStore
	b.ops[i].Out = s
	return s
}

type arg struct {
	v   uint64
	ind bool
}

func c(v uint64) arg     { return arg{v: v} }
func ci(v int) arg       { return arg{v: uint64(int64(v))} }
func at(slot uint64) arg { return arg{v: slot, ind: true} }

// Build lays the program for in out at base.
func Build(in *ProgInput, base uint64) (*Prog, error) {
	s := in.Spec
	// Room for the program up front: growing the slices costs more in
	// fresh pages than their size. The estimate counts the ops each part
	// of the setup makes.
	nops := 64 + in.LastCap + 12*len(s.Mounts) + len(s.Rlimits) + len(s.PassFDs) + len(in.Files) + 4*8
	ndata := 1024 + 160*len(s.Mounts) + 8*PathMax/64
	for _, a := range s.Argv {
		ndata += len(a) + 16
	}
	for _, e := range s.Env {
		ndata += len(e) + 16
	}
	for _, m := range s.Mounts {
		ndata += len(m.SrcContent)
	}
	b := &progBuilder{base: base, made: map[string]bool{}, data: make([]byte, 0, ndata), ops: make([]Op, 0, nops), desc: make([]OpDesc, 0, nops)}
	p := &Prog{Base: base, SyncByte: 'S'}
	failAt := b.words(0, 0, 0)
	p.FailOff = int(failAt - base)

	// The fd table: the given fds in place, every other one the child
	// got with the runner's memory closed now (a copy of another run's
	// pipe would hold it open).
	for i, fd := range in.Files {
		if fd < 0 {
			j := b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, ci(i))
			b.ops[j].OnFail = uint64(j + 1)
			continue
		}
		b.op(OpDesc{Op: "set up fd " + strconv.Itoa(i)}, unix.SYS_DUP3, ci(fd), ci(i), c(0))
	}
	if in.Files != nil {
		b.op(OpDesc{Op: "close_range"}, unix.SYS_CLOSE_RANGE, ci(len(in.Files)), c(^uint64(0)>>32), c(0))
	}
	oneByte := b.slot()
	wait := func(what string) {
		i := b.op(OpDesc{Op: what, Err: errors.New("the runner gave up")}, unix.SYS_READ, ci(in.Sock), c(oneByte), c(1))
		b.ops[i].Ctl |= OpNeedNonzero
	}
	// A byte from the runner once the id maps are written (unless they
	// were before the program started), another once the cgroups are
	// joined and the filter is in place.
	if !s.MapsWritten {
		wait("wait for the jail's id maps")
	}
	if s.User {
		// Take the jail's ids now: the child's uid has no mapping in the
		// new user namespace and the kernel refuses to create files
		// (mount points) for an unmapped fsuid. The capabilities stay:
		// the old uid was not the namespace's root.
		b.switchIDs(s.UID, s.GID, s.SetGroups)
	}
	unshare := s.Unshare
	if s.CgroupFollows {
		unshare &^= unix.CLONE_NEWCGROUP
	}
	if unshare != 0 {
		b.op(OpDesc{Op: "unshare " + nsNames(uintptr(unshare))}, unix.SYS_UNSHARE, c(unshare))
	}
	if s.Mount {
		if err := b.buildRoot(in); err != nil {
			return nil, err
		}
	} else if s.Chroot != "" {
		b.op(OpDesc{Op: "chroot", Path: s.Chroot}, unix.SYS_CHROOT, c(b.str(s.Chroot)))
		b.op(OpDesc{Op: "chdir", Path: "/"}, unix.SYS_CHDIR, c(b.str("/")))
	}
	if s.UTS && s.Hostname != "" {
		b.op(OpDesc{Op: "sethostname", Path: s.Hostname}, unix.SYS_SETHOSTNAME, c(b.str(s.Hostname)), ci(len(s.Hostname)))
	}
	if s.Net && !s.IfaceNoLo {
		b.loopbackUp()
	}
	wait("wait for the jail's cgroups and filter")
	if s.CgroupFollows && s.Unshare&unix.CLONE_NEWCGROUP != 0 {
		b.op(OpDesc{Op: "unshare CLONE_NEWCGROUP"}, unix.SYS_UNSHARE, c(unix.CLONE_NEWCGROUP))
	}
	if err := b.process(in); err != nil {
		return nil, err
	}
	if err := b.creds(in); err != nil {
		return nil, err
	}
	// Changing credentials clears the parent-death signal: set it again,
	// then make sure the runner did not die in between.
	b.op(OpDesc{Op: "prctl PR_SET_PDEATHSIG"}, unix.SYS_PRCTL, c(unix.PR_SET_PDEATHSIG), c(uint64(unix.SIGKILL)))
	pfd := b.bytes(pollFd(in.Sock, unix.POLLRDHUP))
	i := b.op(OpDesc{Op: "check that the runner is alive", Err: errors.New("the runner is gone")}, unix.SYS_PPOLL, c(pfd), c(1), c(b.words(0, 0)), c(0), c(0))
	b.ops[i].Ctl |= OpNeedZero
	if s.Cwd != "" {
		b.op(OpDesc{Op: "chdir", Path: s.Cwd}, unix.SYS_CHDIR, c(b.str(s.Cwd)))
	}
	if !s.DisableNoNewPrivs {
		b.op(OpDesc{Op: "prctl PR_SET_NO_NEW_PRIVS"}, unix.SYS_PRCTL, c(unix.PR_SET_NO_NEW_PRIVS), c(1))
	}
	cands, err := candidates(s.Path, s.Env)
	if err != nil {
		return nil, err
	}
	b.op(OpDesc{Op: "close_range"}, unix.SYS_CLOSE_RANGE, c(3), c(^uint64(0)>>32), c(unix.CLOSE_RANGE_CLOEXEC))
	for _, fd := range s.PassFDs {
		b.op(OpDesc{Op: "pass fd " + strconv.Itoa(fd)}, unix.SYS_FCNTL, ci(fd), c(unix.F_SETFD), c(0))
	}
	// Resource limits last but the filter: they may be low enough to
	// hurt the setup.
	for _, rl := range s.Rlimits {
		lim := b.words(rl.Soft, rl.Hard)
		b.op(OpDesc{Op: "setrlimit " + rlimitName(rl.Resource)}, unix.SYS_PRLIMIT64, c(0), ci(rl.Resource), c(lim), c(0))
	}
	if in.SavedMask != 0 {
		b.op(OpDesc{Op: "restore the signal mask"}, unix.SYS_RT_SIGPROCMASK, c(unix.SIG_SETMASK), c(in.SavedMask), c(0), c(8))
	}

	// The execve gate's data: argv, envp, the paths, the listener message.
	p.ArgvAddr = b.strv(s.Argv)
	p.EnvpAddr = b.strv(s.Env)
	var listenerFD uint64
	if s.Notify {
		p.MsgAddr, listenerFD = b.listenerMsg()
	}
	p.listenerAt = listenerFD
	p.ReportAddr = b.bytes(make([]byte, ReportFrameSize))
	fprog := b.words(0, 0)
	p.FprogOff = int(fprog - base)

	// The search: each candidate that is executable jumps to its own tail
	// (filter, listener, execve), so that execve's path is a constant the
	// gate knows.
	firstCheck := len(b.ops)
	var checks, tails []int
	for _, cand := range cands {
		pa := b.str(cand)
		p.PathAddrs = append(p.PathAddrs, pa)
		i := b.op(OpDesc{Op: "exec", Path: cand}, unix.SYS_FACCESSAT2, ci(unix.AT_FDCWD), c(pa), c(unix.X_OK), c(unix.AT_EACCESS))
		b.ops[i].Ctl |= OpReport // why a place was passed over
		checks = append(checks, i)
	}
	p.pathVar = pathVar(s.Env)
	notFound := b.op(OpDesc{Op: "exec", Path: s.Path, Err: notFoundErr(p.pathVar, unix.ENOENT)}, unix.SYS_GETPID)
	b.ops[notFound].Ctl |= OpNeedZero
	for k := range cands {
		t := len(b.ops)
		tails = append(tails, t)
		if s.Filter {
			flags := uint64(0)
			if s.Notify {
				flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
			}
			i := b.op(OpDesc{Op: "install the seccomp filter"}, unix.SYS_SECCOMP, c(unix.SECCOMP_SET_MODE_FILTER), c(flags), c(fprog))
			if s.Notify {
				b.ops[i].Ctl |= OpStore
				b.ops[i].Out = listenerFD
				b.op(OpDesc{Op: "pass the seccomp listener to the runner"}, unix.SYS_SENDMSG, ci(in.Sock), c(p.MsgAddr), c(0))
			}
		}
		b.op(OpDesc{Op: "execve", Path: cands[k]}, unix.SYS_EXECVE, c(p.PathAddrs[k]), c(p.ArgvAddr), c(p.EnvpAddr))
	}
	for k, i := range checks {
		b.ops[i].Next = uint64(tails[k])
		if k+1 < len(checks) {
			b.ops[i].OnFail = uint64(checks[k+1])
		} else {
			b.ops[i].OnFail = uint64(notFound)
		}
	}
	if strings.Contains(s.Path, "/") {
		// A path with a slash is checked once and its failure is the
		// error.
		b.ops[checks[0]].OnFail = OpAbort
	}
	p.firstCheck = firstCheck
	b.align()
	p.OpsOff = len(b.data)
	p.NumOps = len(b.ops)
	if b.err != nil {
		return nil, b.err
	}
	p.Region = b.region()
	p.Desc = b.desc
	return p, nil
}

// strv places a NULL-terminated array of strings.
func (b *progBuilder) strv(list []string) uint64 {
	ptrs := make([]uint64, len(list)+1)
	for i, s := range list {
		ptrs[i] = b.str(s)
	}
	return b.words(ptrs...)
}

// listenerMsg places the msghdr that carries the listener fd to the
// runner (a FrameListener with the fd as SCM_RIGHTS) and returns its
// address and that of the fd in it.
func (b *progBuilder) listenerMsg() (msg, fd uint64) {
	body := b.bytes([]byte{FrameListener, 0, 0, 0, 0, 0, 0, 0})
	iov := b.words(body, FrameHeader)
	cm := make([]byte, unix.CmsgSpace(4))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&cm[0]))
	h.Level = unix.SOL_SOCKET
	h.Type = unix.SCM_RIGHTS
	h.SetLen(unix.CmsgLen(4))
	cmsg := b.bytes(cm)
	var m unix.Msghdr
	hdr := unsafe.Slice((*byte)(unsafe.Pointer(&m)), unsafe.Sizeof(m))
	msg = b.bytes(make([]byte, len(hdr)))
	off := msg - b.base
	mp := (*unix.Msghdr)(unsafe.Pointer(&b.data[off]))
	// The pointers are the region's addresses, not Go pointers.
	*(*uint64)(unsafe.Pointer(&mp.Iov)) = iov
	mp.Iovlen = 1
	*(*uint64)(unsafe.Pointer(&mp.Control)) = cmsg
	mp.SetControllen(unix.CmsgSpace(4))
	return msg, cmsg + uint64(unix.CmsgLen(0))
}

func pollFd(fd int, events int16) []byte {
	p := make([]byte, 8)
	binary.NativeEndian.PutUint32(p, uint32(fd))
	binary.NativeEndian.PutUint16(p[4:], uint16(events))
	return p
}

func (b *progBuilder) switchIDs(uid, gid int, setGroups bool) {
	if setGroups {
		b.op(OpDesc{Op: "setgroups"}, unix.SYS_SETGROUPS, c(0), c(0))
	}
	if gid >= 0 {
		b.op(OpDesc{Op: "setresgid", Path: strconv.Itoa(gid)}, unix.SYS_SETRESGID, ci(gid), ci(gid), ci(gid))
	}
	if uid >= 0 {
		b.op(OpDesc{Op: "setresuid", Path: strconv.Itoa(uid)}, unix.SYS_SETRESUID, ci(uid), ci(uid), ci(uid))
	}
}

func (b *progBuilder) loopbackUp() {
	d := OpDesc{Op: "bring up the loopback interface", Path: "lo"}
	sock := b.store(b.op(d, unix.SYS_SOCKET, c(unix.AF_INET), c(unix.SOCK_DGRAM|unix.SOCK_CLOEXEC), c(0)))
	// A new namespace's lo has none of the flags SIOCSIFFLAGS changes set,
	// so they are set outright rather than read and or-ed.
	ifr := make([]byte, unix.IFNAMSIZ+24)
	copy(ifr, "lo")
	binary.NativeEndian.PutUint16(ifr[unix.IFNAMSIZ:], unix.IFF_UP|unix.IFF_RUNNING)
	b.op(d, unix.SYS_IOCTL, at(sock), c(unix.SIOCSIFFLAGS), c(b.bytes(ifr)))
	b.op(d, unix.SYS_CLOSE, at(sock))
}

// process sets personality, CPU affinity and nice.
func (b *progBuilder) process(in *ProgInput) error {
	s := in.Spec
	var pers uint64
	p := s.Personality
	for _, f := range []struct {
		on   bool
		flag uint64
	}{{p.AddrNoRandomize, addrNoRandomize}, {p.MmapPageZero, mmapPageZero}, {p.AddrCompatLayout, addrCompatLayout}, {p.ReadImpliesExec, readImpliesExec}, {p.AddrLimit3GB, addrLimit3GB}} {
		if f.on {
			pers |= f.flag
		}
	}
	if pers != 0 {
		b.op(OpDesc{Op: "personality", Path: fmt.Sprintf("%#x", pers)}, unix.SYS_PERSONALITY, c(pers))
	}
	if in.Affinity != nil {
		set := *in.Affinity
		b.op(OpDesc{Op: "sched_setaffinity"}, unix.SYS_SCHED_SETAFFINITY, c(0), ci(int(unsafe.Sizeof(set))), c(b.bytes(unsafe.Slice((*byte)(unsafe.Pointer(&set)), unsafe.Sizeof(set)))))
	}
	if s.NiceLevel != 0 {
		b.op(OpDesc{Op: "setpriority " + strconv.Itoa(s.NiceLevel)}, unix.SYS_SETPRIORITY, c(unix.PRIO_PROCESS), c(0), ci(s.NiceLevel))
	}
	return nil
}

// creds drops the capabilities not kept and takes the jail's ids.
func (b *progBuilder) creds(in *ProgInput) error {
	s := in.Spec
	var keep uint64
	if s.KeepCaps {
		keep = ^uint64(0)
	}
	for _, n := range s.Caps {
		if n < 0 || n > 63 {
			return &Error{Op: "keep capability", Path: strconv.Itoa(n), Err: errors.New("no such capability")}
		}
		keep |= 1 << n
	}
	if in.SetPCap {
		for cp := 0; cp <= in.LastCap; cp++ {
			if keep&(1<<cp) == 0 {
				b.op(OpDesc{Op: "drop capability " + capName(cp) + " from the bounding set"}, unix.SYS_PRCTL, c(unix.PR_CAPBSET_DROP), ci(cp))
			}
		}
	}
	if keep != 0 {
		b.op(OpDesc{Op: "prctl PR_SET_KEEPCAPS"}, unix.SYS_PRCTL, c(unix.PR_SET_KEEPCAPS), c(1))
	}
	b.switchIDs(s.UID, s.GID, s.SetGroups)
	kept := in.PermittedCaps & keep
	hdr := b.bytes(binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, unix.LINUX_CAPABILITY_VERSION_3), 0))
	var data []byte
	for i := 0; i < 2; i++ {
		k := uint32(kept >> (32 * i))
		for j := 0; j < 3; j++ { // effective, permitted, inheritable
			data = binary.NativeEndian.AppendUint32(data, k)
		}
	}
	b.op(OpDesc{Op: "capset"}, unix.SYS_CAPSET, c(hdr), c(b.bytes(data)))
	i := b.op(OpDesc{Op: "clear the ambient capabilities"}, unix.SYS_PRCTL, c(unix.PR_CAP_AMBIENT), c(unix.PR_CAP_AMBIENT_CLEAR_ALL), c(0), c(0), c(0))
	_ = i
	for cp := 0; cp < 64; cp++ {
		if kept&(1<<cp) != 0 {
			b.op(OpDesc{Op: "raise ambient capability " + capName(cp)}, unix.SYS_PRCTL, c(unix.PR_CAP_AMBIENT), c(unix.PR_CAP_AMBIENT_RAISE), ci(cp), c(0), c(0))
		}
	}
	return nil
}

// candidates lists where the program may be: the path itself when it has
// a slash, else each directory of PATH (of its environment, or a
// standard one), as execvp searches.
func candidates(name string, env []string) ([]string, error) {
	if len(name)+1 > PathMax {
		return nil, &Error{Op: "exec", Path: name, Err: unix.ENAMETOOLONG}
	}
	if strings.Contains(name, "/") {
		return []string{name}, nil
	}
	var out []string
	for _, dir := range strings.Split(pathVar(env), ":") {
		if dir == "" {
			dir = "."
		}
		if p := dir + "/" + name; len(p)+1 <= PathMax {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, &Error{Op: "exec", Path: name, Err: notFoundErr(pathVar(env), unix.ENOENT)}
	}
	return out, nil
}

func pathVar(env []string) string {
	v := "/usr/local/bin:/usr/bin:/bin"
	for _, kv := range env {
		if x, ok := strings.CutPrefix(kv, "PATH="); ok {
			v = x
		}
	}
	return v
}

func notFoundErr(pathVar string, err error) error {
	return fmt.Errorf("not found in PATH %s: %w", pathVar, err)
}

// buildRoot builds the new root (see mount_linux.go for the order and
// why).
func (b *progBuilder) buildRoot(in *ProgInput) error {
	s := in.Spec
	b.op(OpDesc{Op: "make / private", Path: "/"}, unix.SYS_MOUNT, c(b.str("")), c(b.str("/")), c(0), c(unix.MS_REC|unix.MS_PRIVATE), c(0))
	chroot, chrootRW := s.Chroot, s.RW
	type pm struct {
		Mount
		isDir bool
		tree  uint64 // slot of the detached clone, 0 none
	}
	var mounts []pm
	for i, m := range s.Mounts {
		if m.Dst == "/" && m.Bind && !m.Symlink && m.SrcContent == nil {
			chroot, chrootRW = m.Src, m.RW
			continue
		}
		if in.SkipMount != nil && in.SkipMount[i] {
			continue
		}
		x := pm{Mount: m, isDir: true}
		if in.IsDir != nil {
			x.isDir = in.IsDir[i]
		}
		if m.Symlink || m.SrcContent != nil {
			x.isDir = false
		}
		if m.IsDir != nil {
			x.isDir = *m.IsDir
		}
		mounts = append(mounts, x)
	}
	hasProc := false
	for _, m := range mounts {
		hasProc = hasProc || path.Clean(m.Dst) == "/proc"
	}
	if s.MountProc && !hasProc {
		mounts = append(mounts, pm{Mount: Mount{Dst: "/proc", FSType: "proc", Mandatory: true, NoSuid: true, NoDev: true, NoExec: true}, isDir: true})
	}
	// Clone every source before anything is covered.
	var rootTree uint64
	if chroot != "" {
		rootTree = b.cloneTree(OpDesc{Op: "bind the chroot", Path: chroot}, chroot, !chrootRW, false, false, false)
	}
	for i := range mounts {
		m := &mounts[i]
		if !m.BindsSource() {
			continue
		}
		start := len(b.ops)
		if !m.Mandatory {
			b.group = "of " + m.Src + " on " + m.Dst
		}
		m.tree = b.cloneTree(OpDesc{Op: "bind", Path: m.Src}, m.Src, !m.RW, m.NoSuid, m.NoDev, m.NoExec)
		b.endGroup(start)
	}
	staging := b.str(in.Staging)
	if rootTree != 0 {
		b.op(OpDesc{Op: "attach the chroot", Path: chroot}, unix.SYS_MOVE_MOUNT, at(rootTree), c(b.str("")), ci(unix.AT_FDCWD), c(staging), c(unix.MOVE_MOUNT_F_EMPTY_PATH))
	} else {
		b.op(OpDesc{Op: "mount the root tmpfs on", Path: in.Staging}, unix.SYS_MOUNT, c(b.str("tmpfs")), c(staging), c(b.str("tmpfs")), c(unix.MS_NOSUID|unix.MS_NODEV), c(b.str("mode=0755")))
	}
	root := b.store(b.op(OpDesc{Op: "open the new root", Path: in.Staging}, unix.SYS_OPENAT, ci(unix.AT_FDCWD), c(staging), c(unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)))
	for _, m := range mounts {
		start := len(b.ops)
		if !m.Mandatory {
			b.group = "on " + m.Dst
			if m.tree != 0 && m.Src != "" {
				b.group = "of " + m.Src + " on " + m.Dst
			}
		}
		b.attach(root, in.FixedFD, m.Mount, m.isDir, m.tree)
		if m.tree != 0 {
			b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, at(m.tree))
		}
		b.endGroup(start)
	}
	b.op(OpDesc{Op: "chdir", Path: in.Staging}, unix.SYS_CHDIR, c(staging))
	dot := b.str(".")
	if s.NoPivotRoot {
		b.op(OpDesc{Op: "move the new root onto /", Path: in.Staging}, unix.SYS_MOUNT, c(dot), c(b.str("/")), c(0), c(unix.MS_MOVE), c(0))
		b.op(OpDesc{Op: "chroot", Path: in.Staging}, unix.SYS_CHROOT, c(dot))
	} else {
		// pivot_root(".", ".") stacks the old root under the new one;
		// detaching "." then removes the old root.
		b.op(OpDesc{Op: "pivot_root", Path: in.Staging}, unix.SYS_PIVOT_ROOT, c(dot), c(dot))
		b.op(OpDesc{Op: "detach the old root", Path: "/"}, unix.SYS_UMOUNT2, c(dot), c(unix.MNT_DETACH))
	}
	slash := b.str("/")
	b.op(OpDesc{Op: "chdir", Path: "/"}, unix.SYS_CHDIR, c(slash))
	if rootTree == 0 && !s.RW {
		attr := b.words(unix.MOUNT_ATTR_RDONLY, 0, 0, 0)
		b.op(OpDesc{Op: "make the root read-only", Path: "/"}, unix.SYS_MOUNT_SETATTR, ci(unix.AT_FDCWD), c(slash), c(0), c(attr), c(32))
	}
	b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, at(root))
	if rootTree != 0 {
		b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, at(rootTree))
	}
	return nil
}

// endGroup ends the optional group begun at op start: each of its ops
// jumps past the group when it fails.
func (b *progBuilder) endGroup(start int) {
	if b.group == "" {
		return
	}
	for i := start; i < len(b.ops); i++ {
		b.ops[i].OnFail = uint64(len(b.ops))
		b.ops[i].Ctl |= OpReport
	}
	b.group = ""
	// A no-op to land on, so that a group at the end has a target.
	b.op(OpDesc{Op: "getpid"}, unix.SYS_GETPID)
}

// cloneTree clones the tree at src, detached, with the flags set on all of
// it, and returns the slot of its fd.
func (b *progBuilder) cloneTree(d OpDesc, src string, ro, nosuid, nodev, noexec bool) uint64 {
	fd := b.store(b.op(d, unix.SYS_OPEN_TREE, ci(unix.AT_FDCWD), c(b.str(src)), c(unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)))
	var set uint64
	if ro {
		set |= unix.MOUNT_ATTR_RDONLY
	}
	if nosuid {
		set |= unix.MOUNT_ATTR_NOSUID
	}
	if nodev {
		set |= unix.MOUNT_ATTR_NODEV
	}
	if noexec {
		set |= unix.MOUNT_ATTR_NOEXEC
	}
	if set != 0 {
		b.op(d, unix.SYS_MOUNT_SETATTR, at(fd), c(b.str("")), c(unix.AT_EMPTY_PATH|unix.AT_RECURSIVE), c(b.words(set, 0, 0, 0)), c(32))
	}
	return fd
}

// openIn opens p inside the tree at root; symlinks resolve inside it.
func (b *progBuilder) openIn(d OpDesc, root uint64, p string, flags, mode uint64) uint64 {
	how := b.words(flags|unix.O_CLOEXEC, mode, unix.RESOLVE_IN_ROOT|unix.RESOLVE_NO_MAGICLINKS)
	return b.store(b.op(d, unix.SYS_OPENAT2, at(root), c(b.str(p)), c(how), c(24)))
}

// mkdirIn creates directory p and its parents inside root.
func (b *progBuilder) mkdirIn(root uint64, p string) {
	p = path.Clean("/" + p)
	parent := "/"
	for _, part := range strings.Split(p, "/")[1:] {
		if part == "" {
			continue
		}
		next := path.Join(parent, part)
		if !b.made[next] {
			d := OpDesc{Op: "mkdir", Path: next}
			pfd := b.openIn(d, root, parent, unix.O_PATH|unix.O_DIRECTORY, 0)
			i := b.op(d, unix.SYS_MKDIRAT, at(pfd), c(b.str(part)), c(0o755))
			b.ops[i].Ctl |= OpEExistOK
			b.op(d, unix.SYS_CLOSE, at(pfd))
			if b.group == "" {
				b.made[next] = true // a later mount can count on it
			}
		}
		parent = next
	}
}

// attach puts one mount into the new root.
func (b *progBuilder) attach(root uint64, fixedFD int, m Mount, isDir bool, tree uint64) {
	dst := path.Clean("/" + m.Dst)
	if m.Symlink {
		b.mkdirIn(root, path.Dir(dst))
		pfd := b.openIn(OpDesc{Op: "open", Path: path.Dir(dst)}, root, path.Dir(dst), unix.O_PATH|unix.O_DIRECTORY, 0)
		b.op(OpDesc{Op: "symlink " + m.Src + " at", Path: dst}, unix.SYS_SYMLINKAT, c(b.str(m.Src)), at(pfd), c(b.str(path.Base(dst))))
		b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, at(pfd))
		return
	}
	if isDir {
		b.mkdirIn(root, dst)
	} else {
		b.mkdirIn(root, path.Dir(dst))
		fd := b.openIn(OpDesc{Op: "create", Path: dst}, root, dst, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, 0o644)
		if len(m.SrcContent) > 0 {
			b.op(OpDesc{Op: "write", Path: dst}, unix.SYS_WRITE, at(fd), c(b.bytes(m.SrcContent)), ci(len(m.SrcContent)))
		}
		b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, at(fd))
		if m.SrcContent != nil && !m.RW {
			return // read-only once the root is; nothing to mount
		}
	}
	target := b.openIn(OpDesc{Op: "open the mount point", Path: dst}, root, dst, unix.O_PATH, 0)
	empty := b.str("")
	switch {
	case m.SrcContent != nil:
		// A writable content file: bind it onto itself so it stays
		// writable when the root becomes read-only.
		d := OpDesc{Op: "bind", Path: dst}
		t := b.store(b.op(d, unix.SYS_OPEN_TREE, at(target), c(empty), c(unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)))
		b.op(d, unix.SYS_MOVE_MOUNT, at(t), c(empty), at(target), c(empty), c(unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH))
		b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, at(t))
	case tree != 0:
		b.op(OpDesc{Op: "mount " + m.Src + " on", Path: dst}, unix.SYS_MOVE_MOUNT, at(tree), c(empty), at(target), c(empty), c(unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH))
	default:
		var flags uint64
		if !m.RW {
			flags |= unix.MS_RDONLY
		}
		if m.NoSuid {
			flags |= unix.MS_NOSUID
		}
		if m.NoDev {
			flags |= unix.MS_NODEV
		}
		if m.NoExec {
			flags |= unix.MS_NOEXEC
		}
		src := m.Src
		if src == "" {
			src = m.FSType
		}
		what := "mount " + m.FSType
		if m.Options != "" {
			what += " (" + m.Options + ")"
		}
		// The mount point is named by a fixed fd number: the program
		// cannot format the number an open returned into a path.
		b.op(OpDesc{Op: what + " on", Path: dst}, unix.SYS_DUP3, at(target), ci(fixedFD), c(unix.O_CLOEXEC))
		b.op(OpDesc{Op: what + " on", Path: dst}, unix.SYS_MOUNT, c(b.str(src)), c(b.str("/proc/self/fd/"+strconv.Itoa(fixedFD))), c(b.str(m.FSType)), c(flags), c(b.str(m.Options)))
		b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, ci(fixedFD))
	}
	b.op(OpDesc{Op: "close"}, unix.SYS_CLOSE, at(target))
}

// Failed returns the failure the executor recorded in region, if any.
func (p *Prog) Failed(region []byte) *Error {
	f := (*Failure)(unsafe.Pointer(&region[p.FailOff]))
	if f.Failed == 0 {
		return nil
	}
	return p.Failure(int(f.Index), syscall.Errno(f.Errno), func(j int) (syscall.Errno, bool) { return p.opFailed(region, j) })
}

// Failure describes the failure of op i with errno (0: a result check
// failed); failed tells which earlier ops failed and were passed over.
func (p *Prog) Failure(i int, errno syscall.Errno, failed func(j int) (syscall.Errno, bool)) *Error {
	if i >= len(p.Desc) {
		return &Error{Op: "jail setup", Err: errors.New("the program ran off its end")}
	}
	d := p.Desc[i]
	err := d.Err
	if err == nil {
		err = errno
	}
	if d.Op == "exec" && d.Err != nil {
		// Not found in PATH: the first candidate that exists but cannot
		// be executed says more than ENOENT.
		for j := p.firstCheck; j < i; j++ {
			if e, ok := failed(j); ok && e != unix.ENOENT && e != unix.ENOTDIR {
				err = notFoundErr(p.pathVar, e)
				break
			}
		}
	}
	return &Error{Op: d.Op, Path: d.Path, Err: err}
}

func (p *Prog) opRes(region []byte, i int) uint64 {
	return binary.NativeEndian.Uint64(region[p.OpsOff+i*OpSize+88:])
}

// Skipped returns, for each optional mount the program skipped, why.
func (p *Prog) Skipped(region []byte) []string {
	var out []string
	last := ""
	for i, d := range p.Desc {
		if d.Optional == "" || d.Optional == last {
			continue
		}
		if errno, failed := p.opFailed(region, i); failed {
			out = append(out, p.SkipText(i, errno))
			last = d.Optional
		}
	}
	return out
}

// opFailed reports whether op i ran and failed, and its errno.
func (p *Prog) opFailed(region []byte, i int) (syscall.Errno, bool) {
	r := int64(p.opRes(region, i))
	ctl := binary.NativeEndian.Uint64(region[p.OpsOff+i*OpSize+56:])
	if r >= 0 || ctl&OpEExistOK != 0 && syscall.Errno(-r) == unix.EEXIST {
		return 0, false
	}
	return syscall.Errno(-r), true
}

// stagingDirs are tried in order as the place to build the root on.
var stagingDirs = []string{"/tmp", "/mnt", "/run", "/var/tmp", "/dev"}

// StagingDir returns the directory the root is built on: the first of
// stagingDirs that exists.
func StagingDir() (string, error) {
	for _, d := range stagingDirs {
		var st unix.Stat_t
		if err := unix.Lstat(d, &st); err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return d, nil
		}
	}
	return "", &Error{Op: "find a directory to build the root on", Path: strings.Join(stagingDirs, ", "), Err: unix.ENOENT}
}

// SkipText says that the optional op i failed with errno and its mount
// was skipped.
func (p *Prog) SkipText(i int, errno syscall.Errno) string {
	if i < 0 || i >= len(p.Desc) {
		return fmt.Sprintf("op %d failed: %v", i, errno)
	}
	d := p.Desc[i]
	return fmt.Sprintf("skipping the optional mount %s: %s: %v", d.Optional, d.Op, errno)
}

// PathMax is PATH_MAX, the NUL included.
const PathMax = 4096

// Optional reports whether op i belongs to an optional mount.
func (p *Prog) Optional(i int) bool { return i >= 0 && i < len(p.Desc) && p.Desc[i].Optional != "" }

// listenerFD is where the listener's fd goes in the message to the
// runner.
func (p *Prog) listenerFD() uint64 { return p.listenerAt }

// BuildPrelude lays out, at base, the program of a child started before
// its run's program exists (the fd table is still the runner's, CLONE_FILES):
// it resets the handlers of signals (the runner's, which must never run on
// the child), starts a session when setsid, sets the parent-death signal
// and waits for a byte on fd sock. Then it takes a private copy of the fd
// table, acknowledges with a byte, and switches to the program the runner
// wrote the address of at SwitchAddr.
//
// The child shares the runner's fd table while it waits, so the socket
// does not tell it the runner died; runnerPidfd, a pidfd of the runner
// (-1: none) in that table, does, even when the runner died before the
// child set its parent-death signal.
//
// unshare lists namespaces the child makes itself first (clone makes them
// in the runner's thread, unshare in the child's, which runs on another
// CPU while the runner goes on).
func BuildPrelude(base uint64, sock, runnerPidfd int, unshare uint64, signals []int, setsid bool) *Prog {
	b := &progBuilder{base: base, data: make([]byte, 0, 1024), ops: make([]Op, 0, len(signals)+8), desc: make([]OpDesc, 0, len(signals)+8)}
	p := &Prog{Base: base, SyncByte: 'S'}
	p.FailOff = int(b.words(0, 0, 0) - base)
	masks := b.words(^uint64(0), 0)
	p.MaskAll, p.MaskSaved = masks, masks+8
	p.StackTop = b.bytes(make([]byte, 512)) + 512 - 16
	p.SwitchAddr = b.words(0, 0, 0)
	dfl := b.words(0, 0, 0, 0)
	for _, sig := range signals {
		b.op(OpDesc{Op: "reset the handler of signal " + strconv.Itoa(sig)}, unix.SYS_RT_SIGACTION, ci(sig), c(dfl), c(0), c(8))
	}
	if unshare != 0 {
		b.op(OpDesc{Op: "unshare " + nsNames(uintptr(unshare))}, unix.SYS_UNSHARE, c(unshare))
	}
	if setsid {
		b.op(OpDesc{Op: "setsid"}, unix.SYS_SETSID)
	}
	b.op(OpDesc{Op: "set the parent-death signal"}, unix.SYS_PRCTL, c(unix.PR_SET_PDEATHSIG), c(uint64(unix.SIGKILL)))
	one := b.slot()
	fds := append(pollFd(sock, unix.POLLIN), pollFd(runnerPidfd, unix.POLLIN)...)
	b.op(OpDesc{Op: "wait for the jail's program"}, unix.SYS_PPOLL, c(b.bytes(fds)), c(2), c(0), c(0), c(0))
	// The byte is there, or the runner is gone and nothing will come.
	i := b.op(OpDesc{Op: "wait for the jail's program", Err: errors.New("the runner is gone")}, unix.SYS_RECVFROM, ci(sock), c(one), c(1), c(unix.MSG_DONTWAIT), c(0), c(0))
	b.ops[i].Ctl |= OpNeedNonzero
	b.op(OpDesc{Op: "unshare CLONE_FILES"}, unix.SYS_UNSHARE, c(unix.CLONE_FILES))
	b.op(OpDesc{Op: "tell the runner its fds are copied"}, unix.SYS_WRITE, ci(sock), c(b.bytes([]byte{'A'})), c(1))
	b.op(OpDesc{Op: "switch to the jail's program"}, OpSwitch, c(p.SwitchAddr))
	b.align()
	p.OpsOff = len(b.data)
	p.NumOps = len(b.ops)
	p.Region = b.region()
	p.Desc = b.desc
	return p
}

// region returns the data and the ops after it, in one slice of the
// exact size.
func (b *progBuilder) region() []byte {
	r := make([]byte, len(b.data)+len(b.ops)*OpSize)
	copy(r, b.data)
	copy(r[len(b.data):], unsafe.Slice((*byte)(unsafe.Pointer(&b.ops[0])), len(b.ops)*OpSize))
	return r
}
