// Package cli holds what the gokafel commands share: exit codes, usage
// errors and the cobra set-up that maps them, and the handling of the
// arguments several commands take (--arch lists and their completion,
// reading a policy, printing its diagnostics, writing output files).
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes that scripts can rely on.
const (
	ExitOK       = 0 // success
	ExitFindings = 1 // policy errors, lint findings, a failed check
	ExitUsage    = 2 // bad flags or arguments, I/O errors
)

// ExitError carries the exit code a command should end with. Its message
// has already been printed when Silent is set.
type ExitError struct {
	Code   int
	Err    error
	Silent bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Usage returns an error that ends the command with ExitUsage.
func Usage(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Findings returns an error that ends the command with ExitFindings after
// its output was already printed.
func Findings() error { return &ExitError{Code: ExitFindings, Silent: true} }

// Exit returns an error that ends the command with code and prints nothing.
func Exit(code int) error { return &ExitError{Code: code, Silent: true} }

// Setup configures root and its subcommands: flag errors and argument
// errors become usage errors, and cobra prints neither usage nor errors by
// itself (Run prints them once).
func Setup(root *cobra.Command) {
	root.SilenceUsage = true
	root.SilenceErrors = true
	root.CompletionOptions.HiddenDefaultCmd = false
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
		})
		if args := c.Args; args != nil {
			c.Args = func(c *cobra.Command, a []string) error {
				if err := args(c, a); err != nil {
					return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// Run executes root with args and returns the process exit code, printing
// any error to stderr prefixed with the command name.
func Run(root *cobra.Command, args []string, stderr io.Writer) int {
	Setup(root)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if !ee.Silent && ee.Err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", root.Name(), ee.Err)
		}
		return ee.Code
	}
	// Errors cobra raises itself (unknown command, missing required flag)
	// are usage errors; commands return *ExitError for everything else.
	fmt.Fprintf(stderr, "%s: %v\n", root.Name(), err)
	if c, _, ferr := root.Find(args); ferr != nil || c == nil || isCobraUsage(err) {
		return ExitUsage
	}
	return ExitFindings
}

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "required flag", "accepts ", "requires at least", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// Main runs root with the process arguments and exits.
func Main(root *cobra.Command) {
	os.Exit(Run(root, os.Args[1:], os.Stderr))
}
