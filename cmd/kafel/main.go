// Command kafel is the gokafel toolchain: run programs in a sandbox under
// a Kafel seccomp policy, check and format policies, inspect syscall
// tables and simulate filters.
package main

import (
	"github.com/spf13/cobra"

	// First of all: the main goroutine's start-up stack in one step.
	_ "github.com/gokafel/gokafel/cmd/kafel/internal/startstack"
	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/sandbox"
)

// commands lists the constructors of the subcommands; each lives in its
// own file and adds itself in an init function.
var commands []func() *cobra.Command

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kafel",
		Short: "Kafel seccomp policies and an nsjail-class sandbox in one binary",
		Long: `kafel compiles Kafel seccomp policies and runs programs in a sandbox.

Exit status: 0 ok, 1 findings or policy errors, 2 usage or I/O errors.
'kafel run' is a command runner and follows env(1) and timeout(1) instead:
the program's own status, 128+N for signal N, 125 when kafel run itself
failed before the program ran, 126 cannot execute, 127 not found.`,
	}
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

func main() {
	sandbox.Init() // the jail's init is this binary re-executed: it never returns there
	cli.Main(newRootCmd())
}
