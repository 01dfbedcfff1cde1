package bpfgen

import "golang.org/x/net/bpf"

// MaxInstructions is the kernel's limit on the length of a seccomp filter
// (BPF_MAXINSNS).
const MaxInstructions = 4096

// Options tune the code generator.
type Options struct {
	// NoOptimize turns the optimizer passes off (for differential tests).
	NoOptimize bool
}

// Program is a compiled seccomp filter.
type Program struct {
	// Insns is the filter, ready to encode or load.
	Insns []bpf.RawInstruction
	// Comments optionally annotates instructions (index → text), e.g. the
	// syscall names a jump tests for or the action a return gives; the asm
	// encoder prints them.
	Comments map[int]string
	// Stats describes the build.
	Stats Stats
}

// Stats describes how the program was built.
type Stats struct {
	// Instructions is the final length; Unoptimized the length before the
	// optimizer passes ran (far jumps resolved alike, so the two compare).
	Instructions, Unoptimized int
	// Passes counts how often each optimizer pass changed the program.
	Passes map[string]int
}
