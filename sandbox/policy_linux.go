package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"sync"

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
		// Shipped compiled (corpus/zdefault_filter.go, checked against
		// the embedded text): compiling it costs ~7 ms and 2 MB a launch
		// of `kafel run`. The kill mapping and the execve gate are applied
		// to it in buildFilter as to any other program.
		if prog, ok := corpus.DefaultFilter(runtime.GOARCH); ok {
			return prog, nil
		}
		name, src = corpus.DefaultName, corpus.Default()
	default:
		return nil, nil
	}
	// Compiling costs milliseconds; a process that runs many jails (a
	// benchmark, rerun and listen modes) compiles each policy once. A
	// policy with #include is compiled every time: its parts may change.
	cacheable := !bytes.Contains(src, []byte("#include"))
	key := name + "\x00" + string(src)
	if cacheable {
		policyCache.Lock()
		prog, ok := policyCache.m[key]
		policyCache.Unlock()
		if ok {
			return prog, nil
		}
	}
	opts := kafel.Options{IncludePaths: sc.IncludePaths}
	if len(opts.IncludePaths) == 0 && sc.PolicyFile != "" {
		opts.IncludePaths = []string{filepath.Dir(sc.PolicyFile)}
	}
	prog, err := kafel.Compile(name, src, opts)
	if err != nil {
		return nil, &SetupError{Op: "compile the seccomp policy", Path: name, Err: err}
	}
	if cacheable {
		policyCache.Lock()
		if len(policyCache.m) >= 32 {
			clear(policyCache.m) // bounded: a service with many policies recompiles
		}
		policyCache.m[key] = prog.Insns
		policyCache.Unlock()
	}
	return prog.Insns, nil
}

// policyCache maps policy name and text to the compiled program. Callers
// get the shared slice and must not modify it (buildFilter copies).
var policyCache = struct {
	sync.Mutex
	m map[string][]bpf.RawInstruction
}{m: map[string][]bpf.RawInstruction{}}
