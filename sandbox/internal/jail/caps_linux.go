package jail

import (
	"strconv"

	"golang.org/x/sys/unix"
)

func capName(cp int) string { return "capability " + strconv.Itoa(cp) }

var rlimitNames = map[int]string{
	unix.RLIMIT_AS: "RLIMIT_AS", unix.RLIMIT_CORE: "RLIMIT_CORE", unix.RLIMIT_CPU: "RLIMIT_CPU",
	unix.RLIMIT_DATA: "RLIMIT_DATA", unix.RLIMIT_FSIZE: "RLIMIT_FSIZE", unix.RLIMIT_NOFILE: "RLIMIT_NOFILE",
	unix.RLIMIT_NPROC: "RLIMIT_NPROC", unix.RLIMIT_STACK: "RLIMIT_STACK", unix.RLIMIT_MEMLOCK: "RLIMIT_MEMLOCK",
	unix.RLIMIT_RTPRIO: "RLIMIT_RTPRIO", unix.RLIMIT_MSGQUEUE: "RLIMIT_MSGQUEUE", unix.RLIMIT_NICE: "RLIMIT_NICE",
	unix.RLIMIT_LOCKS: "RLIMIT_LOCKS", unix.RLIMIT_SIGPENDING: "RLIMIT_SIGPENDING", unix.RLIMIT_RTTIME: "RLIMIT_RTTIME",
}

func rlimitName(r int) string {
	if n, ok := rlimitNames[r]; ok {
		return n
	}
	return "rlimit " + strconv.Itoa(r)
}
