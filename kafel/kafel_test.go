package kafel

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/syscalls"
)

func mustArch(t testing.TB, name string) *syscalls.Arch {
	t.Helper()
	a, ok := syscalls.LookupArch(name)
	if !ok {
		t.Skipf("no syscall table for %s in this build", name)
	}
	return a
}

func x86Opts(t testing.TB) Options {
	return Options{Arches: []*syscalls.Arch{mustArch(t, "x86_64")}}
}

// loadOK loads src for x86_64 and fails the test on an error.
func loadOK(t *testing.T, src string, opts Options) *Policy {
	t.Helper()
	p, err := Load("test.policy", []byte(src), opts)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			var b strings.Builder
			Render(&b, e.Diagnostics, e.Sources)
			t.Fatalf("policy:\n%s\nunexpected errors:\n%s", src, b.String())
		}
		t.Fatalf("policy:\n%s\nunexpected error: %v", src, err)
	}
	return p
}

// TestRules checks the resolved rules of each construct on x86_64: the
// syscall numbers, the order, each comparison's width and the actions.
func TestRules(t *testing.T) {
	tests := []struct {
		name, src, want string
		warnings        int
	}{
		{"allow list with default", "ALLOW { read, write } DEFAULT ERRNO(1)", `
default ERRNO(1)
read(0): true -> ALLOW
write(1): true -> ALLOW`, 0},
		{"no default is KILL", "ALLOW { read }", `
default KILL
read(0): true -> ALLOW`, 0},
		{"32-bit argument and number", "ALLOW { write { fd == 1 } }", `
default KILL
write(1): a0 == 0x1/32 -> ALLOW`, 0},
		{"64-bit number makes 64-bit compare", "ALLOW { fcntl { fd == 0x100001234 } }", `
default KILL
fcntl(72): a0 == 0x100001234/64 -> ALLOW`, 0},
		{"-1 is all 64 bits set", "ALLOW { lseek { offset == -1 } }", `
default KILL
lseek(8): a1 == 0xffffffffffffffff/64 -> ALLOW`, 0},
		{"wide argument makes 64-bit compare", "ALLOW { write { count < 4096 } }", `
default KILL
write(1): a2 < 0x1000/64 -> ALLOW`, 0},
		{"identity mask folds away before the width is decided", "ALLOW { write { fd & 0xffffffffffffffff == 1 } }", `
default KILL
write(1): a0 == 0x1/32 -> ALLOW`, 0},
		{"constant comparison true", "ALLOW { write { 1 == 1 } }", `
default KILL
write(1): true -> ALLOW`, 0},
		{"constant comparison false drops the rule", "ALLOW { fcntl { 0x100001234 == 0x1234 }, read }", `
default KILL
read(0): true -> ALLOW`, 0},
		{"first match; rules after an unconditional one are dropped", "ALLOW { read { fd == 0 } } ERRNO(1) { read } KILL { read }", `
default KILL
read(0): a0 == 0x0/32 -> ALLOW
read(0): true -> ERRNO(1)`, 0},
		{"rules order across blocks", "ALLOW { exit, read { fd == 0 && count == 0 } }, ERRNO(1) { read { count == 0 } }", `
default KILL
read(0): (a0 == 0x0/32 && a2 == 0x0/64) -> ALLOW
read(0): a2 == 0x0/64 -> ERRNO(1)
exit(60): true -> ALLOW`, 0},
		{"USE expands in place, each policy once", `
POLICY a { ALLOW { read { fd == 1 } } }
POLICY b { USE a, ERRNO(2) { read, write } }
USE b
USE a
KILL { read }`, `
default KILL
read(0): a0 == 0x1/32 -> ALLOW
read(0): true -> ERRNO(2)
write(1): true -> ERRNO(2)`, 0},
		{"declared names are 8 bytes wide", "ALLOW { read(f, b, c) { f == 0 } }", `
default KILL
read(0): a0 == 0x0/64 -> ALLOW`, 0},
		{"SYSCALL[-1] with declared names", "ALLOW { exit } ERRNO(1) { SYSCALL[-1](a, b, c) { a == 1 } } ERRNO(2) { SYSCALL[-1] }", `
default KILL
exit(60): true -> ALLOW
-1: a0 == 0x1/64 -> ERRNO(1)
-1: true -> ERRNO(2)`, 0}, // -1 is no x32 number: no note
		{"constants as numbers and as syscall numbers", `
#define SYS_CUSTOM -1
#define AF_UNIX 1
#define AF_UNIX 1
ERRNO(1) { SYS_CUSTOM }
ALLOW { socket { family == AF_UNIX } }`, `
default KILL
socket(41): a0 == 0x1/32 -> ALLOW
-1: true -> ERRNO(1)`, 0},
		{"a constant defined later is not a constant yet", `
POLICY p { ALLOW { write { fd == 1 } } }
#define fd 7
USE p
ALLOW { read { fd == 7 } }`, `
default KILL
read(0): true -> ALLOW
write(1): a0 == 0x1/32 -> ALLOW`, 0},
		{"comma in a filter is ||", "ALLOW { write { fd == 1, fd == 2 } }", `
default KILL
write(1): (a0 == 0x1/32 || a0 == 0x2/32) -> ALLOW`, 0},
		{"negation", "ERRNO(1) { read { !(fd == 5 && count == 0) } }", `
default KILL
read(0): !(a0 == 0x5/32 && a2 == 0x0/64) -> ERRNO(1)`, 0},
		{"bit operators and precedence", "ALLOW { read { count | 8 | fd == 8 }, write { fd | 1 & fd == 1 } }", `
default KILL
read(0): ((a2 | 0x8) | a0) == 0x8/64 -> ALLOW
write(1): (a0 | (a0 & 0x1)) == 0x1/32 -> ALLOW`, 0},
		{"argument against argument", "ALLOW { read { fd == count }, fcntl { fd < cmd } }", `
default KILL
read(0): a0 == a2/64 -> ALLOW
fcntl(72): a0 < a1/32 -> ALLOW`, 0},
		{"arg compared with itself folds", "ALLOW { read { fd == fd }, write { fd < fd }, close }", `
default KILL
read(0): true -> ALLOW
close(3): true -> ALLOW`, 0},
		{"arch guards drop rules for other arches, unchecked", "ALLOW { read ON x86_64, write ON AMD64, arm_fadvise64_64 ON { arm, aarch64 }, close ON { ARM64, x86_64 } }", `
default KILL
read(0): true -> ALLOW
write(1): true -> ALLOW
close(3): true -> ALLOW`, 0},
		{"every action", `
ALLOW { read } LOG { write } KILL { open } KILL_THREAD { close } DENY { newstat }
KILL_PROCESS { newfstat } USER_NOTIF { newlstat } ERRNO(0) { poll } TRAP(5) { lseek } TRACE(65535) { mmap }`, `
default KILL
read(0): true -> ALLOW
write(1): true -> LOG
open(2): true -> KILL
close(3): true -> KILL
newstat(4): true -> KILL
newfstat(5): true -> KILL_PROCESS
newlstat(6): true -> USER_NOTIF
poll(7): true -> ERRNO(0)
lseek(8): true -> TRAP(5)
mmap(9): true -> TRACE(65535)`, 0},
		{"libc names are aliases, with warnings", "ALLOW { uname, stat, fstat, lstat }", `
default KILL
newstat(4): true -> ALLOW
newfstat(5): true -> ALLOW
newlstat(6): true -> ALLOW
newuname(63): true -> ALLOW`, 4},
		{"generic argument names take the kernel width, with a warning", "ALLOW { open { arg1 == 0 }, openat { arg2 == 0 } }", `
default KILL
open(2): a1 == 0x0/32 -> ALLOW
openat(257): a2 == 0x0/32 -> ALLOW`, 2},
		{"bare operand means != 0", "ALLOW { clone { clone_flags & 0x10000 } }", `
default KILL
clone(56): (a0 & 0x10000) != 0x0/64 -> ALLOW`, 1},
		{"DEFAULT inside a POLICY serves when the file has none", "POLICY p { ALLOW { read }, DEFAULT ERRNO(1) } USE p", `
default ERRNO(1)
read(0): true -> ALLOW`, 1},
		{"DEFAULT inside a POLICY equal to the file's", "POLICY p { ALLOW { read }, DEFAULT KILL } USE p DEFAULT KILL", `
default KILL
read(0): true -> ALLOW`, 1},
		{"policy without main rules", "POLICY p { ALLOW { read } } DEFAULT ALLOW", `
default ALLOW`, 0},
		{"empty braces", "POLICY p {} USE p ALLOW { } ALLOW { read {} }", `
default KILL
read(0): true -> ALLOW`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadOK(t, tt.src, x86Opts(t))
			rs := p.RuleSet()
			if len(rs.Arches) != 1 {
				t.Fatalf("got %d arches, want 1", len(rs.Arches))
			}
			got := strings.TrimSpace(dumpRules(rs.Arches[0]))
			if want := strings.TrimSpace(tt.want); got != want {
				t.Errorf("policy:\n%s\ngot rules:\n%s\nwant:\n%s", tt.src, got, want)
			}
			if len(p.Warnings) != tt.warnings {
				t.Errorf("policy:\n%s\ngot %d warnings, want %d:\n%v", tt.src, len(p.Warnings), tt.warnings, p.Warnings)
			}
		})
	}
}

// TestEval checks policies through the RuleSet evaluator on concrete
// syscalls, as the reference's own tests do.
func TestEval(t *testing.T) {
	type call struct {
		nr   int32
		args [6]uint64
		want bpfgen.Action
	}
	tests := []struct {
		name, src string
		calls     []call
		allowX32  bool
	}{
		{"32-bit fd ignores the upper half", "ALLOW { fcntl { fd == 0x1234 }, exit } DEFAULT KILL", []call{
			{72, [6]uint64{0x1234}, bpfgen.Allow},
			{72, [6]uint64{0x100001234}, bpfgen.Allow},
			{72, [6]uint64{0x1235}, bpfgen.KillThread},
			{72, [6]uint64{0x100001235}, bpfgen.KillThread},
		}, false},
		{"64-bit constant checks the whole argument", "ALLOW { fcntl { fd == 0x100001234 }, exit } DEFAULT KILL", []call{
			{72, [6]uint64{0x1234}, bpfgen.KillThread},
			{72, [6]uint64{0x100001234}, bpfgen.Allow},
		}, false},
		{"rules order", "POLICY a { ALLOW { exit, read { fd == 0 && count == 0 } }, ERRNO(1) { read { count == 0 } } } USE a DEFAULT KILL", []call{
			{0, [6]uint64{0, 0, 0}, bpfgen.Allow},
			{0, [6]uint64{5, 0, 0}, bpfgen.Errno | 1},
			{0, [6]uint64{5, 0, 1}, bpfgen.KillThread},
		}, false},
		{"bitwise", "ALLOW { read { (count | 2) & (fd | 3) == 2 } }", []call{
			{0, [6]uint64{0, 0, 0}, bpfgen.Allow},
			{0, [6]uint64{0, 0, 1}, bpfgen.KillThread},
		}, false},
		// nr -1 is not an x32 number (those are 0x40000000..0x7fffffff),
		// so its rule applies whether or not x32 is allowed, as in the
		// reference's custom syscalls test.
		{"SYSCALL[-1] is nr 0xffffffff", "ERRNO(1) { SYSCALL[-1] }", []call{
			{-1, [6]uint64{}, bpfgen.Errno | 1},
			{4, [6]uint64{}, bpfgen.KillThread},
		}, false},
		{"SYSCALL[-1] with x32 allowed", "ERRNO(1) { SYSCALL[-1] }", []call{
			{-1, [6]uint64{}, bpfgen.Errno | 1},
		}, true},
		{"x32 numbers are foreign unless allowed", "ALLOW { SYSCALL[0x40000001] } DEFAULT ERRNO(1)", []call{
			{0x40000001, [6]uint64{}, bpfgen.KillThread},
			{0x40000002, [6]uint64{}, bpfgen.KillThread},
			{0x3fffffff, [6]uint64{}, bpfgen.Errno | 1},
			{-0x7fffffff, [6]uint64{}, bpfgen.Errno | 1},
		}, false},
		{"negation", "ALLOW { exit }, ERRNO(1) { read { !(fd == 5 && count == 0) } } DEFAULT KILL", []call{
			{0, [6]uint64{0, 0, 0}, bpfgen.Errno | 1},
			{0, [6]uint64{4, 0, 0}, bpfgen.Errno | 1},
			{0, [6]uint64{5, 0, 0}, bpfgen.KillThread},
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := x86Opts(t)
			opts.AllowX32 = tt.allowX32
			p := loadOK(t, tt.src, opts)
			rs := p.RuleSet()
			for _, c := range tt.calls {
				d := bpfgen.SeccompData{Nr: c.nr, Arch: rs.Arches[0].AuditArch, Args: c.args}
				if got := rs.Eval(d); got != c.want {
					t.Errorf("policy:\n%s\nsyscall %d args %#x: got %s, want %s\nrules:\n%s", tt.src, c.nr, c.args, got, c.want, dumpRules(rs.Arches[0]))
				}
			}
		})
	}
}

// loadErr loads src and returns its diagnostics, failing when it loads.
func loadErr(t *testing.T, src string, opts Options) Diagnostics {
	t.Helper()
	_, err := Load("test.policy", []byte(src), opts)
	if err == nil {
		t.Fatalf("policy:\n%s\nloaded, want an error", src)
	}
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("error %T is not Diagnostics: %v", err, err)
	}
	return ds
}

func TestExpressionDepth(t *testing.T) {
	chain := func(n int) string {
		return "ALLOW { read { fd == 1" + strings.Repeat("&1", n) + " } }"
	}
	// The reference refuses a node whose operand is 200 deep.
	loadOK(t, chain(199), x86Opts(t))
	ds := loadErr(t, chain(200), x86Opts(t))
	if !strings.Contains(ds.Error(), "nested too deeply") {
		t.Errorf("got %v, want a depth error", ds)
	}
	nots := func(n int) string { return "ALLOW { read { " + strings.Repeat("!", n) + "(fd == 1) } }" }
	loadOK(t, nots(199), x86Opts(t))
	loadErr(t, nots(200), x86Opts(t))
	ors := func(n int) string { return "ALLOW { read { fd == 0" + strings.Repeat(" || fd == 1", n) + " } }" }
	loadOK(t, ors(99), x86Opts(t))
	loadErr(t, ors(200), x86Opts(t))
	// Parentheses do not count.
	loadOK(t, "ALLOW { read { "+strings.Repeat("(", 150)+"fd == 1"+strings.Repeat(")", 150)+" } }", x86Opts(t))
}

func TestIncludes(t *testing.T) {
	files := map[string]string{
		"inc/basic.policy":   "POLICY allow_exit { ALLOW { exit } }\n",
		"inc/empty.policy":   "POLICY empty {}\n",
		"inc/consts.policy":  "#define STDOUT 1\n#include \"basic.policy\"\n",
		"inc/self.policy":    "#include \"self.policy\"\n",
		"inc/loop_a.policy":  "#include \"loop_b.policy\"\n",
		"inc/loop_b.policy":  "#include \"loop_a.policy\"\n",
		"inc/default.policy": "DEFAULT ERRNO(1)\n",
		"other/only.policy":  "POLICY only { ALLOW { read } }\n",
	}
	read := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("open %s: no such file", p)
	}
	opts := x86Opts(t)
	opts.IncludePaths = []string{"inc", "other"}
	opts.ReadFile = read
	ok := []struct{ name, src, want string }{
		{"semicolon ends the directive", `#include "basic.policy"; USE allow_exit DEFAULT KILL`, "exit(60): true -> ALLOW"},
		{"newline ends the directive", "#include \"basic.policy\"\nUSE allow_exit", "exit(60): true -> ALLOW"},
		{"several files", "#include \"empty.policy\" \"basic.policy\";\nUSE allow_exit USE empty", "exit(60): true -> ALLOW"},
		{"chained, with constants", "#include \"consts.policy\"\nALLOW { write { fd == STDOUT } } USE allow_exit", "write(1): a0 == 0x1/32 -> ALLOW"},
		{"second search path", "#include \"only.policy\"\nUSE only", "read(0): true -> ALLOW"},
		{"DEFAULT in an include", "#include \"default.policy\"\nALLOW { read }", "default ERRNO(1)"},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			p := loadOK(t, tt.src, opts)
			if got := dumpRules(p.RuleSet().Arches[0]); !strings.Contains(got, tt.want) {
				t.Errorf("policy:\n%s\ngot rules:\n%s\nwant a line %q", tt.src, got, tt.want)
			}
		})
	}
	bad := []struct{ name, src, want string }{
		{"missing file", `#include "nosuch.policy";`, "nosuch.policy"},
		{"self include", `#include "self.policy";`, "self.policy"},
		{"include loop", `#include "loop_a.policy";`, "loop_a.policy"},
		{"DEFAULT twice across files", "#include \"default.policy\"\nDEFAULT KILL", "DEFAULT given twice"},
		{"redefinition across files", "#include \"basic.policy\" \"basic.policy\"\n", "policy `allow_exit` redefined"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			ds := loadErr(t, tt.src, opts)
			if !strings.Contains(ds.Error(), tt.want) {
				t.Errorf("policy:\n%s\ngot:\n%v\nwant mention of %q", tt.src, ds, tt.want)
			}
		})
	}
	t.Run("no include paths", func(t *testing.T) {
		ds := loadErr(t, `#include "basic.policy";`, x86Opts(t))
		if !strings.Contains(ds.Error(), "no include search path") {
			t.Errorf("got %v", ds)
		}
	})
}

// TestMultiError checks that one run reports every error, sorted.
func TestMultiError(t *testing.T) {
	src := `POLICY a {
  ALLOW { reed, write { fdd == 1 } }
}
USE b
ERRNO(70000) { read }
`
	ds := loadErr(t, src, x86Opts(t))
	var lines []int
	for _, d := range ds.Errors() {
		lines = append(lines, d.Pos.Line)
	}
	if fmt.Sprint(lines) != "[2 2 4 5]" {
		t.Errorf("got errors on lines %v, want [2 2 4 5]:\n%v", lines, ds)
	}
}

func TestStrict(t *testing.T) {
	opts := x86Opts(t)
	opts.Strict = true
	for _, src := range []string{
		"ALLOW { uname }",
		"ALLOW { open { arg1 == 0 } }",
		"ALLOW { clone { clone_flags & 0x10000 } }",
		"POLICY p { ALLOW { read } DEFAULT KILL } USE p DEFAULT KILL",
		"POLICY p { ALLOW { read } ALLOW { write } } USE p",
		"ALLOW { read, }",
	} {
		ds := loadErr(t, src, opts)
		for _, d := range ds {
			if d.Severity != grammar.Error && d.Severity != grammar.Note {
				t.Errorf("strict load of %q kept a %s: %v", src, d.Severity, d)
			}
		}
	}
	// What the reference accepts, strict mode accepts.
	loadOK(t, "POLICY p { ALLOW { newuname, open { flags == 0 } }, ALLOW { write } } USE p DEFAULT KILL", opts)
}

// TestArches checks per-arch resolution: numbers, widths, byte order,
// guards and the x32 option.
func TestArches(t *testing.T) {
	x86_64, x86, mips := mustArch(t, "x86_64"), mustArch(t, "x86"), mustArch(t, "mips")
	src := `ALLOW {
  write { count == 1 },
  read ON { x86, mips },
  close ON x86_64
}`
	p := loadOK(t, src, Options{Arches: []*syscalls.Arch{x86_64, x86, mips}, AllowX32: true})
	rs := p.RuleSet()
	want := []string{`
default KILL
write(1): a2 == 0x1/64 -> ALLOW
close(3): true -> ALLOW`, `
default KILL
read(3): true -> ALLOW
write(4): a2 == 0x1/32 -> ALLOW`, `
default KILL
read(4003): true -> ALLOW
write(4004): a2 == 0x1/32 -> ALLOW`}
	for i, ar := range rs.Arches {
		if got := strings.TrimSpace(dumpRules(ar)); got != strings.TrimSpace(want[i]) {
			t.Errorf("arch %s: got\n%s\nwant\n%s", p.Arches[i].Name, got, strings.TrimSpace(want[i]))
		}
		a := p.Arches[i]
		if ar.AuditArch != a.AuditArch || ar.BigEndian != a.BigEndian || !ar.AllowX32 {
			t.Errorf("arch %s: AuditArch %#x BigEndian %v AllowX32 %v", a.Name, ar.AuditArch, ar.BigEndian, ar.AllowX32)
		}
	}
	if !rs.Arches[2].BigEndian {
		t.Errorf("mips rules are not big-endian")
	}
}

// TestErrors checks refusals that need no corpus file.
func TestErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty source", "", "empty policy"},
		{"comments only", "// nothing\n/* here */", "empty policy"},
		{"unused policy is still checked", "POLICY unused { ALLOW { nosuch } } ALLOW { read }", "unknown syscall `nosuch`"},
		{"unknown syscall in main policy", "ALLOW { this_is_a_syscall_that_does_not_exist }", "unknown syscall"},
		{"undefined policy at file scope", "USE undef DEFAULT KILL", "undefined policy `undef`"},
		{"undefined policy inside a policy", "POLICY broken { USE undef } USE broken DEFAULT KILL", "undefined policy `undef`"},
		{"redefined argument", "ALLOW { write(myfd, myfd, mysize) { myfd == 1 } }", "argument `myfd` declared twice"},
		{"seven argument names", "ALLOW { write(a, b, c, d, e, f, g) }", "too many argument names"},
		{"undefined argument", "ALLOW { write(myfd, mybuf, mysize) { undef == 1 || myfd == 2 } }", "unknown argument `undef`"},
		{"declared list hides kernel names", "ALLOW { write(f) { count == 1 } }", "unknown argument `count`"},
		{"ERRNO out of range", "ERRNO(65536) { write }", "ERRNO value 65536 out of range"},
		{"TRAP out of range", "TRAP(65536) { write }", "TRAP value 65536 out of range"},
		{"TRACE out of range", "TRACE(-1) { write }", "TRACE value -1 out of range"},
		{"DEFAULT out of range", "DEFAULT ERRNO(65536)", "ERRNO value 65536 out of range"},
		{"constant redefined", "#define myconst 1\n#define myconst 2\nALLOW { read }", "constant `myconst` redefined"},
		{"policy redefined", "POLICY empty {}\nPOLICY empty {}\nUSE empty DEFAULT KILL", "policy `empty` redefined"},
		{"USE before definition", "USE later POLICY later {}", "defined later"},
		{"unknown arch", "ALLOW { read ON vax }", "unknown arch `vax`"},
		{"repeated arch", "ALLOW { read ON { arm64, aarch64 } }", "arch `aarch64` repeated"},
		{"unknown syscall in guarded rule for this arch", "ALLOW { nosuch ON x86_64 }", "unknown syscall `nosuch`"},
		{"DEFAULT twice", "DEFAULT KILL DEFAULT KILL", "DEFAULT given twice"},
		{"conflicting DEFAULT in a policy", "POLICY p { DEFAULT ALLOW } USE p DEFAULT KILL", "conflicts with DEFAULT KILL"},
		{"two policies with different DEFAULTs", "POLICY p { DEFAULT ALLOW } POLICY q { DEFAULT KILL } USE p USE q", "conflicts with DEFAULT ALLOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := loadErr(t, tt.src, x86Opts(t))
			var b strings.Builder
			Render(&b, ds, nil)
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("policy:\n%s\ngot:\n%s\nwant an error or hint containing %q", tt.src, b.String(), tt.want)
			}
			for _, d := range ds.Errors() {
				if d.Pos.Line < 1 || d.Pos.Column < 1 {
					t.Errorf("error without a position: %v", d)
				}
			}
		})
	}
}

// TestOldArgNames checks that the argument names of the reference's
// tables, renamed in the kernel since, still resolve.
func TestOldArgNames(t *testing.T) {
	p := loadOK(t, "ALLOW { setns { nstype == 0 }, setns { flags == 1 } }", x86Opts(t))
	got := strings.TrimSpace(dumpRules(p.RuleSet().Arches[0]))
	if !strings.Contains(got, "a1 == 0x0/32") || !strings.Contains(got, "a1 == 0x1/32") {
		t.Errorf("got rules:\n%s", got)
	}
}

// TestMultiArchFindings checks that a finding repeated on several arches
// is reported once, naming them.
func TestMultiArchFindings(t *testing.T) {
	opts := Options{Arches: []*syscalls.Arch{mustArch(t, "x86_64"), mustArch(t, "aarch64")}}
	ds := loadErr(t, "ALLOW { nosuchcall, write { fdd == 1 }, open }", opts)
	var msgs []string
	for _, d := range ds {
		msgs = append(msgs, d.Msg)
	}
	want := []string{
		"unknown syscall `nosuchcall` on x86_64, aarch64",
		"unknown argument `fdd` of `write` on x86_64, aarch64",
		"unknown syscall `open` on aarch64",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got findings:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestDiagnosticEnd(t *testing.T) {
	ds := loadErr(t, "ALLOW { reed }", x86Opts(t))
	if d := ds[0]; d.End.Offset-d.Pos.Offset != len("reed") || d.End.Column-d.Pos.Column != len("reed") {
		t.Errorf("finding %v spans %d..%d, want the identifier", d, d.Pos.Offset, d.End.Offset)
	}
}
