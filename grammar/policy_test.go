package grammar

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// parseWhole parses like Parse but hands every POLICY and block to
// participle whole instead of item by item.
func parseWhole(name, src string) (*File, Diagnostics) {
	var diags Diagnostics
	o := (&Options{}).withDefaults()
	budget := o.MaxTokens
	s := &scanner{src: []byte(src), text: src, name: name, line: 1, col: 1, diags: &diags, budget: &budget, tokenLimit: o.MaxTokens}
	s.scan(nil)
	f := &File{Name: name}
	p := &parser{toks: s.toks, dirs: s.dirs, opts: o, diags: &diags, end: s.pos(), wholePolicies: true, nodes: new(nodeArena)}
	p.file(f)
	f.Range = NewRange(lexer.Position{Filename: name, Line: 1, Column: 1}, s.pos())
	f.Comments = s.comments
	diags.Sort()
	return f, diags
}

// TestPolicyItemsMatchWhole checks that parsing a POLICY item by item and
// a block rule by rule (the fast path) gives the tree and the findings that
// the grammar gives for the whole statement.
func TestPolicyItemsMatchWhole(t *testing.T) {
	srcs := []string{
		"POLICY p { ALLOW { read }, USE q, ERRNO(1) { write { fd == 1 } } }",
		"POLICY p {}",
		"POLICY p { ALLOW { a } ALLOW { b }, DEFAULT KILL, }",
		"POLICY p { USE a USE b }",
		"POLICY p { ALLOW { read } foo }",
		"POLICY p { read }",
		"POLICY p { ALLOW { read } 1 }",
		"POLICY p { , ALLOW {} }",
		"POLICY p { ALLOW {},, ALLOW {} }",
		"POLICY p { USE }",
		"POLICY p { USE a b }",
		"POLICY p { ALLOW { read { a == } }, ERRNO(1) { x, y { b == } } }",
		"POLICY p { DEFAULT }",
		"POLICY p { ALLOW }",
		"POLICY p { ALLOW { read { a = 1 } } }",
		"ALLOW { read, write { fd == 1 }, SYSCALL[1](a) ON { arm } { a != 0 } openat }",
		"ERRNO(1) { read, } TRAP(0x10) {} KILL { a b c }",
		"ALLOW { 1 }", "ALLOW { a,, b }", "ALLOW { , a }", "ALLOW { a b { c == } d }", "ALLOW { read } }",
		"ERRNO(X) { read }", "ERRNO(1 { read }", "ALLOW { read ON }", "ALLOW { read(a,) { a == 1 } }",
		"POLICY p { ALLOW { 1 }, ERRNO(2) { a { } b, } }",
	}
	files, _ := filepath.Glob("testdata/*/*.kafel")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(src))
	}
	for _, src := range srcs {
		f, diags := Parse("t", []byte(src), nil)
		g, whole := parseWhole("t", src)
		if whole.HasErrors() {
			// The fast path also reports the warnings of the items that
			// parsed; compare the errors.
			diags, whole = diags.Errors(), whole.Errors()
		}
		if diags.Error() != whole.Error() {
			t.Errorf("%q:\nitem by item:\n%v\nwhole:\n%v", src, diags, whole)
			continue
		}
		if diff := cmp.Diff(g, f, sameRange, cmp.Comparer(func(a, b Diagnostics) bool { return true })); diff != "" {
			t.Errorf("%q: trees differ (-whole +items):\n%s", src, diff)
		}
	}
}
