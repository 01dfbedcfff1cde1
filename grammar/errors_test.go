package grammar

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// markerRE finds `ERROR "regexp"` and `WARNING "regexp"` in the comments
// of testdata/errors/*.kafel (go/parser's error-corpus convention).
var markerRE = regexp.MustCompile(`(ERROR|WARNING) "((?:[^"\\]|\\.)*)"`)

// TestErrorCorpus checks that every marked finding is reported on its
// line, and that every error and warning reported is marked.
func TestErrorCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.kafel")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error corpus: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f, diags := Parse(file, src, nil)
			type marker struct {
				line int
				sev  Severity
				re   *regexp.Regexp
				used bool
			}
			var markers []*marker
			for _, c := range f.Comments {
				for _, m := range markerRE.FindAllStringSubmatch(c.Text, -1) {
					sev := Error
					if m[1] == "WARNING" {
						sev = Warning
					}
					markers = append(markers, &marker{line: c.Pos().Line, sev: sev, re: regexp.MustCompile(m[2])})
				}
			}
			for _, d := range diags {
				if d.Severity == Note {
					continue
				}
				found := false
				for _, m := range markers {
					if !m.used && m.line == d.Pos.Line && m.sev == d.Severity && m.re.MatchString(d.Msg) {
						m.used, found = true, true
						break
					}
				}
				if !found {
					t.Errorf("unexpected finding: %s", d)
				}
			}
			for _, m := range markers {
				if !m.used {
					t.Errorf("%s:%d: no %s matching %q", file, m.line, m.sev, m.re)
				}
			}
		})
	}
}
