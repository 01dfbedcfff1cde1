package bpfgen_test

import (
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/kafel"
)

// kernelPolicy is written in Kafel: the front end's argument widths and
// the generator meet the real kernel. It allows what the Go runtime may
// call on the child's filtered thread.
const kernelPolicy = `
#define O_ACCMODE 3
ALLOW {
  rt_sigreturn, exit_group, exit, futex, sched_yield, nanosleep, mmap, munmap,
  madvise, rt_sigprocmask, rt_sigaction, sigaltstack, gettid, tgkill,
  clock_gettime, clock_nanosleep, getpid, epoll_pwait,
  write { fd == 1 || fd == 2 },
  openat { (flags & O_ACCMODE) == 0 },
  lseek { offset == -1 }
}
ERRNO(9) { lseek }
KILL_PROCESS { getppid }
TRAP(3) { getuid }
DEFAULT ERRNO(38)
`

// TestKernelFromSource compiles a Kafel policy and checks, in the kernel,
// outcomes written down from the language's rules (not from Eval).
func TestKernelFromSource(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("kernel policy test: written for x86_64, host is %s", runtime.GOARCH)
	}
	calls := []struct {
		desc, call, want string
	}{
		{"getpid", fmt.Sprint(unix.SYS_GETPID, " 0 0 0 0 0 0"), "ok"},
		{"write to fd 1", fmt.Sprint(unix.SYS_WRITE, " 1 BUF 1 0 0 0"), "ok"},
		{"fd is an int: the high half is ignored", fmt.Sprint(unix.SYS_WRITE, " 0x100000001 BUF 1 0 0 0"), "ok"},
		{"write to the pipe", fmt.Sprint(unix.SYS_WRITE, " 3 BUF 1 0 0 0"), "errno 38"},
		{"offset is 64 bits: -1 matches", fmt.Sprint(unix.SYS_LSEEK, " 3 0xffffffffffffffff 0 0 0 0"), "errno 29"},
		{"offset 0xffffffff does not", fmt.Sprint(unix.SYS_LSEEK, " 3 0xffffffff 0 0 0 0"), "errno 9"},
		{"openat read-only", fmt.Sprint(unix.SYS_OPENAT, " 0xffffffffffffff9c PATH 0 0 0 0"), "ok"},
		{"openat write-only", fmt.Sprint(unix.SYS_OPENAT, " 0xffffffffffffff9c PATH 1 0 0 0"), "errno 38"},
		{"getppid", fmt.Sprint(unix.SYS_GETPPID, " 0 0 0 0 0 0"), "killed"},
		{"getuid", fmt.Sprint(unix.SYS_GETUID, " 0 0 0 0 0 0"), "trap"},
		{"getgid: the default", fmt.Sprint(unix.SYS_GETGID, " 0 0 0 0 0 0"), "errno 38"},
		{"x32 getpid: a foreign arch", fmt.Sprint(unix.SYS_GETPID|0x40000000, " 0 0 0 0 0 0"), "thread killed"},
	}
	p, err := kafel.Compile("kernel.policy", []byte(kernelPolicy), kafel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		t.Run(c.desc, func(t *testing.T) {
			got, stderr := bpfgen.KernelOutcome(t, p.Insns, c.call)
			if got != c.want {
				t.Errorf("%s: got %q, want %q\nchild stderr:\n%s\nprogram:\n%s", c.call, got, c.want, stderr, bpfgen.Disassemble(p.Insns, p.Comments))
			}
		})
	}
}
