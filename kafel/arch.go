package kafel

import (
	"strings"

	"github.com/gokafel/gokafel/syscalls"
)

// archNames pairs every arch name the language accepts in an `ON` guard
// (lower case) with its canonical Kafel name. The list is the language's,
// not the syscall tables': a guard may name an arch this build has no
// table for. An array is static data; a map would be built at every start
// of every program that imports the package.
var archNames = [...]struct{ name, canonical string }{
	{"x86_64", "x86_64"},
	{"amd64", "x86_64"},
	{"x86", "x86"},
	{"i386", "x86"},
	{"aarch64", "aarch64"},
	{"arm64", "aarch64"},
	{"arm", "arm"},
	{"mips", "mips"},
	{"mipso32", "mips"},
	{"mips64", "mips64"},
	{"riscv64", "riscv64"},
	{"rv64", "riscv64"},
	{"m68k", "m68k"},
}

// canonicalArch returns the canonical Kafel name of an arch name given in a
// guard, case-insensitively.
func canonicalArch(name string) (string, bool) {
	name = strings.ToLower(name)
	for _, a := range archNames {
		if a.name == name {
			return a.canonical, true
		}
	}
	return "", false
}

// archKey returns the canonical Kafel name of a target arch, so that a
// guard can be matched against it.
func archKey(a *syscalls.Arch) string {
	if c, ok := canonicalArch(a.Name); ok {
		return c
	}
	for _, al := range a.Aliases {
		if c, ok := canonicalArch(al); ok {
			return c
		}
	}
	return strings.ToLower(a.Name)
}

// archNameList returns every guard name, for hints.
func archNameList() []string {
	out := make([]string, 0, len(archNames))
	for _, a := range archNames {
		out = append(out, a.name)
	}
	return out
}
