package sandbox

import (
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// NobodyID is the outside uid and gid the jail's user maps to when the
// runner is root and nothing else was asked for: the jail then owns no
// file of the host.
const NobodyID = 65534

// Defaults of DefaultConfig, named so that tests and help texts can use
// them.
const (
	DefaultHostname  = "kafel"
	DefaultCwd       = "/tmp"
	DefaultTimeLimit = 600 * time.Second // nsjail's time_limit default
	DefaultMemMax    = 512 << 20         // bytes
	DefaultPidsMax   = 64
	DefaultCPUMs     = 1000 // one CPU's worth of time per wall second
	DefaultTmpSize   = "size=128m"
	DefaultPath      = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
)

// DefaultConfig returns the embedded default of `kafel run`, the jail a
// command gets when no flag or file says otherwise:
//
//   - every namespace but time (user, pid, mount, net, uts, ipc, cgroup),
//     so no network but loopback;
//   - the jail's user is the runner's uid and gid, mapped to itself when
//     the runner is unprivileged and to nobody (65534) when it is root;
//   - a root built in a fresh read-only tmpfs: read-only binds of /usr,
//     /lib*, /bin and /sbin (as symlinks where the host has merged /usr),
//     the few /etc files programs read at start (ld.so.cache, localtime,
//     and a passwd, group and hosts of our own), a writable tmpfs /tmp,
//     a fresh read-only /proc, and a minimal /dev (null, zero, full,
//     random, urandom, plus the fd symlinks);
//   - rlimits: address space 4 GiB, no core files, 600 s of CPU, files up
//     to 64 MiB, 1024 open files; nproc, stack, memlock, rtprio and
//     msgqueue keep the runner's soft limit (nsjail's SOFT default);
//   - cgroup limits of 512 MiB memory without swap, 64 pids and one CPU,
//     in the hierarchy the host has (v2 where /sys/fs/cgroup is cgroup2,
//     else v1), applied when the host supports them (Cgroups.Optional);
//   - 600 s wall-clock limit, cwd /tmp, hostname "kafel", a small PATH,
//     HOME and LANG, no capabilities, no_new_privs;
//   - the embedded default seccomp policy (Seccomp.Default).
//
// The result still needs Path and Argv before it validates. Reading the
// host's layout and rlimits happens here, when it is called.
func DefaultConfig() *Config {
	uid, gid := DefaultIDMaps()
	c := &Config{
		Name:     "default",
		Mode:     ModeOnce,
		Hostname: DefaultHostname,
		Cwd:      DefaultCwd,
		Env: []string{
			"PATH=" + DefaultPath,
			"HOME=/tmp",
			"LANG=C.UTF-8",
		},
		TimeLimit: DefaultTimeLimit,
		Namespaces: Namespaces{
			User: true, PID: true, Mount: true, Net: true,
			UTS: true, IPC: true, Cgroup: true,
		},
		UIDMap:  uid,
		GIDMap:  gid,
		Mounts:  DefaultMounts(),
		Rlimits: DefaultRlimits(),
		Cgroups: NsjailCgroups(),
		Seccomp: Seccomp{Default: true},
	}
	c.Cgroups.MemMax = DefaultMemMax
	c.Cgroups.MemSwapMax = 0
	c.Cgroups.PidsMax = DefaultPidsMax
	c.Cgroups.CPUMsPerSec = DefaultCPUMs
	c.Cgroups.Optional = true
	// The hierarchy the host has: v2 where /sys/fs/cgroup is cgroup2
	// (nsjail asks for --detect_cgroupv2; its configurations still do).
	c.Cgroups.DetectV2 = true
	return c
}

// DefaultIDMaps returns the uid and gid maps used when nothing else was
// asked for: one id, the runner's effective uid (gid) inside, mapped to
// itself outside, or to NobodyID when the runner is root.
func DefaultIDMaps() (uid, gid []IDMap) {
	euid, egid := uint32(os.Geteuid()), uint32(os.Getegid())
	outU, outG := euid, egid
	if euid == 0 {
		outU, outG = NobodyID, NobodyID
	}
	return []IDMap{{Inside: euid, Outside: outU, Count: 1}},
		[]IDMap{{Inside: egid, Outside: outG, Count: 1}}
}

// NsjailCgroups returns nsjail's cgroup defaults: no limit, swap left
// alone, and its mount points and parent cgroups.
func NsjailCgroups() Cgroups {
	var g Cgroups
	g.V2Mount = "/sys/fs/cgroup"
	g.V1MemMount = "/sys/fs/cgroup/memory"
	g.V1PidsMount = "/sys/fs/cgroup/pids"
	g.V1CPUMount = "/sys/fs/cgroup/cpu"
	g.V1NetClsMount = "/sys/fs/cgroup/net_cls"
	g.V1MemParent = "NSJAIL"
	g.V1PidsParent = "NSJAIL"
	g.V1CPUParent = "NSJAIL"
	g.V1NetClsParent = "NSJAIL"
	g.MemSwapMax = -1
	return g
}

// Default content of the jail's /etc files that DefaultConfig writes.
const (
	defaultPasswd = "root:x:0:0:root:/tmp:/bin/sh\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	defaultGroup = "root:x:0:\nnogroup:x:65534:\n"
	defaultHosts = "127.0.0.1\tlocalhost " + DefaultHostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n"
)

// DefaultMounts returns the root of DefaultConfig, following the host's
// layout: a top-level library or binary directory that is a symlink on
// the host (merged /usr) becomes the same symlink in the jail, one that
// is missing is left out.
func DefaultMounts() []Mount {
	var ms []Mount
	ro := func(p string) Mount {
		return Mount{Src: p, Dst: p, Bind: true, Mandatory: true, NoSuid: true, NoDev: true}
	}
	ms = append(ms, ro("/usr"))
	for _, p := range []string{"/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"} {
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			continue
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				continue
			}
			ms = append(ms, Mount{Src: target, Dst: p, Symlink: true, Mandatory: true})
		case fi.IsDir():
			ms = append(ms, ro(p))
		}
	}
	for _, p := range []string{"/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"} {
		if _, err := os.Stat(p); err == nil {
			m := ro(p)
			m.Mandatory = false
			ms = append(ms, m)
		}
	}
	for _, f := range []struct{ dst, content string }{
		{"/etc/passwd", defaultPasswd},
		{"/etc/group", defaultGroup},
		{"/etc/hosts", defaultHosts},
	} {
		ms = append(ms, Mount{SrcContent: []byte(f.content), Dst: f.dst, Bind: true, Mandatory: false})
	}
	ms = append(ms,
		Mount{Dst: "/tmp", FSType: "tmpfs", Options: DefaultTmpSize, RW: true, Mandatory: true, NoSuid: true, NoDev: true},
		Mount{Dst: "/proc", FSType: "proc", Mandatory: true, NoSuid: true, NoDev: true, NoExec: true},
	)
	for _, d := range []string{"null", "zero", "full", "random", "urandom"} {
		p := filepath.Join("/dev", d)
		ms = append(ms, Mount{Src: p, Dst: p, Bind: true, RW: true, Mandatory: true, NoSuid: true, NoExec: true})
	}
	for _, l := range []struct{ src, dst string }{
		{"/proc/self/fd", "/dev/fd"},
		{"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"},
		{"/proc/self/fd/2", "/dev/stderr"},
	} {
		ms = append(ms, Mount{Src: l.src, Dst: l.dst, Symlink: true, Mandatory: true})
	}
	return ms
}

// DefaultRlimits returns the rlimits of DefaultConfig. The resources it
// does not set numerically take the runner's current soft limit as both
// soft and hard limit, as nsjail's SOFT does.
func DefaultRlimits() []Rlimit {
	const mib = 1 << 20
	rl := []Rlimit{
		{Resource: unix.RLIMIT_AS, Soft: 4096 * mib, Hard: 4096 * mib},
		{Resource: unix.RLIMIT_CORE, Soft: 0, Hard: 0},
		{Resource: unix.RLIMIT_CPU, Soft: 600, Hard: 600},
		{Resource: unix.RLIMIT_FSIZE, Soft: 64 * mib, Hard: 64 * mib},
		{Resource: unix.RLIMIT_NOFILE, Soft: 1024, Hard: 1024},
	}
	for _, r := range inheritedRlimits {
		if cur, err := CurrentRlimit(r); err == nil {
			rl = append(rl, Rlimit{Resource: r, Soft: cur.Soft, Hard: cur.Soft})
		}
	}
	return rl
}

// CurrentRlimit returns the runner's own limit of resource.
func CurrentRlimit(resource int) (Rlimit, error) {
	var r unix.Rlimit
	if err := unix.Getrlimit(resource, &r); err != nil {
		return Rlimit{}, err
	}
	return Rlimit{Resource: resource, Soft: uint64(r.Cur), Hard: uint64(r.Max)}, nil
}

// RlimitInfinity is RLIM_INFINITY in Rlimit's fields.
const RlimitInfinity = ^uint64(0)
