package sandbox

import (
	"errors"
	"fmt"
	"net"
	"path"
	"strings"
)

// FieldError is a problem with one field of a Config. Field is the Go
// path of the field, e.g. "Mounts[2].Dst", so that loaders can point at
// the line of the file it came from.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// ErrInvalid is matched (errors.Is) by every error Validate returns.
var ErrInvalid = errors.New("invalid sandbox configuration")

// Is reports that a FieldError is an ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Validate checks c for values the runner cannot apply and for
// combinations that cannot work, without touching the host. It returns
// nil or the *FieldError of every problem found, joined (errors.Join), in
// field order.
func (c *Config) Validate() error {
	var errs []error
	for _, check := range checks {
		for _, e := range check(c) {
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// checks are run in order by Validate; each looks at one concern.
var checks = []func(*Config) []error{
	checkMode,
	checkProgram,
	checkHostname,
	checkCwd,
	checkEnv,
	checkLimits,
	checkIDMaps,
	checkRoot,
	checkMounts,
	checkRlimits,
	checkCgroups,
	checkSeccomp,
	checkCaps,
	checkProcess,
	checkListen,
}

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func checkMode(c *Config) []error {
	switch c.Mode {
	case ModeOnce, ModeExecve, ModeRerun, ModeListenTCP:
		return nil
	}
	return []error{fieldErr("Mode", "unknown mode %d", c.Mode)}
}

func checkProgram(c *Config) []error {
	var errs []error
	switch {
	case c.Path == "":
		errs = append(errs, fieldErr("Path", "no program to run (give one after '--' or in exec_bin)"))
	case strings.IndexByte(c.Path, 0) >= 0:
		errs = append(errs, fieldErr("Path", "contains a NUL byte"))
	}
	for i, a := range c.Argv {
		if strings.IndexByte(a, 0) >= 0 {
			errs = append(errs, fieldErr(fmt.Sprintf("Argv[%d]", i), "contains a NUL byte"))
		}
	}
	return errs
}

func checkHostname(c *Config) []error {
	switch {
	case len(c.Hostname) > 64:
		return []error{fieldErr("Hostname", "%q is longer than 64 bytes", c.Hostname)}
	case strings.IndexByte(c.Hostname, 0) >= 0:
		return []error{fieldErr("Hostname", "contains a NUL byte")}
	case c.Hostname != "" && !c.Namespaces.UTS:
		return []error{fieldErr("Hostname", "setting the hostname needs the UTS namespace (Namespaces.UTS)")}
	}
	return nil
}

func checkCwd(c *Config) []error {
	if strings.IndexByte(c.Cwd, 0) >= 0 {
		return []error{fieldErr("Cwd", "contains a NUL byte")}
	}
	if c.Cwd != "" && !path.IsAbs(c.Cwd) {
		return []error{fieldErr("Cwd", "%q is not an absolute path", c.Cwd)}
	}
	return nil
}

func checkEnv(c *Config) []error {
	var errs []error
	for i, kv := range c.Env {
		k, _, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			errs = append(errs, fieldErr(fmt.Sprintf("Env[%d]", i), "%q is not NAME=value", kv))
		case k == "":
			errs = append(errs, fieldErr(fmt.Sprintf("Env[%d]", i), "%q has an empty name", kv))
		case strings.IndexByte(kv, 0) >= 0:
			errs = append(errs, fieldErr(fmt.Sprintf("Env[%d]", i), "contains a NUL byte"))
		}
	}
	return errs
}

func checkLimits(c *Config) []error {
	var errs []error
	if c.TimeLimit < 0 {
		errs = append(errs, fieldErr("TimeLimit", "negative duration %v", c.TimeLimit))
	}
	if c.MaxCPUs < 0 {
		errs = append(errs, fieldErr("MaxCPUs", "negative count %d", c.MaxCPUs))
	}
	return errs
}

// maxIDMapLines is the kernel's limit on the lines of a uid_map or gid_map.
const maxIDMapLines = 340

func checkIDMaps(c *Config) []error {
	var errs []error
	for _, m := range []struct {
		name string
		maps []IDMap
	}{{"UIDMap", c.UIDMap}, {"GIDMap", c.GIDMap}} {
		if !c.Namespaces.User {
			if len(m.maps) > 0 {
				errs = append(errs, fieldErr(m.name, "id maps need the user namespace (Namespaces.User)"))
			}
			continue
		}
		if len(m.maps) == 0 {
			errs = append(errs, fieldErr(m.name, "the user namespace needs at least one mapping"))
			continue
		}
		if len(m.maps) > maxIDMapLines {
			errs = append(errs, fieldErr(m.name, "%d mappings; the kernel takes at most %d", len(m.maps), maxIDMapLines))
		}
		for i, im := range m.maps {
			f := fmt.Sprintf("%s[%d]", m.name, i)
			if im.Count == 0 {
				errs = append(errs, fieldErr(f+".Count", "must be at least 1"))
				continue
			}
			if uint64(im.Inside)+uint64(im.Count) > 1<<32-1 {
				errs = append(errs, fieldErr(f, "inside range %d+%d overflows the id space", im.Inside, im.Count))
			}
			if uint64(im.Outside)+uint64(im.Count) > 1<<32-1 {
				errs = append(errs, fieldErr(f, "outside range %d+%d overflows the id space", im.Outside, im.Count))
			}
			for j := range i {
				o := m.maps[j]
				if overlap(im.Inside, im.Count, o.Inside, o.Count) {
					errs = append(errs, fieldErr(f, "inside range %d+%d overlaps %s[%d]", im.Inside, im.Count, m.name, j))
				}
				if overlap(im.Outside, im.Count, o.Outside, o.Count) {
					errs = append(errs, fieldErr(f, "outside range %d+%d overlaps %s[%d]", im.Outside, im.Count, m.name, j))
				}
			}
		}
	}
	return errs
}

func overlap(a, na, b, nb uint32) bool {
	return uint64(a) < uint64(b)+uint64(nb) && uint64(b) < uint64(a)+uint64(na)
}

func checkRoot(c *Config) []error {
	if strings.IndexByte(c.Chroot, 0) >= 0 {
		return []error{fieldErr("Chroot", "contains a NUL byte")}
	}
	if c.Chroot != "" && !path.IsAbs(c.Chroot) {
		return []error{fieldErr("Chroot", "%q is not an absolute path", c.Chroot)}
	}
	return nil
}

func checkMounts(c *Config) []error {
	var errs []error
	if len(c.Mounts) > 0 && !c.Namespaces.Mount {
		errs = append(errs, fieldErr("Mounts", "mounts need the mount namespace (Namespaces.Mount)"))
	}
	if c.MountProc && c.Namespaces.User && !c.Namespaces.PID {
		errs = append(errs, fieldErr("MountProc", "a /proc mounted from a user namespace needs the PID namespace too (Namespaces.PID)"))
	}
	for i, m := range c.Mounts {
		errs = append(errs, checkMount(c, fmt.Sprintf("Mounts[%d]", i), m)...)
	}
	return errs
}

func checkMount(c *Config, f string, m Mount) []error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fieldErr(f+field, format, args...))
	}
	switch {
	case m.Dst == "":
		add(".Dst", "empty mount point")
	case !path.IsAbs(m.Dst):
		add(".Dst", "%q is not an absolute path", m.Dst)
	case hasDotDot(m.Dst):
		add(".Dst", "%q has a '..' component", m.Dst)
	}
	if strings.IndexByte(m.Src+m.Dst+m.Options+m.FSType, 0) >= 0 {
		add("", "contains a NUL byte")
	}
	switch {
	case m.Symlink:
		if m.Src == "" {
			add(".Src", "a symlink needs a target")
		}
		if m.Bind || m.FSType != "" || m.SrcContent != nil {
			add(".Symlink", "a symlink is neither a bind mount nor a filesystem")
		}
		if m.Dst == "/" {
			add(".Dst", "the root cannot be a symlink")
		}
	case m.SrcContent != nil:
		if m.Src != "" {
			add(".SrcContent", "set together with Src %q; give one of them", m.Src)
		}
		if m.FSType != "" {
			add(".FSType", "content is bind-mounted, not a %q filesystem", m.FSType)
		}
	case m.Bind:
		if m.Src == "" {
			add(".Src", "a bind mount needs a source")
		} else if !path.IsAbs(m.Src) {
			add(".Src", "%q is not an absolute path", m.Src)
		}
		if m.FSType != "" {
			add(".FSType", "%q set on a bind mount", m.FSType)
		}
	default:
		if m.FSType == "" {
			add(".FSType", "neither a bind mount, a symlink, content nor a filesystem type")
		}
	}
	if m.FSType == "proc" && c.Namespaces.User && !c.Namespaces.PID {
		add(".FSType", "a proc mounted from a user namespace needs the PID namespace too (Namespaces.PID)")
	}
	return errs
}

func hasDotDot(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if e == ".." {
			return true
		}
	}
	return false
}

// rlimitCount is RLIM_NLIMITS: resources are numbered 0..15 on every
// Linux architecture.
const rlimitCount = 16

func checkRlimits(c *Config) []error {
	var errs []error
	seen := map[int]int{}
	for i, r := range c.Rlimits {
		f := fmt.Sprintf("Rlimits[%d]", i)
		if r.Resource < 0 || r.Resource >= rlimitCount {
			errs = append(errs, fieldErr(f+".Resource", "unknown resource %d", r.Resource))
			continue
		}
		if j, dup := seen[r.Resource]; dup {
			errs = append(errs, fieldErr(f+".Resource", "resource %d is also set by Rlimits[%d]", r.Resource, j))
		}
		seen[r.Resource] = i
		if r.Soft > r.Hard {
			errs = append(errs, fieldErr(f+".Soft", "soft limit %d is above the hard limit %d", r.Soft, r.Hard))
		}
	}
	return errs
}

func checkCgroups(c *Config) []error {
	var errs []error
	g := c.Cgroups
	if g.MemSwapMax < -1 {
		errs = append(errs, fieldErr("Cgroups.MemSwapMax", "%d: must be -1 (no setting) or a number of bytes", g.MemSwapMax))
	}
	if g.MemMemswMax != 0 && g.MemMemswMax < g.MemMax {
		errs = append(errs, fieldErr("Cgroups.MemMemswMax", "memory+swap limit %d is below the memory limit %d", g.MemMemswMax, g.MemMax))
	}
	if g.MemMemswMax != 0 && g.MemMax == 0 {
		errs = append(errs, fieldErr("Cgroups.MemMemswMax", "a memory+swap limit needs a memory limit (MemMax)"))
	}
	if g.UseV2 || g.DetectV2 {
		if g.V2Mount == "" || !path.IsAbs(g.V2Mount) {
			errs = append(errs, fieldErr("Cgroups.V2Mount", "%q is not an absolute path", g.V2Mount))
		}
	}
	if g.UseV2 && g.NetClsClassID != 0 {
		errs = append(errs, fieldErr("Cgroups.NetClsClassID", "net_cls exists only in cgroup v1"))
	}
	v1 := []struct {
		name, mount, parent string
		used                bool
	}{
		{"Mem", g.V1MemMount, g.V1MemParent, g.MemMax != 0 || g.MemMemswMax != 0 || g.MemSwapMax >= 0},
		{"Pids", g.V1PidsMount, g.V1PidsParent, g.PidsMax != 0},
		{"CPU", g.V1CPUMount, g.V1CPUParent, g.CPUMsPerSec != 0},
		{"NetCls", g.V1NetClsMount, g.V1NetClsParent, g.NetClsClassID != 0},
	}
	for _, v := range v1 {
		if !v.used || g.UseV2 {
			continue
		}
		if !path.IsAbs(v.mount) {
			errs = append(errs, fieldErr("Cgroups.V1"+v.name+"Mount", "%q is not an absolute path", v.mount))
		}
		if v.parent == "" || path.IsAbs(v.parent) || hasDotDot(v.parent) {
			errs = append(errs, fieldErr("Cgroups.V1"+v.name+"Parent", "%q must be a relative path under the mount, without '..'", v.parent))
		}
	}
	return errs
}

func checkSeccomp(c *Config) []error {
	if c.Seccomp.PolicyFile != "" && c.Seccomp.Policy != "" {
		return []error{fieldErr("Seccomp.Policy", "set together with Seccomp.PolicyFile %q; give one of them", c.Seccomp.PolicyFile)}
	}
	return nil
}

// capNames are the capabilities Linux knows, by number.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// CapNumber returns the number of the capability called name
// ("CAP_SYS_ADMIN"), or false if Linux has no such capability.
func CapNumber(name string) (int, bool) {
	for i, n := range capNames {
		if n == name {
			return i, true
		}
	}
	return 0, false
}

func checkCaps(c *Config) []error {
	var errs []error
	for i, name := range c.Caps {
		if _, ok := CapNumber(name); !ok {
			errs = append(errs, fieldErr(fmt.Sprintf("Caps[%d]", i), "unknown capability %q", name))
		}
	}
	return errs
}

func checkProcess(c *Config) []error {
	var errs []error
	if c.NiceLevel < -20 || c.NiceLevel > 19 {
		errs = append(errs, fieldErr("NiceLevel", "%d is outside -20..19", c.NiceLevel))
	}
	if c.OOMScoreAdj != nil && (*c.OOMScoreAdj < -1000 || *c.OOMScoreAdj > 1000) {
		errs = append(errs, fieldErr("OOMScoreAdj", "%d is outside -1000..1000", *c.OOMScoreAdj))
	}
	seen := map[int]bool{}
	for i, fd := range c.PassFDs {
		f := fmt.Sprintf("PassFDs[%d]", i)
		switch {
		case fd < 0:
			errs = append(errs, fieldErr(f, "negative descriptor %d", fd))
		case seen[fd]:
			errs = append(errs, fieldErr(f, "descriptor %d is passed twice", fd))
		}
		seen[fd] = true
	}
	return errs
}

func checkListen(c *Config) []error {
	var errs []error
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fieldErr("Port", "%d is not a TCP port", c.Port))
	}
	if c.MaxConns < 0 {
		errs = append(errs, fieldErr("MaxConns", "negative count %d", c.MaxConns))
	}
	if c.MaxConnsPerIP < 0 {
		errs = append(errs, fieldErr("MaxConnsPerIP", "negative count %d", c.MaxConnsPerIP))
	}
	if c.Mode != ModeListenTCP {
		return errs
	}
	if c.Port == 0 {
		errs = append(errs, fieldErr("Port", "listen mode needs a TCP port"))
	}
	if c.BindHost != "" && net.ParseIP(c.BindHost) == nil {
		errs = append(errs, fieldErr("BindHost", "%q is not an IP address", c.BindHost))
	}
	return errs
}
