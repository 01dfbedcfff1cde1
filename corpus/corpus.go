package corpus

import (
	"embed"
	"hash/fnv"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"golang.org/x/net/bpf"
)

//go:embed *.kafel
var files embed.FS

//go:generate go run ./internal/genfilter -o zdefault_filter.go

// DefaultName is the name of the default policy, as diagnostics show it.
const DefaultName = "corpus/default.kafel"

// Default returns the text of the default policy of `kafel run`.
func Default() []byte {
	b, err := files.ReadFile("default.kafel")
	if err != nil {
		panic("corpus: default.kafel is not embedded: " + err.Error())
	}
	return b
}

// Lookup returns the text of the shipped policy called name (with or
// without the .kafel suffix).
func Lookup(name string) ([]byte, bool) {
	b, err := files.ReadFile(strings.TrimSuffix(name, ".kafel") + ".kafel")
	return b, err == nil
}

// Names lists the shipped policies, without the .kafel suffix.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".kafel"))
	}
	sort.Strings(out)
	return out
}

// archFilter is a compiled filter for one GOARCH.
type archFilter struct {
	goarch string
	prog   []bpf.RawInstruction
}

// DefaultFilter returns the default policy as kafel.Compile compiles it,
// with default options, for the arch Go calls goarch, and whether it is
// shipped: zdefault_filter.go is generated (go generate ./corpus) for
// every arch where the policy compiles, and it is not returned when it
// was made from another text than the embedded default.kafel. Callers must
// not modify the result.
func DefaultFilter(goarch string) ([]bpf.RawInstruction, bool) {
	if !defaultFresh() {
		return nil, false
	}
	for _, f := range defaultFilters {
		if f.goarch == goarch {
			return f.prog, true
		}
	}
	return nil, false
}

// defaultFresh reports whether the shipped filters were compiled from the
// embedded default.kafel (a hash of 4 kB: microseconds, once).
var defaultFresh = sync.OnceValue(func() bool {
	h := fnv.New64a()
	h.Write(Default())
	return h.Sum64() == defaultHash
})
