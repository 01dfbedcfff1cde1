// Package sandbox runs a program in a jail: namespaces, uid/gid maps, a
// root built from explicit mounts, cgroups v1 or v2, rlimits and a Kafel
// seccomp filter, with nsjail's meanings and defaults.
//
// Config is plain data with Validate; the code that touches the kernel
// lives in *_linux.go files. The jail's first process is this binary
// re-executed with a hidden init entry (see Init); on amd64 the runner
// starts it by vfork, without copying itself. Run runs one jail; a
// Launcher runs many of one shape, each init started ahead of its run.
package sandbox
