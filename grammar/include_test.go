package grammar

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// files is an include hook over an in-memory file system.
func files(fs map[string]string) func(string, lexer.Position) (string, []byte, error) {
	return func(name string, _ lexer.Position) (string, []byte, error) {
		src, ok := fs[name]
		if !ok {
			return "", nil, os.ErrNotExist
		}
		return "/inc/" + name, []byte(src), nil
	}
}

func TestIncludeSplice(t *testing.T) {
	fs := map[string]string{
		"consts.policy": "#define STDOUT 1\n",
		"rules.inc":     "write { fd == STDOUT }, read",
		"nested.policy": "#include \"consts.policy\"\nPOLICY n { ALLOW { close } }\n",
	}
	src := "#include \"nested.policy\"\nALLOW {\n#include \"rules.inc\"\n}\nUSE n\n"
	f, diags := Parse("main.policy", []byte(src), &Options{Include: files(fs)})
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, st := range f.Stmts {
		kinds = append(kinds, fmt.Sprintf("%T", st))
	}
	want := "*grammar.Include *grammar.Include *grammar.Define *grammar.Policy *grammar.ActionBlock *grammar.Use"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("statements: %s\nwant %s", got, want)
	}
	inc := f.Stmts[0].(*Include)
	if len(inc.Resolved) != 1 || inc.Resolved[0] != "/inc/nested.policy" {
		t.Errorf("Resolved = %q", inc.Resolved)
	}
	def := f.Stmts[2].(*Define)
	if def.Pos().Filename != "/inc/consts.policy" || def.Pos().Line != 1 || def.Pos().Column != 1 {
		t.Errorf("define at %+v, want /inc/consts.policy:1:1", def.Pos())
	}
	blk := f.Stmts[4].(*ActionBlock)
	if len(blk.Rules) != 2 || blk.Rules[0].Syscall.Name.Name != "write" {
		t.Fatalf("block: %s", Format(&File{Stmts: []Stmt{blk}}))
	}
	if p := blk.Rules[1].Pos(); p.Filename != "/inc/rules.inc" || p.Column != 25 {
		t.Errorf("spliced rule at %+v", p)
	}
	if blk.Pos().Filename != "main.policy" {
		t.Errorf("block at %+v", blk.Pos())
	}
}

func TestIncludeErrors(t *testing.T) {
	fs := map[string]string{
		"self.policy": "#include \"self.policy\"\n",
		"a.policy":    "#include \"b.policy\"\n",
		"b.policy":    "#include \"a.policy\"\n",
		"bad.policy":  "ALLOW { read { fd == } }\n",
		"noeol":       "#include \"a.policy\" \"self.policy\"",
		"opencomment": "ALLOW { read } /* not closed",
	}
	for i := 0; i < 20; i++ {
		fs[fmt.Sprintf("d%d", i)] = fmt.Sprintf("#include \"d%d\"\n", i+1)
	}
	fs["d20"] = "ALLOW { read }\n"
	tests := []struct {
		src, want string
	}{
		{"#include \"missing\"\n", "main:1:10: cannot include \"missing\": file does not exist"},
		{"#include \"self.policy\"\n", "/inc/self.policy:1:10: include cycle: /inc/self.policy includes /inc/self.policy"},
		{"#include \"a.policy\"\n", "/inc/b.policy:1:10: include cycle: /inc/a.policy includes /inc/b.policy includes /inc/a.policy"},
		{"#include \"bad.policy\"\n", "/inc/bad.policy:1:22: unexpected `}`, expected a value"},
		{"#include \"d0\"\n", "/inc/d15:1:10: cannot include \"d16\": includes nested deeper than 16"},
	}
	for _, tt := range tests {
		_, diags := Parse("main", []byte(tt.src), &Options{Include: files(fs)})
		if err := diags.Err(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v\nwant %s", tt.src, err, tt.want)
		}
	}
	// 16 nested includes are allowed, as in the reference.
	if _, diags := Parse("main", []byte("#include \"d5\"\n"), &Options{Include: files(fs)}); diags.Err() != nil {
		t.Errorf("16 levels: %v", diags.Err())
	}
	_, diags := Parse("main", []byte("#include \"noeol\"\n"), &Options{Include: files(fs)})
	found := false
	for _, d := range diags {
		if d.Kind == KindUnterminatedInclude && d.Pos.Filename == "/inc/noeol" {
			found = true
		}
	}
	if !found {
		t.Errorf("no unterminated-include warning in the included file: %v", diags)
	}
	// The reference ends an open comment at the end of an included file.
	_, diags = Parse("main", []byte("#include \"opencomment\"\nALLOW { write }\n"), &Options{Include: files(fs)})
	if diags.Err() != nil || len(diags) != 1 || diags[0].Severity != Note {
		t.Errorf("open comment in an included file: %v", diags)
	}
	// Without a hook, an include inside a statement cannot be kept.
	_, diags = Parse("main", []byte("ALLOW {\n#include \"rules.inc\"\n}\n"), nil)
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "#include inside a statement") {
		t.Errorf("got %v", err)
	}
}
