package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/kafel"
)

func init() { commands = append(commands, command{name: "lint", new: newLintCmd}) }

// policyFlags are the flags lint and fmt share.
type policyFlags struct {
	strict   bool
	allowX32 bool
	includes []string
	arches   string
}

func (f *policyFlags) register(c *cobra.Command) {
	c.Flags().StringArrayVarP(&f.includes, "include", "I", nil, "search `DIR` for #include files (repeatable, in order)")
	c.Flags().StringVar(&f.arches, "arch", "", "target arches, comma-separated (default: the host's)")
	_ = c.RegisterFlagCompletionFunc("arch", cli.CompleteArches)
	c.Flags().BoolVar(&f.allowX32, "allow-x32", false, "let x32 syscalls through on x86_64 instead of treating them as a foreign arch")
}

// options turns the flags into load options; an unknown arch is a usage error.
func (f *policyFlags) options() (kafel.Options, error) {
	arches, err := cli.Arches(f.arches)
	return kafel.Options{IncludePaths: f.includes, Strict: f.strict, AllowX32: f.allowX32, Arches: arches}, err
}

// findings extracts what a load reported: the diagnostics and their
// sources, whether it failed or not.
func findings(p *kafel.Policy, err error) (kafel.Diagnostics, map[string][]byte, error) {
	if err == nil {
		return p.Warnings, p.Sources, nil
	}
	var e *kafel.Error
	if errors.As(err, &e) {
		return e.Diagnostics, e.Sources, nil
	}
	return nil, nil, err
}

func newLintCmd() *cobra.Command {
	var f policyFlags
	c := &cobra.Command{
		Use:   "lint [--strict] [-I DIR] [--arch LIST] POLICY...",
		Short: "Check policies and print every error and portability warning",
		Long: `lint loads each policy as the compiler does and prints every finding:
errors, portability warnings (forms the reference Kafel compiler refuses)
and notes, each with its position, the source line and a hint.
A POLICY of "-" is read from standard input.

Exit status: 0 no findings, 1 findings, 2 usage or I/O errors.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options()
			if err != nil {
				return err
			}
			found := false
			for _, path := range args {
				name, src, err := cli.ReadPolicy(cmd.InOrStdin(), path)
				if err != nil {
					return err
				}
				diags, sources, err := findings(kafel.Load(name, src, opts))
				if err != nil {
					return err
				}
				if len(diags) > 0 {
					found = true
					if err := kafel.Render(cmd.OutOrStdout(), diags, sources); err != nil {
						return err
					}
				}
			}
			if found {
				return cli.Findings()
			}
			return nil
		},
	}
	c.Flags().BoolVar(&f.strict, "strict", false, "treat portability warnings as errors (accept only what the reference compiler accepts)")
	f.register(c)
	return c
}
