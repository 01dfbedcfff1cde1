// Package sandbox runs a program in a jail: namespaces, uid/gid maps, a
// root built from explicit mounts, cgroups v1 or v2, rlimits and a Kafel
// seccomp filter, with nsjail's meanings and defaults.
//
// Config is plain data with Validate; the code that touches the kernel
// lives in *_linux.go files. The runner turns a Config into a jail
// program, the list of system calls that set the jail up (package
// sandbox/internal/jail). On amd64 the jail's first process is a clone of
// the runner that runs the list in assembly and ends with execve of the
// program; elsewhere it is this binary re-executed with a hidden init
// entry (see Init) that runs the same list. Run runs one jail; a Launcher
// runs many of one shape, each child cloned ahead of its run.
package sandbox
