// Command kafel is the gokafel toolchain: run programs in a sandbox under
// a Kafel seccomp policy, check and format policies, inspect syscall
// tables and simulate filters.
package main

import (
	"os"

	"github.com/spf13/cobra"

	// First of all: the main goroutine's start-up stack in one step.
	_ "github.com/gokafel/gokafel/cmd/kafel/internal/startstack"
	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/sandbox"
)

// command is a subcommand: its name (the first word of its Use) and its
// constructor. Each lives in its own file and adds itself to commands in
// an init function.
type command struct {
	name string
	new  func() *cobra.Command
	// bare, if set, builds the command for a command line that gives it
	// no flag (see givesFlag), when it is the process's only command.
	bare func() *cobra.Command
}

var commands []command

// newRootCmd builds the command tree for a process whose arguments are
// args. When args[0] names a subcommand, the tree holds only that one and
// no completion command: cobra runs it without looking at the others, and
// building them (and cobra's completion commands) was a good part of the
// start of every kafel run. Any other args (help, completion, flags, a
// typo cobra suggests a command for) get the whole tree, as do tests,
// which pass no args.
func newRootCmd(args ...string) *cobra.Command {
	root := &cobra.Command{
		Use:   "kafel",
		Short: "Kafel seccomp policies and an nsjail-class sandbox in one binary",
		Long: `kafel compiles Kafel seccomp policies and runs programs in a sandbox.

Exit status: 0 ok, 1 findings or policy errors, 2 usage or I/O errors.
'kafel run' is a command runner and follows env(1) and timeout(1) instead:
the program's own status, 128+N for signal N, 125 when kafel run itself
failed before the program ran, 126 cannot execute, 127 not found.`,
	}
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				if c.bare != nil && !givesFlag(args[1:]) {
					root.AddCommand(c.bare())
				} else {
					root.AddCommand(c.new())
				}
				root.CompletionOptions.DisableDefaultCmd = true
				return root
			}
		}
	}
	for _, c := range commands {
		root.AddCommand(c.new())
	}
	return root
}

// givesFlag reports whether a command's args start with a flag, as pflag
// reads them when flags end at the first other word: a word of two or
// more characters starting with '-', other than "--".
func givesFlag(args []string) bool {
	return len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && args[0] != "--"
}

func main() {
	sandbox.Init() // where the jail's init is this binary re-executed: it never returns there
	if len(os.Args) > 1 && os.Args[1] == "run" {
		// Caught in the background while run reads its flags and
		// configuration: catching them costs more than half a
		// millisecond this early, and the run needs them before it makes
		// its cgroups.
		runSignals = sandbox.CatchSignals()
	}
	cli.Main(newRootCmd(os.Args[1:]...))
}
