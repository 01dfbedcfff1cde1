package nsjailcfg

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/sandbox"
)

// Loaded is a configuration ready to validate and run, with where its
// values came from so that errors can point there.
type Loaded struct {
	Config   *sandbox.Config
	Warnings []Diagnostic
	Log      LogSettings

	file    *File
	origins map[string]origin // Go field path of Config → where it was written
}

// LogSettings are the runner's logging options (log_file, log_fd,
// log_level, -l, -L, -v, -q, -Q).
type LogSettings struct {
	File  string // "" for none
	FD    int    // -1 for the default (stderr)
	Level LogLevel
}

type origin struct {
	path []seg  // in the file
	flag string // or the flag that set it
}

// Config converts the file's message into a sandbox.Config with nsjail's
// meanings, reporting values it cannot apply at their position.
//
// Differences from nsjail, on purpose: an empty outside_id (and a file
// with no uidmap/gidmap) maps to the runner's id, except that a root
// runner maps to nobody (65534) instead of host root; an explicit outside
// id 0 is kept and warned about. mount_proc becomes an explicit read-only
// proc Mount after the file's mounts. A file without a seccomp policy gets
// the embedded default policy (Seccomp.Default), where nsjail installs
// none.
func (f *File) Config() (*Loaded, error) {
	c := &converter{f: f, m: f.Msg, l: &Loaded{file: f, origins: map[string]origin{}, Config: &sandbox.Config{}}}
	c.convert()
	c.l.Warnings = c.diags.warnings()
	if err := c.diags.err(); err != nil {
		return nil, err
	}
	return c.l, nil
}

type converter struct {
	f     *File
	m     *NsJailConfig
	l     *Loaded
	diags diagList
}

func (c *converter) errorf(path []seg, format string, args ...any) {
	c.diags = append(c.diags, c.f.at(SeverityError, path, format, args...))
}

func (c *converter) warnf(path []seg, format string, args ...any) {
	c.diags = append(c.diags, c.f.at(SeverityWarning, path, format, args...))
}

func (c *converter) origin(goField string, path ...seg) {
	c.l.origins[goField] = origin{path: path}
}

func top(name string) seg { return seg{name, 0} }

// fieldPair pairs a Config (or Mount) field with the file's field of the
// same meaning. The tables are arrays, static data: maps would be built at
// every start of kafel, which reads them only for a configuration file.
type fieldPair struct{ goField, proto string }

// topOrigins pairs Config fields with the file's field of the same meaning.
var topOrigins = [...]fieldPair{
	{"Name", "name"}, {"Mode", "mode"}, {"Hostname", "hostname"},
	{"Cwd", "cwd"}, {"Path", "exec_bin"}, {"Argv", "exec_bin"},
	{"KeepEnv", "keep_env"}, {"Env", "envar"}, {"TimeLimit", "time_limit"},
	{"MaxCPUs", "max_cpus"}, {"Namespaces.User", "clone_newuser"}, {"Namespaces.PID", "clone_newpid"},
	{"Namespaces.Mount", "clone_newns"}, {"Namespaces.Net", "clone_newnet"}, {"Namespaces.UTS", "clone_newuts"},
	{"Namespaces.IPC", "clone_newipc"}, {"Namespaces.Cgroup", "clone_newcgroup"}, {"Namespaces.Time", "clone_newtime"},
	{"UIDMap", "uidmap"}, {"GIDMap", "gidmap"}, {"Chroot", "chroot_dir"},
	{"RW", "is_root_rw"}, {"NoPivotRoot", "no_pivotroot"}, {"Mounts", "mount"},
	{"MountProc", "mount_proc"}, {"Cgroups.MemMax", "cgroup_mem_max"}, {"Cgroups.MemMemswMax", "cgroup_mem_memsw_max"},
	{"Cgroups.MemSwapMax", "cgroup_mem_swap_max"}, {"Cgroups.PidsMax", "cgroup_pids_max"}, {"Cgroups.CPUMsPerSec", "cgroup_cpu_ms_per_sec"},
	{"Cgroups.NetClsClassID", "cgroup_net_cls_classid"}, {"Cgroups.UseV2", "use_cgroupv2"}, {"Cgroups.DetectV2", "detect_cgroupv2"},
	{"Cgroups.V2Mount", "cgroupv2_mount"}, {"Cgroups.V1MemMount", "cgroup_mem_mount"}, {"Cgroups.V1PidsMount", "cgroup_pids_mount"},
	{"Cgroups.V1CPUMount", "cgroup_cpu_mount"}, {"Cgroups.V1NetClsMount", "cgroup_net_cls_mount"}, {"Cgroups.V1MemParent", "cgroup_mem_parent"},
	{"Cgroups.V1PidsParent", "cgroup_pids_parent"}, {"Cgroups.V1CPUParent", "cgroup_cpu_parent"}, {"Cgroups.V1NetClsParent", "cgroup_net_cls_parent"},
	{"Seccomp.PolicyFile", "seccomp_policy_file"}, {"Seccomp.Policy", "seccomp_string"}, {"Seccomp.Log", "seccomp_log"},
	{"KeepCaps", "keep_caps"}, {"Caps", "cap"}, {"DisableNoNewPrivs", "disable_no_new_privs"},
	{"SkipSetsid", "skip_setsid"}, {"NiceLevel", "nice_level"}, {"OOMScoreAdj", "oom_score_adj"},
	{"IfaceNoLo", "iface_no_lo"}, {"PassFDs", "pass_fd"}, {"Silent", "silent"},
	{"StderrToNull", "stderr_to_null"}, {"Port", "port"}, {"BindHost", "bindhost"},
	{"MaxConns", "max_conns"}, {"MaxConnsPerIP", "max_conns_per_ip"},
}

// mountOrigins pairs Mount fields with MountPt fields.
var mountOrigins = [...]fieldPair{
	{"Src", "src"}, {"SrcContent", "src_content"}, {"Dst", "dst"},
	{"FSType", "fstype"}, {"Options", "options"}, {"Bind", "is_bind"},
	{"RW", "rw"}, {"IsDir", "is_dir"}, {"Mandatory", "mandatory"},
	{"Symlink", "is_symlink"},
}

// protoField returns the file's field paired with goField in pairs.
func protoField(pairs []fieldPair, goField string) (string, bool) {
	for _, p := range pairs {
		if p.goField == goField {
			return p.proto, true
		}
	}
	return "", false
}

// rlimitSpec describes one rlimit_* field pair.
type rlimitSpec struct {
	name     string
	resource int
	mul      uint64 // unit of the value, in the kernel's unit
}

// rlimitSpecs are nsjail's rlimits, in its order, with its units.
var rlimitSpecs = []rlimitSpec{
	{"as", unix.RLIMIT_AS, 1 << 20},
	{"core", unix.RLIMIT_CORE, 1 << 20},
	{"cpu", unix.RLIMIT_CPU, 1},
	{"fsize", unix.RLIMIT_FSIZE, 1 << 20},
	{"nofile", unix.RLIMIT_NOFILE, 1},
	{"nproc", unix.RLIMIT_NPROC, 1},
	{"stack", unix.RLIMIT_STACK, 1 << 20},
	{"memlock", unix.RLIMIT_MEMLOCK, 1 << 10},
	{"rtprio", rlimitRTPrio, 1},
	{"msgqueue", rlimitMsgqueue, 1},
}

func (c *converter) rlimitValues() []struct {
	value uint64
	typ   RLimit
} {
	m := c.m
	return []struct {
		value uint64
		typ   RLimit
	}{
		{m.GetRlimitAs(), m.GetRlimitAsType()},
		{m.GetRlimitCore(), m.GetRlimitCoreType()},
		{m.GetRlimitCpu(), m.GetRlimitCpuType()},
		{m.GetRlimitFsize(), m.GetRlimitFsizeType()},
		{m.GetRlimitNofile(), m.GetRlimitNofileType()},
		{m.GetRlimitNproc(), m.GetRlimitNprocType()},
		{m.GetRlimitStack(), m.GetRlimitStackType()},
		{m.GetRlimitMemlock(), m.GetRlimitMemlockType()},
		{m.GetRlimitRtprio(), m.GetRlimitRtprioType()},
		{m.GetRlimitMsgqueue(), m.GetRlimitMsgqueueType()},
	}
}

// resolveRlimit returns the limit nsjail's (value, type) pair means for
// spec: value times the unit, the runner's current soft or hard limit, or
// infinity; soft and hard are set alike, as nsjail does.
func resolveRlimit(spec rlimitSpec, value uint64, typ RLimit) (sandbox.Rlimit, error) {
	r := sandbox.Rlimit{Resource: spec.resource}
	switch typ {
	case RLimit_VALUE:
		hi, v := bits.Mul64(value, spec.mul)
		if hi != 0 {
			return r, fmt.Errorf("%d is too large", value)
		}
		r.Soft, r.Hard = v, v
	case RLimit_SOFT, RLimit_HARD:
		cur, err := sandbox.CurrentRlimit(spec.resource)
		if err != nil {
			return r, fmt.Errorf("reading the runner's limit: %w", err)
		}
		v := cur.Soft
		if typ == RLimit_HARD {
			v = cur.Hard
		}
		r.Soft, r.Hard = v, v
	case RLimit_INF:
		r.Soft, r.Hard = sandbox.RlimitInfinity, sandbox.RlimitInfinity
	default:
		return r, fmt.Errorf("unknown rlimit type %d", typ)
	}
	return r, nil
}

func (c *converter) convert() {
	m, cfg := c.m, c.l.Config
	for _, p := range topOrigins {
		c.origin(p.goField, top(p.proto))
	}

	cfg.Name = m.GetName()
	switch m.GetMode() {
	case Mode_LISTEN:
		cfg.Mode = sandbox.ModeListenTCP
	case Mode_ONCE:
		cfg.Mode = sandbox.ModeOnce
	case Mode_RERUN:
		cfg.Mode = sandbox.ModeRerun
	case Mode_EXECVE:
		cfg.Mode = sandbox.ModeExecve
	default:
		c.errorf([]seg{top("mode")}, "unknown mode %d", m.GetMode())
	}
	cfg.Namespaces = sandbox.Namespaces{
		User: m.GetCloneNewuser(), PID: m.GetCloneNewpid(), Mount: m.GetCloneNewns(),
		Net: m.GetCloneNewnet(), UTS: m.GetCloneNewuts(), IPC: m.GetCloneNewipc(),
		Cgroup: m.GetCloneNewcgroup(), Time: m.GetCloneNewtime(),
	}
	// nsjail sets the hostname only in a new UTS namespace; its default
	// then means nothing.
	if cfg.Namespaces.UTS || m.Hostname != nil {
		cfg.Hostname = m.GetHostname()
	}
	cfg.Cwd = m.GetCwd()
	cfg.NoPivotRoot = m.GetNoPivotroot()
	cfg.Port = int(m.GetPort())
	cfg.BindHost = m.GetBindhost()
	cfg.MaxConns = int(m.GetMaxConns())
	cfg.MaxConnsPerIP = int(m.GetMaxConnsPerIp())
	cfg.TimeLimit = time.Duration(m.GetTimeLimit()) * time.Second
	cfg.MaxCPUs = int(m.GetMaxCpus())
	cfg.NiceLevel = int(m.GetNiceLevel())
	if m.OomScoreAdj != nil {
		v := int(m.GetOomScoreAdj())
		cfg.OOMScoreAdj = &v
	}

	c.l.Log = LogSettings{File: m.GetLogFile(), FD: -1, Level: LogLevel_INFO}
	if m.LogFd != nil {
		c.l.Log.FD = int(m.GetLogFd())
	}
	if m.LogLevel != nil {
		c.l.Log.Level = m.GetLogLevel()
	}

	cfg.KeepEnv = m.GetKeepEnv()
	for i, e := range m.GetEnvar() {
		kv, ok := envEntry(e)
		if !ok {
			c.warnf([]seg{{"envar", i}}, "envar %q: the runner has no such variable; it is left out", e)
			continue
		}
		c.origin(fmt.Sprintf("Env[%d]", len(cfg.Env)), seg{"envar", i})
		cfg.Env = append(cfg.Env, kv)
	}

	cfg.KeepCaps = m.GetKeepCaps()
	for i, name := range m.GetCap() {
		c.origin(fmt.Sprintf("Caps[%d]", i), seg{"cap", i})
		cfg.Caps = append(cfg.Caps, name)
	}
	cfg.Silent = m.GetSilent()
	cfg.SkipSetsid = m.GetSkipSetsid()
	cfg.StderrToNull = m.GetStderrToNull()
	for i, fd := range m.GetPassFd() {
		c.origin(fmt.Sprintf("PassFDs[%d]", i), seg{"pass_fd", i})
		cfg.PassFDs = append(cfg.PassFDs, int(fd))
	}
	cfg.DisableNoNewPrivs = m.GetDisableNoNewPrivs()

	if !m.GetDisableRl() {
		for i, v := range c.rlimitValues() {
			spec := rlimitSpecs[i]
			r, err := resolveRlimit(spec, v.value, v.typ)
			if err != nil {
				c.errorf([]seg{top("rlimit_" + spec.name)}, "rlimit_%s: %v", spec.name, err)
				continue
			}
			c.origin(fmt.Sprintf("Rlimits[%d]", len(cfg.Rlimits)), top("rlimit_"+spec.name))
			cfg.Rlimits = append(cfg.Rlimits, r)
		}
	}

	cfg.Personality = sandbox.Personality{
		AddrCompatLayout: m.GetPersonaAddrCompatLayout(),
		MmapPageZero:     m.GetPersonaMmapPageZero(),
		ReadImpliesExec:  m.GetPersonaReadImpliesExec(),
		AddrLimit3GB:     m.GetPersonaAddrLimit_3Gb(),
		AddrNoRandomize:  m.GetPersonaAddrNoRandomize(),
	}

	c.idMaps()
	c.mounts()

	cfg.Seccomp.PolicyFile = m.GetSeccompPolicyFile()
	if s := m.GetSeccompString(); len(s) > 0 {
		cfg.Seccomp.Policy = strings.Join(s, "\n") + "\n"
	}
	cfg.Seccomp.Log = m.GetSeccompLog()
	cfg.Seccomp.Default = true

	g := sandbox.NsjailCgroups()
	g.MemMax = m.GetCgroupMemMax()
	g.MemMemswMax = m.GetCgroupMemMemswMax()
	g.MemSwapMax = m.GetCgroupMemSwapMax()
	g.PidsMax = m.GetCgroupPidsMax()
	g.CPUMsPerSec = uint64(m.GetCgroupCpuMsPerSec())
	g.NetClsClassID = m.GetCgroupNetClsClassid()
	g.UseV2 = m.GetUseCgroupv2()
	g.DetectV2 = m.GetDetectCgroupv2()
	g.V2Mount = m.GetCgroupv2Mount()
	g.V1MemMount, g.V1MemParent = m.GetCgroupMemMount(), m.GetCgroupMemParent()
	g.V1PidsMount, g.V1PidsParent = m.GetCgroupPidsMount(), m.GetCgroupPidsParent()
	g.V1CPUMount, g.V1CPUParent = m.GetCgroupCpuMount(), m.GetCgroupCpuParent()
	g.V1NetClsMount, g.V1NetClsParent = m.GetCgroupNetClsMount(), m.GetCgroupNetClsParent()
	cfg.Cgroups = g

	cfg.IfaceNoLo = m.GetIfaceNoLo()

	if e := m.GetExecBin(); e != nil {
		cfg.Path = e.GetPath()
		cfg.Argv = append([]string{e.GetPath()}, e.GetArg()...)
		if e.Arg0 != nil {
			cfg.Argv[0] = e.GetArg0()
		}
		for i := range e.GetArg() {
			c.origin(fmt.Sprintf("Argv[%d]", i+1), top("exec_bin"), seg{"arg", i})
		}
		c.origin("Path", top("exec_bin"), top("path"))
		if e.GetExecFd() {
			c.errorf([]seg{top("exec_bin"), top("exec_fd")}, "exec_fd (execveat of a descriptor) is not supported by kafel run")
		}
	}

	c.unsupported()
}

// unsupported reports nsjail features kafel run does not implement when
// the file asks for them: the run would not be what the file says.
func (c *converter) unsupported() {
	m := c.m
	if m.GetDaemon() {
		c.errorf([]seg{top("daemon")}, "daemon is not supported by kafel run; run it under a service manager")
	}
	if m.GetDisableTsc() {
		c.errorf([]seg{top("disable_tsc")}, "disable_tsc is not supported by kafel run")
	}
	if len(m.GetIfaceOwn()) > 0 {
		c.errorf([]seg{top("iface_own")}, "iface_own is not supported by kafel run")
	}
	if m.MacvlanIface != nil {
		c.errorf([]seg{top("macvlan_iface")}, "macvlan_iface is not supported by kafel run")
	}
	if m.GetForwardSignals() {
		c.warnf([]seg{top("forward_signals")}, "forward_signals is ignored: kafel run forwards SIGINT and SIGTERM and kills the jail on others")
	}
}

// envEntry resolves an envar entry: NAME=value as is, NAME alone with the
// runner's value (false when it has none).
func envEntry(e string) (string, bool) {
	if strings.Contains(e, "=") {
		return e, true
	}
	v, ok := os.LookupEnv(e)
	if !ok {
		return "", false
	}
	return e + "=" + v, true
}

func (c *converter) idMaps() {
	cfg := c.l.Config
	defU, defG := sandbox.DefaultIDMaps()
	for _, k := range []struct {
		name  string
		gid   bool
		maps  []*IdMap
		dst   *[]sandbox.IDMap
		deflt []sandbox.IDMap
	}{
		{"uidmap", false, c.m.GetUidmap(), &cfg.UIDMap, defU},
		{"gidmap", true, c.m.GetGidmap(), &cfg.GIDMap, defG},
	} {
		if len(k.maps) == 0 {
			if cfg.Namespaces.User {
				*k.dst = k.deflt
			}
			continue
		}
		for i, im := range k.maps {
			path := []seg{{k.name, i}}
			m, err := ParseIDMap(im.GetInsideId(), im.GetOutsideId(), im.GetCount(), k.gid)
			if err != nil {
				c.errorf(path, "%s: %v", k.name, err)
				continue
			}
			m.UseNewIDMap = im.GetUseNewidmap()
			if im.Count != nil && im.GetCount() == 0 {
				c.errorf(append(path, top("count")), "%s: count must be at least 1", k.name)
			}
			if m.Outside == 0 && cfg.Namespaces.User {
				c.warnf(append(path, top("outside_id")), "%s maps the jail's id %d to host %s (outside id 0): the jail owns every file root owns that it can see",
					k.name, m.Inside, map[bool]string{false: "root", true: "group root"}[k.gid])
			}
			c.origin(fmt.Sprintf("%s[%d]", map[bool]string{false: "UIDMap", true: "GIDMap"}[k.gid], i), path...)
			*k.dst = append(*k.dst, m)
		}
	}
}

// ParseIDMap resolves one id mapping written the nsjail way: ids are
// numbers or user (group) names; an empty inside id is the runner's
// effective id, an empty outside id the runner's effective id too, except
// for a root runner, whose jail maps to nobody (sandbox.NobodyID).
func ParseIDMap(inside, outside string, count uint32, gid bool) (sandbox.IDMap, error) {
	cur := uint32(os.Geteuid())
	if gid {
		cur = uint32(os.Getegid())
	}
	m := sandbox.IDMap{Count: count}
	var err error
	if inside == "" {
		m.Inside = cur
	} else if m.Inside, err = lookupID(inside, gid); err != nil {
		return m, fmt.Errorf("inside_id: %w", err)
	}
	switch {
	case outside == "" && os.Geteuid() == 0:
		m.Outside = sandbox.NobodyID
	case outside == "":
		m.Outside = cur
	default:
		if m.Outside, err = lookupID(outside, gid); err != nil {
			return m, fmt.Errorf("outside_id: %w", err)
		}
	}
	return m, nil
}

func lookupID(s string, gid bool) (uint32, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		if n == math.MaxUint32 {
			return 0, fmt.Errorf("%s is not a valid id", s)
		}
		return uint32(n), nil
	}
	if strings.HasPrefix(s, "-") || s[0] >= '0' && s[0] <= '9' {
		return 0, fmt.Errorf("%q is not an id (a number from 0 to 4294967294) or a name", s)
	}
	var id string
	if gid {
		g, err := user.LookupGroup(s)
		if err != nil {
			return 0, fmt.Errorf("no group %q", s)
		}
		id = g.Gid
	} else {
		u, err := user.Lookup(s)
		if err != nil {
			return 0, fmt.Errorf("no user %q", s)
		}
		id = u.Uid
	}
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		return 0, errors.New("bad id " + id)
	}
	return uint32(n), nil
}

func (c *converter) mounts() {
	cfg := c.l.Config
	cfg.Chroot = c.m.GetChrootDir()
	cfg.RW = c.m.GetIsRootRw()
	for i, mp := range c.m.GetMount() {
		path := []seg{{"mount", i}}
		src, dst := mp.GetSrc(), mp.GetDst()
		if env := mp.GetPrefixSrcEnv(); env != "" {
			v, ok := os.LookupEnv(env)
			if !ok {
				c.errorf(append(path, top("prefix_src_env")), "prefix_src_env: the runner has no variable %s", env)
			}
			src = v + src
		}
		if env := mp.GetPrefixDstEnv(); env != "" {
			v, ok := os.LookupEnv(env)
			if !ok {
				c.errorf(append(path, top("prefix_dst_env")), "prefix_dst_env: the runner has no variable %s", env)
			}
			dst = v + dst
		}
		mt := sandbox.Mount{
			Src: src, Dst: dst, FSType: mp.GetFstype(), Options: mp.GetOptions(),
			Bind: mp.GetIsBind(), RW: mp.GetRw(), Mandatory: mp.GetMandatory(),
			Symlink: mp.GetIsSymlink(), NoSuid: mp.GetNosuid(), NoDev: mp.GetNodev(), NoExec: mp.GetNoexec(),
		}
		if mp.SrcContent != nil {
			mt.SrcContent = append([]byte{}, mp.SrcContent...)
			mt.Bind = true
		}
		if mp.IsDir != nil {
			v := mp.GetIsDir()
			mt.IsDir = &v
		}
		k := len(cfg.Mounts)
		c.origin(fmt.Sprintf("Mounts[%d]", k), path...)
		for _, p := range mountOrigins {
			c.origin(fmt.Sprintf("Mounts[%d].%s", k, p.goField), path[0], top(p.proto))
		}
		cfg.Mounts = append(cfg.Mounts, mt)
	}
	if c.m.GetMountProc() {
		c.origin(fmt.Sprintf("Mounts[%d]", len(cfg.Mounts)), top("mount_proc"))
		cfg.Mounts = append(cfg.Mounts, ProcMount("/proc", false))
	}
}

// ProcMount is the proc mount nsjail adds for mount_proc and --proc_path.
func ProcMount(dst string, rw bool) sandbox.Mount {
	return sandbox.Mount{Dst: dst, FSType: "proc", RW: rw, Mandatory: true, NoSuid: true, NoDev: true, NoExec: true}
}

// Validate validates the configuration and returns its errors placed at
// the file's line and column, or at the flag, that gave the bad value.
func (l *Loaded) Validate() error {
	err := l.Config.Validate()
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var diags diagList
	for _, e := range errs {
		var fe *sandbox.FieldError
		if !errors.As(e, &fe) {
			diags = append(diags, Diagnostic{Msg: e.Error()})
			continue
		}
		diags = append(diags, l.place(fe))
	}
	return diags.err()
}

// place finds where the field of fe was written: the longest prefix of
// its Go path with a known origin.
func (l *Loaded) place(fe *sandbox.FieldError) Diagnostic {
	msg := fe.Field + ": " + fe.Msg
	if name, ok := protoNameOf(fe.Field); ok {
		msg = name + ": " + fe.Msg
	}
	for f := fe.Field; f != ""; f = parentField(f) {
		o, ok := l.origins[f]
		if !ok {
			continue
		}
		if o.flag != "" {
			return Diagnostic{Flag: o.flag, Msg: fe.Msg}
		}
		if l.file == nil {
			break
		}
		return l.file.at(SeverityError, o.path, "%s", msg)
	}
	d := Diagnostic{Msg: msg}
	if l.file != nil {
		d.File = l.file.Name
	}
	return d
}

// protoNameOf names a Config field by its file name where there is one.
func protoNameOf(goField string) (string, bool) {
	base := goField
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	n, ok := protoField(topOrigins[:], base)
	if !ok {
		return "", false
	}
	if i := strings.LastIndexByte(goField, '.'); i > 0 && strings.HasPrefix(goField, "Mounts[") {
		if sub, ok := protoField(mountOrigins[:], goField[i+1:]); ok {
			return "mount " + goField[len("Mounts"):i] + " " + sub, true
		}
	}
	return n + goField[len(base):], true
}

func parentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i <= 0 {
		return ""
	}
	return f[:i]
}
