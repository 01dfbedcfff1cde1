// Package jail is the jail side of package sandbox: Build turns the
// runner's Spec into a jail program (the list of system calls that set
// the jail up, laid out at a fixed address), BuildPrelude makes the
// program of a child cloned before its program exists, and the init that
// the runner's binary becomes when re-executed (where the runner has no
// assembly executor, or is asked for one) runs a program with Go's raw
// system calls.
//
// It depends on nothing but the standard library and x/sys/unix, so that
// it is initialized, and takes over the process, before the heavy
// packages of the binary are (see the init function).
package jail
