package bpfgen

import (
	"errors"
	"fmt"
	"sort"

	"golang.org/x/net/bpf"
)

// Compile turns rs into a seccomp filter.
//
// This first version dispatches linearly and supports only rules without
// argument conditions; the optimizing generator replaces it.
func Compile(rs *RuleSet, opts Options) (*Program, error) {
	_ = opts
	var out []bpf.RawInstruction
	ret := func(a Action) { out = append(out, bpf.RawInstruction{Op: 0x06, K: uint32(a)}) }
	out = append(out, bpf.RawInstruction{Op: 0x20, K: 4})
	for _, ar := range rs.Arches {
		var body []bpf.RawInstruction
		body = append(body, bpf.RawInstruction{Op: 0x20, K: 0})
		nrs := make([]uint32, 0, len(ar.Syscalls))
		for nr := range ar.Syscalls {
			nrs = append(nrs, nr)
		}
		sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
		if ar.AuditArch == 0xc000003e && !ar.AllowX32 {
			body = append(body, bpf.RawInstruction{Op: 0x45, Jt: 0, Jf: 1, K: 0x40000000},
				bpf.RawInstruction{Op: 0x06, K: uint32(rs.ForeignArch)})
		}
		for _, nr := range nrs {
			rules := ar.Syscalls[nr]
			act := ar.Default
			for _, r := range rules {
				if r.Cond != nil {
					return nil, errors.New("bpfgen: argument conditions not supported yet")
				}
				act = r.Action
				break
			}
			body = append(body, bpf.RawInstruction{Op: 0x15, Jt: 0, Jf: 1, K: nr},
				bpf.RawInstruction{Op: 0x06, K: uint32(act)})
		}
		body = append(body, bpf.RawInstruction{Op: 0x06, K: uint32(ar.Default)})
		if len(body) > 255 {
			return nil, fmt.Errorf("bpfgen: arch block too long")
		}
		out = append(out, bpf.RawInstruction{Op: 0x15, Jt: 0, Jf: uint8(len(body)), K: ar.AuditArch})
		out = append(out, body...)
	}
	ret(rs.ForeignArch)
	if len(out) > MaxInstructions {
		return nil, fmt.Errorf("bpfgen: filter has %d instructions, %d over the kernel's limit of %d", len(out), len(out)-MaxInstructions, MaxInstructions)
	}
	return &Program{Insns: out, Stats: Stats{Instructions: len(out), Unoptimized: len(out)}}, nil
}
