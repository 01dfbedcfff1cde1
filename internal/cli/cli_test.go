package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func newTestRoot() *cobra.Command {
	root := &cobra.Command{Use: "tool"}
	var fail string
	sub := &cobra.Command{
		Use:  "check FILE",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			switch fail {
			case "findings":
				return Findings()
			case "usage":
				return Usage("bad value %q", args[0])
			case "plain":
				return errors.New("something broke")
			}
			return nil
		},
	}
	sub.Flags().StringVar(&fail, "fail", "", "how to fail")
	root.AddCommand(sub)
	return root
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		args       []string
		want       int
		wantStderr string
	}{
		{[]string{"check", "f"}, ExitOK, ""},
		{[]string{"check", "f", "--fail", "findings"}, ExitFindings, ""},
		{[]string{"--", "check", "f"}, ExitOK, ""},
		{[]string{"check", "--fail", "usage", "f"}, ExitUsage, `tool: bad value "f"`},
		{[]string{"check"}, ExitUsage, "accepts 1 arg(s), received 0"},
		{[]string{"check", "f", "--nope"}, ExitUsage, "unknown flag: --nope\nRun 'tool check --help' for usage."},
		{[]string{"nosuch"}, ExitUsage, `unknown command "nosuch"`},
		{[]string{"check", "f", "--fail", "plain"}, ExitFindings, "tool: something broke"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		got := Run(newTestRoot(), tt.args, &stderr)
		if got != tt.want {
			t.Errorf("tool %q: exit %d, want %d (stderr %q)", tt.args, got, tt.want, stderr.String())
		}
		if tt.wantStderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), tt.wantStderr) {
			t.Errorf("tool %q: stderr %q, want %q", tt.args, stderr.String(), tt.wantStderr)
		}
	}
}
