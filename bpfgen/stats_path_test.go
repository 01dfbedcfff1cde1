package bpfgen

import (
	"math"
	"testing"

	"golang.org/x/net/bpf"
)

func TestMeasurePaths(t *testing.T) {
	prog := []bpf.RawInstruction{
		{Op: bpfLD | bpfW | bpfABS, K: 4},
		{Op: bpfJMP | bpfJEQ | bpfK, Jt: 0, Jf: 4, K: 0xc000003e},
		{Op: bpfLD | bpfW | bpfABS, K: 0},
		{Op: bpfJMP | bpfJEQ | bpfK, Jt: 2, K: 0},
		{Op: bpfJMP | bpfJEQ | bpfK, Jt: 1, K: 1},
		{Op: bpfRET | bpfK, K: uint32(KillThread)},
		{Op: bpfRET | bpfK, K: uint32(Allow)},
	}
	rs := &RuleSet{Arches: []ArchRules{{AuditArch: 0xc000003e, Default: KillThread,
		Syscalls: map[uint32][]Rule{0: {{Action: Allow}}, 1: {{Action: Allow}}}}}}
	ps, err := MeasurePaths(prog, rs)
	if err != nil {
		t.Fatal(err)
	}
	// nr 0 runs 5 instructions, every other number 6; five inputs each.
	wantMean := float64(5*5+6*5*1023) / (5 * 1024)
	if ps.Inputs != 5*1024 || ps.Longest != 6 || math.Abs(ps.Mean-wantMean) > 1e-9 || ps.Mismatches != 0 {
		t.Errorf("got %+v, want mean %v, longest 6, %d inputs, no mismatches", ps, wantMean, 5*1024)
	}

	// A rule set the program does not implement: nr 2 is allowed there.
	rs.Arches[0].Syscalls[2] = []Rule{{Action: Allow}}
	if ps, _ := MeasurePaths(prog, rs); ps.Mismatches != 5 {
		t.Errorf("mismatches %d, want 5 (nr 2 with five argument vectors)", ps.Mismatches)
	}

	if _, err := MeasurePaths(prog[:3], rs); err == nil {
		t.Error("an invalid program gave no error")
	}
	if _, err := MeasurePaths(prog, &RuleSet{}); err == nil {
		t.Error("a rule set without arches gave no error")
	}
}

func TestPathBase(t *testing.T) {
	for _, tt := range []struct {
		nrs  []uint32
		want uint32
	}{
		{nil, 0},
		{[]uint32{0, 4001}, 0},
		{[]uint32{1023}, 0},
		{[]uint32{4003, 4100}, 4000}, // mips o32
		{[]uint32{5000}, 5000},       // mips64 n64
	} {
		ar := ArchRules{Syscalls: map[uint32][]Rule{}}
		for _, nr := range tt.nrs {
			ar.Syscalls[nr] = nil
		}
		if got := pathBase(&ar); got != tt.want {
			t.Errorf("pathBase(%v) = %d, want %d", tt.nrs, got, tt.want)
		}
	}
}
