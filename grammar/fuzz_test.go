package grammar

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that Parse never panics (its recover would show as an
// "internal error" diagnostic), that every diagnostic has a position, and
// that a policy without errors survives Format: Parse(Format(f)) == f
// modulo positions, with no errors.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/diag/*.kafel")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	for _, s := range []string{
		"ALLOW { read { (a & 3) == 0 && !(b == 1), c } }",
		"#define X 0x10\nPOLICY p { ALLOW { SYSCALL[-1](a) ON { arm, x86 } { a | X > 0b11 } } }\nUSE p DEFAULT ERRNO(1)",
		"#include \"a\" \"b\";ALLOW{}",
		"/***/ /* **/ */",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(checkParse)
}

// checkParse is FuzzParse's check of one input.
func checkParse(t *testing.T, src []byte) {
	{
		file, diags := Parse("fuzz", src, nil)
		for _, d := range diags {
			if strings.Contains(d.Msg, "internal error") {
				t.Fatalf("Parse(%q) panicked: %v", src, d)
			}
			if d.Pos.Line < 1 || d.Pos.Column < 1 || d.Pos.Filename != "fuzz" {
				t.Fatalf("Parse(%q): diagnostic without position: %#v", src, d)
			}
		}
		if diags.Err() != nil {
			return
		}
		out := Format(file)
		again, diags2 := Parse("fuzz", out, nil)
		if err := diags2.Err(); err != nil {
			t.Fatalf("Parse(%q) is fine but its Format %q is not:\n%v", src, out, err)
		}
		if diff := cmp.Diff(file, again, astOptions); diff != "" {
			t.Fatalf("round trip of %q through %q changed the tree:\n%s", src, out, diff)
		}
	}
}
