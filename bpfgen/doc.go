// Package bpfgen turns a RuleSet (the checked, ordered rules of a seccomp
// policy for one or more arches) into a classic BPF seccomp filter, and
// runs filters in a simulator.
//
// bpfgen owns the RuleSet type it consumes; it knows nothing of the Kafel
// language or of syscall names.
package bpfgen
