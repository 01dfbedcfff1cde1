// Package jail is the jail side of package sandbox: the init that the
// runner's binary becomes when sandbox.Run re-executes it. It decodes the
// Spec the runner sends, builds the root, drops privileges, installs the
// seccomp filter and executes the program.
//
// It depends on nothing but the standard library and x/sys/unix, so that
// it is initialized, and takes over the process, before the heavy
// packages of the binary are (see the init function).
package jail
