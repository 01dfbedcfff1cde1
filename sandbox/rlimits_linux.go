package sandbox

import "golang.org/x/sys/unix"

// inheritedRlimits are the resources DefaultRlimits takes from the
// runner's own soft limits.
var inheritedRlimits = []int{unix.RLIMIT_NPROC, unix.RLIMIT_STACK, unix.RLIMIT_MEMLOCK, unix.RLIMIT_RTPRIO, unix.RLIMIT_MSGQUEUE}
