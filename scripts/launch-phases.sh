#!/usr/bin/env bash
# launch-phases.sh BINARY [N]: where the time of `BINARY run -- /bin/true`
# goes, phase by phase, averaged over N launches (default 50).
#
# BINARY is a kafel binary (a copy, as installed: a file the linker has
# just written launches slower). Needs root and bpftrace (Debian package
# bpftrace). The probes cost a few microseconds each; compare binaries in
# one sitting, as the machine's speed drifts.
#
# Each line is the time from the previous one, in microseconds:
#   main            exec of BINARY to main.main (Go start-up, package inits)
#   run             to sandbox.Run (flags, configuration)
#   clone           to the clone of the jail's first process
#   namespaces      the child's unshare of its namespaces
#   claimed         the child has its program (waits for the runner)
#   root            its root is built (pivot_root)
#   seccomp         old root gone, cgroups joined, privileges dropped
#   execve          the filter is in place
#   exec            the program runs
#   program         /bin/true runs and exits
#   reaped          the runner's wait4 returns (the namespaces torn down)
#   exit            the runner cleans up and exits
set -euo pipefail
bin=$(readlink -f "${1:?usage: launch-phases.sh BINARY [N]}")
n=${2:-50}
command -v bpftrace >/dev/null || { echo "launch-phases.sh: needs bpftrace" >&2; exit 2; }
prog=$(mktemp)
out=$(mktemp)
trap 'rm -f "$prog" "$out"' EXIT
cat >"$prog" <<EOF
tracepoint:sched:sched_process_exec /str(args->filename) == "$bin"/ { @t0 = nsecs; @kpid = pid; @n = @n + 1; @child = 0; }
uprobe:$bin:main.main /@t0/ { @a0 = @a0 + (nsecs - @t0); }
uprobe:$bin:"github.com/gokafel/gokafel/sandbox.Run" /@t0/ { @a1 = @a1 + (nsecs - @t0); }
tracepoint:task:task_newtask /@t0 && pid == @kpid && @child == 0 && (args->clone_flags & 0x10000000)/ { @a2 = @a2 + (nsecs - @t0); @child = args->pid; @u = 0; }
tracepoint:syscalls:sys_exit_unshare /@child && pid == @child && @u == 0/ { @u = 1; @a3 = @a3 + (nsecs - @t0); }
tracepoint:syscalls:sys_exit_recvfrom /@child && pid == @child/ { @a4 = @a4 + (nsecs - @t0); }
tracepoint:syscalls:sys_enter_pivot_root /@child && pid == @child/ { @a5 = @a5 + (nsecs - @t0); }
tracepoint:syscalls:sys_enter_seccomp /@child && pid == @child/ { @a6 = @a6 + (nsecs - @t0); }
tracepoint:syscalls:sys_enter_execve /@child && pid == @child/ { @a7 = @a7 + (nsecs - @t0); }
tracepoint:sched:sched_process_exec /@child && pid == @child/ { @a8 = @a8 + (nsecs - @t0); }
tracepoint:sched:sched_process_exit /@child && pid == @child/ { @a9 = @a9 + (nsecs - @t0); }
tracepoint:syscalls:sys_exit_wait4 /@t0 && pid == @kpid && args->ret == @child/ { @a10 = @a10 + (nsecs - @t0); }
tracepoint:sched:sched_process_exit /@t0 && pid == @kpid && tid == @kpid/ { @a11 = @a11 + (nsecs - @t0); }
END {
	printf("phases %d\n", @n);
	printf("main %d\n", @a0 / @n / 1000); printf("run %d\n", @a1 / @n / 1000);
	printf("clone %d\n", @a2 / @n / 1000); printf("namespaces %d\n", @a3 / @n / 1000);
	printf("claimed %d\n", @a4 / @n / 1000); printf("root %d\n", @a5 / @n / 1000);
	printf("seccomp %d\n", @a6 / @n / 1000); printf("execve %d\n", @a7 / @n / 1000);
	printf("exec %d\n", @a8 / @n / 1000); printf("program %d\n", @a9 / @n / 1000);
	printf("reaped %d\n", @a10 / @n / 1000); printf("exit %d\n", @a11 / @n / 1000);
	clear(@t0); clear(@kpid); clear(@child); clear(@u); clear(@n);
	clear(@a0); clear(@a1); clear(@a2); clear(@a3); clear(@a4); clear(@a5);
	clear(@a6); clear(@a7); clear(@a8); clear(@a9); clear(@a10); clear(@a11);
}
EOF
bpftrace "$prog" >"$out" 2>/dev/null &
tracer=$!
sleep 4 # bpftrace attaches its probes
for _ in $(seq "$n"); do "$bin" run -- /bin/true; done
sleep 0.3
kill -INT "$tracer"
wait "$tracer" || true
awk '
$1 == "phases" { seen = 1; next }
seen && NF == 2 { printf "%-12s %7d us\n", $1, $2 - prev; prev = $2 }
END { if (!seen) { print "launch-phases.sh: bpftrace printed nothing" > "/dev/stderr"; exit 1 }; printf "%-12s %7d us\n", "total", prev }
' "$out"
