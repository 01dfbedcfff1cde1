package sandbox

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/net/bpf"
)

// RunOptions are the settings of one call to Run that are not part of the
// jail's configuration: where the program's stdio goes, where the
// runner's own messages go, and hooks for tests.
type RunOptions struct {
	// Stdin, Stdout and Stderr are the program's stdio. A nil reader or
	// writer means the runner's own (os.Stdin, os.Stdout, os.Stderr);
	// Config.Silent and Config.StderrToNull override them with /dev/null.
	Stdin          io.Reader
	Stdout, Stderr io.Writer

	// Logger receives the runner's messages: skipped optional mounts,
	// cgroup limits left out, warnings. Nil discards them.
	Logger *slog.Logger

	// Filter, when set, is the seccomp program installed instead of the
	// one compiled from Config.Seccomp: for callers that compiled the
	// policy already and for tests. The runner still lets its own execve
	// of the target through and still maps kill actions (see Run).
	Filter []bpf.RawInstruction

	// HandleSignals makes Run catch RunnerSignals, before it makes
	// anything that needs cleaning up, to its end. SIGINT, SIGTERM or
	// SIGHUP kills the jail, it is cleaned up, and Run returns a Result
	// with ReasonInterrupted and ExitCode 128+signal. SIGUSR1, SIGUSR2,
	// SIGWINCH and SIGQUIT are passed on to the program (the jail's pid 1,
	// which gets only the signals it handles). Commands set it; libraries
	// usually cancel the context instead.
	HandleSignals bool

	// Signals, with HandleSignals, are the signals the run takes, caught
	// by the caller ahead of it (CatchSignals); the run neither catches
	// them itself nor gives them back. Nil makes it catch its own.
	Signals *Signals

	// Executable is the binary re-executed as the jail's init. Empty means
	// /proc/self/exe, which is what every caller wants outside tests. On
	// amd64 a run starts no init (the runner clones the jail and runs its
	// setup as a list of system calls) unless Executable is set.
	Executable string

	// forkExec makes Run start the init with syscall.ForkExec even where
	// it has its vfork path; tests run both.
	forkExec bool
}

// ReasonKind classifies how a run ended.
type ReasonKind string

// The ways a run ends.
const (
	ReasonExited      ReasonKind = "exited"       // the program exited by itself
	ReasonSignaled    ReasonKind = "signaled"     // the program died from a signal
	ReasonTimeLimit   ReasonKind = "time_limit"   // Config.TimeLimit ran out; the jail was killed
	ReasonCPULimit    ReasonKind = "cpu_limit"    // RLIMIT_CPU: SIGXCPU or SIGKILL from the kernel
	ReasonMemoryLimit ReasonKind = "memory_limit" // the cgroup memory limit was hit (OOM kill)
	ReasonPidsLimit   ReasonKind = "pids_limit"   // the cgroup pids limit refused a fork
	ReasonSeccomp     ReasonKind = "seccomp"      // the seccomp policy forbade a syscall
	ReasonInterrupted ReasonKind = "interrupted"  // the runner was signalled or its context ended
)

// Result is how a jailed program ended. It encodes to JSON as the
// --report file of `kafel run`.
type Result struct {
	// ExitCode is what the runner should exit with: the program's exit
	// status, or 128+signal when it died from a signal.
	ExitCode int `json:"exit_code"`
	// Signal is the signal that ended the program, 0 if it exited.
	Signal int `json:"signal,omitempty"`
	// ReasonKind classifies the end; Reason says it in one line for people,
	// e.g. "seccomp violation: ptrace(0x10, 0x1, 0x0, 0x0, 0x0, 0x0) on x86_64".
	ReasonKind ReasonKind `json:"reason_kind"`
	Reason     string     `json:"reason"`
	// WallTime is the time from start to the end of the jail's init;
	// CPUTime the user+system time of the jail's processes that were
	// waited for (the program and the children it reaped).
	WallTime time.Duration `json:"wall_time_ns"`
	CPUTime  time.Duration `json:"cpu_time_ns"`
	// PeakMemory is the cgroup's peak memory use in bytes, 0 when unknown
	// (no memory cgroup, or a v2 kernel without memory.peak).
	PeakMemory uint64 `json:"peak_memory_bytes,omitempty"`
	// OOMKills and PidsRefused count what the cgroup limits held back
	// during the run, whether or not the program died of it: processes the
	// memory limit's OOM killer ended, forks the pids limit refused.
	// Reason mentions them too when they are not the reason itself.
	OOMKills    uint64 `json:"oom_kills,omitempty"`
	PidsRefused uint64 `json:"pids_refused,omitempty"`
	// SeccompViolation describes the first forbidden syscall when
	// ReasonKind is ReasonSeccomp and the kernel could tell which.
	SeccompViolation *SeccompViolation `json:"seccomp_violation,omitempty"`
	// SeccompLogged lists, with Seccomp.Log, the calls the policy would
	// have killed: each syscall of an arch once, with the arguments of its
	// first call and the number of calls. Empty where the kernel cannot
	// let a notified call go on (before 5.5): its audit log has them.
	SeccompLogged []LoggedCall `json:"seccomp_logged,omitempty"`
}

// LoggedCall is a call that Seccomp.Log let through, and how many of it.
type LoggedCall struct {
	SeccompViolation
	Count uint64 `json:"count"`
}

// SeccompViolation is a syscall the policy forbade.
type SeccompViolation struct {
	Syscall string    `json:"syscall"` // name, or "syscall_<nr>" when unknown
	Nr      int       `json:"nr"`
	Arch    string    `json:"arch"` // Kafel arch name, e.g. "x86_64", "i386"
	Args    [6]uint64 `json:"args"`
	PID     int       `json:"pid,omitempty"` // pid of the caller as the runner sees it
	// NArgs is how many of Args the call takes, when the syscall table
	// knows; String shows only those.
	NArgs int `json:"nargs,omitempty"`
}

// String formats the violation as name(args) [nr N] on arch.
func (v *SeccompViolation) String() string {
	n := v.NArgs
	// A syscall the table does not know (named syscall_<nr>) shows all
	// six; one it knows, as many as it takes, none for getuid.
	if n < 0 || n > len(v.Args) || n == 0 && strings.HasPrefix(v.Syscall, "syscall_") {
		n = len(v.Args)
	}
	var b strings.Builder
	b.WriteString(v.Syscall)
	b.WriteByte('(')
	for i, a := range v.Args[:n] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#x", a)
	}
	fmt.Fprintf(&b, ") [nr %d] on %s", v.Nr, v.Arch)
	return b.String()
}

// SetupError is a part of the configuration that could not be applied.
// The program never runs when Run returns one. Op names the step ("mount",
// "pivot_root", "setrlimit RLIMIT_NOFILE", "cgroup pids.max"), Path the
// file or mount point involved when there is one.
type SetupError struct {
	Op   string
	Path string
	Err  error
}

func (e *SetupError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("sandbox: %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("sandbox: %s %s: %v", e.Op, e.Path, e.Err)
}

func (e *SetupError) Unwrap() error { return e.Err }

// ErrNotSupported is returned (wrapped) when the host lacks what a run
// needs: a non-Linux OS, a kernel feature, a cgroup controller.
var ErrNotSupported = errors.New("not supported")
