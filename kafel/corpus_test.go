package kafel

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/internal/golden"

	"github.com/gokafel/gokafel/grammar"
)

// diagnose loads a test policy file and returns every finding, whether
// the load failed or not. Files named strict_* load in strict mode.
func diagnose(t *testing.T, path string) (Diagnostics, map[string][]byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := x86Opts(t)
	opts.IncludePaths = []string{filepath.Join(filepath.Dir(path), "include")}
	opts.Strict = strings.HasPrefix(filepath.Base(path), "strict_")
	p, err := Load(path, src, opts)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: error %T is not *Error: %v", path, err, err)
		}
		return e.Diagnostics, e.Sources
	}
	return p.Warnings, p.Sources
}

type marker struct {
	sev  grammar.Severity
	re   *regexp.Regexp
	used bool
}

var markerRE = regexp.MustCompile(`(ERROR|WARNING|NOTE) "((?:[^"\\]|\\.)*)"`)

// markers reads the expected findings of a corpus file: each line may end
// in a comment holding `ERROR "regexp"`, `WARNING "regexp"` or
// `NOTE "regexp"`, one per finding expected on that line.
func markers(t *testing.T, src []byte) map[int][]*marker {
	out := map[int][]*marker{}
	for i, line := range strings.Split(string(src), "\n") {
		c := strings.Index(line, "//")
		if c < 0 {
			continue
		}
		for _, m := range markerRE.FindAllStringSubmatch(line[c:], -1) {
			pat := strings.ReplaceAll(m[2], `\"`, `"`)
			re, err := regexp.Compile(pat)
			if err != nil {
				t.Fatalf("line %d: bad marker %s: %v", i+1, m[0], err)
			}
			sev := map[string]grammar.Severity{"ERROR": grammar.Error, "WARNING": grammar.Warning, "NOTE": grammar.Note}[m[1]]
			out[i+1] = append(out[i+1], &marker{sev: sev, re: re})
		}
	}
	return out
}

// TestErrorCorpus loads each policy under testdata/errors and checks that
// its findings are exactly those its markers announce, line by line.
func TestErrorCorpus(t *testing.T) {
	paths, err := filepath.Glob("testdata/errors/*.kafel")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := markers(t, src)
			diags, _ := diagnose(t, path)
			for _, d := range diags {
				if d.Pos.Filename != path {
					t.Errorf("unexpected finding in another file: %s", d)
					continue
				}
				found := false
				for _, m := range want[d.Pos.Line] {
					if !m.used && m.sev == d.Severity && m.re.MatchString(d.Msg) {
						m.used, found = true, true
						break
					}
				}
				if !found {
					t.Errorf("unexpected %s", d)
				}
			}
			for line, ms := range want {
				for _, m := range ms {
					if !m.used {
						t.Errorf("%s:%d: missing %s matching %q", path, line, m.sev, m.re)
					}
				}
			}
		})
	}
}

// TestGolden renders the findings of each policy under testdata/golden
// and compares them with the .golden file beside it (go test -update
// rewrites them).
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/golden/*.kafel")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			diags, sources := diagnose(t, path)
			var got bytes.Buffer
			if err := Render(&got, diags, sources); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(path, ".kafel")+".golden", got.Bytes())
		})
	}
}
