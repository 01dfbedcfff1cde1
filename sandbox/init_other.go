//go:build !linux

package sandbox

// Init returns at once: there is no jail init outside Linux.
func Init() {}
