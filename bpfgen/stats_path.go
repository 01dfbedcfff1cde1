package bpfgen

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// PathStats describes how many instructions a filter executes.
type PathStats struct {
	// Mean is the average number of instructions executed per input;
	// Longest the most executed on any input.
	Mean    float64
	Longest int
	// Inputs is the number of inputs run.
	Inputs int
	// Mismatches counts the inputs on which the filter's verdict differs
	// from the rule set's (RuleSet.Eval); zero for a correct filter.
	Mismatches int
}

// PathSyscalls is how many syscall numbers MeasurePaths runs per arch.
const PathSyscalls = 1024

// PathArgs are the five argument vectors MeasurePaths runs each syscall
// number with: all zero, all ones, small numbers, the 32-bit maximum, and
// values on both sides of the 32-bit boundary.
var PathArgs = [5][6]uint64{
	{0, 0, 0, 0, 0, 0},
	{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)},
	{1, 2, 3, 4, 5, 6},
	{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
	{0x10, 1 << 32, 0x7fffffff, 0x80000000, 0x1000, 0x40},
}

// MeasurePaths runs insns on PathSyscalls consecutive syscall numbers of
// each arch of rs, each with the five PathArgs vectors, and reports the
// mean and longest executed path (the measure of the shared benchmark
// figures). The numbers start at 0, or for an arch whose syscall numbers
// have a base (mips: 4000, 5000, 6000), at the lowest rule number rounded
// down to a multiple of 1000. Each input is laid out in its arch's byte
// order; verdicts that differ from rs.Eval are counted as mismatches.
func MeasurePaths(insns []bpf.RawInstruction, rs *RuleSet) (PathStats, error) {
	f, err := NewFilter(insns)
	if err != nil {
		return PathStats{}, err
	}
	if len(rs.Arches) == 0 {
		return PathStats{}, fmt.Errorf("bpfgen: rule set has no arch")
	}
	var st PathStats
	total := 0
	for _, ar := range rs.Arches {
		base := pathBase(&ar)
		for nr := base; nr < base+PathSyscalls; nr++ {
			for _, args := range PathArgs {
				d := SeccompData{Nr: int32(nr), Arch: ar.AuditArch, Args: args}
				act, n := f.Run(d, ar.BigEndian)
				total += n
				st.Inputs++
				if n > st.Longest {
					st.Longest = n
				}
				if act != rs.Eval(d) {
					st.Mismatches++
				}
			}
		}
	}
	st.Mean = float64(total) / float64(st.Inputs)
	return st, nil
}

// pathBase is the first syscall number MeasurePaths runs for ar.
func pathBase(ar *ArchRules) uint32 {
	first := true
	var low uint32
	for nr := range ar.Syscalls {
		if first || nr < low {
			low, first = nr, false
		}
	}
	if first {
		return 0
	}
	return pathBaseFrom(low)
}

// pathBaseFrom is pathBase for an arch whose lowest rule number is low.
func pathBaseFrom(low uint32) uint32 {
	if low < PathSyscalls {
		return 0
	}
	return low / 1000 * 1000
}
