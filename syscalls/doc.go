// Package syscalls holds the syscall tables of every architecture Kafel
// knows: numbers, the kernel's argument names and widths, the arch's
// AUDIT_ARCH value, word size and byte order.
//
// The tables are generated from the kernel's own definitions by
// syscalls/internal/gen (run `go generate ./syscalls`) and build on every
// host. The package imports no other package of this module.
package syscalls
