package nsjailcfg

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/gokafel/gokafel/sandbox"
)

// Flags are nsjail's command-line flags, with its long names, short
// letters, meanings and defaults, plus a few of kafel run's own. Register
// them on a flag set with AddFlags, parse, then call Load.
//
// The zero Flags is a command line that gives no flag: its Load is that of
// AddFlags's Flags when nothing was parsed (Load reads a flag's value only
// when the flag was given, or when its default is the zero value), without
// registering a hundred flags, a good part of kafel run's start-up.
type Flags struct {
	fs *pflag.FlagSet

	Config string // -C: the configuration file
	Report string // --report: where to write the run's result as JSON

	mode, execFile, chroot, hostname, cwd, bindhost string
	procPath, policy, seccompPolicy                 string
	logFile                                         string
	logFD                                           int
	port, maxConns, maxConnsPerIP, timeLimit        uint
	maxCPUs                                         uint
	niceLevel, oomScoreAdj                          int

	verbose, quiet, reallyQuiet, daemon, executeFD, rw, noPivotRoot bool
	keepEnv, keepCaps, silent, stderrToNull, skipSetsid             bool
	disableNoNewPrivs, disableRlimits, disableProc, procRW          bool
	seccompLog, ifaceNoLo, disableTSC, forwardSignals               bool
	useV2, detectV2                                                 bool
	persona                                                         [5]bool
	disableNS                                                       [7]bool
	enableTimeNS                                                    bool

	env, caps, seccompString, ifaceOwn, includePaths []string
	passFDs                                          []int
	rlimits                                          [10]string

	cgMemMax, cgMemMemswMax, cgPidsMax                                    uint64
	cgMemSwapMax                                                          int64
	cgNetClsClassID, cgCPUMs                                              uint32
	cgMemMount, cgMemParent, cgPidsMount, cgPidsParent, cgNetClsMount     string
	cgNetClsParent, cgCPUMount, cgCPUParent, cgV2Mount                    string
	macvlanIface, macvlanIP, macvlanNM, macvlanGW, macvlanMA, macvlanMode string

	// mounts and idMaps keep the order in which their flags were given,
	// across flags, as nsjail applies them in order.
	mounts []mountFlag
	idMaps []idMapFlag
}

type mountFlag struct {
	flag, value string
}

type idMapFlag struct {
	flag, value   string
	gid, newIDMap bool
}

// orderedValue is a repeatable flag whose values go to a list shared with
// other flags, in command-line order.
type orderedValue struct {
	add  func(string) error
	vals []string
}

func (v *orderedValue) String() string { return strings.Join(v.vals, ",") }
func (v *orderedValue) Type() string   { return "stringArray" }
func (v *orderedValue) Set(s string) error {
	v.vals = append(v.vals, s)
	return v.add(s)
}

// listValue is a repeatable string flag, as pflag's StringArray (whose
// first value replaces the default: a nil one here, so each value is
// appended). pflag's prints every default through a CSV writer with its
// own buffer, which made registering the flags, at every start of kafel
// run, noticeably slower; an empty list prints as "" here, which --help
// omits as pflag's "[]" is.
type listValue struct{ p *[]string }

func (v listValue) String() string {
	if len(*v.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*v.p, ",") + "]"
}

func (v listValue) Type() string { return "stringArray" }

func (v listValue) Set(s string) error {
	*v.p = append(*v.p, s)
	return nil
}

// Names of the namespace flags, in the order of Flags.disableNS.
var nsFlagNames = []string{"disable_clone_newnet", "disable_clone_newuser", "disable_clone_newns",
	"disable_clone_newpid", "disable_clone_newipc", "disable_clone_newuts", "disable_clone_newcgroup"}

var personaFlagNames = []string{"persona_addr_compat_layout", "persona_mmap_page_zero",
	"persona_read_implies_exec", "persona_addr_limit_3gb", "persona_addr_no_randomize"}

// AddFlags registers nsjail's flags on fs and returns where their values
// go.
func AddFlags(fs *pflag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	fs.SortFlags = false
	fs.StringVarP(&f.mode, "mode", "M", "o", "execution mode: o (once), e (execve, no supervisor), r (rerun forever), l (listen on a TCP port)")
	fs.StringVarP(&f.Config, "config", "C", "", "configuration file, nsjail's NsJailConfig in protobuf text format or JSON; flags override it")
	fs.StringVarP(&f.execFile, "exec_file", "x", "", "file to execute (default: the command's first word)")
	fs.BoolVar(&f.executeFD, "execute_fd", false, "execveat() a descriptor of the file (not supported)")
	fs.StringVarP(&f.chroot, "chroot", "c", "", "directory bound read-only as the jail's / (default: a fresh tmpfs)")
	fs.BoolVar(&f.noPivotRoot, "no_pivotroot", false, "use mount(MS_MOVE) and chroot instead of pivot_root")
	fs.BoolVar(&f.rw, "rw", false, "mount the chroot directory (or the tmpfs root) read-write")
	f.idMapFlag("user", "u", false, false, "jail's uid, or inside:outside:count (repeatable; default: your uid, mapped to nobody when you are root)")
	f.idMapFlag("group", "g", true, false, "jail's gid, or inside:outside:count (repeatable)")
	f.idMapFlag("uid_mapping", "U", false, true, "uid mapping inside:outside:count written with newuidmap (repeatable)")
	f.idMapFlag("gid_mapping", "G", true, true, "gid mapping inside:outside:count written with newgidmap (repeatable)")
	fs.StringVarP(&f.hostname, "hostname", "H", sandbox.DefaultHostname, "hostname of the jail (a config file's default: NSJAIL)")
	fs.StringVarP(&f.cwd, "cwd", "D", sandbox.DefaultCwd, "working directory in the jail (/ when a config file or the flags give the root)")
	fs.UintVarP(&f.port, "port", "p", 0, "TCP port to listen on (selects mode l)")
	fs.StringVar(&f.bindhost, "bindhost", "::", "address to listen on in mode l")
	fs.UintVar(&f.maxConns, "max_conns", 0, "most connections at once in mode l (0: no limit)")
	fs.UintVarP(&f.maxConnsPerIP, "max_conns_per_ip", "i", 0, "most connections from one address in mode l (0: no limit)")
	fs.StringVarP(&f.logFile, "log", "l", "", "log file (default: the log descriptor)")
	fs.IntVarP(&f.logFD, "log_fd", "L", 2, "log descriptor")
	fs.UintVarP(&f.timeLimit, "time_limit", "t", 600, "wall-clock limit in seconds (0: none)")
	fs.UintVar(&f.maxCPUs, "max_cpus", 0, "most CPUs the jail may use (0: no limit)")
	fs.BoolVarP(&f.daemon, "daemon", "d", false, "daemonize (not supported)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log debug messages")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "log warnings and errors only")
	fs.BoolVarP(&f.reallyQuiet, "really_quiet", "Q", false, "log fatal errors only")
	fs.BoolVarP(&f.keepEnv, "keep_env", "e", false, "pass all of your environment to the jail")
	fs.VarP(listValue{&f.env}, "env", "E", "NAME=value to set, or NAME to pass yours (repeatable)")
	fs.BoolVar(&f.keepCaps, "keep_caps", false, "do not drop capabilities")
	fs.Var(listValue{&f.caps}, "cap", "capability to keep, e.g. CAP_NET_RAW (repeatable)")
	fs.BoolVar(&f.silent, "silent", false, "connect the program's stdin, stdout and stderr to /dev/null")
	fs.BoolVar(&f.stderrToNull, "stderr_to_null", false, "connect the program's stderr to /dev/null")
	fs.BoolVar(&f.skipSetsid, "skip_setsid", false, "do not call setsid(): the program shares your terminal (dangerous)")
	fs.IntSliceVar(&f.passFDs, "pass_fd", nil, "descriptor to pass to the program besides 0, 1, 2 (repeatable)")
	fs.BoolVar(&f.disableNoNewPrivs, "disable_no_new_privs", false, "do not set no_new_privs (dangerous)")
	for i, spec := range rlimitSpecs {
		var unit string
		switch {
		case spec.name == "cpu":
			unit = " in seconds"
		case spec.mul == 1<<10:
			unit = " in KiB"
		case spec.mul == 1<<20:
			unit = " in MiB"
		}
		fs.StringVar(&f.rlimits[i], "rlimit_"+spec.name, rlimitFlagDefault(spec.name),
			fmt.Sprintf("RLIMIT_%s%s, or max/hard, def/soft (your current limits), inf%s", strings.ToUpper(spec.name), unit, nsjailRlimitNote(spec.name)))
	}
	fs.BoolVar(&f.disableRlimits, "disable_rlimits", false, "set no rlimit: the jail keeps yours")
	for i, name := range personaFlagNames {
		fs.BoolVar(&f.persona[i], name, false, "personality("+strings.ToUpper(strings.TrimPrefix(name, "persona_"))+")")
	}
	for i, name := range nsFlagNames {
		short := ""
		if i == 0 {
			short = "N"
		}
		fs.BoolVarP(&f.disableNS[i], name, short, false, "no "+strings.ToUpper(strings.TrimPrefix(name, "disable_"))+" namespace")
	}
	fs.BoolVar(&f.enableTimeNS, "enable_clone_newtime", false, "a time namespace too")
	f.mountFlag("bindmount_ro", "R", "read-only bind mount src or src:dst (repeatable)")
	f.mountFlag("bindmount", "B", "read-write bind mount src, src:dst or src:dst:options (repeatable)")
	f.mountFlag("tmpfsmount", "T", "tmpfs at dst or dst:options, 4 MiB unless options say (repeatable)")
	f.mountFlag("mount", "m", "mount src:dst:fstype:options (src 'none' for none; repeatable)")
	f.mountFlag("symlink", "s", "symlink src:dst, dst pointing at src (repeatable)")
	fs.BoolVar(&f.disableProc, "disable_proc", false, "no /proc in the jail")
	fs.StringVar(&f.procPath, "proc_path", "/proc", "where to mount proc in the jail")
	fs.BoolVar(&f.procRW, "proc_rw", false, "mount proc read-write")
	fs.StringVarP(&f.seccompPolicy, "seccomp_policy", "P", "", "Kafel policy file")
	fs.StringVar(&f.policy, "policy", "", "Kafel policy file (same as --seccomp_policy)")
	fs.Var(listValue{&f.seccompString}, "seccomp_string", "Kafel policy text (repeatable, joined by newlines)")
	fs.BoolVar(&f.seccompLog, "seccomp_log", false, "let the calls the policy would kill go on, and list them at the end (log-then-enforce workflow)")
	fs.Var(listValue{&f.includePaths}, "include_path", "directory searched by #include in the policy (repeatable)")
	fs.IntVar(&f.niceLevel, "nice_level", 0, "niceness of the program, -20..19 (a config file's default: 19)")
	fs.IntVar(&f.oomScoreAdj, "oom_score_adj", 0, "oom_score_adj of the program, -1000..1000 (default: left alone)")
	fs.Uint64Var(&f.cgMemMax, "cgroup_mem_max", 0, "cgroup memory limit in bytes (0: none)")
	fs.Uint64Var(&f.cgMemMemswMax, "cgroup_mem_memsw_max", 0, "cgroup v1 memory+swap limit in bytes (0: none)")
	fs.Int64Var(&f.cgMemSwapMax, "cgroup_mem_swap_max", -1, "cgroup swap limit in bytes (-1: none)")
	fs.StringVar(&f.cgMemMount, "cgroup_mem_mount", "/sys/fs/cgroup/memory", "cgroup v1 memory hierarchy")
	fs.StringVar(&f.cgMemParent, "cgroup_mem_parent", "NSJAIL", "parent memory cgroup of the jails")
	fs.Uint64Var(&f.cgPidsMax, "cgroup_pids_max", 0, "cgroup pids limit (0: none)")
	fs.StringVar(&f.cgPidsMount, "cgroup_pids_mount", "/sys/fs/cgroup/pids", "cgroup v1 pids hierarchy")
	fs.StringVar(&f.cgPidsParent, "cgroup_pids_parent", "NSJAIL", "parent pids cgroup of the jails")
	fs.Uint32Var(&f.cgNetClsClassID, "cgroup_net_cls_classid", 0, "net_cls class id of the jail's packets (0: none)")
	fs.StringVar(&f.cgNetClsMount, "cgroup_net_cls_mount", "/sys/fs/cgroup/net_cls", "cgroup v1 net_cls hierarchy")
	fs.StringVar(&f.cgNetClsParent, "cgroup_net_cls_parent", "NSJAIL", "parent net_cls cgroup of the jails")
	fs.Uint32Var(&f.cgCPUMs, "cgroup_cpu_ms_per_sec", 0, "CPU milliseconds per wall second (0: no limit)")
	fs.StringVar(&f.cgCPUMount, "cgroup_cpu_mount", "/sys/fs/cgroup/cpu", "cgroup v1 cpu hierarchy")
	fs.StringVar(&f.cgCPUParent, "cgroup_cpu_parent", "NSJAIL", "parent cpu cgroup of the jails")
	fs.StringVar(&f.cgV2Mount, "cgroupv2_mount", "/sys/fs/cgroup", "cgroup v2 hierarchy")
	fs.BoolVar(&f.useV2, "use_cgroupv2", false, "use cgroup v2")
	fs.BoolVar(&f.detectV2, "detect_cgroupv2", false, "use cgroup v2 if the host has it (the default jail does; a config file, with detect_cgroupv2)")
	fs.BoolVar(&f.ifaceNoLo, "iface_no_lo", false, "leave the loopback interface down")
	fs.Var(listValue{&f.ifaceOwn}, "iface_own", "move this interface into the jail (not supported)")
	fs.StringVarP(&f.macvlanIface, "macvlan_iface", "I", "", "interface to clone into the jail with MACVLAN (not supported)")
	fs.StringVar(&f.macvlanIP, "macvlan_vs_ip", "192.168.0.2", "IP of the MACVLAN interface")
	fs.StringVar(&f.macvlanNM, "macvlan_vs_nm", "255.255.255.0", "netmask of the MACVLAN interface")
	fs.StringVar(&f.macvlanGW, "macvlan_vs_gw", "192.168.0.1", "gateway of the MACVLAN interface")
	fs.StringVar(&f.macvlanMA, "macvlan_vs_ma", "", "MAC address of the MACVLAN interface")
	fs.StringVar(&f.macvlanMode, "macvlan_vs_mo", "private", "MACVLAN mode")
	fs.BoolVar(&f.disableTSC, "disable_tsc", false, "disable rdtsc (not supported)")
	fs.BoolVar(&f.forwardSignals, "forward_signals", false, "accepted for nsjail compatibility; kafel run forwards SIGINT and SIGTERM")
	fs.StringVar(&f.Report, "report", "", "write how the run ended to this file as JSON")
	return f
}

func nsjailRlimitNote(name string) string {
	switch name {
	case "fsize":
		return " (a config file's default: 1)"
	case "nofile":
		return " (a config file's default: 32)"
	}
	return ""
}

// rlimitFlagDefault is the default --help shows: DefaultConfig's.
func rlimitFlagDefault(name string) string {
	switch name {
	case "as":
		return "4096"
	case "core":
		return "0"
	case "cpu":
		return "600"
	case "fsize":
		return "64"
	case "nofile":
		return "1024"
	}
	return "soft"
}

func (f *Flags) mountFlag(name, short, usage string) {
	f.fs.VarP(&orderedValue{add: func(s string) error {
		f.mounts = append(f.mounts, mountFlag{name, s})
		return nil
	}}, name, short, usage)
}

func (f *Flags) idMapFlag(name, short string, gid, newIDMap bool, usage string) {
	f.fs.VarP(&orderedValue{add: func(s string) error {
		f.idMaps = append(f.idMaps, idMapFlag{name, s, gid, newIDMap})
		return nil
	}}, name, short, usage)
}

func (f *Flags) changed(name string) bool { return f.fs != nil && f.fs.Changed(name) }

// Load builds the configuration of a run: the --config file, or
// sandbox.DefaultConfig without one; then every flag that was given,
// overriding the file; then command (the words after "--"), which
// replaces the file's exec_bin. It validates the result and returns it
// with the warnings; errors point at the file's line and column or at
// the flag.
//
// Without --config, flags that build the root (--chroot, -R, -B, -T, -m,
// -s) replace the default mounts, keeping only /proc, as nsjail's root is
// what its flags say; -u/-g/-U/-G replace the default id maps; cgroup
// flags make the cgroup limits mandatory.
func (f *Flags) Load(command []string) (*Loaded, error) {
	var l *Loaded
	if f.Config != "" {
		file, err := LoadFile(f.Config)
		if err != nil {
			return nil, err
		}
		if l, err = file.Config(); err != nil {
			return nil, err
		}
	} else {
		l = &Loaded{Config: sandbox.DefaultConfig(), origins: map[string]origin{}, Log: LogSettings{FD: -1, Level: LogLevel_INFO}}
	}
	var diags diagList
	f.apply(l, &diags)
	if len(command) > 0 {
		l.Config.Path = command[0]
		l.Config.Argv = append([]string{}, command...)
		l.origins["Path"] = origin{flag: "-- " + command[0]}
		l.origins["Argv"] = origin{flag: "--"}
	}
	if f.changed("exec_file") {
		l.Config.Path = f.execFile
		f.set(l, "Path", "exec_file")
	}
	if len(l.Config.Argv) == 0 && l.Config.Path != "" {
		l.Config.Argv = []string{l.Config.Path}
	}
	l.Warnings = append(l.Warnings, diags.warnings()...)
	if err := diags.err(); err != nil {
		return nil, err
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// set records that the Config field goField came from flag.
func (f *Flags) set(l *Loaded, goField, flag string) {
	l.origins[goField] = origin{flag: "--" + flag}
}

func (f *Flags) flagErr(diags *diagList, flag, format string, args ...any) {
	*diags = append(*diags, Diagnostic{Flag: "--" + flag, Msg: fmt.Sprintf(format, args...)})
}

func (f *Flags) apply(l *Loaded, diags *diagList) {
	c := l.Config
	fromDefaults := f.Config == ""

	if f.changed("port") {
		c.Port = int(f.port)
		c.Mode = sandbox.ModeListenTCP
		f.set(l, "Port", "port")
	}
	if f.changed("mode") {
		switch strings.ToLower(f.mode) {
		case "o", "once":
			c.Mode = sandbox.ModeOnce
		case "e", "execve":
			c.Mode = sandbox.ModeExecve
		case "r", "rerun":
			c.Mode = sandbox.ModeRerun
		case "l", "listen", "listen_tcp":
			c.Mode = sandbox.ModeListenTCP
		default:
			f.flagErr(diags, "mode", "unknown mode %q: want o, e, r or l", f.mode)
		}
		f.set(l, "Mode", "mode")
	}
	str := func(flag, goField string, dst *string, v string) {
		if f.changed(flag) {
			*dst = v
			f.set(l, goField, flag)
		}
	}
	str("hostname", "Hostname", &c.Hostname, f.hostname)
	str("cwd", "Cwd", &c.Cwd, f.cwd)
	str("bindhost", "BindHost", &c.BindHost, f.bindhost)
	if f.changed("max_conns") {
		c.MaxConns = int(f.maxConns)
		f.set(l, "MaxConns", "max_conns")
	}
	if f.changed("max_conns_per_ip") {
		c.MaxConnsPerIP = int(f.maxConnsPerIP)
		f.set(l, "MaxConnsPerIP", "max_conns_per_ip")
	}
	if f.changed("time_limit") {
		c.TimeLimit = time.Duration(f.timeLimit) * time.Second
		f.set(l, "TimeLimit", "time_limit")
	}
	if f.changed("max_cpus") {
		c.MaxCPUs = int(f.maxCPUs)
		f.set(l, "MaxCPUs", "max_cpus")
	}
	f.applyLog(l)

	boolFlag := func(flag, goField string, dst *bool, v bool) {
		if f.changed(flag) {
			*dst = v
			f.set(l, goField, flag)
		}
	}
	boolFlag("keep_env", "KeepEnv", &c.KeepEnv, f.keepEnv)
	for _, e := range f.env {
		kv, ok := envEntry(e)
		if !ok {
			*diags = append(*diags, Diagnostic{Flag: "--env", Severity: SeverityWarning, Msg: fmt.Sprintf("%q: you have no such variable; it is left out", e)})
			continue
		}
		f.set(l, fmt.Sprintf("Env[%d]", len(c.Env)), "env")
		c.Env = append(c.Env, kv)
	}
	boolFlag("keep_caps", "KeepCaps", &c.KeepCaps, f.keepCaps)
	for _, name := range f.caps {
		f.set(l, fmt.Sprintf("Caps[%d]", len(c.Caps)), "cap")
		c.Caps = append(c.Caps, name)
	}
	boolFlag("silent", "Silent", &c.Silent, f.silent)
	boolFlag("stderr_to_null", "StderrToNull", &c.StderrToNull, f.stderrToNull)
	boolFlag("skip_setsid", "SkipSetsid", &c.SkipSetsid, f.skipSetsid)
	for _, fd := range f.passFDs {
		f.set(l, fmt.Sprintf("PassFDs[%d]", len(c.PassFDs)), "pass_fd")
		c.PassFDs = append(c.PassFDs, fd)
	}
	boolFlag("disable_no_new_privs", "DisableNoNewPrivs", &c.DisableNoNewPrivs, f.disableNoNewPrivs)
	f.applyRlimits(l, diags)

	p := &c.Personality
	for i, dst := range []*bool{&p.AddrCompatLayout, &p.MmapPageZero, &p.ReadImpliesExec, &p.AddrLimit3GB, &p.AddrNoRandomize} {
		boolFlag(personaFlagNames[i], "Personality", dst, f.persona[i])
	}
	ns := &c.Namespaces
	for i, dst := range []*bool{&ns.Net, &ns.User, &ns.Mount, &ns.PID, &ns.IPC, &ns.UTS, &ns.Cgroup} {
		goField := []string{"Net", "User", "Mount", "PID", "IPC", "UTS", "Cgroup"}[i]
		boolFlag(nsFlagNames[i], "Namespaces."+goField, dst, !f.disableNS[i])
	}
	boolFlag("enable_clone_newtime", "Namespaces.Time", &ns.Time, f.enableTimeNS)
	if f.changed("disable_clone_newuser") && !ns.User {
		// The default maps belong to the user namespace.
		if defaultMaps(l, "UIDMap") {
			c.UIDMap = nil
		}
		if defaultMaps(l, "GIDMap") {
			c.GIDMap = nil
		}
	}
	if f.changed("disable_clone_newuts") && !f.changed("hostname") && (fromDefaults || l.file != nil && l.file.Msg.Hostname == nil) {
		c.Hostname = ""
	}

	f.applyIDMaps(l, diags, fromDefaults)
	f.applyMounts(l, diags, fromDefaults)
	f.applySeccomp(l, diags)

	if f.changed("nice_level") {
		c.NiceLevel = f.niceLevel
		f.set(l, "NiceLevel", "nice_level")
	}
	if f.changed("oom_score_adj") {
		v := f.oomScoreAdj
		c.OOMScoreAdj = &v
		f.set(l, "OOMScoreAdj", "oom_score_adj")
	}
	f.applyCgroups(l)
	boolFlag("iface_no_lo", "IfaceNoLo", &c.IfaceNoLo, f.ifaceNoLo)

	for _, u := range []struct {
		flag string
		on   bool
	}{
		{"daemon", f.daemon}, {"execute_fd", f.executeFD}, {"disable_tsc", f.disableTSC},
		{"iface_own", len(f.ifaceOwn) > 0}, {"macvlan_iface", f.macvlanIface != ""},
	} {
		if u.on {
			f.flagErr(diags, u.flag, "not supported by kafel run")
		}
	}
	if f.forwardSignals {
		*diags = append(*diags, Diagnostic{Flag: "--forward_signals", Severity: SeverityWarning,
			Msg: "ignored: kafel run forwards SIGINT and SIGTERM and kills the jail on others"})
	}
}

func (f *Flags) applyLog(l *Loaded) {
	switch {
	case f.reallyQuiet:
		l.Log.Level = LogLevel_FATAL
	case f.quiet:
		l.Log.Level = LogLevel_WARNING
	case f.verbose:
		l.Log.Level = LogLevel_DEBUG
	}
	if f.changed("log") {
		l.Log.File = f.logFile
	}
	if f.changed("log_fd") {
		l.Log.FD = f.logFD
	}
}

// ParseRlimitFlag reads an --rlimit_* value: a number in the flag's unit,
// max or hard, def or soft (the runner's current limits), or inf.
func ParseRlimitFlag(resource int, value string, unit uint64) (sandbox.Rlimit, error) {
	spec := rlimitSpec{resource: resource, mul: unit}
	switch strings.ToLower(value) {
	case "inf":
		return resolveRlimit(spec, 0, RLimit_INF)
	case "def", "soft":
		return resolveRlimit(spec, 0, RLimit_SOFT)
	case "max", "hard":
		return resolveRlimit(spec, 0, RLimit_HARD)
	}
	n, err := strconv.ParseUint(value, 0, 64)
	if err != nil {
		return sandbox.Rlimit{}, fmt.Errorf("%q is not a number, max/hard, def/soft or inf", value)
	}
	return resolveRlimit(spec, n, RLimit_VALUE)
}

func (f *Flags) applyRlimits(l *Loaded, diags *diagList) {
	c := l.Config
	if f.disableRlimits {
		c.Rlimits = nil
		f.set(l, "Rlimits", "disable_rlimits")
		return
	}
	for i, spec := range rlimitSpecs {
		name := "rlimit_" + spec.name
		if !f.changed(name) {
			continue
		}
		r, err := ParseRlimitFlag(spec.resource, f.rlimits[i], spec.mul)
		if err != nil {
			f.flagErr(diags, name, "%v", err)
			continue
		}
		k := slices.IndexFunc(c.Rlimits, func(x sandbox.Rlimit) bool { return x.Resource == spec.resource })
		if k < 0 {
			k = len(c.Rlimits)
			c.Rlimits = append(c.Rlimits, r)
		} else {
			c.Rlimits[k] = r
		}
		f.set(l, fmt.Sprintf("Rlimits[%d]", k), name)
	}
}

// defaultMaps reports whether the maps of field ("UIDMap", "GIDMap") are
// the default ones, not written in the file.
func defaultMaps(l *Loaded, field string) bool {
	_, fromFile := l.origins[field+"[0]"]
	return !fromFile
}

func (f *Flags) applyIDMaps(l *Loaded, diags *diagList, fromDefaults bool) {
	c := l.Config
	replaced := map[bool]bool{}
	for _, im := range f.idMaps {
		dst, field := &c.UIDMap, "UIDMap"
		if im.gid {
			dst, field = &c.GIDMap, "GIDMap"
		}
		if !replaced[im.gid] && defaultMaps(l, field) {
			*dst = nil
			replaced[im.gid] = true
		}
		parts := strings.Split(im.value, ":")
		if len(parts) != 1 && len(parts) != 3 {
			f.flagErr(diags, im.flag, "%q: want an id, or inside:outside:count", im.value)
			continue
		}
		count := uint64(1)
		outside := ""
		if len(parts) == 3 {
			outside = parts[1]
			n, err := strconv.ParseUint(parts[2], 10, 32)
			if err != nil || n == 0 {
				f.flagErr(diags, im.flag, "%q: count %q is not a number from 1 to 4294967295", im.value, parts[2])
				continue
			}
			count = n
		}
		m, err := ParseIDMap(parts[0], outside, uint32(count), im.gid)
		if err != nil {
			f.flagErr(diags, im.flag, "%q: %v", im.value, err)
			continue
		}
		m.UseNewIDMap = im.newIDMap
		if m.Outside == 0 {
			*diags = append(*diags, Diagnostic{Flag: "--" + im.flag, Severity: SeverityWarning,
				Msg: fmt.Sprintf("%q maps the jail to host %s (outside id 0): the jail owns every file root owns that it can see", im.value, map[bool]string{false: "root", true: "group root"}[im.gid])})
		}
		f.set(l, fmt.Sprintf("%s[%d]", field, len(*dst)), im.flag)
		*dst = append(*dst, m)
	}
}

// rootFlags are the flags that say what the jail's root holds.
var rootFlags = []string{"chroot", "bindmount_ro", "bindmount", "tmpfsmount", "mount", "symlink"}

func (f *Flags) applyMounts(l *Loaded, diags *diagList, fromDefaults bool) {
	c := l.Config
	if fromDefaults && slices.ContainsFunc(rootFlags, f.changed) {
		// The flags give the root, as in nsjail; the default /tmp (the
		// default working directory) goes with the rest, so the working
		// directory is nsjail's too unless --cwd says.
		if !f.changed("cwd") {
			c.Cwd = "/"
		}
		var keep []sandbox.Mount
		for _, m := range c.Mounts {
			if m.FSType == "proc" {
				keep = append(keep, m)
			}
		}
		c.Mounts = keep
	}
	if f.changed("chroot") {
		c.Chroot = f.chroot
		f.set(l, "Chroot", "chroot")
	}
	if f.changed("rw") {
		c.RW = f.rw
		f.set(l, "RW", "rw")
	}
	if f.changed("no_pivotroot") {
		c.NoPivotRoot = f.noPivotRoot
		f.set(l, "NoPivotRoot", "no_pivotroot")
	}
	// The proc mount moves to the end, after the flags' mounts, as
	// nsjail adds it last.
	var proc *sandbox.Mount
	if i := slices.IndexFunc(c.Mounts, func(m sandbox.Mount) bool { return m.FSType == "proc" }); i >= 0 && len(f.mounts) > 0 &&
		(fromDefaults || isMountProc(l, i)) {
		p := c.Mounts[i]
		proc = &p
		c.Mounts = slices.Delete(c.Mounts, i, i+1)
	}
	for _, mf := range f.mounts {
		m, err := parseMountFlag(mf.flag, mf.value)
		if err != nil {
			f.flagErr(diags, mf.flag, "%q: %v", mf.value, err)
			continue
		}
		f.set(l, fmt.Sprintf("Mounts[%d]", len(c.Mounts)), mf.flag)
		c.Mounts = append(c.Mounts, m)
	}
	if proc != nil {
		c.Mounts = append(c.Mounts, *proc)
	}
	procIdx := slices.IndexFunc(c.Mounts, func(m sandbox.Mount) bool { return m.FSType == "proc" })
	switch {
	case f.disableProc:
		c.Mounts = slices.DeleteFunc(c.Mounts, func(m sandbox.Mount) bool { return m.FSType == "proc" })
		c.MountProc = false
	case f.changed("proc_path") || f.changed("proc_rw"):
		if procIdx < 0 {
			procIdx = len(c.Mounts)
			c.Mounts = append(c.Mounts, ProcMount(f.procPath, f.procRW))
		}
		c.Mounts[procIdx].Dst = f.procPath
		c.Mounts[procIdx].RW = f.procRW
		f.set(l, fmt.Sprintf("Mounts[%d]", procIdx), "proc_path")
	}
}

// isMountProc reports whether mount i is the file's mount_proc.
func isMountProc(l *Loaded, i int) bool {
	o := l.origins[fmt.Sprintf("Mounts[%d]", i)]
	return len(o.path) == 1 && o.path[0].name == "mount_proc"
}

// parseMountFlag reads the value of -R, -B, -T, -m or -s.
func parseMountFlag(flag, v string) (sandbox.Mount, error) {
	parts := strings.Split(v, ":")
	arg := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	switch flag {
	case "bindmount_ro", "bindmount":
		if len(parts) > 3 || arg(0) == "" {
			return sandbox.Mount{}, fmt.Errorf("want src, src:dst or src:dst:options")
		}
		dst := arg(1)
		if dst == "" {
			dst = arg(0)
		}
		return sandbox.Mount{Src: arg(0), Dst: dst, Options: arg(2), Bind: true, RW: flag == "bindmount", Mandatory: true}, nil
	case "tmpfsmount":
		if len(parts) > 2 || arg(0) == "" {
			return sandbox.Mount{}, fmt.Errorf("want dst or dst:options")
		}
		opts := arg(1)
		if opts == "" {
			opts = "size=4194304"
		}
		return sandbox.Mount{Dst: arg(0), FSType: "tmpfs", Options: opts, RW: true, Mandatory: true}, nil
	case "mount":
		if len(parts) < 2 || len(parts) > 4 || arg(1) == "" {
			return sandbox.Mount{}, fmt.Errorf("want src:dst:fstype:options")
		}
		src, fstype := arg(0), arg(2)
		if src == "none" {
			src = ""
		}
		m := sandbox.Mount{Src: src, Dst: arg(1), FSType: fstype, Options: arg(3), RW: true, Mandatory: true}
		if fstype == "" || fstype == "bind" {
			m.FSType, m.Bind = "", true
		}
		return m, nil
	case "symlink":
		if len(parts) != 2 || arg(0) == "" || arg(1) == "" {
			return sandbox.Mount{}, fmt.Errorf("want src:dst")
		}
		return sandbox.Mount{Src: arg(0), Dst: arg(1), Symlink: true, Mandatory: true}, nil
	}
	return sandbox.Mount{}, fmt.Errorf("unknown mount flag")
}

func (f *Flags) applySeccomp(l *Loaded, diags *diagList) {
	s := &l.Config.Seccomp
	if f.changed("policy") && f.changed("seccomp_policy") && f.policy != f.seccompPolicy {
		f.flagErr(diags, "policy", "given together with --seccomp_policy %q; they are the same flag", f.seccompPolicy)
	}
	for _, flag := range []struct {
		name, v string
	}{{"seccomp_policy", f.seccompPolicy}, {"policy", f.policy}} {
		if f.changed(flag.name) {
			s.PolicyFile, s.Policy = flag.v, ""
			f.set(l, "Seccomp.PolicyFile", flag.name)
		}
	}
	if f.changed("seccomp_string") {
		if !f.changed("seccomp_policy") && !f.changed("policy") {
			s.PolicyFile = ""
		}
		s.Policy = strings.Join(f.seccompString, "\n") + "\n"
		f.set(l, "Seccomp.Policy", "seccomp_string")
	}
	if f.changed("seccomp_log") {
		s.Log = f.seccompLog
		f.set(l, "Seccomp.Log", "seccomp_log")
	}
	s.IncludePaths = append(s.IncludePaths, f.includePaths...)
}

// applyCgroups applies the cgroup flags. On DefaultConfig's limits, which
// are optional, a flag makes the limit it concerns required (a choice of
// hierarchy, all of them); the others stay as they were.
func (f *Flags) applyCgroups(l *Loaded) {
	g := &l.Config.Cgroups
	var required sandbox.CgroupLimits
	all := sandbox.LimitMemory | sandbox.LimitPids | sandbox.LimitCPU | sandbox.LimitNetCls
	num := func(flag, goField string, kinds sandbox.CgroupLimits, apply func()) {
		if f.changed(flag) {
			apply()
			f.set(l, "Cgroups."+goField, flag)
			required |= kinds
		}
	}
	num("cgroup_mem_max", "MemMax", sandbox.LimitMemory, func() { g.MemMax = f.cgMemMax })
	num("cgroup_mem_memsw_max", "MemMemswMax", sandbox.LimitMemory, func() { g.MemMemswMax = f.cgMemMemswMax })
	num("cgroup_mem_swap_max", "MemSwapMax", sandbox.LimitMemory, func() { g.MemSwapMax = f.cgMemSwapMax })
	num("cgroup_pids_max", "PidsMax", sandbox.LimitPids, func() { g.PidsMax = f.cgPidsMax })
	num("cgroup_cpu_ms_per_sec", "CPUMsPerSec", sandbox.LimitCPU, func() { g.CPUMsPerSec = uint64(f.cgCPUMs) })
	num("cgroup_net_cls_classid", "NetClsClassID", sandbox.LimitNetCls, func() { g.NetClsClassID = f.cgNetClsClassID })
	num("use_cgroupv2", "UseV2", all, func() { g.UseV2 = f.useV2 })
	num("detect_cgroupv2", "DetectV2", all, func() { g.DetectV2 = f.detectV2 })
	for _, s := range []struct {
		flag, goField string
		kinds         sandbox.CgroupLimits
		dst           *string
		v             string
	}{
		{"cgroup_mem_mount", "V1MemMount", sandbox.LimitMemory, &g.V1MemMount, f.cgMemMount},
		{"cgroup_mem_parent", "V1MemParent", sandbox.LimitMemory, &g.V1MemParent, f.cgMemParent},
		{"cgroup_pids_mount", "V1PidsMount", sandbox.LimitPids, &g.V1PidsMount, f.cgPidsMount},
		{"cgroup_pids_parent", "V1PidsParent", sandbox.LimitPids, &g.V1PidsParent, f.cgPidsParent},
		{"cgroup_net_cls_mount", "V1NetClsMount", sandbox.LimitNetCls, &g.V1NetClsMount, f.cgNetClsMount},
		{"cgroup_net_cls_parent", "V1NetClsParent", sandbox.LimitNetCls, &g.V1NetClsParent, f.cgNetClsParent},
		{"cgroup_cpu_mount", "V1CPUMount", sandbox.LimitCPU, &g.V1CPUMount, f.cgCPUMount},
		{"cgroup_cpu_parent", "V1CPUParent", sandbox.LimitCPU, &g.V1CPUParent, f.cgCPUParent},
		{"cgroupv2_mount", "V2Mount", all, &g.V2Mount, f.cgV2Mount},
	} {
		if f.changed(s.flag) {
			*s.dst = s.v
			f.set(l, "Cgroups."+s.goField, s.flag)
			required |= s.kinds
		}
	}
	g.Required |= required
}
