package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// userNSHint says how the host restricts the user namespaces of
// unprivileged users, read through read, or "" when it does not.
func userNSHint(read func(string) ([]byte, error)) string {
	val := func(p string) string {
		b, err := read(p)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	switch {
	case val("/proc/sys/user/max_user_namespaces") == "0":
		return "user.max_user_namespaces is 0: this host allows no user namespace"
	case val("/proc/sys/kernel/unprivileged_userns_clone") == "0":
		return "kernel.unprivileged_userns_clone is 0: only root may make user namespaces here"
	case val("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
		return "kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor takes the capabilities of an unprivileged user's namespaces; run as root, or give kafel an AppArmor profile that allows userns"
	}
	return ""
}

// explainRunError adds to an error of a run of cfg what the host says of
// its likely cause.
func explainRunError(err error, cfg *Config) error {
	return explainSetup(explainAccess(explainExec(err, cfg), cfg), os.Geteuid(), readKernelFile)
}

// explainAccess adds to a bind whose source the jail could not reach
// (EACCES) who the jail is on the host: the jail builds its root with its
// own ids, and by default a root runner's jail is nobody outside.
func explainAccess(err error, cfg *Config) error {
	var se *SetupError
	if !errors.As(err, &se) || !strings.HasPrefix(se.Op, "bind") || !errors.Is(err, unix.EACCES) ||
		!cfg.Namespaces.User || len(cfg.UIDMap) == 0 || cfg.UIDMap[0].Outside == 0 {
		return err
	}
	se.Err = fmt.Errorf("%w (the jail is uid %d on the host, which may not reach %s: let others read it and search the directories above it, or map the jail to its owner with -u and -g)", se.Err, cfg.UIDMap[0].Outside, se.Path)
	return err
}

// filteredHint says that this process runs under a seccomp filter of
// its own, read through read, or "" when it does not.
func filteredHint(read func(string) ([]byte, error)) string {
	b, err := read("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Seccomp:"); ok && strings.TrimSpace(v) == "2" {
			return "kafel itself runs under a seccomp filter (Seccomp: 2 in /proc/self/status), as in a container, and it may refuse new namespaces: give the container a profile that allows clone and unshare with namespace flags (Docker: --security-opt seccomp=unconfined)"
		}
	}
	return ""
}

// appArmorHint names the AppArmor profile this process runs under, read
// through read, when it is enforced and not unconfined: Docker's
// docker-default forbids mount.
func appArmorHint(read func(string) ([]byte, error)) string {
	for _, p := range []string{"/proc/self/attr/apparmor/current", "/proc/self/attr/current"} {
		b, err := read(p)
		if err != nil {
			continue
		}
		label := strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
		if strings.HasSuffix(label, "(enforce)") {
			return fmt.Sprintf("kafel runs under the AppArmor profile %s, which may forbid mounts (Docker's docker-default does): run it unconfined (Docker: --security-opt apparmor=unconfined) or under a profile that allows them", strings.TrimSuffix(label, " (enforce)"))
		}
		return ""
	}
	return ""
}

// procHint says which mounts cover parts of this process's /proc, read
// through read, or "" when none does. The kernel lets a user namespace
// mount a proc only where the proc it sees shows all of itself.
func procHint(read func(string) ([]byte, error)) string {
	b, err := read("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	var over []string
	for _, line := range strings.Split(string(b), "\n") {
		// binfmt_misc sits on an empty directory of proc, which hides
		// nothing.
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], "/proc/") && !strings.Contains(line, " - binfmt_misc ") {
			over = append(over, f[4])
		}
	}
	if len(over) == 0 {
		return ""
	}
	return fmt.Sprintf("mounts cover parts of the /proc kafel sees (%s), as a container masks them, and the kernel lets a user namespace mount a proc only where nothing of it is hidden: leave /proc out (--disable_proc, mount_proc: false), or give the container an unmasked /proc (Docker: --security-opt systempaths=unconfined)", strings.Join(over, ", "))
}

// explainCgroup adds to a cgroup step the runner was refused the likely
// cause: no delegation for an unprivileged runner (euid), a read-only
// cgroup file system.
func explainCgroup(se *SetupError, euid int) {
	switch {
	case errors.Is(se.Err, unix.EROFS):
		se.Err = fmt.Errorf("%w (the cgroup file system is mounted read-only here, as in an unprivileged container; leave the limits out, or mount it read-write)", se.Err)
	case euid != 0 && (errors.Is(se.Err, unix.EACCES) || errors.Is(se.Err, unix.EPERM)):
		se.Err = fmt.Errorf("%w (cgroups are not delegated to this user; leave the limits out or delegate a cgroup)", se.Err)
	}
}

// isMountStep reports whether op names a step of building the jail's
// root: a mount, a bind, the root's own.
func isMountStep(op string) bool {
	for _, p := range []string{"mount", "bind", "pivot_root", "umount", "move the new root"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// explainSetup adds to a setup step that the runner was refused (EPERM,
// ENOSPC; EACCES from AppArmor) the likely causes the host shows: a
// seccomp filter on the runner itself, parts of /proc hidden (for a proc
// mount), an AppArmor profile (for a mount), and for an unprivileged
// runner (euid), how the host restricts user namespaces; for a cgroup
// step, explainCgroup's.
func explainSetup(err error, euid int, read func(string) ([]byte, error)) error {
	var se *SetupError
	if !errors.As(err, &se) {
		return err
	}
	if strings.HasPrefix(se.Op, "cgroup") {
		explainCgroup(se, euid)
		return err
	}
	refused := errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSPC)
	var hints []string
	add := func(h string) {
		if h != "" {
			hints = append(hints, h)
		}
	}
	if refused {
		add(filteredHint(read))
	}
	if strings.HasPrefix(se.Op, "mount proc") && errors.Is(err, unix.EPERM) {
		add(procHint(read))
	}
	// AppArmor refuses with EACCES.
	if isMountStep(se.Op) && (refused || errors.Is(err, unix.EACCES)) {
		add(appArmorHint(read))
	}
	if refused && euid != 0 {
		add(userNSHint(read))
	}
	if len(hints) > 0 {
		se.Err = fmt.Errorf("%w (%s)", se.Err, strings.Join(hints, "; "))
	}
	return err
}
