package sandbox

import (
	"fmt"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/sandbox/internal/jail"
)

// The execve gate.
//
// The user's policy must not have to allow the runner's own syscalls. The
// jail's program installs the filter as its last step but one and then
// makes at most three calls: sendmsg of the seccomp listener to the
// runner, execve of the program, and, only if that failed, the report of
// the failure and exit_group. The filter lets exactly these calls through
// by construction: a short prefix, placed in front of the compiled
// policy, allows
//
//	execve(P, Q, R)             P: a place the program may be (one per
//	                            PATH directory searched), Q, R: argv, envp
//	sendmsg(sock, M, 0)         M: the program's msghdr
//	exit_group(127, 0, 0)       the end of a failed execve
//	write(sock, E, n)           E: the report frame (re-executed init only)
//
// where every pointer lies in the program's region, which is mapped at an
// address the runner draws at random for each run (crypto/rand, about
// 2^34 page positions). All six 64-bit argument words are compared in
// full. After execve the region is gone from the jail; the program never
// sees the address and the filter itself cannot be read without
// CAP_SYS_ADMIN in the initial user namespace, so it cannot reproduce the
// pointers, and a wrong guess meets the policy's own action for the call.
// Every other call, and these calls with any other arguments, fall
// through to the policy unchanged. The prefix only matches the runner's
// native arch (x32 and compat numbers differ).
//
// The filter is installed without TSYNC, on one thread: the child of the
// assembly executor has only one, and the re-executed init runs its
// program on its one locked thread, with GODEBUG=asyncpreemptoff=1 so
// that no preemption signal lands between seccomp(2) and execve(2).
//
// Jumps in a classic BPF program are relative, so the compiled policy
// needs no change when the prefix is put in front of it; the prefix jumps
// to its first instruction when nothing matched.

// gateCall is one call the gate lets through: the syscall number and the
// exact values of its first three arguments.
type gateCall struct {
	Nr   uint32
	Args [3]uint64
}

// progGateCalls lists the calls of a jail program the gate allows: execve
// of each place the program may be, the listener's sendmsg, the exit of a
// child whose execve failed, and the report of a re-executed init.
func progGateCalls(pr *progRun, sock int) []gateCall {
	p := pr.prog
	var calls []gateCall
	if pr.region == nil {
		calls = append(calls, gateCall{unix.SYS_WRITE, [3]uint64{uint64(sock), p.ReportAddr, jail.ReportFrameSize}})
	}
	for _, path := range p.PathAddrs {
		calls = append(calls, gateCall{unix.SYS_EXECVE, [3]uint64{path, p.ArgvAddr, p.EnvpAddr}})
	}
	if p.MsgAddr != 0 {
		calls = append(calls, gateCall{unix.SYS_SENDMSG, [3]uint64{uint64(sock), p.MsgAddr, 0}})
	}
	return append(calls, gateCall{unix.SYS_EXIT_GROUP, [3]uint64{jail.ProgFailed, 0, 0}})
}

// seccomp_data offsets.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// gatePrefix returns the instructions to put in front of a compiled
// policy. The number is compared once per syscall the gate knows; the
// calls of one number are tried in turn:
//
//	    ld  arch
//	    jeq NATIVE, 0, policy
//	    ld  nr
//	    jeq NR1, b1, 0
//	    jeq NR2, b2, policy
//	b1: ld  arg0.lo; jeq V, 0, c2; ld arg0.hi; jeq V, 0, c2
//	    ... arg1, arg2 likewise
//	    ret ALLOW
//	c2: (the next call of NR1, whose failures go to policy)
//	b2: ...
//	policy:
func gatePrefix(calls []gateCall) ([]bpf.RawInstruction, error) {
	var nrs []uint32
	groups := map[uint32][]gateCall{}
	for _, c := range calls {
		if _, ok := groups[c.Nr]; !ok {
			nrs = append(nrs, c.Nr)
		}
		groups[c.Nr] = append(groups[c.Nr], c)
	}
	var prog []bpf.Instruction
	type fixup struct {
		at, label int
		true      bool // the target is SkipTrue's, not SkipFalse's
	}
	var fixups []fixup
	labels := map[int]int{} // label -> index; label -1 is the policy
	const policy = -1
	jump := func(val uint32, trueLabel, falseLabel int) {
		if trueLabel != 0 {
			fixups = append(fixups, fixup{len(prog), trueLabel, true})
		}
		if falseLabel != 0 {
			fixups = append(fixups, fixup{len(prog), falseLabel, false})
		}
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: val})
	}
	prog = append(prog, bpf.LoadAbsolute{Off: offArch, Size: 4})
	jump(nativeAuditArch, 0, policy)
	prog = append(prog, bpf.LoadAbsolute{Off: offNr, Size: 4})
	// Labels of blocks: 1 + the index of the call in the flattened order.
	label := 1
	var order []gateCall
	for k, nr := range nrs {
		f := policy
		if k+1 < len(nrs) {
			f = 0
		}
		jump(nr, label, f)
		label += len(groups[nr])
		order = append(order, groups[nr]...)
	}
	for i, c := range order {
		labels[1+i] = len(prog)
		next := policy
		if i+1 < len(order) && order[i+1].Nr == c.Nr {
			next = 2 + i
		}
		for a, v := range c.Args {
			loOff, hiOff := uint32(offArgs+8*a), uint32(offArgs+8*a+4)
			if nativeBigEndian {
				loOff, hiOff = hiOff, loOff
			}
			prog = append(prog, bpf.LoadAbsolute{Off: loOff, Size: 4})
			jump(uint32(v), 0, next)
			prog = append(prog, bpf.LoadAbsolute{Off: hiOff, Size: 4})
			jump(uint32(v>>32), 0, next)
		}
		prog = append(prog, bpf.RetConstant{Val: seccompRetAllow})
	}
	labels[policy] = len(prog)
	for _, f := range fixups {
		skip := labels[f.label] - f.at - 1
		if skip > 255 {
			return nil, fmt.Errorf("sandbox: execve gate: jump of %d instructions (too many places to look for the program)", skip)
		}
		j := prog[f.at].(bpf.JumpIf)
		if f.true {
			j.SkipTrue = uint8(skip)
		} else {
			j.SkipFalse = uint8(skip)
		}
		prog[f.at] = j
	}
	return bpf.Assemble(prog)
}

// The program's region is mapped at an address drawn from this range:
// above Go's heap hint (0xc000000000), below the mmap base and stack near
// 0x7fff....
const (
	gateMinAddr = 1 << 44
	gateMaxAddr = 7 << 44
)
