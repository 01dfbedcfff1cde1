package sandbox

import (
	"github.com/gokafel/gokafel/bpfgen"

	"fmt"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/syscalls"
)

// How a violation is reported.
//
// Unless Seccomp.Log is set, every kill action of the policy (KILL_THREAD,
// KILL_PROCESS, including the default and foreign-arch actions) is
// replaced by SECCOMP_RET_USER_NOTIF, and the filter is installed with
// SECCOMP_FILTER_FLAG_NEW_LISTENER. The init passes the listener to the
// parent (SCM_RIGHTS) through the gate's sendmsg. A forbidden call then
// blocks in the kernel until the parent reads the notification (pid,
// number, arch, arguments), records it and SIGKILLs the whole jail; the
// parent never answers, so the call never runs. If the parent is gone the
// listener is closed, the call fails with ENOSYS, and the jail is already
// dying from its parent-death signal. A filter the program installs
// itself cannot let the call run either: only ALLOW, LOG and TRACE rank
// below USER_NOTIF, and none of them wins over it.
//
// When the kernel lacks USER_NOTIF (before 5.0), kill actions stay
// KILL_PROCESS: only the calling process dies, as with nsjail, and when
// that is the program (the jail's pid 1) the run reports "killed by SIGSYS
// (seccomp)" without naming the call.
//
// With Seccomp.Log, kill actions become USER_NOTIF too, and the parent
// answers each notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the
// call goes on, and the run's result lists it (Result.SeccompLogged), so
// that the log-then-enforce workflow needs no access to the kernel log.
// Each such call waits for the parent's answer, which costs tens of
// microseconds. Where the kernel cannot continue a call (before 5.5) they
// become LOG: nothing is killed, and the kernel's audit log names them.

// Seccomp return actions used here.
const (
	seccompRetKillProcess = 0x80000000
	seccompRetKillThread  = 0x00000000
	seccompRetUserNotif   = 0x7fc00000
	seccompRetLog         = 0x7ffc0000
	seccompRetAllow       = 0x7fff0000
	seccompRetActionFull  = 0xffff0000
)

var (
	nativeAuditArch uint32
	nativeBigEndian bool
	nativeArchName  string
)

func init() {
	if a := syscalls.HostArch(); a != nil {
		nativeAuditArch, nativeBigEndian, nativeArchName = a.AuditArch, a.BigEndian, a.Name
	}
}

// mapKills returns prog with the kill actions of its RET instructions
// replaced by to. A RET of the accumulator cannot be mapped statically and
// is refused.
func mapKills(prog []bpf.RawInstruction, to uint32) ([]bpf.RawInstruction, error) {
	out := make([]bpf.RawInstruction, len(prog))
	copy(out, prog)
	for i, ins := range out {
		switch ins.Op {
		case unix.BPF_RET | unix.BPF_K:
			switch ins.K & seccompRetActionFull {
			case seccompRetKillProcess, seccompRetKillThread:
				out[i].K = to
			}
		case unix.BPF_RET | unix.BPF_A:
			return nil, fmt.Errorf("sandbox: seccomp filter instruction %d returns the accumulator; kill actions cannot be mapped", i)
		}
	}
	return out, nil
}

// userNotifAvailable reports whether the kernel offers SECCOMP_RET_USER_NOTIF
// (a variable so that tests can take the fallback path).
var userNotifAvailable = func() bool { return kernelHasUserNotif() }

// kernelHasUserNotif reads the kernel's seccomp actions once per process.
var kernelHasUserNotif = sync.OnceValue(func() bool {
	b, err := readKernelFile("/proc/sys/kernel/seccomp/actions_avail")
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(string(b)) {
		if f == "user_notif" {
			return true
		}
	}
	return false
})

// buildFilter puts the gate in front of policy and maps its kill actions.
func buildFilter(policy []bpf.RawInstruction, sc Seccomp, calls []gateCall, notify bool) ([]bpf.RawInstruction, error) {
	if nativeAuditArch == 0 {
		return nil, fmt.Errorf("sandbox: seccomp: no syscall table for this arch: %w", ErrNotSupported)
	}
	var err error
	switch {
	case notify:
		// With sc.Log, the runner lets each notified call go on.
		policy, err = mapKills(policy, seccompRetUserNotif)
	case sc.Log:
		policy, err = mapKills(policy, seccompRetLog)
	default:
		policy, err = mapKills(policy, seccompRetKillProcess)
	}
	if err != nil {
		return nil, err
	}
	prefix, err := gatePrefix(calls)
	if err != nil {
		return nil, err
	}
	prog := append(prefix, policy...)
	if len(prog) > 4096 {
		return nil, fmt.Errorf("sandbox: seccomp filter of %d instructions (policy %d + execve gate %d) exceeds the kernel's 4096", len(prog), len(policy), len(prefix))
	}
	return prog, nil
}

// seccompNotif mirrors struct seccomp_notif.
type seccompNotif struct {
	ID    uint64
	PID   uint32
	Flags uint32
	Data  struct {
		Nr   int32
		Arch uint32
		IP   uint64
		Args [6]uint64
	}
}

// recvNotif waits for the next notification on the listener fd. It
// returns ok false when the filter has no users left or stop became
// readable.
func recvNotif(fd, stop int) (n seccompNotif, ok bool, err error) {
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(stop), Events: unix.POLLIN}}
		_, err := unix.Poll(pfd, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, false, err
		}
		if pfd[1].Revents != 0 {
			return n, false, nil
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			return n, false, nil // POLLHUP: no task uses the filter any more
		}
		n = seccompNotif{}
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n)))
		switch e {
		case 0:
			return n, true, nil
		case unix.EINTR, unix.ENOENT: // the caller died before we read it
			continue
		default:
			return n, false, e
		}
	}
}

// seccompNotifResp mirrors struct seccomp_notif_resp.
type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// seccompUserNotifFlagContinue is SECCOMP_USER_NOTIF_FLAG_CONTINUE.
const seccompUserNotifFlagContinue = 1

// continueNotif lets the notified call id go on as if the filter had
// allowed it.
func continueNotif(fd int, id uint64) error {
	resp := seccompNotifResp{ID: id, Flags: seccompUserNotifFlagContinue}
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp)))
	if e != 0 {
		return e
	}
	return nil
}

// notifContinueAvailable reports whether the kernel can let a notified
// call go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE, Linux 5.5).
var notifContinueAvailable = sync.OnceValue(func() bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 5 || major == 5 && minor >= 5
})

// violationOf describes a notification as a SeccompViolation, naming the
// arch and call as Kafel does. An x32 call (see bpfgen.IsX32) is
// named after the x86_64 call of the same number.
func violationOf(n seccompNotif) *SeccompViolation {
	v := &SeccompViolation{Nr: int(n.Data.Nr), Args: n.Data.Args, PID: int(n.PID)}
	nr := uint32(n.Data.Nr)
	var arch *syscalls.Arch
	for _, a := range syscalls.Arches() {
		if a.AuditArch == n.Data.Arch {
			arch = a
			break
		}
	}
	switch {
	case arch == nil:
		v.Arch = fmt.Sprintf("audit_arch_%#x", n.Data.Arch)
	case n.Data.Arch == unix.AUDIT_ARCH_X86_64 && bpfgen.IsX32(nr):
		v.Arch = "x32"
		nr -= x32First
	default:
		v.Arch = arch.Name
	}
	if arch != nil {
		if s, ok := arch.ByNumber(nr); ok {
			v.Syscall = s.Name
			v.NArgs = len(s.Args)
		}
	}
	if v.Syscall == "" {
		v.Syscall = fmt.Sprintf("syscall_%d", n.Data.Nr)
	}
	return v
}

// x32First is the first x32 syscall number (__X32_SYSCALL_BIT).
const x32First = 0x40000000
