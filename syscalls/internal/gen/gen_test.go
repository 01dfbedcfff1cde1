package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDefs(t *testing.T) {
	src := `// SPDX
/* a SYSCALL_DEFINE3(commented, int, a, int, b, int, c) */
SYSCALL_DEFINE3(read, unsigned int, fd, char __user *, buf, size_t, count)
{
}

#ifdef CONFIG_CLONE_BACKWARDS
SYSCALL_DEFINE5(clone, unsigned long, clone_flags, unsigned long, newsp,
		 int __user *, parent_tidptr,
		 unsigned long, tls,
		 int __user *, child_tidptr)
#elif defined(CONFIG_CLONE_BACKWARDS2)
SYSCALL_DEFINE5(clone, unsigned long, newsp, unsigned long, clone_flags,
		 int __user *, parent_tidptr, int __user *, child_tidptr, unsigned long, tls)
#else
SYSCALL_DEFINE5(clone, unsigned long, clone_flags, unsigned long, newsp,
		 int __user *, parent_tidptr, int __user *, child_tidptr, unsigned long, tls)
#endif
{
}
SYSCALL_DEFINE0(getpid)
{
}
asmlinkage long sys_arm_fadvise64_64(int fd, int advice,
				     loff_t offset, loff_t len)
{
}
asmlinkage int
sys_cacheflush (unsigned long addr, int scope, int cache, unsigned long len)
{
}
asmlinkage long sys_declared_only(int x);
`
	defs := parseDefs("kernel/x.c", []byte(src))
	var got []string
	for _, d := range defs {
		got = append(got, fmt.Sprintf("%d %s %s %q", d.kind, d.name, paramString(d), d.conds))
	}
	want := []string{
		`0 read unsigned int fd,char __user* buf,size_t count, []`,
		`0 clone unsigned long clone_flags,unsigned long newsp,int __user* parent_tidptr,unsigned long tls,int __user* child_tidptr, ["defined(CONFIG_CLONE_BACKWARDS)"]`,
		`0 clone unsigned long newsp,unsigned long clone_flags,int __user* parent_tidptr,int __user* child_tidptr,unsigned long tls, ["!(defined(CONFIG_CLONE_BACKWARDS))" "defined(CONFIG_CLONE_BACKWARDS2)"]`,
		`0 clone unsigned long clone_flags,unsigned long newsp,int __user* parent_tidptr,int __user* child_tidptr,unsigned long tls, ["!(defined(CONFIG_CLONE_BACKWARDS))" "!(defined(CONFIG_CLONE_BACKWARDS2))"]`,
		`0 getpid  []`,
		`1 arm_fadvise64_64 int fd,int advice,loff_t offset,loff_t len, []`,
		`1 cacheflush unsigned long addr,int scope,int cache,unsigned long len, []`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parseDefs:\n got\n%s\n want\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// In a header, a declaration is a prototype.
	h := parseDefs("include/linux/syscalls.h", []byte("asmlinkage long sys_mmap2(unsigned long addr, unsigned long len,\n\tunsigned long prot);\n"))
	if len(h) != 1 || h[0].kind != kindPrototype || paramString(h[0]) != "unsigned long addr,unsigned long len,unsigned long prot," {
		t.Errorf("header prototype: %v", h)
	}
}

func TestCondsHold(t *testing.T) {
	cfg := map[string]bool{"CONFIG_CLONE_BACKWARDS": true, "CONFIG_64BIT": true}
	tests := []struct {
		conds []string
		want  bool
	}{
		{nil, true},
		{[]string{"defined(CONFIG_CLONE_BACKWARDS)"}, true},
		{[]string{"!(defined(CONFIG_CLONE_BACKWARDS))", "defined(CONFIG_CLONE_BACKWARDS2)"}, false},
		{[]string{"defined(CONFIG_UNKNOWN_THING)"}, true}, // unknown symbols do not exclude
		{[]string{"!defined(CONFIG_64BIT)"}, false},
		{[]string{"defined(CONFIG_32BIT) || defined(CONFIG_64BIT)"}, true},
		{[]string{"defined(CONFIG_32BIT) && defined(CONFIG_UNKNOWN)"}, false},
		{[]string{"IS_ENABLED(CONFIG_X86_32)"}, false},
		{[]string{"defined CONFIG_64BIT"}, true},
		{[]string{"__ARCH_WANT_SYS_CLONE"}, true},
	}
	for _, tt := range tests {
		if got := condsHold(tt.conds, cfg); got != tt.want {
			t.Errorf("condsHold(%q) = %v, want %v", tt.conds, got, tt.want)
		}
	}
}

func TestLayout(t *testing.T) {
	x86_64, arm, mips, m68k := &specs[0], &specs[3], &specs[4], &specs[7]
	if x86_64.name != "x86_64" || arm.name != "arm" || mips.name != "mips" || m68k.name != "m68k" {
		t.Fatal("specs order changed")
	}
	pread := []param{{"unsigned int", "fd"}, {"char __user*", "buf"}, {"size_t", "count"}, {"loff_t", "pos"}}
	tests := []struct {
		spec   *archSpec
		params []param
		want   string
	}{
		{x86_64, pread, "fd:4 buf:8 count:8 pos:8"},
		{arm, pread, "fd:4 buf:4 count:4 pad:4 pos_lo:4 pos_hi:4"},
		{mips, pread, "fd:4 buf:4 count:4 pad:4 pos_hi:4 pos_lo:4"},
		{m68k, pread, "fd:4 buf:4 count:4 pos_hi:4 pos_lo:4"},
		{arm, []param{{"int", "fd"}, {"loff_t", "offset"}, {"size_t", "count"}}, "fd:4 pad:4 offset_lo:4 offset_hi:4 count:4"},
		{x86_64, []param{{"umode_t", "mode"}, {"old_uid_t", "user"}, {"const enum landlock_rule_type", "t"}}, "mode:2 user:4 t:4"},
		{m68k, []param{{"old_uid_t", "user"}, {"struct pt_regs*", "regs"}, {"__sighandler_t", "h"}}, "user:2 h:4"},
		// Registers past the sixth never reach seccomp.
		{mips, []param{{"int", "fd"}, {"loff_t", "a"}, {"loff_t", "b"}, {"unsigned int", "flags"}}, "fd:4 pad:4 a_hi:4 a_lo:4 b_hi:4 b_lo:4"},
	}
	for _, tt := range tests {
		args, err := layout(tt.spec, tt.params)
		if err != nil {
			t.Errorf("%s %v: %v", tt.spec.name, tt.params, err)
			continue
		}
		var parts []string
		for _, a := range args {
			parts = append(parts, fmt.Sprintf("%s:%d", a.name, a.size))
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("%s %v: got %q, want %q", tt.spec.name, tt.params, got, tt.want)
		}
	}
	if _, err := layout(x86_64, []param{{"struct foo", "f"}}); err == nil {
		t.Errorf("a struct passed by value has no known width, want an error")
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		r    row
		want string
	}{
		{row{name: "stat", entry: "sys_newstat"}, "newstat"},
		{row{name: "umount2", entry: "sys_umount"}, "umount"},
		{row{name: "chown32", entry: "sys_chown"}, "chown"},
		{row{name: "chown", entry: "sys_chown16"}, "chown16"},
		{row{name: "clock_gettime", entry: "sys_clock_gettime32"}, "clock_gettime"},
		{row{name: "futex", entry: "sys_futex_time32"}, "futex"},
		{row{name: "clock_gettime64", entry: "sys_clock_gettime"}, "clock_gettime"},
		{row{name: "pread64", entry: "sys_ia32_pread64"}, "pread64"},
		{row{name: "sigreturn", entry: "sys_sigreturn_wrapper"}, "sigreturn"},
		{row{name: "fork", entry: "__sys_fork"}, "fork"},
		{row{name: "pipe", entry: "sysm_pipe"}, "pipe"},
		{row{name: "create_module", entry: ""}, "create_module"},
		{row{name: "_sysctl", entry: "sys_ni_syscall"}, "_sysctl"},
	}
	for _, tt := range tests {
		if got := canonicalName(tt.r, entryName(tt.r.entry)); got != tt.want {
			t.Errorf("%s %s: got %s, want %s", tt.r.name, tt.r.entry, got, tt.want)
		}
	}
}

func TestParseTbl(t *testing.T) {
	src := "# comment\n0\tcommon\tread\tsys_read\n1\tx32\tfoo\tcompat_sys_foo\n2 64 bar\n\n"
	rows, err := parseTbl([]byte(src), []string{"common", "64"})
	if err != nil || len(rows) != 2 || rows[0].name != "read" || rows[1].entry != "" || rows[1].nr != 2 {
		t.Errorf("parseTbl: %v, %v", rows, err)
	}
	for _, bad := range []string{"x common read sys_read\n", "1 common\n"} {
		if _, err := parseTbl([]byte(bad), []string{"common"}); err == nil {
			t.Errorf("parseTbl(%q): no error", bad)
		}
	}
}

func TestParseSupplement(t *testing.T) {
	s, err := parseSupplement(`# x
call * 463 setxattrat
def setxattrat(int dfd, const char __user *pathname)
rename * _sysctl sysctl
argname x86,arm setns flags nstype
alias aarch64 sync_file_range2 sync_file_range
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.calls) != 1 || s.calls[0].arches != nil || s.defs["setxattrat"] == nil || len(s.defs["setxattrat"].params) != 2 {
		t.Errorf("calls/defs: %+v %+v", s.calls, s.defs)
	}
	if n, ok := s.renamed("mips", "_sysctl"); !ok || n != "sysctl" {
		t.Errorf("renamed: %s %v", n, ok)
	}
	if len(s.argNames) != 1 || !appliesTo(s.argNames[0].arches, "arm") || appliesTo(s.argNames[0].arches, "mips") {
		t.Errorf("argNames: %+v", s.argNames)
	}
	for _, bad := range []string{
		"call * x foo\ndef foo(void)\n",
		"call * 1 foo\n", // no def
		"def foo(int\n",
		"bogus line\n",
		"argname * a b\n",
		"rename * a\n",
	} {
		if _, err := parseSupplement(bad); err == nil {
			t.Errorf("parseSupplement(%q): no error", bad)
		}
	}
}

func TestAuditArches(t *testing.T) {
	h := `#define AUDIT_ARCH_X86_64	(EM_X86_64|__AUDIT_ARCH_64BIT|__AUDIT_ARCH_LE)
#define AUDIT_ARCH_I386		(EM_386|__AUDIT_ARCH_LE)
#define AUDIT_ARCH_MIPS		(EM_MIPS)
#define AUDIT_ARCH_MIPS64	(EM_MIPS|__AUDIT_ARCH_64BIT)
`
	got, err := auditArches([]byte(h))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint32{"AUDIT_ARCH_X86_64": 0xc000003e, "AUDIT_ARCH_I386": 0x40000003, "AUDIT_ARCH_MIPS": 8, "AUDIT_ARCH_MIPS64": 0x80000008}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// FuzzParseDefs: any source text parses without panicking, and every
// definition found has a name.
func FuzzParseDefs(f *testing.F) {
	f.Add("SYSCALL_DEFINE2(x, int, a, char __user *, b)\n{\n}\n")
	f.Add("#if defined(A) || B\nasmlinkage long sys_y(int a,\n")
	f.Add("/* unterminated")
	f.Add("SYSCALL_DEFINE6(z, (((")
	f.Fuzz(func(t *testing.T, src string) {
		for _, d := range parseDefs("f.c", []byte(src)) {
			if d.name == "" {
				t.Errorf("definition without a name in %q", src)
			}
		}
		for _, d := range parseDefs("f/syscalls.h", []byte(src)) {
			if d.name == "" {
				t.Errorf("prototype without a name in %q", src)
			}
		}
	})
}

// FuzzParseSupplement: any text is accepted or rejected with an error,
// never a panic.
func FuzzParseSupplement(f *testing.F) {
	f.Add("call * 463 a\ndef a(int x)\n")
	f.Add("argname * a b c\nalias x y z\n")
	f.Add("def (")
	f.Fuzz(func(t *testing.T, text string) {
		_, _ = parseSupplement(text)
	})
}

func TestMissingTarball(t *testing.T) {
	abs, err := filepath.Abs("supplement.txt")
	if err != nil {
		t.Fatal(err)
	}
	err = run(t.TempDir()+"/none.tar.xz", t.TempDir(), abs, "", false)
	if !errors.Is(err, errNoTarball) || !strings.Contains(err.Error(), "apt-get install "+sourcePackage) {
		t.Errorf("run without the tarball: %v; want errNoTarball naming the package", err)
	}
}

// TestGeneratedFilesUpToDate regenerates the tables from the installed
// kernel source package into a temporary directory and compares them
// with the committed z*.go files (what `make check-generate` does with
// git). It takes about half a minute.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if _, err := os.Stat(defaultTarbal); err != nil {
		t.Skipf("needs %s (apt-get install %s): %v", defaultTarbal, sourcePackage, err)
	}
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skipf("needs xz (apt-get install xz-utils): %v", err)
	}
	// The committed tables name the package version they were made from;
	// another version is other inputs, not a stale table.
	committedHeader, err := os.ReadFile(filepath.Join("..", "..", specs[0].file))
	if err != nil {
		t.Fatal(err)
	}
	if v := packageVersion(sourcePackage); !bytes.Contains(committedHeader, []byte(sourcePackage+" "+v+" ")) {
		t.Skipf("installed %s is version %s, not the one the committed tables were made from: regenerating would compare other inputs", sourcePackage, v)
	}
	out := t.TempDir()
	abs, err := filepath.Abs("supplement.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := run(defaultTarbal, out, abs, "", false); err != nil {
		t.Fatal(err)
	}
	files := []string{listFile}
	for _, s := range specs {
		files = append(files, s.file)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("syscalls/%s is stale: run `go generate ./syscalls` and commit it", f)
		}
	}
}
