//go:build !linux

package nsjailcfg

// Linux's numbers for the resources x/sys/unix names only on Linux, so
// that configurations load everywhere; jails themselves run only on Linux.
const (
	rlimitRTPrio   = 14
	rlimitMsgqueue = 12
)
