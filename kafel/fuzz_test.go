package kafel

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gokafel/gokafel/grammar"
)

// FuzzLoad loads arbitrary source with an include directory whose two
// files are also fuzzed: the loader must never panic or hang, a refused
// policy must carry at least one error, and rendering must work.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*.kafel")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src, []byte("POLICY inc { ALLOW { read } }"))
		}
	}
	f.Add([]byte(`#include "a.policy" "b.policy"; USE inc`), []byte(`#include "b.policy"`))
	f.Add([]byte(`#include "a.policy"`), []byte(`#include "a.policy"`))
	f.Add([]byte(`ALLOW { SYSCALL[-1](a,b) { a == 1 || !(b & 3 == 0) } } DEFAULT TRAP(3)`), []byte(""))
	opts := x86Opts(f)
	f.Fuzz(func(t *testing.T, main, inc []byte) {
		files := map[string][]byte{
			filepath.Join("inc", "a.policy"): inc,
			filepath.Join("inc", "b.policy"): main,
		}
		o := opts
		o.IncludePaths = []string{"inc"}
		o.ReadFile = func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return s, nil
			}
			return nil, fmt.Errorf("%s: not found", p)
		}
		p, err := Load("main.policy", main, o)
		var out bytes.Buffer
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if !e.Diagnostics.HasErrors() {
				t.Fatalf("refused without an error: %v", e.Diagnostics)
			}
			Render(&out, e.Diagnostics, e.Sources)
			return
		}
		if p.RuleSet() == nil || len(p.RuleSet().Arches) != 1 {
			t.Fatalf("loaded without a rule set for the one arch")
		}
		for _, w := range p.Warnings {
			if w.Severity == grammar.Error {
				t.Fatalf("accepted with an error: %v", w)
			}
		}
		Render(&out, p.Warnings, p.Sources)
	})
}
