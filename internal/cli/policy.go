package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gokafel/gokafel/kafel"
	"github.com/gokafel/gokafel/syscalls"
)

// ArchNames lists every arch name and alias the commands accept, sorted.
func ArchNames() []string {
	var names []string
	for _, a := range syscalls.Arches() {
		names = append(names, a.Name)
		names = append(names, a.Aliases...)
	}
	sort.Strings(names)
	return names
}

// knownArches describes the arches for an error message: each name with
// its aliases in parentheses.
func knownArches() string {
	var names []string
	for _, a := range syscalls.Arches() {
		n := a.Name
		if len(a.Aliases) > 0 {
			n += " (" + strings.Join(a.Aliases, ", ") + ")"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// Arch resolves the value of an --arch flag that names one arch; empty
// means the host's. Anything else is a usage error.
func Arch(name string) (*syscalls.Arch, error) {
	if name == "" {
		if h := syscalls.HostArch(); h != nil {
			return h, nil
		}
		return nil, Usage("this machine's arch has no syscall table; use --arch (%s)", knownArches())
	}
	a, ok := syscalls.LookupArch(name)
	if !ok {
		return nil, Usage("unknown arch %q; known arches: %s", name, knownArches())
	}
	return a, nil
}

// Arches resolves a comma-separated --arch list; empty means the host's
// (a nil list). An unknown or repeated arch is a usage error.
func Arches(list string) ([]*syscalls.Arch, error) {
	if list == "" {
		return nil, nil
	}
	var out []*syscalls.Arch
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		a, ok := syscalls.LookupArch(name)
		if !ok {
			return nil, Usage("unknown arch %q; known arches: %s", name, knownArches())
		}
		if seen[a.Name] {
			return nil, Usage("arch %q given twice", name)
		}
		seen[a.Name] = true
		out = append(out, a)
	}
	return out, nil
}

// CompleteArches completes the last element of a comma-separated arch
// list (a single arch is a list of one).
func CompleteArches(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	prefix := ""
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		prefix = toComplete[:i+1]
	}
	var out []string
	for _, n := range ArchNames() {
		if strings.HasPrefix(prefix+n, toComplete) {
			out = append(out, prefix+n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// ReadPolicy reads the policy named on the command line; "-" is standard
// input, named "<stdin>" in diagnostics. A read error is a usage error.
func ReadPolicy(stdin io.Reader, path string) (name string, src []byte, err error) {
	if path == "-" {
		src, err := io.ReadAll(stdin)
		if err != nil {
			return "", nil, Usage("reading standard input: %v", err)
		}
		return "<stdin>", src, nil
	}
	src, err = os.ReadFile(path)
	if err != nil {
		return "", nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return path, src, nil
}

// PolicyFailed prints the diagnostics of a policy that did not load and
// returns the error that ends the command with ExitFindings.
func PolicyFailed(stderr io.Writer, err error) error {
	var kerr *kafel.Error
	if errors.As(err, &kerr) {
		_ = kafel.Render(stderr, kerr.Diagnostics, kerr.Sources)
		return Findings()
	}
	return &ExitError{Code: ExitFindings, Err: err}
}

// WriteFileAtomic writes data to path through a temporary file in the
// same directory renamed over it, so that no partial file remains on
// error; an existing file keeps its permissions. A path that is not a
// regular file (/dev/stdout, a fifo) is written in place.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
