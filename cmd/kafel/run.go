package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/sandbox"
	"github.com/gokafel/gokafel/sandbox/nsjailcfg"
)

// Where sandbox.Run re-executes this binary as the jail's init (on
// architectures without its assembly executor), sandbox.Init takes over
// (and never returns) when the process is one, before any command runs. It is called from here, the package's only user of Run,
// so that test binaries of this package are jail inits too.
func init() {
	sandbox.Init()
	commands = append(commands, command{name: "run", new: newRunCmd, bare: newBareRunCmd})
}

// runSignals, when kafel is a `kafel run` process, are the signals its
// run takes, caught from the start of main.
var runSignals *sandbox.Signals

// ExitRunner is the exit status of `kafel run` when it fails itself (bad
// flags, configuration or policy; a part of the jail that cannot be set
// up), so that scripts can tell it from the program's own status: the
// convention of env, chroot, timeout and docker run.
const ExitRunner = 125

func newRunCmd() *cobra.Command { return newRunCommand(true) }

// newBareRunCmd builds run for a command line that gives it no flag (CMD
// or "--" comes first). It has none of nsjail's flags: there are none to
// parse, and registering them was a good part of the runner's start-up.
func newBareRunCmd() *cobra.Command { return newRunCommand(false) }

func newRunCommand(withFlags bool) *cobra.Command {
	c := &cobra.Command{
		Use:   "run [flags] [--] CMD [ARG...]",
		Short: "Run a program in a sandbox (nsjail's flags and config files)",
		Long: `run runs CMD in a jail: user, pid, mount, net, uts, ipc and cgroup
namespaces, a root built from explicit mounts, rlimits, cgroup limits and a
Kafel seccomp policy. It takes nsjail's flags and configuration files
(NsJailConfig in protobuf text format, or JSON): flags override the file,
and CMD after "--" replaces the file's exec_bin.

Without --config the jail is kafel's default: every namespace but time, no
network, read-only /usr, /lib*, /bin and /sbin, a tmpfs /tmp (the working
directory), a fresh /proc, a minimal /dev, rlimits, 512 MiB memory, 64 pids
and one CPU where the host's cgroups allow, and the embedded policy that
lets ordinary programs (python3, sh, coreutils) run. Flags change the
default: a cgroup limit given as a flag must be applied or the run fails,
while the default's others still go only where the host allows; flags
that give the root (-c, -R, -B, -T, -m, -s) replace the default one,
/proc aside, as in nsjail: the root holds what they say, and the working
directory is / unless -D says. A file or flags without a policy get the embedded policy
too; --seccomp_string or -P replace it.

When run as root, the jail's user maps to nobody (65534) outside unless
a map says otherwise; a map to outside id 0 is run as written, with a
warning.

Exit status: the program's own; 128+N when signal N ended it; 125 when
kafel run itself failed (bad flags, configuration or policy, or a part of
the jail that could not be set up: the program did not run); 126 when the
program cannot be executed, 127 when it is not found in the jail. A time,
memory, pids or CPU limit, or a seccomp kill, is reported in one line on
stderr and in the --report file, as are forks the pids limit refused and
processes the memory limit killed when the program itself went on.`,
		Example: `  kafel run -- python3 -c 'print(1)'
  kafel run --config python-sandbox.cfg -- /usr/bin/python3 -c "print('hello')"
  kafel run --policy p.kafel --time_limit 10 --report result.json -- ./a.out
  kafel run -Mo --chroot / --disable_proc -- /bin/echo ABC`,
		// Flags are parsed here, not by cobra, so that every failure of
		// the runner exits with ExitRunner and CMD's own flags are left
		// alone after the first word that is not a flag.
		DisableFlagParsing: true,
	}
	// The command's own set holds the flags for --help and completion,
	// and runRun parses into it: registering nsjail's hundred flags is a
	// good part of the runner's start-up, once is enough. Parsing does not
	// change what --help shows (a flag's default is kept when it is
	// registered).
	var flags *nsjailcfg.Flags
	if withFlags {
		flags = nsjailcfg.AddFlags(c.Flags())
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		return runRun(cmd, flags, args)
	}
	return c
}

// Exit statuses when the program could not be executed, as a shell gives.
const (
	ExitCannotExecute = 126 // found, but not executable
	ExitNotFound      = 127 // no such program
)

// exitForError is the exit status for an error of sandbox.Run: 127 or 126
// when the jail was set up but the program could not be executed,
// ExitRunner otherwise.
func exitForError(err error) int {
	var se *sandbox.SetupError
	if !errors.As(err, &se) || (se.Op != "exec" && se.Op != "execve") {
		return ExitRunner
	}
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
		return ExitNotFound
	}
	return ExitCannotExecute
}

// runnerError ends `kafel run` with ExitRunner after printing err.
func runnerError(err error) error {
	return &cli.ExitError{Code: ExitRunner, Err: err}
}

// runRun parses args into cmd's flag set, where flags are registered, and
// runs the jail they describe. The first word that is not a flag starts
// CMD. With flags nil (the bare run command), args give no flag: CMD, or
// "--" and CMD.
func runRun(cmd *cobra.Command, flags *nsjailcfg.Flags, args []string) error {
	command := args
	if flags == nil {
		if len(command) > 0 && command[0] == "--" {
			command = command[1:]
		}
		flags = &nsjailcfg.Flags{}
	} else {
		cmd.InitDefaultHelpFlag() // done by cobra before RunE already; -h must be a flag, not pflag.ErrHelp
		set := cmd.Flags()
		set.SetInterspersed(false)
		if err := set.Parse(args); err != nil {
			return runnerError(fmt.Errorf("%w\nRun 'kafel run --help' for usage.", err))
		}
		if help, _ := set.GetBool("help"); help {
			return cmd.Help()
		}
		command = set.Args()
	}
	if len(command) == 0 && flags.Config == "" {
		return runnerError(errors.New("no command: kafel run [flags] -- CMD [ARG...]\nRun 'kafel run --help' for usage."))
	}
	stderr := cmd.ErrOrStderr()
	loaded, err := flags.Load(command)
	if err != nil {
		return runnerError(err)
	}
	logw, closeLog, err := logWriter(loaded.Log, stderr)
	if err != nil {
		return runnerError(err)
	}
	defer closeLog()
	level := slogLevel(loaded.Log.Level)
	if level <= slog.LevelWarn {
		for _, w := range loaded.Warnings {
			fmt.Fprintf(logw, "kafel run: %s\n", w)
		}
	}
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))

	logJail(logger, loaded.Config)
	r := &jailRunner{cfg: loaded.Config, report: flags.Report, logger: logger, stderr: stderr, level: level}
	opts := sandbox.RunOptions{Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: stderr, Logger: logger}
	switch loaded.Config.Mode {
	case sandbox.ModeRerun, sandbox.ModeListenTCP:
		if runSignals != nil {
			// Between runs the loop's context takes the signals.
			runSignals.Stop()
		}
		ctx, stop := stopContext()
		defer stop()
		if loaded.Config.Mode == sandbox.ModeRerun {
			return r.rerun(ctx, opts)
		}
		return r.listen(ctx)
	}
	opts.HandleSignals, opts.Signals = true, runSignals
	code, err := r.once(context.Background(), opts)
	if err != nil {
		return &cli.ExitError{Code: code, Err: err}
	}
	if code == 0 {
		return nil
	}
	return cli.Exit(code)
}

// jailRunner runs jails of one configuration: once, again and again
// (mode r), or one per TCP connection (mode l).
type jailRunner struct {
	cfg    *sandbox.Config
	report string
	logger *slog.Logger
	stderr io.Writer
	level  slog.Level

	onListen func(net.Addr) // for tests: called with the listening address

	// launcher starts the inits of the jails ahead of their runs in the
	// modes that run many (nil: each run starts its own).
	launcher *sandbox.Launcher
}

// run runs one jail of r.cfg.
func (r *jailRunner) run(ctx context.Context, opts sandbox.RunOptions) (*sandbox.Result, error) {
	if r.launcher != nil {
		return r.launcher.Run(ctx, r.cfg, opts)
	}
	return sandbox.Run(ctx, r.cfg, opts)
}

// startLauncher makes the runs of r.cfg that follow take jails started
// ahead; the returned function stops that. Without a Launcher the runs
// still go, each starting its own.
func (r *jailRunner) startLauncher(n int) func() {
	l, err := sandbox.NewLauncher(r.cfg, n, "")
	if err != nil {
		r.logger.Warn("jails are not started ahead", "err", err)
		return func() {}
	}
	r.launcher = l
	return func() { l.Close() }
}

// once runs one jail, prints how it ended when that is not a plain exit,
// writes the report, and returns the exit status of kafel run.
func (r *jailRunner) once(ctx context.Context, opts sandbox.RunOptions) (int, error) {
	res, err := r.run(ctx, opts)
	if err != nil {
		code := exitForError(err)
		if r.report != "" {
			if werr := writeReport(r.report, errorReport{ExitCode: code, ReasonKind: "error", Reason: err.Error()}); werr != nil {
				fmt.Fprintf(r.stderr, "kafel run: %v\n", werr)
			}
		}
		return code, err
	}
	// A limit that held something back is worth a line even when the
	// program went on and exited: its output may be missing a part.
	held := res.OOMKills > 0 || res.PidsRefused > 0
	if (res.ReasonKind != sandbox.ReasonExited || held) && res.Reason != "" && r.level <= slog.LevelError+4 {
		fmt.Fprintf(r.stderr, "kafel run: %s\n", res.Reason)
	}
	if r.level <= slog.LevelError+4 {
		for _, c := range res.SeccompLogged {
			calls := "1 call"
			if c.Count != 1 {
				calls = fmt.Sprintf("%d calls", c.Count)
			}
			fmt.Fprintf(r.stderr, "kafel run: seccomp log: the policy would kill %s (%s)\n", c.String(), calls)
		}
		for _, line := range allowLines(res.SeccompLogged) {
			fmt.Fprintf(r.stderr, "kafel run: seccomp log: %s\n", line)
		}
	}
	if r.report != "" {
		if err := writeReport(r.report, res); err != nil {
			fmt.Fprintf(r.stderr, "kafel run: %v\n", err)
			if res.ExitCode == 0 {
				return ExitRunner, nil
			}
		}
	}
	return res.ExitCode, nil
}

// allowLines says how a policy would allow the logged calls: an ALLOW
// block of their names for each arch (with the arch when there are more
// than one). Calls the syscall table does not name are left out.
func allowLines(logged []sandbox.LoggedCall) []string {
	var arches []string
	names := map[string][]string{}
	for _, c := range logged {
		if strings.HasPrefix(c.Syscall, "syscall_") {
			continue
		}
		if _, ok := names[c.Arch]; !ok {
			arches = append(arches, c.Arch)
		}
		names[c.Arch] = append(names[c.Arch], c.Syscall)
	}
	var lines []string
	for _, a := range arches {
		on := ""
		if len(arches) > 1 {
			on = " on " + a
		}
		lines = append(lines, fmt.Sprintf("to allow them%s: ALLOW { %s }", on, strings.Join(names[a], ", ")))
	}
	return lines
}

// logJail logs the jail's parameters at debug level (-v), as nsjail does.
func logJail(l *slog.Logger, c *sandbox.Config) {
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.Debug("jail", "mode", c.Mode, "hostname", c.Hostname, "cwd", c.Cwd, "chroot", c.Chroot,
		"path", c.Path, "argv", c.Argv, "time_limit", c.TimeLimit, "namespaces", fmt.Sprintf("%+v", c.Namespaces))
	for _, m := range c.UIDMap {
		l.Debug("uid map", "inside", m.Inside, "outside", m.Outside, "count", m.Count, "newuidmap", m.UseNewIDMap)
	}
	for _, m := range c.GIDMap {
		l.Debug("gid map", "inside", m.Inside, "outside", m.Outside, "count", m.Count, "newgidmap", m.UseNewIDMap)
	}
	for _, m := range c.Mounts {
		l.Debug("mount", "src", m.Src, "dst", m.Dst, "fstype", m.FSType, "options", m.Options, "bind", m.Bind,
			"rw", m.RW, "symlink", m.Symlink, "content", m.SrcContent != nil, "mandatory", m.Mandatory)
	}
	for _, r := range c.Rlimits {
		l.Debug("rlimit", "resource", r.Resource, "soft", r.Soft, "hard", r.Hard)
	}
	l.Debug("cgroups", "limits", fmt.Sprintf("%+v", c.Cgroups))
	l.Debug("seccomp", "policy_file", c.Seccomp.PolicyFile, "inline", c.Seccomp.Policy != "", "default", c.Seccomp.Default, "log", c.Seccomp.Log)
}

// errorReport is the --report file when the program never ran: the
// fields of sandbox.Result that still mean something.
type errorReport struct {
	ExitCode   int    `json:"exit_code"`
	ReasonKind string `json:"reason_kind"`
	Reason     string `json:"reason"`
}

// writeReport writes r (a *sandbox.Result or an errorReport) as JSON.
func writeReport(path string, r any) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// logWriter opens where the runner's messages go: --log FILE (appended),
// --log_fd N, or stderr.
func logWriter(s nsjailcfg.LogSettings, stderr io.Writer) (io.Writer, func(), error) {
	switch {
	case s.File != "":
		f, err := os.OpenFile(s.File, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("log file: %w", err)
		}
		return f, func() { f.Close() }, nil
	case s.FD >= 0 && s.FD != 2:
		f := os.NewFile(uintptr(s.FD), fmt.Sprintf("log fd %d", s.FD))
		if f == nil {
			return nil, nil, fmt.Errorf("log fd %d is not open", s.FD)
		}
		if _, err := f.Stat(); err != nil {
			return nil, nil, fmt.Errorf("log fd %d: %w", s.FD, err)
		}
		return f, func() {}, nil
	}
	return stderr, func() {}, nil
}

func slogLevel(l nsjailcfg.LogLevel) slog.Level {
	switch l {
	case nsjailcfg.LogLevel_DEBUG:
		return slog.LevelDebug
	case nsjailcfg.LogLevel_WARNING:
		return slog.LevelWarn
	case nsjailcfg.LogLevel_ERROR:
		return slog.LevelError
	case nsjailcfg.LogLevel_FATAL:
		return slog.LevelError + 4
	}
	return slog.LevelInfo
}
