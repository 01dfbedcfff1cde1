package nsjailcfg

import "golang.org/x/sys/unix"

// Resources the x/sys/unix package names only on Linux.
const (
	rlimitRTPrio   = unix.RLIMIT_RTPRIO
	rlimitMsgqueue = unix.RLIMIT_MSGQUEUE
)
