package grammar

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// quickRuleCases are rules, well formed or not, for the comparison of
// quickRule with participle; each is parsed inside an action block.
var quickRuleCases = []string{
	"read", "SYSCALL[1]", "SYSCALL[0x10] { a == 1 }", "SYSCALL [ -1 ] ( a )", "read()", "read(a)", "read(a, b, c)",
	"read ON x86_64", "read ON { arm, x86 }", "read ON {}", "read ON { a b }", "read ON", "read ON 1",
	"read {}", "read { }", "read { a }", "read { a, b }", "read { !a }", "read { !!(a == 1) }",
	"read { (a & 3) == 0 && !(b != 2) || c }", "read { a | b & c >= 0x10 }", "read { (a) }", "read { ((a == 1)) }",
	"read(a, b) ON { arm } { a < b, b <= 1 }", "read(a,) { a == 1 }", "read(,)", "read(a b)", "read(1)",
	"read { a == }", "read { == 1 }", "read { a == 1 == 2 }", "read { (a == 1) & 3 }", "read { (a == 1) == 0 }",
	"read { (a }", "read { a ) }", "read { ! }", "read { a } b", "read { a } { b }", "read ON x ON y",
	"read (a) (b)", "SYSCALL", "SYSCALL[", "SYSCALL[a]", "SYSCALL[1", "SYSCALL 1", "SYSCALL[1][2]",
	"read { a == 1 } ON x", "read { a } (b)", "read 1", "read { a && }", "read { a || b && c, d }",
	"read { a > b > c }", "read { 18446744073709551615 == a }", "read { a == LIMIT } }", "read {{ a }}",
	"read { (a, b) }", "read { (a || b) == 1 }", "read { !(a) }", "read { a &&& b }", "read { [a] }",
}

// sameRange compares ranges by the positions they hold.
var sameRange = cmp.Comparer(func(a, b Range) bool { return a.Pos() == b.Pos() && a.End() == b.End() })

// parseBoth parses src with and without quickRule and fails t when the
// trees (positions included) or the findings differ.
func parseBoth(t *testing.T, src []byte) {
	t.Helper()
	parseBothWith(t, src, nil)
}

func parseBothWith(t *testing.T, src []byte, opts *Options) {
	t.Helper()
	f, diags := parse("t", src, opts, false)
	g, slow := parse("t", src, opts, true)
	if diff := cmp.Diff(slow, diags); diff != "" {
		t.Fatalf("%q: findings differ (-participle +quickRule):\n%s", src, diff)
	}
	if diff := cmp.Diff(g, f, sameRange); diff != "" {
		t.Fatalf("%q: trees differ (-participle +quickRule):\n%s", src, diff)
	}
}

// TestQuickRuleMatchesParticiple checks that the fast path for the rules
// of a block gives exactly the tree and the findings of participle: on the
// cases above, alone and together, on the test policies, and on random
// rules built from pieces of the language.
func TestQuickRuleMatchesParticiple(t *testing.T) {
	for _, c := range quickRuleCases {
		parseBoth(t, []byte("ALLOW { "+c+" }"))
		parseBoth(t, []byte("POLICY p { ERRNO(1) { open, "+c+", close }, KILL { "+c+" } }"))
	}
	parseBoth(t, []byte("ALLOW {\n"+strings.Join(quickRuleCases, ",\n")+"\n}"))
	files, _ := filepath.Glob("testdata/*/*.kafel")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		parseBoth(t, src)
	}
	// Rules that span included files (quickRule leaves them to
	// participle), the same file twice among them.
	included := map[string]string{"filter": "{ a == 1 }", "x": "x", "comma": "a,", "rule": "read { a }"}
	include := &Options{Include: func(name string, _ lexer.Position) (string, []byte, error) {
		return name, []byte(included[name]), nil
	}}
	for _, src := range []string{
		`ALLOW { read #include "filter" }`, `ALLOW { read(#include "x", #include "x") }`,
		`ALLOW { read(#include "comma" #include "comma" b) }`, `ALLOW { #include "rule", #include "rule" }`,
		`ALLOW { read ON #include "x" { #include "x" == 1 } }`,
	} {
		parseBothWith(t, []byte(src), include)
	}
	pieces := []string{"read", "SYSCALL", "[", "]", "1", "0x10", "a", "b", "(", ")", "{", "}", ",", "ON", "x86",
		"==", "!=", "<", ">=", "&", "|", "&&", "||", "!", "/* c */", "\n", "LIMIT", "=", ";"}
	r := rand.New(rand.NewSource(2))
	n := 5000
	if testing.Short() {
		n = 500
	}
	for i := 0; i < n; i++ {
		parseBoth(t, []byte("ALLOW { read "+soup(r, pieces, 16)+"}"))
	}
}

// FuzzQuickRule compares the fast paths (quickRule, quickStmt) with
// participle on any input.
func FuzzQuickRule(f *testing.F) {
	for _, c := range quickRuleCases {
		f.Add([]byte("ALLOW { " + c + " }"))
	}
	for _, c := range quickStmtCases {
		f.Add([]byte(c))
	}
	f.Fuzz(parseBoth)
}

// TestItemsUntilClose checks the one-walk itemsUntilClose against closing
// and items on token soup, at every `{`.
func TestItemsUntilClose(t *testing.T) {
	pieces := []string{"{", "}", "(", ")", "[", "]", ",", "a", "b", "1", "USE", "DEFAULT", "KILL", "ALLOW", "POLICY"}
	r := rand.New(rand.NewSource(3))
	for n := 0; n < 3000; n++ {
		src := soup(r, pieces, 25)
		s := scanned(src)
		for open, tok := range s.toks {
			if tok.value != "{" {
				continue
			}
			for _, kind := range []frameKind{framePolicy, frameBlock} {
				spans, end := itemsUntilClose(s.toks, open, kind)
				wantEnd := closing(s.toks, open)
				var want []span
				if wantEnd < len(s.toks) {
					want = items(s.toks, open+1, wantEnd, kind)
				}
				if end != wantEnd || !cmp.Equal(spans, want, cmp.AllowUnexported(span{})) {
					t.Fatalf("%q at %d (kind %d): got %v, %d; want %v, %d", src, open, kind, spans, end, want, wantEnd)
				}
			}
		}
	}
}

// TestQuickStmtMatchesParticiple checks that the fast path for whole
// POLICY statements and action blocks (quickStmt) gives exactly the tree
// and the findings of the usual way, on the shared benchmark and seed
// policies and on random statements built from pieces of the language.
func TestQuickStmtMatchesParticiple(t *testing.T) {
	for _, pattern := range []string{"../../shared/bench/*.policy", "../../shared/seed-examples/*", "../corpus/testdata/*/*"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				parseBoth(t, src)
			}
		}
	}
	shallow := &Options{MaxDepth: 2} // checkFilter reports at depth 3 and more
	for _, src := range quickStmtCases {
		parseBoth(t, []byte(src))
		parseBothWith(t, []byte(src), shallow)
	}
	pieces := []string{"POLICY p {", "POLICY q {", "}", "{", "ALLOW {", "ERRNO(1) {", "KILL {", "TRAP(2)", "USE p", "USE",
		"DEFAULT KILL", "DEFAULT", ",", ",", ",", "read", "write { fd == 1 }", "SYSCALL[1]", "read(a) { a & 1 }",
		"#define X 1\n", "(", ")", "ON x86", "/* c */", "// c\n", "\n", "x", "1", "{ a }", "{ !(a < X) }", ";",
		"{ a == 1 && b == 2 || c == 3 }"}
	r := rand.New(rand.NewSource(4))
	n := 5000
	if testing.Short() {
		n = 500
	}
	for i := 0; i < n; i++ {
		src := []byte(soup(r, pieces, 20))
		if i%2 == 0 {
			parseBoth(t, src)
		} else {
			parseBothWith(t, src, shallow)
		}
	}
}

// quickStmtCases are statements, well formed or not, around the edges of
// what quickStmt reads.
var quickStmtCases = []string{
	"POLICY p { ALLOW { read } } USE p DEFAULT KILL",
	"POLICY p { ALLOW { read }, USE q, ERRNO(1) { write { fd == 1 }, close } }",
	"POLICY p { ALLOW { read }, } USE p", "POLICY p { ALLOW { read } USE q }", "POLICY p { }", "POLICY p {}",
	"POLICY p { DEFAULT KILL }", "POLICY p { ALLOW { read } }, USE p", "POLICY p { ALLOW { read } } x",
	"POLICY p { ALLOW { read } } }", "POLICY { ALLOW { read } }", "POLICY p ALLOW { read }",
	"ALLOW { read }, ALLOW { write }", "ALLOW { read } ALLOW { write }", "ALLOW { read, }", "ALLOW { , read }",
	"ALLOW { }", "ALLOW { read,, write }", "ALLOW { read } , , ALLOW { write }", "ALLOW { read } x",
	"ERRNO { read }", "ERRNO(1 { read }", "ERRNO(x) { read }", "ERRNO(1) read", "ALLOW { read { a ) } }",
	"ALLOW { read { (a == 1 } }", "ALLOW { read ( a ] }", "ALLOW { read { a } }", "ALLOW { read { a } } DEFAULT ALLOW",
	"DEFAULT ALLOW { read }", "ALLOW { read } #define X 1\nALLOW { write { fd == X } }", "ALLOW { read { 1 == 1 } } ,",
	"ALLOW { read, write } POLICY p { KILL { open } } USE p", "USE p, ALLOW { read }",
	"ALLOW { SYSCALL[1], SYSCALL[-1] { a } }",
	"ALLOW { read { a == 1 && b == 2 }, write { a == 1 && (b == 2 || !(c < 3)) } }",
	"POLICY p { ALLOW { read { a == 1 && b == 2 && c == 3 } } } USE p",
	"#define X 1\nALLOW { read { fd == X } }", "#define X\n", "#define 1 2", "# define X 1", "#define X -1",
	"#define X 0x10 DEFAULT KILL", "#define X 1 #define Y 2", "#define X 1 x", "#define X 1,", "#define X define",
	"DEFAULT ERRNO(1)", "DEFAULT ERRNO", "DEFAULT ERRNO(1) ,", "DEFAULT KILL KILL", "DEFAULT", "DEFAULT x",
	"DEFAULT TRACE(0x10) USE p", "USE p DEFAULT KILL", "USE", "USE 1", "USE p q", "USE p, USE q", "USE p,",
	"ALLOW { read } DEFAULT KILL, USE p", "POLICY p { USE q, USE r }",
}
