package sandbox

import (
	"os"
	"path/filepath"

	"golang.org/x/net/bpf"

	"github.com/gokafel/gokafel/corpus"
	"github.com/gokafel/gokafel/kafel"
)

// compilePolicy compiles the Kafel policy of sc for the host arch: the
// file, the text, or the embedded default. It returns nil when sc asks for
// no filter. Errors wrap the compiler's (a *kafel.Error with diagnostics
// for a refused policy).
func compilePolicy(sc Seccomp) ([]bpf.RawInstruction, error) {
	var name string
	var src []byte
	switch {
	case sc.PolicyFile != "":
		b, err := os.ReadFile(sc.PolicyFile)
		if err != nil {
			return nil, &SetupError{Op: "read the seccomp policy", Path: sc.PolicyFile, Err: err}
		}
		name, src = sc.PolicyFile, b
	case sc.Policy != "":
		name, src = "seccomp_string", []byte(sc.Policy)
	case sc.Default:
		name, src = corpus.DefaultName, corpus.Default()
	default:
		return nil, nil
	}
	opts := kafel.Options{IncludePaths: sc.IncludePaths}
	if len(opts.IncludePaths) == 0 && sc.PolicyFile != "" {
		opts.IncludePaths = []string{filepath.Dir(sc.PolicyFile)}
	}
	prog, err := kafel.Compile(name, src, opts)
	if err != nil {
		return nil, &SetupError{Op: "compile the seccomp policy", Path: name, Err: err}
	}
	return prog.Insns, nil
}
