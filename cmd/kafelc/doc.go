// Command kafelc compiles a Kafel seccomp policy to a seccomp BPF filter.
//
//	kafelc [flags] POLICY
//
// POLICY is a file, or - for standard input; flags may come before or after
// it, and -- ends the flags. The filter is written to -o FILE (standard
// output by default for the text formats; raw binary is never written to a
// terminal) in the --format given: raw (the array of struct sock_filter,
// 8 bytes per instruction, little-endian), asm (bpf_asm syntax with
// comments), c, go or json. --arch names the target arches, comma
// separated (default: the host's). --check compiles and prints nothing;
// --stats prints the instruction count and the longest and mean executed
// path. The output file is written atomically: on any error no partial
// file is left.
//
// On x86_64, x32 syscall numbers (0x40000000..0x7fffffff) are treated as
// a foreign arch (killed) unless --allow-x32 is given; the reference Kafel
// compiler does not check them, so a DEFAULT ALLOW policy it compiles can
// be bypassed through the x32 ABI.
//
// Exit status: 0 success, 1 policy errors (diagnostics on standard error),
// 2 usage or I/O errors.
package main
