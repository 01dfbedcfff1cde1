package grammar

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// parse parses src as "t" and fails the test on any Error.
func parseOK(t *testing.T, src string) (*File, Diagnostics) {
	t.Helper()
	f, diags := Parse("t", []byte(src), nil)
	if err := diags.Err(); err != nil {
		t.Fatalf("Parse(%q) failed:\n%v", src, err)
	}
	return f, diags
}

func kinds(ds Diagnostics) []Kind {
	var out []Kind
	for _, d := range ds {
		out = append(out, d.Kind)
	}
	return out
}

// TestAccepted checks that each policy the reference accepts parses without
// any finding, and prints as the canonical text given.
func TestAccepted(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty block", "ALLOW {}", "ALLOW {}\n"},
		{"one rule", "ALLOW { read }", "ALLOW {\n  read\n}\n"},
		{"rules", "ALLOW { read, write }", "ALLOW {\n  read,\n  write\n}\n"},
		{"empty filter", "ALLOW { read {} }", "ALLOW {\n  read\n}\n"},
		{"filter", "ALLOW{write{fd==1}}", "ALLOW {\n  write { fd == 1 }\n}\n"},
		{"all actions", "ALLOW{a} LOG{b} KILL{c} KILL_THREAD{d} KILL_PROCESS{e} DENY{f} USER_NOTIF{g} ERRNO(1){h} TRAP(2){i} TRACE(0x10){j}",
			"ALLOW {\n  a\n}\n\nLOG {\n  b\n}\n\nKILL {\n  c\n}\n\nKILL_THREAD {\n  d\n}\n\nKILL_PROCESS {\n  e\n}\n\nDENY {\n  f\n}\n\nUSER_NOTIF {\n  g\n}\n\nERRNO(1) {\n  h\n}\n\nTRAP(2) {\n  i\n}\n\nTRACE(0x10) {\n  j\n}\n"},
		{"file-scope comma", "ALLOW { a }, ERRNO(1) { b }", "ALLOW {\n  a\n}\n\nERRNO(1) {\n  b\n}\n"},
		{"file-scope use comma", "POLICY p {} USE p, ALLOW {a}", "POLICY p {}\n\nUSE p\n\nALLOW {\n  a\n}\n"},
		{"define", "#define X 1\n# define Y 0x2\nALLOW { read { fd == X } }", "#define X 1\n#define Y 0x2\n\nALLOW {\n  read { fd == X }\n}\n"},
		{"define across lines", "#\ndefine\nX\n1", "#define X 1\n"},
		{"policy", "POLICY a { ALLOW { read }, USE b, ERRNO(1) { write } }",
			"POLICY a {\n  ALLOW {\n    read\n  },\n  USE b,\n  ERRNO(1) {\n    write\n  }\n}\n"},
		{"empty policy", "POLICY a {}", "POLICY a {}\n"},
		{"use default", "POLICY a {} USE a DEFAULT KILL", "POLICY a {}\n\nUSE a\nDEFAULT KILL\n"},
		{"default errno", "DEFAULT ERRNO(38)", "DEFAULT ERRNO(38)\n"},
		{"syscall number", "ALLOW { SYSCALL[1000] { a0 == 1 }, SYSCALL[-1] }", "ALLOW {\n  SYSCALL[1000] { a0 == 1 },\n  SYSCALL[-1]\n}\n"},
		{"declared args", "ALLOW { read(f, buf, n) { f == 0 && n < 4096 } }", "ALLOW {\n  read(f, buf, n) { f == 0 && n < 4096 }\n}\n"},
		{"empty declared args", "ALLOW { getpid() }", "ALLOW {\n  getpid()\n}\n"},
		{"arch guard", "ALLOW { io_uring_setup ON x86_64 }", "ALLOW {\n  io_uring_setup ON x86_64\n}\n"},
		{"arch set", "ALLOW { arm_fadvise64_64 ON { arm, aarch64 } }", "ALLOW {\n  arm_fadvise64_64 ON { arm, aarch64 }\n}\n"},
		{"arch set of one", "ALLOW { a ON { arm } }", "ALLOW {\n  a ON { arm }\n}\n"},
		{"everything", "ALLOW { read(a) ON x86_64 { a == 1 } }", "ALLOW {\n  read(a) ON x86_64 { a == 1 }\n}\n"},
		{"comma is or", "ALLOW { r { a == 1, b == 2 } }", "ALLOW {\n  r { a == 1 || b == 2 }\n}\n"},
		{"precedence", "ALLOW { r { a == 1 || b == 2 && c == 3 } }", "ALLOW {\n  r { a == 1 || b == 2 && c == 3 }\n}\n"},
		{"and of or", "ALLOW { r { (a == 1 || b == 2) && c == 3 } }", "ALLOW {\n  r { (a == 1 || b == 2) && c == 3 }\n}\n"},
		{"comma loosest", "ALLOW { r { a == 1 && b == 2, c == 3 } }", "ALLOW {\n  r { a == 1 && b == 2 || c == 3 }\n}\n"},
		{"comma in parens", "ALLOW { r { (a == 1, b == 2) && c == 3 } }", "ALLOW {\n  r { (a == 1 || b == 2) && c == 3 }\n}\n"},
		{"not", "ALLOW { r { !(a == 1) } }", "ALLOW {\n  r { !(a == 1) }\n}\n"},
		{"not binds comparison", "ALLOW { r { !a == 1 } }", "ALLOW {\n  r { !(a == 1) }\n}\n"},
		{"not not", "ALLOW { r { !!(a == 1) } }", "ALLOW {\n  r { !!(a == 1) }\n}\n"},
		{"value parens", "ALLOW { r { (a & 3) == 0 } }", "ALLOW {\n  r { (a & 3) == 0 }\n}\n"},
		{"mask without parens", "ALLOW { r { a & 3 == 0 } }", "ALLOW {\n  r { (a & 3) == 0 }\n}\n"},
		{"or of masks", "ALLOW { r { a & 1 | b & 2 == c | 4 } }", "ALLOW {\n  r { (a & 1 | b & 2) == (c | 4) }\n}\n"},
		{"bit or in and", "ALLOW { r { a & (1 | 2) != 0 } }", "ALLOW {\n  r { (a & (1 | 2)) != 0 }\n}\n"},
		{"nested parens", "ALLOW { r { ((((a == 1)))) } }", "ALLOW {\n  r { a == 1 }\n}\n"},
		{"nested value parens", "ALLOW { r { ((a)) == ((1)) } }", "ALLOW {\n  r { a == 1 }\n}\n"},
		{"arg vs arg", "ALLOW { r { a <= b, a >= b, a < b, a > b, a != b } }", "ALLOW {\n  r { a <= b || a >= b || a < b || a > b || a != b }\n}\n"},
		{"right nested or", "ALLOW { r { a == 1 || (b == 2 || c == 3) } }", "ALLOW {\n  r { a == 1 || (b == 2 || c == 3) }\n}\n"},
		{"numbers", "ALLOW { r { a == 0 || a == 0755 || a == 0b101 || a == -1 || a == 0xFf } }",
			"ALLOW {\n  r { a == 0 || a == 0755 || a == 0b101 || a == -1 || a == 0xFf }\n}\n"},
		{"comments", "// line\n/* block\n * more */ ALLOW /* in */ { read // x\n }", "// line\n/* block\n * more */\nALLOW {\n  /* in */\n  read // x\n}\n"},
		{"comment star end", "/**/ ALLOW { read } /* a ***/", "/**/\nALLOW {\n  read\n} /* a ***/\n"},
		{"trailing comments", "ALLOW { a, // x\n b /* y */, c } // z\n// end", "ALLOW {\n  a, // x\n  b, /* y */\n  c\n} // z\n\n// end\n"},
		{"comment before brace", "POLICY p { ALLOW { a // x\n // y\n } // z\n /* w */ }", "POLICY p {\n  ALLOW {\n    a // x\n    // y\n  } // z\n  /* w */\n}\n"},
		{"tabs", "ALLOW\t{\tread\t}", "ALLOW {\n  read\n}\n"},
		{"include", "#include \"a.policy\" \"b.policy\"\nALLOW { read }", "#include \"a.policy\" \"b.policy\"\n\nALLOW {\n  read\n}\n"},
		{"include semicolon", "#include \"a\";ALLOW { read }", "#include \"a\"\n\nALLOW {\n  read\n}\n"},
		{"empty include", "#include\nALLOW { read }", "#include\n\nALLOW {\n  read\n}\n"},
		{"identifier chars", "ALLOW { a_1B }", "ALLOW {\n  a_1B\n}\n"},
		{"include is a name", "ALLOW { include }", "ALLOW {\n  include\n}\n"},
		{"lowercase keyword is a name", "ALLOW { allow { on == 1 } }", "ALLOW {\n  allow { on == 1 }\n}\n"},
		{"only define", "#define A 1", "#define A 1\n"},
		{"empty file", "", ""},
		{"only comment", "// nothing", "// nothing\n"},
		{"keyword prefix", "ALLOW { ALLOWED, POLICYx }", "ALLOW {\n  ALLOWED,\n  POLICYx\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := parseOK(t, tt.src)
			if len(diags) != 0 {
				t.Errorf("Parse(%q): unexpected findings:\n%v", tt.src, diags)
			}
			if got := string(Format(f)); got != tt.want {
				t.Errorf("Format(Parse(%q)):\n%s\nwant:\n%s", tt.src, got, tt.want)
			}
			roundTrip(t, tt.src, f)
		})
	}
}

// astOptions compare trees modulo positions and the spelling of bare
// operands (which Format writes out).
var astOptions = cmp.Options{
	cmpopts.IgnoreTypes(lexer.Position{}, Range{}),
	cmpopts.IgnoreFields(BinaryExpr{}, "Implicit"),
}

// roundTrip checks Parse(Format(f)) == f modulo positions, and that the
// printed text has no portability warnings except DEFAULT in a POLICY,
// which Format leaves where it stands.
func roundTrip(t *testing.T, src string, f *File) {
	t.Helper()
	out := Format(f)
	g, diags := Parse(f.Name, out, nil)
	for _, d := range diags {
		if d.Severity == Error || d.Kind.Portability() && d.Kind != KindDefaultInPolicy {
			t.Fatalf("Format(Parse(%q)) = %q, which does not parse cleanly:\n%v", src, out, diags)
		}
	}
	if diff := cmp.Diff(f, g, astOptions); diff != "" {
		t.Errorf("round trip of %q through %q changed the tree (-first +second):\n%s", src, out, diff)
	}
}

// TestLenient checks the forms the reference refuses but users paste: each
// is accepted with a Warning of the given kind, at the given place, and
// Format prints the portable spelling.
func TestLenient(t *testing.T) {
	tests := []struct {
		name, src string
		kind      Kind
		at        string // line:col of the warning
		want      string // Format output
	}{
		{"missing comma between blocks", "POLICY p { ALLOW { a } ERRNO(1) { b } }", KindMissingComma, "1:23",
			"POLICY p {\n  ALLOW {\n    a\n  },\n  ERRNO(1) {\n    b\n  }\n}\n"},
		{"missing comma between use", "POLICY p { USE a USE b }", KindMissingComma, "1:17",
			"POLICY p {\n  USE a,\n  USE b\n}\n"},
		{"missing comma between rules", "ALLOW { open { a == 0 } openat }", KindMissingComma, "1:24",
			"ALLOW {\n  open { a == 0 },\n  openat\n}\n"},
		{"missing comma between names", "ALLOW { read write }", KindMissingComma, "1:13",
			"ALLOW {\n  read,\n  write\n}\n"},
		{"trailing comma in block", "ALLOW { read, }", KindTrailingComma, "1:13", "ALLOW {\n  read\n}\n"},
		{"trailing comma in policy", "POLICY p { ALLOW { read }, }", KindTrailingComma, "1:26", "POLICY p {\n  ALLOW {\n    read\n  }\n}\n"},
		{"trailing comma at file end", "ALLOW { read },", KindTrailingComma, "1:15", "ALLOW {\n  read\n}\n"},
		{"trailing comma before default", "ALLOW { read }, DEFAULT KILL", KindTrailingComma, "1:15", "ALLOW {\n  read\n}\n\nDEFAULT KILL\n"},
		{"default in policy", "POLICY p { ALLOW { read }, DEFAULT KILL }", KindDefaultInPolicy, "1:28",
			"POLICY p {\n  ALLOW {\n    read\n  },\n  DEFAULT KILL\n}\n"},
		{"bare operand", "ALLOW { clone { arg0 & 0x00010000 } }", KindBareOperand, "1:17",
			"ALLOW {\n  clone { (arg0 & 0x00010000) != 0 }\n}\n"},
		{"bare name", "ALLOW { r { a && !b } }", KindBareOperand, "1:13", "ALLOW {\n  r { a != 0 && !(b != 0) }\n}\n"},
		{"bare in parens", "ALLOW { r { (a) } }", KindBareOperand, "1:14", "ALLOW {\n  r { a != 0 }\n}\n"},
		{"unterminated include", "ALLOW { read }\n#include \"x\"", KindUnterminatedInclude, "2:1",
			"ALLOW {\n  read\n}\n\n#include \"x\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := parseOK(t, tt.src)
			found := false
			for _, d := range diags {
				if d.Severity != Warning || !d.Kind.Portability() {
					t.Errorf("unexpected finding %v", d)
				}
				if d.Kind == tt.kind && fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Column) == tt.at {
					found = true
					if d.Hint == "" {
						t.Errorf("warning %v has no hint naming the portable spelling", d)
					}
				}
			}
			if !found {
				t.Errorf("Parse(%q): want a %s warning at %s, got:\n%v", tt.src, tt.kind, tt.at, diags)
			}
			if got := string(Format(f)); got != tt.want {
				t.Errorf("Format:\n%s\nwant:\n%s", got, tt.want)
			}
			roundTrip(t, tt.src, f)
		})
	}
}

// TestRefused checks that what the reference refuses is refused, with the
// error at the right place.
func TestRefused(t *testing.T) {
	tests := []struct {
		name, src string
		at        string // line:col of the first error
		msg       string // substring of its message
	}{
		{"policy without name", "POLICY { }", "1:8", "expected a policy name"},
		{"policy without braces", "POLICY p", "1:9", "expected `{`"},
		{"use without name", "USE", "1:4", "expected a policy name"},
		{"default without action", "DEFAULT", "1:8", "expected an action"},
		{"default bad action", "DEFAULT foo", "1:9", "expected an action"},
		{"errno without param", "DEFAULT ERRNO", "1:14", "expected `(`"},
		{"errno empty param", "ERRNO() {}", "1:7", "expected a number"},
		{"errno constant", "#define E 1\nERRNO(E) { read }", "2:7", "expected a number"},
		{"allow with param", "ALLOW(1) { read }", "1:6", "expected `{`"},
		{"define without value", "#define X", "1:10", "expected a number"},
		{"define with name value", "#define X Y", "1:11", "expected a number"},
		{"hash alone", "#foo", "1:2", "expected `define`"},
		{"define is reserved", "ALLOW { define }", "1:9", "expected a syscall name"},
		{"keyword as name", "ALLOW { read { SYSCALL == 1 } }", "1:16", "expected a condition or `}`"},
		{"policy keyword as name", "ALLOW { read { POLICY == 1 } }", "1:16", "unexpected keyword POLICY"},
		{"action without braces", "ALLOW read", "1:7", "expected `{`"},
		{"number as syscall", "ALLOW { 1 }", "1:9", "expected a syscall name"},
		{"number as arg name", "ALLOW { read(1) }", "1:14", "expected `)`"},
		{"trailing comma in args", "ALLOW { read(a,) }", "1:16", "expected an argument name"},
		{"on without arch", "ALLOW { read ON }", "1:17", "expected an architecture name"},
		{"empty arch set", "ALLOW { read ON {} }", "1:18", "expected an architecture name"},
		{"trailing comma in arch set", "ALLOW { read ON { arm, } }", "1:24", "expected an architecture name"},
		{"single equals", "ALLOW { read { a = 1 } }", "1:18", "unexpected character `=`"},
		{"dangling and", "ALLOW { read { a == 1 && } }", "1:26", "expected a condition"},
		{"dangling not", "ALLOW { read { ! } }", "1:18", "expected a condition"},
		{"missing operand", "ALLOW { read { a == } }", "1:21", "expected a value"},
		{"unclosed paren", "ALLOW { read { (a == 1 } }", "1:24", "expected `)`"},
		{"chained comparison", "ALLOW { read { a == 1 == 2 } }", "1:23", "unexpected `==`"},
		{"condition as value", "ALLOW { read { (a == 1) == 2 } }", "1:16", "condition in parentheses where a value is expected"},
		{"condition masked", "ALLOW { read { (a == 1) & 2 } }", "1:16", "condition in parentheses where a value is expected"},
		{"arithmetic", "ALLOW { read { a - 1 == 0 } }", "1:18", "unexpected character `-`"},
		{"plus", "ALLOW { read { a + 1 == 0 } }", "1:18", "unexpected character `+`"},
		{"syscall bad number", "ALLOW { SYSCALL[a] }", "1:17", "expected a number"},
		{"syscall without brackets", "ALLOW { SYSCALL 1 }", "1:17", "expected `[`"},
		{"two filters", "ALLOW { read {a == 1} {b == 2} }", "1:23", "expected `,` or `}`"},
		{"stray close", "}", "1:1", "expected a statement"},
		{"extra close", "ALLOW { read } }", "1:16", "expected a statement"},
		{"junk at file scope", "ALLOW { read } x", "1:16", "expected a statement"},
		{"leading comma", ", ALLOW {}", "1:1", "unexpected `,`"},
		{"double comma", "ALLOW {} ,, ALLOW {}", "1:11", "unexpected `,`"},
		{"comma after policy", "POLICY p {} , ALLOW {}", "1:13", "unexpected `,` after a POLICY"},
		{"comma after define", "#define A 1, ALLOW {}", "1:12", "unexpected `,` after #define"},
		{"double comma in policy", "POLICY p { ALLOW { read } , , ALLOW {} }", "1:29", "expected an action block, USE or `}`"},
		{"double comma in block", "ALLOW { a,, b }", "1:11", "expected a syscall name or `}`"},
		{"leading comma in block", "ALLOW { , a }", "1:9", "expected a syscall name or `}`"},
		{"policy in policy", "POLICY a { POLICY b {} }", "1:12", "expected an action block"},
		{"unterminated comment", "ALLOW { read } /* x", "1:16", "unterminated comment"},
		{"comment even stars", "/* x **/ ALLOW { read }", "1:1", "unterminated comment"},
		{"comment three stars", "/***/ ALLOW { read }", "1:1", "unterminated comment"},
		{"nested comment end", "/* /* x */ */ ALLOW { read }", "1:12", "unexpected character `*`"},
		{"semicolon", "ALLOW { read };", "1:15", "unexpected character `;`"},
		{"string outside include", "ALLOW { \"read\" }", "1:9", "unexpected character `\"`"},
		{"crlf", "ALLOW { read }\r\n", "1:15", "carriage return"},
		{"underscore start", "ALLOW { _read }", "1:9", "unexpected character `_`"},
		{"bom", "\ufeffALLOW { read }", "1:1", "byte-order mark"},
		{"non-ascii", "ALLOW { réad }", "1:10", "unexpected character `é`"},
		{"bad utf8", "ALLOW { \xff }", "1:9", "invalid byte 0xff"},
		{"nul", "ALLOW { \x00 }", "1:9", "unexpected control character"},
		{"number overflow", "ALLOW { r { a == 18446744073709551616 } }", "1:18", "out of range"},
		{"negative overflow", "ALLOW { r { a == -18446744073709551616 } }", "1:18", "out of range"},
		{"hex overflow", "ALLOW { r { a == 0x10000000000000000 } }", "1:18", "out of range"},
		{"octal overflow", "ALLOW { r { a == 02000000000000000000000 } }", "1:18", "out of range"},
		{"binary overflow", "ALLOW { r { a == 0b" + strings.Repeat("1", 65) + " } }", "1:18", "out of range"},
		{"minus zero", "ALLOW { r { a == -0 } }", "1:18", "unexpected character `-`"},
		{"minus hex", "ALLOW { r { a == -0x1 } }", "1:18", "unexpected character `-`"},
		{"include without space", "#include\"a\"\n", "1:9", "file name must follow a space"},
		{"include empty name", "#include \"\"\n", "1:10", "unterminated or empty file name"},
		{"include comment", "#include \"a\" // x\n", "1:14", "unexpected character `/` in #include"},
		{"include junk", "#include a\n", "1:10", "unexpected character `a` in #include"},
		{"include spaced", "# include \"a\"\n", "1:3", "expected `define`"},
		{"include glued", "#includes \"a\"\n", "1:9", "unexpected character `s` in #include"},
		{"unclosed policy", "POLICY a { ALLOW { read }\nPOLICY b {}", "2:1", "expected `,` or `}`"},
		{"unclosed block", "ALLOW { read\n#define X 1", "2:1", "expected `,` or `}`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse("t", []byte(tt.src), nil)
			errs := diags.Errors()
			if len(errs) == 0 {
				t.Fatalf("Parse(%q) accepted it; findings: %v", tt.src, diags)
			}
			d := errs[0]
			if got := fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Column); got != tt.at || !strings.Contains(d.Msg, tt.msg) {
				t.Errorf("Parse(%q): first error %s: %s\nwant %s: ...%s...\nall: %v", tt.src, got, d.Msg, tt.at, tt.msg, diags)
			}
			if d.Pos.Filename != "t" {
				t.Errorf("error position has file %q, want t", d.Pos.Filename)
			}
		})
	}
}

// TestSeveralErrors checks that one bad statement does not hide the next.
func TestSeveralErrors(t *testing.T) {
	t.Run("no echo after a failed statement", func(t *testing.T) {
		_, diags := Parse("t", []byte("ALLOW { read { a == } }, ALLOW { write }, USE p"), nil)
		if len(diags) != 1 {
			t.Errorf("want only the syntax error, got:\n%v", diags)
		}
	})
	t.Run("in one statement", func(t *testing.T) {
		src := "POLICY p {\n  ALLOW {\n    read { fd == },\n    openat { (flags & 3 == 0 },\n    close\n  },\n" +
			"  ERRNO(1) { mmap { prot == } }\n  KILL { SYSCALL[x], ptrace }\n  USE\n}\nALLOW { a { b == } c { d == } }\n"
		_, diags := Parse("t", []byte(src), nil)
		var got []string
		for _, d := range diags.Errors() {
			got = append(got, fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Column))
		}
		want := []string{"3:18", "4:30", "7:29", "8:18", "10:1", "11:18", "11:29"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("errors (-want +got):\n%s\n%v", diff, diags)
		}
	})
	src := "ALLOW { read { a == } }\nPOLICY p { USE }\nDEFAULT foo\nERRNO(1) { write }\nALLOW { x { (b } }\n"
	_, diags := Parse("t", []byte(src), nil)
	var lines []int
	for _, d := range diags.Errors() {
		lines = append(lines, d.Pos.Line)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 5}, lines); diff != "" {
		t.Errorf("error lines (-want +got):\n%s\n%v", diff, diags)
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		text string
		want uint64
	}{
		{"0", 0},
		{"42", 42},
		{"-1", 0xffffffffffffffff},
		{"-2", 0xfffffffffffffffe},
		{"-18446744073709551615", 1},
		{"18446744073709551615", 0xffffffffffffffff},
		{"0x1F", 31},
		{"0xffffffffffffffff", 0xffffffffffffffff},
		{"0x00000000000000000001", 1},
		{"0755", 0755},
		{"00", 0},
		{"0b101", 5},
		{"0b" + strings.Repeat("1", 64), 0xffffffffffffffff},
		{"01777777777777777777777", 0xffffffffffffffff},
	}
	for _, tt := range tests {
		f, _ := parseOK(t, "#define X "+tt.text)
		n := f.Stmts[0].(*Define).Value
		if n.Value != tt.want || n.Text != tt.text {
			t.Errorf("%s: got %q = %#x, want %#x", tt.text, n.Text, n.Value, tt.want)
		}
	}
}

// TestLongestMatch checks how numbers glued to other characters split, as
// the reference's flex rules do.
func TestLongestMatch(t *testing.T) {
	tests := []struct{ src, want string }{
		{"ALLOW { r { a == 0x } }", "unexpected identifier `x`"},
		{"ALLOW { r { a == 0b2 } }", "unexpected identifier `b2`"},
		{"ALLOW { r { a == 12ab } }", "unexpected identifier `ab`"},
		{"ALLOW { r { a == 00x1 } }", "unexpected identifier `x1`"},
	}
	for _, tt := range tests {
		_, diags := Parse("t", []byte(tt.src), nil)
		if err := diags.Err(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.src, err, tt.want)
		}
	}
}

func TestNotes(t *testing.T) {
	tests := []struct {
		src   string
		kind  Kind
		value uint64
	}{
		{"#define X 089", KindOctalDigit, 0},
		{"#define X 0789", KindOctalDigit, 7},
		{"/* x *\\/ y **/ */ #define X 1", KindCommentEnd, 1},
	}
	for _, tt := range tests {
		f, diags := parseOK(t, tt.src)
		if len(diags) != 1 || diags[0].Kind != tt.kind || diags[0].Severity != Note {
			t.Errorf("Parse(%q): want one %s note, got %v", tt.src, tt.kind, diags)
			continue
		}
		if v := f.Stmts[0].(*Define).Value.Value; v != tt.value {
			t.Errorf("Parse(%q): value %d, want %d", tt.src, v, tt.value)
		}
	}
}

func TestPositions(t *testing.T) {
	src := "POLICY p {\n  ALLOW { read(a) ON x86_64 { a == 0x10 } }\n}\n"
	f, _ := parseOK(t, src)
	pol := f.Stmts[0].(*Policy)
	blk := pol.Body[0].(*ActionBlock)
	r := blk.Rules[0]
	cmpExpr := r.Filter.(*BinaryExpr)
	checks := []struct {
		name string
		n    Node
		text string
	}{
		{"policy", pol, src[:len(src)-1]},
		{"policy name", pol.Name, "p"},
		{"block", blk, "ALLOW { read(a) ON x86_64 { a == 0x10 } }"},
		{"action", blk.Action, "ALLOW"},
		{"rule", r, "read(a) ON x86_64 { a == 0x10 }"},
		{"syscall", r.Syscall, "read"},
		{"params", r.Params, "(a)"},
		{"arch", r.Arch, "ON x86_64"},
		{"filter", cmpExpr, "a == 0x10"},
		{"number", cmpExpr.Y, "0x10"},
	}
	for _, c := range checks {
		start, end := c.n.Span()
		if got := src[start.Offset:end.Offset]; got != c.text {
			t.Errorf("%s spans %q, want %q", c.name, got, c.text)
		}
		if start.Filename != "t" || start.Line < 1 || start.Column < 1 {
			t.Errorf("%s: bad position %+v", c.name, start)
		}
	}
	if p := r.Syscall.Pos(); p.Line != 2 || p.Column != 11 {
		t.Errorf("syscall at %d:%d, want 2:11", p.Line, p.Column)
	}
	f, _ = parseOK(t, "ALLOW { SYSCALL[ 5 ] }")
	sc := f.Stmts[0].(*ActionBlock).Rules[0].Syscall
	if s, e := sc.Span(); s.Column != 9 || e.Column != 21 {
		t.Errorf("SYSCALL[ 5 ] spans columns %d..%d, want 9..21", s.Column, e.Column)
	}
}

func TestActionKinds(t *testing.T) {
	f, _ := parseOK(t, "KILL_THREAD{a} DENY{b} KILL{c} ERRNO(65535){d}")
	want := []struct {
		kind  ActionKind
		kw    string
		param bool
	}{{ActionKill, "KILL_THREAD", false}, {ActionKill, "DENY", false}, {ActionKill, "KILL", false}, {ActionErrno, "ERRNO", true}}
	for i, w := range want {
		a := f.Stmts[i].(*ActionBlock).Action
		if a.Kind != w.kind || a.Keyword != w.kw || (a.Param != nil) != w.param || a.Kind.HasParam() != w.param {
			t.Errorf("action %d: %+v, want %+v", i, a, w)
		}
	}
}

// TestTreeShape checks associativity and precedence in the tree itself.
func TestTreeShape(t *testing.T) {
	f, _ := parseOK(t, "ALLOW { r { a == 1, b == 2 || c == 3 && !d == 4 } }")
	e := f.Stmts[0].(*ActionBlock).Rules[0].Filter
	// ((a==1) , ((b==2) || ((c==3) && !(d==4))))
	top := e.(*BinaryExpr)
	if top.Op != OpOr {
		t.Fatalf("top is %v", top.Op)
	}
	if x := top.X.(*BinaryExpr); x.Op != OpEq {
		t.Errorf("left of , is %v", x.Op)
	}
	or := top.Y.(*BinaryExpr)
	and := or.Y.(*BinaryExpr)
	if or.Op != OpOr || and.Op != OpAnd {
		t.Errorf("got %v %v", or.Op, and.Op)
	}
	if _, ok := and.Y.(*NotExpr); !ok {
		t.Errorf("right of && is %T", and.Y)
	}
	f, _ = parseOK(t, "ALLOW { r { a == 1 && b == 2 && c == 3 } }")
	and = f.Stmts[0].(*ActionBlock).Rules[0].Filter.(*BinaryExpr)
	if l, ok := and.X.(*BinaryExpr); !ok || l.Op != OpAnd {
		t.Errorf("&& does not associate to the left: %s", formatExpr(and))
	}
}

func TestDepthLimit(t *testing.T) {
	chain := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = "a == 1"
		}
		return "ALLOW { r { " + strings.Join(parts, " && ") + " } }"
	}
	// n comparisons joined by && have depth n: the reference allows 200.
	if _, diags := Parse("t", []byte(chain(200)), nil); diags.Err() != nil {
		t.Errorf("depth 200 refused: %v", diags.Err())
	}
	_, diags := Parse("t", []byte(chain(201)), nil)
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "too deep") {
		t.Errorf("depth 201: got %v, want a depth error", err)
	}
	nots := "ALLOW { r { " + strings.Repeat("!", 200) + "a == 1 } }"
	if _, diags := Parse("t", []byte(nots), nil); diags.Err() == nil {
		t.Errorf("201 levels of ! accepted")
	}
	// Parentheses do not count toward the depth, but very deep nesting is
	// refused before parsing, without exhausting the stack.
	parens := "ALLOW { r { " + strings.Repeat("(", 150) + "a == 1" + strings.Repeat(")", 150) + " } }"
	if _, diags := Parse("t", []byte(parens), nil); diags.Err() != nil {
		t.Errorf("150 parentheses refused: %v", diags.Err())
	}
	deep := "ALLOW { r { " + strings.Repeat("(", 1_000_000) + " } }"
	_, diags = Parse("t", []byte(deep), nil)
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("a million parentheses: got %v", err)
	}
	_, diags = Parse("t", []byte(chain(201)), &Options{MaxDepth: 500})
	if diags.Err() != nil {
		t.Errorf("MaxDepth 500 still refuses depth 201")
	}
}

func TestTokenLimit(t *testing.T) {
	_, diags := Parse("t", []byte("ALLOW { read, write }"), &Options{MaxTokens: 4})
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "t:1:14: too many tokens: the policy is over the limit of 4 tokens") {
		t.Errorf("got %v", err)
	}
	if _, diags := Parse("t", []byte("ALLOW { read, write }"), &Options{MaxTokens: 6}); diags.Err() != nil {
		t.Errorf("6 tokens refused: %v", diags.Err())
	}
}

func TestSizeLimit(t *testing.T) {
	_, diags := Parse("t", []byte("ALLOW { read }"), &Options{MaxSize: 5})
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("got %v", err)
	}
}

func TestDiagnostics(t *testing.T) {
	_, diags := Parse("p.kafel", []byte("ALLOW { r { a } }\nALLOW { x y }\nALLOW {"), nil)
	if len(diags) != 3 {
		t.Fatalf("got %v", diags)
	}
	err := diags.Err()
	var list Diagnostics
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("Err() = %#v, want the one error as Diagnostics", err)
	}
	if got, want := err.Error(), "p.kafel:3:8: unexpected end of file, expected a syscall name or `}`"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := diags[0].String(); !strings.HasPrefix(got, "p.kafel:1:13: warning: ") {
		t.Errorf("warning prints as %q", got)
	}
	if (Diagnostics{}).Err() != nil || (Diagnostics{{Severity: Warning}}).Err() != nil {
		t.Errorf("Err() of a list without errors is not nil")
	}
}
