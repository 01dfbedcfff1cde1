package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/kafel"
)

func init() { commands = append(commands, command{name: "fmt", new: newFmtCmd}) }

func newFmtCmd() *cobra.Command {
	var (
		f     policyFlags
		write bool
	)
	c := &cobra.Command{
		Use:   "fmt [-w] [-I DIR] [--arch LIST] POLICY",
		Short: "Rewrite a policy in portable Kafel",
		Long: `fmt prints POLICY in canonical layout and in the portable spelling that
the reference Kafel compiler accepts: commas between statements, no
trailing commas, kernel syscall names instead of libc ones (uname becomes
newuname on x86_64), kernel argument names instead of arg0..arg5, a bare
mask written as "!= 0", and a DEFAULT inside a POLICY moved to file scope.
The result passes "kafel lint --strict" unless something is left that
only a person can fix; then fmt prints those findings and exits 1.
Comments are not kept. With -w the file is rewritten in place.

Exit status: 0 ok, 1 the policy has errors (or findings fmt cannot fix),
2 usage or I/O errors.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options()
			if err != nil {
				return err
			}
			path := args[0]
			if write && path == "-" {
				return cli.Usage("-w needs a file, not standard input")
			}
			name, src, err := cli.ReadPolicy(cmd.InOrStdin(), path)
			if err != nil {
				return err
			}
			out, _, err := kafel.Format(name, src, opts)
			if err != nil {
				diags, sources, ferr := findings(nil, err)
				if ferr != nil {
					return ferr
				}
				if err := kafel.Render(cmd.ErrOrStderr(), diags, sources); err != nil {
					return err
				}
				return cli.Findings()
			}
			if write {
				if !bytes.Equal(out, src) {
					if err := cli.WriteFileAtomic(path, out); err != nil {
						return &cli.ExitError{Code: cli.ExitUsage, Err: err}
					}
				}
			} else if _, err := cmd.OutOrStdout().Write(out); err != nil {
				return err
			}
			// What is still not portable needs a person.
			strict := opts
			strict.Strict = true
			if _, err := kafel.Load(name, out, strict); err != nil {
				diags, _, ferr := findings(nil, err)
				if ferr != nil {
					return ferr
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: not portable after formatting:\n", name)
				if err := kafel.Render(cmd.ErrOrStderr(), diags, map[string][]byte{name: out}); err != nil {
					return err
				}
				return cli.Findings()
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&write, "write", "w", false, "write the result back to POLICY instead of standard output")
	f.register(c)
	return c
}
