// Package kafel loads Kafel seccomp policies: it parses them with package
// grammar (includes resolved under search paths), checks them against the
// syscall tables of package syscalls for each target arch, and resolves
// them to the ordered rules per syscall number that package bpfgen compiles.
//
// Load reports every problem it finds in one run, as Diagnostics with
// positions; Render prints them with the source line and a caret. The
// lenient forms found in widely copied policies (missing commas, libc
// syscall names, generic argument names, a bare mask as a condition, a
// DEFAULT inside a POLICY) are accepted with portability warnings;
// Options.Strict turns those into errors, so that a strict load accepts
// exactly what the reference Kafel compiler accepts.
//
// Meaning, as in the reference: the first rule of a syscall whose filter
// holds gives the action, else the DEFAULT (KILL when absent). Comparisons
// are unsigned; a comparison is on the low 32 bits when every argument in it
// is at most 4 bytes wide and every number fits in 32 bits, else on 64 bits.
// Constant parts of a filter are folded first, as the reference does, so
// `fd & 0xffffffffffffffff == 1` is a 32-bit comparison of fd.
package kafel
