//go:build libseccomp && cgo

package syscalls

import (
	"fmt"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
)

var scmpArches = map[string]seccomp.ScmpArch{
	"x86_64":  seccomp.ArchAMD64,
	"x86":     seccomp.ArchX86,
	"aarch64": seccomp.ArchARM64,
	"arm":     seccomp.ArchARM,
	"mips":    seccomp.ArchMIPS,
	"mips64":  seccomp.ArchMIPS64,
	"riscv64": seccomp.ArchRISCV64,
	"m68k":    seccomp.ArchM68K,
}

// TestLibseccompNumbers cross-checks every (arch, name, number) with
// libseccomp's tables: each of our names (aliases included) is resolved
// by libseccomp, and each number libseccomp names on the arch is looked
// up in ours. Run with -tags libseccomp (make test does).
func TestLibseccompNumbers(t *testing.T) {
	major, minor, micro := seccomp.GetLibraryVersion()
	t.Logf("libseccomp %d.%d.%d", major, minor, micro)
	var observed []string
	compared := 0
	for _, arch := range allArches {
		a := mustArch(t, arch)
		sa := scmpArches[arch]
		if _, err := seccomp.GetSyscallFromNameByArch("read", sa); err != nil {
			// This libseccomp does not know the arch at all.
			observed = append(observed, fmt.Sprintf("%s * - -", arch))
			continue
		}
		seen := map[string]bool{}
		add := func(d string) {
			if !seen[d] {
				seen[d] = true
				observed = append(observed, d)
			}
		}
		entries := append(a.Syscalls(), a.AliasEntries()...)
		var maxNr uint32
		for _, s := range entries {
			maxNr = max(maxNr, s.Nr)
			theirs := int64(-1)
			if n, err := seccomp.GetSyscallFromNameByArch(s.Name, sa); err == nil && n >= 0 {
				theirs = int64(n)
			}
			compared++
			if theirs != int64(s.Nr) {
				add(disagreement(arch, s.Name, int64(s.Nr), theirs))
			}
		}
		// Numbers below the arch's base (mips) are not syscalls there,
		// though libseccomp resolves them as if the base were added.
		base := a.Syscalls()[0].Nr / 1000 * 1000
		for nr := base; nr <= maxNr+100; nr++ {
			name, err := seccomp.ScmpSyscall(nr).GetNameByArch(sa)
			if err != nil || name == "" {
				continue
			}
			compared++
			s, ok := a.Lookup(name)
			switch {
			case !ok:
				add(disagreement(arch, name, -1, int64(nr)))
			case s.Nr != nr:
				add(disagreement(arch, name, int64(s.Nr), int64(nr)))
			}
		}
	}
	t.Logf("%d comparisons", compared)
	compareFixture(t, "testdata/libseccomp-disagreements.txt", libseccompHeader, observed)
}

const libseccompHeader = `# Disagreements between the syscall tables and libseccomp 2.5.4 (Debian 12's
# libseccomp-dev), checked by TestLibseccompNumbers (go test -tags libseccomp).
# Fields: arch, name, our number, libseccomp's number ("-": that side has
# no such name or number), then the reason. Classes:
#   uid16-names: on i386, arm and m68k the plain name is the 32-bit-uid
#     call (the one glibc makes), as the reference Kafel names it; the
#     16-bit call carries a 16 suffix. libseccomp uses the libc names.
#   kafel-name: Kafel names the call after its kernel entry point
#     (newuname, llseek, mmap_pgoff, ...); libseccomp uses the libc name,
#     which is an alias here unless another entry owns it.
#   multiplexed: libseccomp 2.5.4 resolves the socket and SysV IPC names on
#     x86 and mips only as socketcall/ipc pseudo-numbers; the kernel has
#     direct calls for them, which the tables list.
#   placeholder: the kernel's table holds the number with a placeholder
#     name (unused18, reserved82); libseccomp names none.
#   oabi-only: a number only the old ARM ABI has (ENOSYS for EABI
#     programs), listed as the kernel's table and the reference compiler
#     list it; libseccomp's EABI table omits it.
#   after-2.5.4: a call added to the kernel after libseccomp 2.5.4.
#   reference-alias: an alias kept for the reference compiler's name of
#     the call on this arch; libseccomp does not know the name there.
#   unsupported-arch: libseccomp 2.5.4 has no table for the arch.
`
