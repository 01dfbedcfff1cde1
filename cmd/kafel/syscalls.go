package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gokafel/gokafel/internal/suggest"

	"github.com/spf13/cobra"

	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/syscalls"
)

func init() { commands = append(commands, command{name: "syscalls", new: newSyscallsCmd}) }

func newSyscallsCmd() *cobra.Command {
	var archName string
	c := &cobra.Command{
		Use:   "syscalls [--arch ARCH] [NAME|NUMBER...]",
		Short: "Print the syscall table of an arch",
		Long: `syscalls prints the syscall table of ARCH (default: this machine's), one
syscall per line: its name, number and arguments as name:width in bytes.
The names are those Kafel policies use (the kernel's entry points, such as
newuname on x86_64); the libc names that differ follow as aliases, marked
"(alias of ...)". With NAME or NUMBER arguments only those are printed.

Exit status: 0 ok, 1 a NAME or NUMBER is not in the table, 2 usage errors
(an unknown arch).`,
		Example: `  kafel syscalls --arch aarch64
  kafel syscalls --arch x86_64 openat
  kafel syscalls --arch mips 4020`,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := cli.Arch(archName)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				for _, s := range a.Syscalls() {
					printSyscall(out, s)
				}
				for _, s := range a.AliasEntries() {
					printSyscall(out, s)
				}
				return nil
			}
			missing := false
			for _, arg := range args {
				s, ok := lookupSyscall(a, arg)
				if !ok {
					fmt.Fprintf(cmd.ErrOrStderr(), "kafel: %s\n", unknownSyscall(a, arg))
					missing = true
					continue
				}
				printSyscall(out, s)
			}
			if missing {
				return cli.Findings()
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			a, err := cli.Arch(archName)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, s := range append(a.Syscalls(), a.AliasEntries()...) {
				if strings.HasPrefix(s.Name, toComplete) {
					names = append(names, s.Name)
				}
			}
			sort.Strings(names)
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
	c.Flags().StringVar(&archName, "arch", "", "arch whose table to print (default: this machine's)")
	_ = c.RegisterFlagCompletionFunc("arch", cli.CompleteArches)
	return c
}

// lookupSyscall finds arg as a name, or as a number in decimal or 0x hex.
func lookupSyscall(a *syscalls.Arch, arg string) (*syscalls.Syscall, bool) {
	if s, ok := a.Lookup(arg); ok {
		return s, true
	}
	if n, err := strconv.ParseUint(arg, 0, 32); err == nil {
		return a.ByNumber(uint32(n))
	}
	return nil, false
}

func printSyscall(w io.Writer, s *syscalls.Syscall) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", s.Name, s.Nr)
	for _, arg := range s.Args {
		fmt.Fprintf(&b, " %s:%d", arg.Name, arg.Size)
	}
	if s.IsAlias() {
		fmt.Fprintf(&b, " (alias of %s)", s.AliasOf)
	}
	fmt.Fprintln(w, b.String())
}

// unknownSyscall explains a name or number missing from a's table: the
// close names on the arch, and the arches that do have it.
func unknownSyscall(a *syscalls.Arch, arg string) string {
	if _, err := strconv.ParseUint(arg, 0, 32); err == nil {
		return fmt.Sprintf("no syscall number %s on %s", arg, a.Name)
	}
	msg := fmt.Sprintf("unknown syscall %q on %s", arg, a.Name)
	if near := nearNames(a, arg); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	}
	var elsewhere []string
	for _, o := range syscalls.Arches() {
		if _, ok := o.Lookup(arg); ok && o != a {
			elsewhere = append(elsewhere, o.Name)
		}
	}
	if len(elsewhere) > 0 {
		msg += " (it exists on " + strings.Join(elsewhere, ", ") + ")"
	}
	return msg
}

// nearNames returns up to three names of a within a small edit distance
// of name, or containing it, closest first.
func nearNames(a *syscalls.Arch, name string) []string {
	limit := 2
	if len(name) <= 4 {
		limit = 1
	}
	var names []string
	for _, s := range append(a.Syscalls(), a.AliasEntries()...) {
		names = append(names, s.Name)
	}
	return suggest.Near(name, names, limit, 3)
}
