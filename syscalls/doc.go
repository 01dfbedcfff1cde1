// Package syscalls holds the syscall tables of every architecture Kafel
// knows: numbers, the kernel's argument names and widths, the arch's
// AUDIT_ARCH value, word size and byte order.
//
// The tables are generated from the kernel's own definitions by
// syscalls/internal/gen (run `go generate ./syscalls` with Debian's
// linux-source-6.12 installed) and build on every host. The package
// imports no other package of this module. Lookups by name and by number
// are map lookups.
//
// # Arches
//
// x86_64 (amd64), x86 (i386), aarch64 (arm64), arm (EABI), mips (mipso32,
// o32, big-endian), mips64 (n64, big-endian), riscv64 (rv64) and m68k. Arch
// names are matched case-insensitively. The numbers are the kernel's: on
// mips o32 they start at 4000, on n64 at 5000.
//
// # Names
//
// A syscall is named as the reference Kafel compiler names it: after the
// kernel's entry point for the number on that arch, without its sys_
// prefix. So x86_64 has newuname, newstat, newfstat, newlstat, umount
// (umount2's entry point), sendfile64; i386, arm and m68k have chown (the
// 32-bit-uid call glibc makes, table name chown32) and chown16 (the legacy
// 16-bit call, table name chown); i386 has llseek, mmap_pgoff, old_mmap.
// Three kinds of entry points keep the table's name instead, because they
// are ABI variants of that call rather than other calls: the time32
// variants on 32-bit arches (clock_gettime, futex, ... are the 32-bit-time
// calls; clock_gettime64, futex_time64 the new ones), the i386 wrappers
// that take 64-bit values in two registers (sys_ia32_pread64 is pread64),
// and arm's *_wrapper entry points. A call the kernel no longer has keeps
// its table name and number (deny lists name them: create_module,
// nfsservctl, ...), except _sysctl, which is sysctl as in the reference.
// Calls added after 6.12 come from the supplement
// (syscalls/internal/gen/supplement.txt): setxattrat, getxattrat,
// listxattrat, removexattrat (463..466), open_tree_attr (467),
// file_getattr and file_setattr (468, 469), x86_64 uprobe (336).
//
// The arm table also lists the OABI-only numbers of the kernel's table
// (time 13, alarm 27, socketcall 102, old_mmap 90, ...; ENOSYS for EABI
// programs, but deny lists and the reference name them) and arm's private
// calls at 0x0f0000: breakpoint, cacheflush, usr26, usr32, set_tls,
// get_tls.
//
// Where the table's own name (the libc name: uname, stat, fstat, umount2,
// _sysctl, chown32, _llseek, mmap2, ...) differs from the entry's, it is an
// alias of the entry (Syscall.AliasOf), unless a canonical entry owns the
// name: on i386 uname is sys_uname (109, the old struct), while libc's
// uname(2) makes newuname (122); the same holds for stat, fstat, lstat and
// for olduname, select and getrlimit. This follows the reference.
//
// # Arguments
//
// Argument names and C types come from the entry point's definition:
// SYSCALL_DEFINEn in the arch's own directory first, then the generic one,
// then an asmlinkage function, then a prototype. Variants under #if are
// chosen by the arch's configuration: clone's order is clone_flags, newsp,
// parent_tidptr, tls, child_tidptr where the kernel selects
// CONFIG_CLONE_BACKWARDS (x86, arm, aarch64, mips, mips64, riscv64) and
// clone_flags, newsp, parent_tidptr, child_tidptr, tls on x86_64 and m68k.
//
// Widths: 1 for char-sized types, 2 for umode_t and (on the HAVE_UID16
// arches x86, arm, m68k) old_uid_t and old_gid_t, 4 for int, unsigned int,
// pid_t, uid_t, key_serial_t, enums and other 32-bit types, the word size
// for pointers, long, unsigned long, size_t, ssize_t and off_t, and 8 for
// loff_t, u64 and __u64.
//
// On 32-bit arches a 64-bit parameter occupies two registers, and that is
// what a filter sees. i386 entry points that take such values are the
// kernel's ia32 wrappers, whose own parameter names say which half is
// which (pread64: fd, ubuf, count, poslo, poshi). Elsewhere the parameter
// is split into name_lo and name_hi in register order, the high half first
// on big-endian mips and m68k; on arm (EABI) and mips o32 a pair starts at
// an even register and the skipped register is named pad (arm pread64: fd,
// buf, count, pad, pos_lo, pos_hi). The reference compiler instead gives
// such a parameter one 8-byte argument at its C position, which does not
// match the registers; see DIFFERENCES.md. Only six registers reach
// seccomp; later parameters (mips o32 passes them on the stack) are
// dropped. A struct pt_regs pointer is the saved register set, not an
// argument, and is dropped too.
//
// Where the kernel renamed a parameter after the reference compiler's
// tables were made (setns nstype is now flags, getrandom buf and count are
// ubuf and len), or the reference spells it otherwise (statx statxbuf,
// riscv64 mmap off), the reference's name is kept in Arg.OldNames and
// accepted by Syscall.ArgIndex; Arg.Name is the kernel's current name.
// Callers that resolve argument names should use ArgIndex.
//
// # Checks
//
// The tests cross-check every (arch, name, number) against libseccomp
// (go test -tags libseccomp, needs cgo and libseccomp-dev) and the x86_64,
// i386 and arm64 numbers against golang.org/x/sys/unix; every disagreement
// is listed with its reason in testdata/*-disagreements.txt, and the tests
// fail on any other. DIFFERENCES.md lists where the tables knowingly
// differ from the reference compiler's.
package syscalls
