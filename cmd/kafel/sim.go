package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/kafel"
	"github.com/gokafel/gokafel/syscalls"
)

func init() { commands = append(commands, command{name: "sim", new: newSimCmd}) }

func newSimCmd() *cobra.Command {
	var (
		arch     string
		includes []string
		allowX32 bool
		verbose  bool
	)
	c := &cobra.Command{
		Use:   "sim [--arch ARCH] [-I DIR] [-v] POLICY SYSCALL [ARG...]",
		Short: "Print the action a policy's filter gives a syscall",
		Long: `sim compiles POLICY for one arch, runs the filter in the simulator on
SYSCALL (a name, or a number) with up to six arguments, and prints the
action: ALLOW, LOG, KILL, KILL_PROCESS, USER_NOTIF, ERRNO(n), TRAP(n) or
TRACE(n). Numbers are written as in Kafel: 42, -1, 0x1f, 0755, 0b101.
Flags go before POLICY. Missing arguments are 0. With -v it also prints how many BPF
instructions ran.

Exit status: 0 ok, 1 the policy has errors, 2 usage or I/O errors.`,
		Example: `  kafel sim --arch x86_64 policy.kafel write 1 0 0`,
		Args:    cobra.RangeArgs(2, 8),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := cli.Arch(arch)
			if err != nil {
				return err
			}
			d := bpfgen.SeccompData{Arch: a.AuditArch}
			nr, err := syscallNumber(a, args[1])
			if err != nil {
				return cli.Usage("%v", err)
			}
			d.Nr = int32(nr)
			for i, s := range args[2:] {
				if d.Args[i], err = grammar.ParseNumber(s); err != nil {
					return cli.Usage("argument %d: %v", i, err)
				}
			}
			name, src, err := cli.ReadPolicy(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			p, err := kafel.Load(name, src, kafel.Options{IncludePaths: includes, Arches: []*syscalls.Arch{a}, AllowX32: allowX32})
			if err != nil {
				return cli.PolicyFailed(cmd.ErrOrStderr(), err)
			}
			prog, err := bpfgen.Compile(p.RuleSet(), bpfgen.Options{})
			if err != nil {
				return &cli.ExitError{Code: cli.ExitFindings, Err: fmt.Errorf("%s: %w", name, err)}
			}
			act, steps, err := bpfgen.Simulate(prog.Insns, d, a.BigEndian)
			if err != nil {
				return &cli.ExitError{Code: cli.ExitFindings, Err: fmt.Errorf("%s: %w", name, err)}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, act)
			if verbose {
				fmt.Fprintf(out, "instructions executed: %d of %d\n", steps, len(prog.Insns))
			}
			return nil
		},
	}
	f := c.Flags()
	// Flags come before POLICY, so that arguments such as -1 are numbers.
	f.SetInterspersed(false)
	f.StringVar(&arch, "arch", "", "the arch to compile for and simulate (default: the host's)")
	f.StringArrayVarP(&includes, "include", "I", nil, "search `DIR` for #include files (repeatable, in order)")
	f.BoolVar(&allowX32, "allow-x32", false, "let x32 syscalls through on x86_64")
	f.BoolVarP(&verbose, "verbose", "v", false, "also print the number of instructions executed")
	_ = c.RegisterFlagCompletionFunc("arch", cli.CompleteArches)
	return c
}

// syscallNumber resolves a syscall name of arch a, or a number.
func syscallNumber(a *syscalls.Arch, s string) (uint32, error) {
	if sc, ok := a.Lookup(s); ok {
		return sc.Nr, nil
	}
	n, err := grammar.ParseNumber(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a syscall of %s nor a number", s, a.Name)
	}
	if n > 0xffffffff && n < 0xffffffff80000000 {
		return 0, fmt.Errorf("syscall number %s does not fit in 32 bits", s)
	}
	return uint32(n), nil
}
