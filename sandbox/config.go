package sandbox

import (
	"fmt"
	"time"
)

// Mode is how the runner starts jails (nsjail's modes).
type Mode int

// Run modes.
const (
	ModeOnce      Mode = iota // run one program, then exit (nsjail -Mo)
	ModeExecve                // run one program without supervising it (-Me)
	ModeRerun                 // run the program again each time it exits (-Mr)
	ModeListenTCP             // one jail per TCP connection (-Ml)
)

// Config is everything a run needs. It is plain data: loading it (nsjail
// flags and config files) lives in sandbox/nsjailcfg, applying it in the
// *_linux.go files.
type Config struct {
	Name     string
	Mode     Mode
	Hostname string
	Cwd      string

	// Program to run: Path is looked up in the jail's PATH when it has no
	// slash; Argv[0] is what the program sees as its name.
	Path string
	Argv []string
	// Env is the environment of the program; KeepEnv passes the runner's own.
	Env     []string
	KeepEnv bool

	TimeLimit time.Duration // wall clock; 0 means none
	MaxCPUs   int           // CPU affinity to this many CPUs; 0 means all

	Namespaces Namespaces
	UIDMap     []IDMap
	GIDMap     []IDMap

	// Root is built from Mounts in a fresh tmpfs unless Chroot is set.
	Chroot      string
	RW          bool // --rw: mount the chroot read-write
	NoPivotRoot bool
	Mounts      []Mount
	MountProc   bool

	Rlimits []Rlimit
	Cgroups Cgroups
	Seccomp Seccomp

	KeepCaps          bool
	Caps              []string // capabilities kept (names as CAP_SYS_ADMIN)
	DisableNoNewPrivs bool
	SkipSetsid        bool
	NiceLevel         int
	OOMScoreAdj       *int
	Personality       Personality
	IfaceNoLo         bool
	PassFDs           []int
	Silent            bool // discard the program's stdio
	StderrToNull      bool

	// ListenTCP settings (ModeListenTCP).
	Port          int
	BindHost      string
	MaxConns      int
	MaxConnsPerIP int
}

// Namespaces selects the namespaces a jail gets.
type Namespaces struct {
	User, PID, Mount, Net, UTS, IPC, Cgroup, Time bool
}

// IDMap maps Count ids starting at Inside to ids starting at Outside.
type IDMap struct {
	Inside, Outside uint32
	Count           uint32
	// UseNewIDMap writes the map with newuidmap/newgidmap.
	UseNewIDMap bool
}

// Mount is one mount of the jail's root.
type Mount struct {
	Src                   string // empty for pseudo filesystems
	SrcContent            []byte // write this content to a file and bind it
	Dst                   string
	FSType                string // "" for a bind mount, "tmpfs", "proc", ...
	Options               string // data passed to mount(2), e.g. "size=64m"
	Bind                  bool
	RW                    bool
	IsDir                 *bool // nil: decided from the source
	Mandatory             bool  // a failure aborts the run (nsjail default true)
	Symlink               bool  // create Dst as a symlink to Src
	NoSuid, NoDev, NoExec bool
}

// Rlimit is one resource limit, resolved to numbers.
type Rlimit struct {
	Resource int    // RLIMIT_* number
	Soft     uint64 // RLIM_INFINITY is ^uint64(0)
	Hard     uint64
}

// Cgroups are the per-run cgroup limits; zero means no limit.
type Cgroups struct {
	MemMax        uint64 // bytes
	MemMemswMax   uint64 // v1 memory+swap; bytes
	MemSwapMax    int64  // v2 memory.swap.max; -1 means no setting
	PidsMax       uint64
	CPUMsPerSec   uint64 // CPU time per wall second
	NetClsClassID uint32

	// Optional applies the limits the host supports and skips the others
	// with a log line instead of failing the run. DefaultConfig sets it; a
	// configuration file leaves it false, so a limit that cannot be
	// applied stops the run.
	Optional bool
	// Required are the limits that stop the run when they cannot be
	// applied, Optional or not: `kafel run` flags on DefaultConfig mark
	// those they ask for, and the defaults they leave stay optional.
	Required CgroupLimits

	// Version selection.
	UseV2                                                  bool   // --use_cgroupv2
	DetectV2                                               bool   // --detect_cgroupv2
	V2Mount                                                string // --cgroupv2_mount, default /sys/fs/cgroup
	V1MemMount, V1PidsMount, V1CPUMount, V1NetClsMount     string
	V1MemParent, V1PidsParent, V1CPUParent, V1NetClsParent string // default "NSJAIL"
}

// CgroupLimits is a set of the kinds of cgroup limit.
type CgroupLimits uint8

// The kinds of cgroup limit.
const (
	LimitMemory CgroupLimits = 1 << iota
	LimitPids
	LimitCPU
	LimitNetCls
)

// Seccomp is the filter of the jail.
type Seccomp struct {
	PolicyFile string // Kafel policy file
	Policy     string // Kafel policy text (--seccomp_string)
	// Log turns kill actions into log (log-then-enforce workflow): the
	// calls go on, and Result.SeccompLogged lists them.
	Log bool
	// IncludePaths are searched by #include in the policy.
	IncludePaths []string
	// Default uses the embedded default policy when neither PolicyFile nor
	// Policy is set.
	Default bool
}

// Personality flags (persona_*).
type Personality struct {
	AddrCompatLayout, MmapPageZero, ReadImpliesExec, AddrLimit3GB, AddrNoRandomize bool
}

// String names the mode as nsjail's -M letter's word: once, execve,
// rerun, listen.
func (m Mode) String() string {
	switch m {
	case ModeOnce:
		return "once"
	case ModeExecve:
		return "execve"
	case ModeRerun:
		return "rerun"
	case ModeListenTCP:
		return "listen"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}
