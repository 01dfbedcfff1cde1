package jail

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// applyCreds drops supplementary groups, switches to uid and gid (-1
// keeps one), and leaves the thread with no capability but the kept ones
// in every set (bounding, permitted, effective, inheritable, ambient).
func applyCreds(c *Spec, uid, gid int, setGroups bool) error {
	var keep uint64
	switch {
	case c.KeepCaps:
		keep = ^uint64(0)
	default:
		for _, n := range c.Caps {
			if n < 0 || n > 63 {
				return setupErr("keep capability", strconv.Itoa(n), fmt.Errorf("no such capability"))
			}
			keep |= 1 << n
		}
	}
	// The bounding set limits what any later execve can gain (e.g. as
	// uid 0 inside); dropping needs CAP_SETPCAP, so it comes first.
	// Without CAP_SETPCAP (no user namespace, unprivileged runner) there
	// is nothing to drop that the runner had. PR_CAPBSET_DROP fails with
	// EINVAL only past the kernel's last capability.
	if haveEffective(unix.CAP_SETPCAP) {
		for cp := 0; cp < 64; cp++ {
			if keep&(1<<cp) != 0 {
				continue
			}
			_, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(cp), 0)
			if e == unix.EINVAL {
				break
			}
			if e != 0 {
				return setupErr("drop capability "+capName(cp)+" from the bounding set", "", e)
			}
		}
	}
	if keep != 0 {
		if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_KEEPCAPS, 1, 0); e != 0 {
			return setupErr("prctl PR_SET_KEEPCAPS", "", e)
		}
	}
	if err := switchIDs(uid, gid, setGroups); err != nil {
		return err
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if keep != 0 {
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			return setupErr("capget", "", err)
		}
		for i := range data {
			k := uint32(keep >> (32 * i))
			data[i].Permitted &= k
			data[i].Effective = data[i].Permitted
			data[i].Inheritable = data[i].Permitted
		}
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return setupErr("capset", "", err)
	}
	if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 && e != unix.EINVAL {
		return setupErr("clear the ambient capabilities", "", e)
	}
	// Kept capabilities survive execve as a non-root user only through
	// the ambient set.
	for i := range data {
		for b := 0; b < 32; b++ {
			if data[i].Permitted&(1<<b) == 0 {
				continue
			}
			cp := 32*i + b
			if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(cp), 0, 0, 0); e != 0 {
				return setupErr("raise ambient capability "+capName(cp), "", e)
			}
		}
	}
	return nil
}

// switchIDs drops the supplementary groups (when the user namespace
// allows setgroups) and sets the real, effective and saved ids of this
// thread; -1 keeps an id.
func switchIDs(uid, gid int, setGroups bool) error {
	if setGroups {
		if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
			return setupErr("setgroups", "", e)
		}
	}
	if gid >= 0 {
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(gid), uintptr(gid), uintptr(gid)); e != 0 {
			return setupErr("setresgid", strconv.Itoa(gid), e)
		}
	}
	if uid >= 0 {
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
			return setupErr("setresuid", strconv.Itoa(uid), e)
		}
	}
	return nil
}

func haveEffective(cp int) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[cp/32].Effective&(1<<(cp%32)) != 0
}

func capName(cp int) string { return "capability " + strconv.Itoa(cp) }

var rlimitNames = map[int]string{
	unix.RLIMIT_AS: "RLIMIT_AS", unix.RLIMIT_CORE: "RLIMIT_CORE", unix.RLIMIT_CPU: "RLIMIT_CPU",
	unix.RLIMIT_DATA: "RLIMIT_DATA", unix.RLIMIT_FSIZE: "RLIMIT_FSIZE", unix.RLIMIT_NOFILE: "RLIMIT_NOFILE",
	unix.RLIMIT_NPROC: "RLIMIT_NPROC", unix.RLIMIT_STACK: "RLIMIT_STACK", unix.RLIMIT_MEMLOCK: "RLIMIT_MEMLOCK",
	unix.RLIMIT_RTPRIO: "RLIMIT_RTPRIO", unix.RLIMIT_MSGQUEUE: "RLIMIT_MSGQUEUE", unix.RLIMIT_NICE: "RLIMIT_NICE",
	unix.RLIMIT_LOCKS: "RLIMIT_LOCKS", unix.RLIMIT_SIGPENDING: "RLIMIT_SIGPENDING", unix.RLIMIT_RTTIME: "RLIMIT_RTTIME",
}

func rlimitName(r int) string {
	if n, ok := rlimitNames[r]; ok {
		return n
	}
	return "rlimit " + strconv.Itoa(r)
}
