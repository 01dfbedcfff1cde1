package corpus

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.kafel
var files embed.FS

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
