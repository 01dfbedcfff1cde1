package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/kafel"
)

// options are kafelc's flags.
type options struct {
	output     string
	includes   []string
	arches     string
	format     string
	check      bool
	stats      bool
	strict     bool
	allowX32   bool
	noOptimize bool
}

func newRootCmd() *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:   "kafelc [flags] POLICY",
		Short: "Compile a Kafel seccomp policy to a seccomp BPF filter",
		Long: `kafelc compiles a Kafel seccomp policy (a file, or - for standard input)
to a seccomp BPF filter. Flags may come before or after the policy; -- ends them.

On x86_64, x32 syscall numbers (0x40000000..0x7fffffff) are treated as a
foreign arch (killed) unless --allow-x32 is given; the reference Kafel
compiler lets them through to the policy's rules.

Exit status: 0 ok, 1 policy errors (diagnostics on stderr), 2 usage or I/O errors.`,
		Example: `  kafelc policy.kafel -o filter.bpf
  kafelc --arch x86_64,x86 --format asm policy.kafel
  kafelc --check --stats -I include/ policy.kafel`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, &o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the filter to `FILE` (default: standard output; - also means standard output)")
	f.StringArrayVarP(&o.includes, "include", "I", nil, "search `DIR` for #include files (repeatable, searched in order)")
	f.StringVar(&o.arches, "arch", "", "target arches, comma separated (default: the host's)")
	f.StringVar(&o.format, "format", "raw", "output format: "+strings.Join(bpfgen.FormatNames(), ", "))
	f.BoolVar(&o.check, "check", false, "compile only: print nothing, report through the exit status")
	f.BoolVar(&o.stats, "stats", false, "print the instruction count and the longest and mean executed path")
	f.BoolVar(&o.strict, "strict", false, "accept only what the reference Kafel compiler accepts (portability warnings become errors)")
	f.BoolVar(&o.allowX32, "allow-x32", false, "let x32 syscalls through the x86_64 part of the filter instead of killing them")
	f.BoolVar(&o.noOptimize, "no-optimize", false, "turn the optimizer passes off")
	_ = cmd.RegisterFlagCompletionFunc("arch", cli.CompleteArches)
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return bpfgen.FormatNames(), cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.MarkFlagDirname("include")
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveDefault // policy files
	}
	return cmd
}

func run(cmd *cobra.Command, o *options, path string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	format, err := bpfgen.ParseFormat(o.format)
	if err != nil {
		return cli.Usage("%v", err)
	}
	arches, err := cli.Arches(o.arches)
	if err != nil {
		return err
	}
	toStdout := !o.check && (o.output == "" || o.output == "-")
	if toStdout && format.Binary() && isTerminal(stdout) {
		return cli.Usage("refusing to write a raw binary filter to a terminal; use -o FILE or --format asm")
	}

	name, src, err := cli.ReadPolicy(cmd.InOrStdin(), path)
	if err != nil {
		return err
	}
	pol, err := kafel.Load(name, src, kafel.Options{
		IncludePaths: o.includes,
		Arches:       arches,
		Strict:       o.strict,
		AllowX32:     o.allowX32,
	})
	if err != nil {
		return cli.PolicyFailed(stderr, err)
	}
	if len(pol.Warnings) > 0 {
		_ = kafel.Render(stderr, pol.Warnings, pol.Sources)
	}
	rs := pol.RuleSet()
	prog, err := bpfgen.Compile(rs, bpfgen.Options{NoOptimize: o.noOptimize})
	if err != nil {
		return &cli.ExitError{Code: cli.ExitFindings, Err: fmt.Errorf("%s: %w", name, err)}
	}

	var ps *bpfgen.PathStats
	if o.stats || format == bpfgen.FormatJSON {
		st, err := bpfgen.MeasurePaths(prog.Insns, rs)
		if err != nil {
			return &cli.ExitError{Code: cli.ExitFindings, Err: fmt.Errorf("%s: the compiled filter is invalid: %w", name, err)}
		}
		ps = &st
	}
	if !o.check {
		var archList []string
		for _, a := range pol.Arches {
			archList = append(archList, a.Name)
		}
		var buf bytes.Buffer
		err := bpfgen.Encode(&buf, prog, format, bpfgen.EncodeOptions{Source: name, Arches: archList, Path: ps})
		if err != nil {
			return cli.Usage("%v", err)
		}
		if toStdout {
			if _, err := stdout.Write(buf.Bytes()); err != nil {
				return cli.Usage("writing the filter: %v", err)
			}
		} else if err := cli.WriteFileAtomic(o.output, buf.Bytes()); err != nil {
			return cli.Usage("%v", err)
		}
	}
	if o.stats {
		w := stdout
		if toStdout {
			w = stderr // keep the filter on stdout clean
		}
		printStats(w, prog, ps, len(rs.Arches))
	}
	return nil
}

func printStats(w io.Writer, prog *bpfgen.Program, ps *bpfgen.PathStats, arches int) {
	fmt.Fprintf(w, "instructions: %d", len(prog.Insns))
	if u := prog.Stats.Unoptimized; u != 0 && u != len(prog.Insns) {
		fmt.Fprintf(w, " (%d before optimization)", u)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "longest path: %d\n", ps.Longest)
	fmt.Fprintf(w, "mean path: %.2f (syscall numbers 0..%d x %d argument vectors", ps.Mean, bpfgen.PathSyscalls-1, len(bpfgen.PathArgs))
	if arches > 1 {
		fmt.Fprintf(w, " x %d arches", arches)
	}
	fmt.Fprintln(w, ")")
}
