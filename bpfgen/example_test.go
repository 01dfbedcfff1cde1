package bpfgen_test

import (
	"fmt"

	"golang.org/x/net/bpf"

	"github.com/gokafel/gokafel/bpfgen"
)

// A rule set for x86_64: write to fd 1 or 2 is allowed, other writes fail
// with EPERM, everything else is killed.
func exampleRuleSet() *bpfgen.RuleSet {
	fd12 := &bpfgen.Or{
		X: &bpfgen.Compare{Op: bpfgen.Eq, X: bpfgen.Arg(0), Y: bpfgen.Const(1), Is32: true},
		Y: &bpfgen.Compare{Op: bpfgen.Eq, X: bpfgen.Arg(0), Y: bpfgen.Const(2), Is32: true},
	}
	return &bpfgen.RuleSet{Arches: []bpfgen.ArchRules{{
		AuditArch: 0xc000003e, // AUDIT_ARCH_X86_64
		Default:   bpfgen.KillThread,
		Syscalls: map[uint32][]bpfgen.Rule{
			1: {{Cond: fd12, Action: bpfgen.Allow}, {Action: bpfgen.Errno.WithData(1)}}, // write
		},
	}}}
}

func ExampleRuleSet_Eval() {
	rs := exampleRuleSet()
	for _, d := range []bpfgen.SeccompData{
		{Nr: 1, Arch: 0xc000003e, Args: [6]uint64{1}},
		{Nr: 1, Arch: 0xc000003e, Args: [6]uint64{0x100000002}}, // fd is compared on 32 bits
		{Nr: 1, Arch: 0xc000003e, Args: [6]uint64{3}},
		{Nr: 0, Arch: 0xc000003e},
		{Nr: 1, Arch: 0x40000003}, // i386: a foreign arch
	} {
		fmt.Println(rs.Eval(d))
	}
	// Output:
	// ALLOW
	// ALLOW
	// ERRNO(1)
	// KILL
	// KILL
}

func ExampleSimulate() {
	rs := exampleRuleSet()
	p, err := bpfgen.Compile(rs, bpfgen.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := bpfgen.SeccompData{Nr: 1, Arch: 0xc000003e, Args: [6]uint64{3}}
	act, _, err := bpfgen.Simulate(p.Insns, d, false)
	fmt.Println(act, err, act == rs.Eval(d))
	// Output:
	// ERRNO(1) <nil> true
}

func ExampleDisassemble() {
	insns := []bpf.RawInstruction{
		{Op: 0x20, K: 4},                        // ld [4]
		{Op: 0x15, Jt: 0, Jf: 1, K: 0xc000003e}, // jeq
		{Op: 0x06, K: 0x7fff0000},               // ret ALLOW
		{Op: 0x06, K: 0},                        // ret KILL
	}
	fmt.Print(bpfgen.Disassemble(insns, map[int]string{1: "x86_64?"}))
	// Output:
	//         ld [4]                           ; arch
	//         jne #0xc000003e, L0003           ; x86_64?
	//         ret #0x7fff0000                  ; ALLOW
	// L0003:  ret #0x0                         ; KILL
}

func ExampleValidate() {
	insns := []bpf.RawInstruction{
		{Op: 0x20, K: 2}, // ld [2]: not 32-bit aligned
		{Op: 0x06, K: 0x7fff0000},
	}
	fmt.Println(bpfgen.Validate(insns))
	// Output:
	// invalid seccomp filter: instruction 0: load of seccomp_data offset 2: not 32-bit aligned inside the 64 bytes
}

func ExampleDecodeRaw() {
	raw := bpfgen.EncodeRaw([]bpf.RawInstruction{{Op: 0x06, K: 0x7fff0000}})
	fmt.Printf("% x\n", raw)
	insns, err := bpfgen.DecodeRaw(raw)
	fmt.Println(len(insns), err)
	_, err = bpfgen.DecodeRaw(raw[:5])
	fmt.Println(err)
	// Output:
	// 06 00 00 00 00 00 ff 7f
	// 1 <nil>
	// not a raw seccomp filter: 5 bytes is not a multiple of 8
}
