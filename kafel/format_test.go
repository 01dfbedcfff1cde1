package kafel

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFormatPreservesMeaning formats lenient policies and checks that the
// result loads in strict mode to the same rules as the original.
func TestFormatPreservesMeaning(t *testing.T) {
	paths, _ := filepath.Glob("testdata/seed/*.kafel")
	paths = append(paths, "testdata/errors/lenient.kafel")
	inline := map[string]string{
		"inner default":           "POLICY p { ALLOW { read } DEFAULT ERRNO(1) } USE p",
		"trailing comma and bare": "ALLOW { write { fd & 1 }, read, } ALLOW { uname }",
		"generic on declared":     "ALLOW { read(f, b) { arg1 == 0 && f == 1 } }",
	}
	srcs := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs[p] = b
	}
	for n, s := range inline {
		srcs[n] = []byte(s)
	}
	for name, src := range srcs {
		t.Run(filepath.Base(name), func(t *testing.T) {
			opts := x86Opts(t)
			orig := loadOK(t, string(src), opts)
			out, _, err := Format(name, src, opts)
			if err != nil {
				t.Fatal(err)
			}
			strict := opts
			strict.Strict = true
			formatted := loadOK(t, string(out), strict)
			if len(formatted.Warnings) != 0 {
				t.Errorf("formatted policy has findings: %v\n%s", formatted.Warnings, out)
			}
			a, b := dumpRules(orig.RuleSet().Arches[0]), dumpRules(formatted.RuleSet().Arches[0])
			if a != b {
				t.Errorf("formatting changed the rules\nbefore:\n%s\nafter:\n%s\nformatted source:\n%s", a, b, out)
			}
		})
	}
}
