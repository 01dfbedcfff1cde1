package main

import "regexp"

// archSpec says where an arch's table comes from and how its ABI passes
// arguments.
type archSpec struct {
	name      string
	aliases   []string
	audit     string // AUDIT_ARCH_* constant in include/uapi/linux/audit.h
	wordSize  int
	bigEndian bool
	goarch    string
	file      string // the z*.go file to write
	table     string // syscall table below the tree's top directory
	abis      []string
	base      uint32 // added to the table's numbers (mips)
	dir       string // arch/<dir> whose definitions override generic ones
	// pairAlign: a 64-bit argument starts at an even register (ARM EABI,
	// MIPS o32), leaving a hole the kernel ignores.
	pairAlign bool
	// uid16: old_uid_t and old_gid_t are 16 bits wide (HAVE_UID16).
	uid16 bool
	// skip matches definition files of the arch dir that build only for
	// the other ABI sharing it (x86's *_32.c and *_64.c).
	skip *regexp.Regexp
	// private is a header defining arch-private calls (arm's
	// __ARM_NR_* at __ARM_NR_BASE, 0x0f0000 under EABI).
	private string
	// config lists the Kconfig symbols that pick among variants of a
	// definition (clone's argument order).
	config map[string]bool
}

// specs lists every arch Kafel knows. ABIs and Kconfig choices come from
// the kernel build (mips takes every line of its tables, so "common" too),
// the kernel's arch/*/Makefile.syscalls, arch/*/kernel/Makefile.syscalls
// and arch/*/Kconfig.
var specs = []archSpec{
	{
		name: "x86_64", aliases: []string{"amd64"}, audit: "AUDIT_ARCH_X86_64", wordSize: 8, goarch: "amd64",
		file: "zx86_64.go", table: "arch/x86/entry/syscalls/syscall_64.tbl", abis: []string{"common", "64"}, dir: "x86",
		skip:   regexp.MustCompile(`_32\.c$`),
		config: map[string]bool{"CONFIG_X86_64": true, "CONFIG_64BIT": true},
	},
	{
		name: "x86", aliases: []string{"i386"}, audit: "AUDIT_ARCH_I386", wordSize: 4, goarch: "386",
		file: "zx86.go", table: "arch/x86/entry/syscalls/syscall_32.tbl", abis: []string{"i386"}, dir: "x86",
		skip:  regexp.MustCompile(`_64\.c$`),
		uid16: true, config: map[string]bool{"CONFIG_X86_32": true, "CONFIG_CLONE_BACKWARDS": true,
			"CONFIG_OLD_SIGSUSPEND3": true, "CONFIG_OLD_SIGACTION": true},
	},
	{
		name: "aarch64", aliases: []string{"arm64"}, audit: "AUDIT_ARCH_AARCH64", wordSize: 8, goarch: "arm64",
		file: "zaarch64.go", table: "arch/arm64/tools/syscall_64.tbl",
		abis: []string{"common", "64", "renameat", "rlimit", "memfd_secret"}, dir: "arm64",
		config: map[string]bool{"CONFIG_64BIT": true, "CONFIG_CLONE_BACKWARDS": true},
	},
	{
		name: "arm", audit: "AUDIT_ARCH_ARM", wordSize: 4, goarch: "arm",
		file: "zarm.go", table: "arch/arm/tools/syscall.tbl", abis: []string{"common", "eabi", "oabi"}, dir: "arm",
		private:   "arch/arm/include/uapi/asm/unistd.h",
		pairAlign: true, uid16: true, config: map[string]bool{"CONFIG_CLONE_BACKWARDS": true, "CONFIG_AEABI": true,
			"CONFIG_OLD_SIGSUSPEND3": true, "CONFIG_OLD_SIGACTION": true},
	},
	{
		name: "mips", aliases: []string{"mipso32"}, audit: "AUDIT_ARCH_MIPS", wordSize: 4, bigEndian: true, goarch: "mips",
		file: "zmips.go", table: "arch/mips/kernel/syscalls/syscall_o32.tbl", abis: []string{"common", "o32"}, base: 4000, dir: "mips",
		pairAlign: true, config: map[string]bool{"CONFIG_CLONE_BACKWARDS": true, "CONFIG_32BIT": true},
	},
	{
		name: "mips64", audit: "AUDIT_ARCH_MIPS64", wordSize: 8, bigEndian: true, goarch: "mips64",
		file: "zmips64.go", table: "arch/mips/kernel/syscalls/syscall_n64.tbl", abis: []string{"common", "n64"}, base: 5000, dir: "mips",
		config: map[string]bool{"CONFIG_CLONE_BACKWARDS": true, "CONFIG_64BIT": true},
	},
	{
		name: "riscv64", aliases: []string{"rv64"}, audit: "AUDIT_ARCH_RISCV64", wordSize: 8, goarch: "riscv64",
		file: "zriscv64.go", table: "scripts/syscall.tbl",
		abis: []string{"common", "64", "riscv", "rlimit", "memfd_secret"}, dir: "riscv",
		config: map[string]bool{"CONFIG_64BIT": true, "CONFIG_CLONE_BACKWARDS": true},
	},
	{
		name: "m68k", audit: "AUDIT_ARCH_M68K", wordSize: 4, bigEndian: true,
		file: "zm68k.go", table: "arch/m68k/kernel/syscalls/syscall.tbl", abis: []string{"common"}, dir: "m68k",
		uid16: true, config: map[string]bool{"CONFIG_32BIT": true, "CONFIG_OLD_SIGSUSPEND3": true, "CONFIG_OLD_SIGACTION": true},
	},
}
