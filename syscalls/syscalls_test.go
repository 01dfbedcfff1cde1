package syscalls

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

var allArches = []string{"x86_64", "x86", "aarch64", "arm", "mips", "mips64", "riscv64", "m68k"}

func mustArch(t *testing.T, name string) *Arch {
	t.Helper()
	a, ok := LookupArch(name)
	if !ok {
		t.Fatalf("LookupArch(%q): not found", name)
	}
	return a
}

func TestArchProperties(t *testing.T) {
	// AUDIT_ARCH values: include/uapi/linux/audit.h (EM_* | 64BIT | LE).
	tests := []struct {
		name    string
		aliases []string
		audit   uint32
		word    int
		big     bool
		goarch  string
	}{
		{"x86_64", []string{"amd64", "AMD64", "X86_64"}, 0xc000003e, 8, false, "amd64"},
		{"x86", []string{"i386", "I386"}, 0x40000003, 4, false, "386"},
		{"aarch64", []string{"arm64", "ARM64"}, 0xc00000b7, 8, false, "arm64"},
		{"arm", []string{"ARM"}, 0x40000028, 4, false, "arm"},
		{"mips", []string{"mipso32", "MIPSO32"}, 0x00000008, 4, true, "mips"},
		{"mips64", []string{"MIPS64"}, 0x80000008, 8, true, "mips64"},
		{"riscv64", []string{"rv64", "RV64"}, 0xc00000f3, 8, false, "riscv64"},
		{"m68k", []string{"M68K"}, 0x00000004, 4, true, ""},
	}
	if got := len(Arches()); got != len(tests) {
		t.Errorf("Arches() has %d arches, want %d", got, len(tests))
	}
	for _, tt := range tests {
		a := mustArch(t, tt.name)
		if a.Name != tt.name || a.AuditArch != tt.audit || a.WordSize != tt.word || a.BigEndian != tt.big || a.GOARCH != tt.goarch {
			t.Errorf("%s: got {%s %#x word %d big %v goarch %q}, want {%s %#x word %d big %v goarch %q}",
				tt.name, a.Name, a.AuditArch, a.WordSize, a.BigEndian, a.GOARCH, tt.name, tt.audit, tt.word, tt.big, tt.goarch)
		}
		for _, al := range tt.aliases {
			if b, ok := LookupArch(al); !ok || b != a {
				t.Errorf("LookupArch(%q) = %v, %v; want %s", al, b, ok, tt.name)
			}
		}
	}
	if _, ok := LookupArch("sparc"); ok {
		t.Errorf("LookupArch(sparc) found an arch")
	}
	if h := HostArch(); h != nil && h.GOARCH != runtime.GOARCH {
		t.Errorf("HostArch() = %s with GOARCH %s on %s", h.Name, h.GOARCH, runtime.GOARCH)
	}
	if runtime.GOARCH == "amd64" && (HostArch() == nil || HostArch().Name != "x86_64") {
		t.Errorf("HostArch() = %v on amd64", HostArch())
	}
}

// TestTableInvariants checks every table: names and numbers unique,
// aliases resolve to their canonical entry, at most six arguments with
// sane widths and unique names, numbers within the arch's range.
func TestTableInvariants(t *testing.T) {
	for _, name := range allArches {
		a := mustArch(t, name)
		t.Run(name, func(t *testing.T) {
			base := map[string]uint32{"mips": 4000, "mips64": 5000}[name]
			list := a.Syscalls()
			if len(list) < 300 {
				t.Errorf("only %d syscalls", len(list))
			}
			names := map[string]bool{}
			for i, s := range list {
				if names[s.Name] {
					t.Errorf("name %s twice", s.Name)
				}
				names[s.Name] = true
				if i > 0 && list[i-1].Nr >= s.Nr {
					t.Errorf("numbers not strictly increasing at %s %d", s.Name, s.Nr)
				}
				armPrivate := name == "arm" && s.Nr > 0x0f0000 && s.Nr < 0x0f0010
				if (s.Nr < base || s.Nr > base+999) && !armPrivate {
					t.Errorf("%s: number %d outside %d..%d", s.Name, s.Nr, base, base+999)
				}
				if s.IsAlias() {
					t.Errorf("%s: canonical entry marked alias of %s", s.Name, s.AliasOf)
				}
				if got, ok := a.ByNumber(s.Nr); !ok || got != s {
					t.Errorf("ByNumber(%d) = %v, want %s", s.Nr, got, s.Name)
				}
				if got, ok := a.Lookup(s.Name); !ok || got != s {
					t.Errorf("Lookup(%s) = %v, want the entry", s.Name, got)
				}
				if len(s.Args) > 6 {
					t.Errorf("%s: %d args", s.Name, len(s.Args))
				}
				argNames := map[string]bool{}
				for i, arg := range s.Args {
					if arg.Size != 1 && arg.Size != 2 && arg.Size != 4 && arg.Size != 8 || arg.Size > 4 && a.WordSize == 4 {
						t.Errorf("%s: arg %s width %d on a %d-byte-word arch", s.Name, arg.Name, arg.Size, a.WordSize)
					}
					if argNames[arg.Name] {
						t.Errorf("%s: arg name %s twice", s.Name, arg.Name)
					}
					argNames[arg.Name] = true
					for _, old := range arg.OldNames {
						if j := s.ArgIndex(old); j != i {
							t.Errorf("%s: old name %s of arg %s resolves to %d", s.Name, old, arg.Name, j)
						}
					}
					if s.ArgIndex(arg.Name) != i {
						t.Errorf("%s: ArgIndex(%s) = %d, want %d", s.Name, arg.Name, s.ArgIndex(arg.Name), i)
					}
				}
				if s.ArgIndex("no_such_arg") != -1 {
					t.Errorf("%s: ArgIndex of a missing name is not -1", s.Name)
				}
			}
			for _, al := range a.AliasEntries() {
				if !al.IsAlias() || names[al.Name] {
					t.Errorf("alias %s: IsAlias %v, also canonical %v", al.Name, al.IsAlias(), names[al.Name])
				}
				target, ok := a.Lookup(al.AliasOf)
				if !ok || target.IsAlias() || target.Nr != al.Nr || fmt.Sprint(target.Args) != fmt.Sprint(al.Args) {
					t.Errorf("alias %s -> %s: target %v", al.Name, al.AliasOf, target)
				}
			}
		})
	}
}

// TestRemovedCallsKeepNumbers: calls the kernel lists without an entry
// point still resolve (deny lists name them). Those the reference
// compiler knows arguments for keep their old entry point's parameters
// (from the supplement); the others have none.
func TestRemovedCallsKeepNumbers(t *testing.T) {
	tests := []struct {
		arch, name string
		nr         uint32
		args       string
	}{
		{"x86_64", "create_module", 174, "name:8 size:8"},
		{"x86_64", "get_kernel_syms", 177, "table:8"},
		{"x86_64", "query_module", 178, "name:8 which:4 buf:8 bufsize:8 ret:8"},
		{"x86_64", "nfsservctl", 180, "cmd:4 argp:8 resp:8"},
		{"x86_64", "uselib", 134, "library:8"},
		{"x86_64", "lookup_dcookie", 212, "cookie64:8 buf:8 len:8"},
		{"x86_64", "set_thread_area", 205, "u_info:8"},
		{"x86_64", "sysctl", 156, "args:8"},
		{"x86_64", "vserver", 236, ""}, {"x86_64", "afs_syscall", 183, ""}, {"x86_64", "tuxcall", 184, ""},
		{"x86_64", "security", 185, ""}, {"x86_64", "getpmsg", 181, ""}, {"x86_64", "putpmsg", 182, ""},
		{"x86", "break", 17, ""},
		{"x86", "lookup_dcookie", 253, "cookie64_lo:4 cookie64_hi:4 buf:4 len:4"},
		{"arm", "lookup_dcookie", 249, "cookie64_lo:4 cookie64_hi:4 buf:4 len:4"},
		{"mips", "create_module", 4127, "name:4 size:4"},
		{"mips64", "nfsservctl", 5173, "cmd:4 argp:8 resp:8"},
	}
	for _, tt := range tests {
		s, ok := mustArch(t, tt.arch).Lookup(tt.name)
		if !ok || s.Nr != tt.nr || argString(s.Args) != tt.args {
			t.Errorf("%s %s: got %v, want number %d with args %q", tt.arch, tt.name, s, tt.nr, tt.args)
		}
	}
}

// argString formats arguments as "name:size ...".
func argString(args []Arg) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, fmt.Sprintf("%s:%d", a.Name, a.Size))
	}
	return strings.Join(parts, " ")
}

// TestOldArgNames: argument names the reference compiler's tables use,
// from kernels before a rename, resolve to the same position.
func TestOldArgNames(t *testing.T) {
	tests := []struct {
		arch, syscall, name string
		index               int
	}{
		{"x86_64", "setns", "nstype", 1}, {"x86_64", "setns", "flags", 1},
		{"x86_64", "getrandom", "buf", 0}, {"x86_64", "getrandom", "count", 1}, {"x86_64", "getrandom", "ubuf", 0},
		{"x86_64", "vmsplice", "iov", 1}, {"x86_64", "sched_getattr", "size", 2}, {"x86_64", "sched_getattr", "attr", -1},
		{"x86_64", "arch_prctl", "code", 0}, {"x86_64", "arch_prctl", "addr", 1},
		{"aarch64", "setns", "nstype", 1}, {"mips", "getrandom", "count", 1},
		{"aarch64", "arch_prctl", "code", -2}, // no arch_prctl on aarch64
		// Names of the reference's aarch64 table for calls added since 2019.
		{"aarch64", "fsconfig", "key", 2}, {"aarch64", "fsopen", "fs_name", 0}, {"aarch64", "openat2", "size", 3},
		{"aarch64", "mseal", "size", 1}, {"aarch64", "statx", "statxbuf", 4}, {"aarch64", "statmount", "smbuf", 1},
		{"aarch64", "lsm_list_modules", "size_ptr", 1}, {"aarch64", "file_getattr", "flags", 4},
		{"aarch64", "file_getattr", "fileattr", 2}, {"aarch64", "open_tree_attr", "attr", 3},
		{"aarch64", "sync_file_range2", "nbytes", 2}, {"x86_64", "file_setattr", "pathname", 1},
		{"riscv64", "sync_file_range2", "flags", 3}, {"riscv64", "mmap", "off", 5}, {"mips64", "mmap", "off", 5},
		{"x86_64", "read", "nstype", -1},
	}
	for _, tt := range tests {
		s, ok := mustArch(t, tt.arch).Lookup(tt.syscall)
		if tt.index == -2 {
			if ok {
				t.Errorf("%s %s exists", tt.arch, tt.syscall)
			}
			continue
		}
		if !ok {
			t.Errorf("%s %s: not found", tt.arch, tt.syscall)
			continue
		}
		if got := s.ArgIndex(tt.name); got != tt.index {
			t.Errorf("%s %s: ArgIndex(%s) = %d, want %d (args %v)", tt.arch, tt.syscall, tt.name, got, tt.index, s.Args)
		}
	}
}

// TestKafelNames: the names the reference compiler uses, and the libc
// names that resolve to them as aliases.
func TestKafelNames(t *testing.T) {
	tests := []struct {
		arch, name string
		nr         uint32
		aliasOf    string
	}{
		{"x86_64", "newuname", 63, ""}, {"x86_64", "uname", 63, "newuname"},
		{"x86_64", "newstat", 4, ""}, {"x86_64", "stat", 4, "newstat"},
		{"x86_64", "newfstat", 5, ""}, {"x86_64", "fstat", 5, "newfstat"},
		{"x86_64", "newlstat", 6, ""}, {"x86_64", "lstat", 6, "newlstat"},
		{"x86_64", "umount", 166, ""}, {"x86_64", "umount2", 166, "umount"},
		{"x86_64", "sysctl", 156, ""}, {"x86_64", "_sysctl", 156, "sysctl"},
		{"x86_64", "sendfile64", 40, ""}, {"x86_64", "sendfile", 40, "sendfile64"},
		{"x86", "chown", 212, ""}, {"x86", "chown16", 182, ""}, {"x86", "chown32", 212, "chown"},
		{"x86", "getuid", 199, ""}, {"x86", "getuid16", 24, ""}, {"x86", "getuid32", 199, "getuid"},
		{"x86", "llseek", 140, ""}, {"x86", "_llseek", 140, "llseek"},
		{"x86", "mmap_pgoff", 192, ""}, {"x86", "mmap2", 192, "mmap_pgoff"},
		{"x86", "clock_gettime", 265, ""}, {"x86", "clock_gettime64", 403, ""},
		{"x86", "futex", 240, ""}, {"x86", "futex_time64", 422, ""},
		{"x86", "pread64", 180, ""}, {"x86", "sysctl", 149, ""},
		{"arm", "chown", 212, ""}, {"arm", "chown16", 182, ""}, {"arm", "arm_fadvise64_64", 270, ""},
		{"arm", "sync_file_range2", 341, ""}, {"arm", "arm_sync_file_range", 341, "sync_file_range2"},
		{"arm", "breakpoint", 0xf0001, ""}, {"arm", "cacheflush", 0xf0002, ""}, {"arm", "set_tls", 0xf0005, ""},
		{"arm", "get_tls", 0xf0006, ""}, {"arm", "time", 13, ""}, {"arm", "mmap", 90, "old_mmap"},
		{"aarch64", "newuname", 160, ""}, {"aarch64", "uname", 160, "newuname"},
		{"aarch64", "newfstat", 80, ""}, {"aarch64", "fstat", 80, "newfstat"},
		{"aarch64", "fadvise64_64", 223, ""}, {"aarch64", "fadvise64", 223, "fadvise64_64"},
		{"mips", "getpid", 4020, ""}, {"mips", "newuname", 4122, ""}, {"mips", "mmap", 4090, "mips_mmap"},
		{"mips64", "getpid", 5038, ""}, {"mips64", "read", 5000, ""}, {"mips64", "uname", 5061, "newuname"},
		{"riscv64", "riscv_flush_icache", 259, ""}, {"riscv64", "riscv_hwprobe", 258, ""},
		{"m68k", "getpid", 20, ""}, {"m68k", "chown16", 16, ""},
		// Calls after 6.12, from the supplement.
		{"x86_64", "setxattrat", 463, ""}, {"x86_64", "file_setattr", 469, ""}, {"x86_64", "uretprobe", 335, ""},
		{"x86_64", "uprobe", 336, ""}, {"x86_64", "mseal", 462, ""}, {"aarch64", "open_tree_attr", 467, ""},
		{"mips", "getxattrat", 4464, ""}, {"mips64", "removexattrat", 5466, ""}, {"m68k", "listxattrat", 465, ""},
	}
	for _, tt := range tests {
		s, ok := mustArch(t, tt.arch).Lookup(tt.name)
		if !ok {
			t.Errorf("%s %s: not found", tt.arch, tt.name)
			continue
		}
		if s.Nr != tt.nr || s.AliasOf != tt.aliasOf {
			t.Errorf("%s %s: got number %d alias of %q, want %d alias of %q", tt.arch, tt.name, s.Nr, s.AliasOf, tt.nr, tt.aliasOf)
		}
	}
	if _, ok := mustArch(t, "x86_64").Lookup("uprobe_x"); ok {
		t.Errorf("Lookup of an unknown name succeeded")
	}
}

// Argument kinds in the spot checks: the width follows from the C type.
const (
	kInt  = "int"  // int, unsigned int, pid_t, ...: 4
	kPtr  = "ptr"  // pointers: the word size
	kLong = "long" // long, unsigned long, size_t: the word size
	kMode = "mode" // umode_t: 2
)

// spot lists the kernel's parameter names and kinds of commonly filtered
// syscalls, as their SYSCALL_DEFINE lines spell them in Linux 6.12.
var spot = map[string]string{
	"read":                    "fd:int buf:ptr count:long",
	"write":                   "fd:int buf:ptr count:long",
	"openat":                  "dfd:int filename:ptr flags:int mode:mode",
	"close":                   "fd:int",
	"mprotect":                "start:long len:long prot:long",
	"munmap":                  "addr:long len:long",
	"brk":                     "brk:long",
	"madvise":                 "start:long len_in:long behavior:int",
	"socket":                  "family:int type:int protocol:int",
	"socketpair":              "family:int type:int protocol:int usockvec:ptr",
	"connect":                 "fd:int uservaddr:ptr addrlen:int",
	"bind":                    "fd:int umyaddr:ptr addrlen:int",
	"accept4":                 "fd:int upeer_sockaddr:ptr upeer_addrlen:ptr flags:int",
	"sendto":                  "fd:int buff:ptr len:long flags:int addr:ptr addr_len:int",
	"recvfrom":                "fd:int ubuf:ptr size:long flags:int addr:ptr addr_len:ptr",
	"sendmsg":                 "fd:int msg:ptr flags:int",
	"setsockopt":              "fd:int level:int optname:int optval:ptr optlen:int",
	"getsockopt":              "fd:int level:int optname:int optval:ptr optlen:ptr",
	"ioctl":                   "fd:int cmd:int arg:long",
	"fcntl":                   "fd:int cmd:int arg:long",
	"prctl":                   "option:int arg2:long arg3:long arg4:long arg5:long",
	"kill":                    "pid:int sig:int",
	"tgkill":                  "tgid:int pid:int sig:int",
	"clone3":                  "uargs:ptr size:long",
	"execve":                  "filename:ptr argv:ptr envp:ptr",
	"execveat":                "fd:int filename:ptr argv:ptr envp:ptr flags:int",
	"exit_group":              "error_code:int",
	"futex":                   "uaddr:ptr op:int val:int utime:ptr uaddr2:ptr val3:int",
	"dup3":                    "oldfd:int newfd:int flags:int",
	"pipe2":                   "fildes:ptr flags:int",
	"wait4":                   "upid:int stat_addr:ptr options:int ru:ptr",
	"rt_sigaction":            "sig:int act:ptr oact:ptr sigsetsize:long",
	"rt_sigprocmask":          "how:int nset:ptr oset:ptr sigsetsize:long",
	"seccomp":                 "op:int flags:int uargs:ptr",
	"bpf":                     "cmd:int uattr:ptr size:int",
	"memfd_create":            "uname:ptr flags:int",
	"unshare":                 "unshare_flags:long",
	"setns":                   "fd:int flags:int",
	"ptrace":                  "request:long pid:long addr:long data:long",
	"mkdirat":                 "dfd:int pathname:ptr mode:mode",
	"fchmodat":                "dfd:int filename:ptr mode:mode",
	"unlinkat":                "dfd:int pathname:ptr flag:int",
	"renameat2":               "olddfd:int oldname:ptr newdfd:int newname:ptr flags:int",
	"statx":                   "dfd:int filename:ptr flags:int mask:int buffer:ptr",
	"mount":                   "dev_name:ptr dir_name:ptr type:ptr flags:long data:ptr",
	"umount2":                 "name:ptr flags:int",
	"uname":                   "name:ptr",
	"getpid":                  "",
	"getrandom":               "ubuf:ptr len:long flags:int",
	"pidfd_open":              "pid:int flags:int",
	"landlock_create_ruleset": "attr:ptr size:long flags:int",
	"setxattrat":              "dfd:int pathname:ptr at_flags:int name:ptr uargs:ptr usize:long",
}

// spotOverride gives what differs on an arch: clone's argument order
// (CONFIG_CLONE_BACKWARDS), mmap's forms, 64-bit values split across two
// registers on 32-bit arches, 16-bit uids.
var spotOverride = map[string]map[string]string{
	"x86_64": {
		"clone":   "clone_flags:long newsp:long parent_tidptr:ptr child_tidptr:ptr tls:long",
		"mmap":    "addr:long len:long prot:long flags:long fd:long off:long",
		"pread64": "fd:int buf:ptr count:long pos:8",
		"chown":   "filename:ptr user:int group:int",
	},
	"aarch64": {
		"clone":   "clone_flags:long newsp:long parent_tidptr:ptr tls:long child_tidptr:ptr",
		"mmap":    "addr:long len:long prot:long flags:long fd:long off:long",
		"pread64": "fd:int buf:ptr count:long pos:8",
	},
	"riscv64": {
		"clone":   "clone_flags:long newsp:long parent_tidptr:ptr tls:long child_tidptr:ptr",
		"mmap":    "addr:long len:long prot:long flags:long fd:long offset:long",
		"pread64": "fd:int buf:ptr count:long pos:8",
	},
	"mips64": {
		"clone":   "clone_flags:long newsp:long parent_tidptr:ptr tls:long child_tidptr:ptr",
		"mmap":    "addr:long len:long prot:long flags:long fd:long offset:off",
		"pread64": "fd:int buf:ptr count:long pos:8",
		"chown":   "filename:ptr user:int group:int",
	},
	"x86": {
		"clone":   "clone_flags:long newsp:long parent_tidptr:ptr tls:long child_tidptr:ptr",
		"mmap":    "arg:ptr",
		"mmap2":   "addr:long len:long prot:long flags:long fd:long pgoff:long",
		"pread64": "fd:int ubuf:ptr count:int poslo:int poshi:int",
		"chown":   "filename:ptr user:int group:int",
		"chown16": "filename:ptr user:2 group:2",
		// CONFIG_OLD_SIGSUSPEND3 picks the three-argument variant.
		"sigsuspend": "unused1:int unused2:int mask:long",
	},
	"arm": {
		"clone":            "clone_flags:long newsp:long parent_tidptr:ptr tls:long child_tidptr:ptr",
		"mmap2":            "addr:long len:long prot:long flags:long fd:long pgoff:long",
		"pread64":          "fd:int buf:ptr count:long pad:int pos_lo:int pos_hi:int",
		"arm_fadvise64_64": "fd:int advice:int offset_lo:int offset_hi:int len_lo:int len_hi:int",
		"chown":            "filename:ptr user:int group:int",
		"chown16":          "filename:ptr user:2 group:2",
	},
	"mips": {
		"clone":   "clone_flags:long newsp:long parent_tidptr:ptr tls:long child_tidptr:ptr",
		"mmap":    "addr:long len:long prot:long flags:long fd:long offset:off",
		"pread64": "fd:int buf:ptr count:long pad:int pos_hi:int pos_lo:int",
		"chown":   "filename:ptr user:int group:int",
		// sysm_pipe returns both descriptors in registers.
		"pipe": "",
	},
	"m68k": {
		"clone":   "clone_flags:long newsp:long parent_tidptr:ptr child_tidptr:ptr tls:long",
		"mmap2":   "addr:long len:long prot:long flags:long fd:long pgoff:long",
		"pread64": "fd:int buf:ptr count:long pos_hi:int pos_lo:int",
		"chown":   "filename:ptr user:int group:int",
		"chown16": "filename:ptr user:2 group:2",
	},
}

// expandSpot turns "fd:int buf:ptr" into arguments with widths for a.
func expandSpot(a *Arch, spec string) []Arg {
	var out []Arg
	for _, f := range strings.Fields(spec) {
		name, kind, _ := strings.Cut(f, ":")
		var size int
		switch kind {
		case kInt:
			size = 4
		case kPtr, kLong, "off":
			size = a.WordSize
		case kMode, "2":
			size = 2
		case "8":
			size = 8
		}
		out = append(out, Arg{Name: name, Size: size})
	}
	return out
}

func TestSpotArgs(t *testing.T) {
	for _, name := range allArches {
		a := mustArch(t, name)
		t.Run(name, func(t *testing.T) {
			checked := 0
			check := func(sc, spec string) {
				s, ok := a.Lookup(sc)
				if !ok {
					t.Errorf("%s: not in the table", sc)
					return
				}
				want := expandSpot(a, spec)
				if argString(s.Args) != argString(want) {
					t.Errorf("%s (%d):\n got  %v\n want %v", sc, s.Nr, s.Args, want)
				}
				checked++
			}
			for sc, spec := range spot {
				if _, over := spotOverride[name][sc]; over {
					continue
				}
				check(sc, spec)
			}
			for sc, spec := range spotOverride[name] {
				check(sc, spec)
			}
			if checked < 30 {
				t.Errorf("only %d syscalls checked", checked)
			}
		})
	}
}

// TestReferenceNamesX86_64 resolves every syscall and argument name of
// testdata/gen_300x3.policy, a copy of the benchmark policy written with
// the reference compiler's x86_64 names (shared/bench): each rule
// "name { expr }" must name a syscall, and every identifier in expr one
// of its arguments (the current or an old name).
func TestReferenceNamesX86_64(t *testing.T) {
	src, err := os.ReadFile("testdata/gen_300x3.policy")
	if err != nil {
		t.Fatal(err)
	}
	a := mustArch(t, "x86_64")
	rule := regexp.MustCompile(`(?m)^\s*([a-z_0-9]+) \{(.*)\},?$`)
	ident := regexp.MustCompile(`\b[a-z_][a-z_0-9]*\b`)
	rules := rule.FindAllStringSubmatch(string(src), -1)
	if len(rules) != 300 {
		t.Fatalf("parsed %d rules, want 300", len(rules))
	}
	for _, m := range rules {
		s, ok := a.Lookup(m[1])
		if !ok {
			t.Errorf("syscall %s: not in the table", m[1])
			continue
		}
		for _, id := range ident.FindAllString(m[2], -1) {
			if s.ArgIndex(id) < 0 {
				t.Errorf("%s: no argument %s (have %s)", s.Name, id, argString(s.Args))
			}
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	a, _ := LookupArch("x86_64")
	names := []string{"read", "openat", "uname", "io_uring_setup", "file_setattr"}
	for i := 0; i < b.N; i++ {
		if _, ok := a.Lookup(names[i%len(names)]); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkByNumber(b *testing.B) {
	a, _ := LookupArch("mips")
	found := 0
	for i := 0; i < b.N; i++ {
		if _, ok := a.ByNumber(4000 + uint32(i%470)); ok {
			found++
		}
	}
	if b.N >= 470 && found == 0 {
		b.Fatal("no number found")
	}
}
