package sandbox_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gokafel/gokafel/sandbox"
)

// Run a command in the default jail: every namespace but time, a
// read-only root of the host's system directories, cgroup limits and the
// embedded seccomp policy. The program's exit status is passed through;
// a limit or a seccomp kill is named in Reason. (The binary's main must
// call sandbox.Init first.)
func ExampleRun() {
	cfg := sandbox.DefaultConfig()
	cfg.Path, cfg.Argv = "python3", []string{"python3", "-c", "print('hello from the jail')"}
	res, err := sandbox.Run(context.Background(), cfg, sandbox.RunOptions{HandleSignals: true})
	if err != nil {
		// Something asked for could not be applied: the program never ran.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(125)
	}
	if res.ReasonKind != sandbox.ReasonExited {
		fmt.Fprintln(os.Stderr, res.Reason)
	}
	os.Exit(res.ExitCode)
}
