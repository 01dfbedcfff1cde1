package bpfgen_test

import (
	"fmt"

	"github.com/gokafel/gokafel/bpfgen"
)

// A filter for x86_64 that allows read and write, and write only to
// file descriptors 1 and 2; everything else fails with EPERM.
func ExampleCompile() {
	rs := &bpfgen.RuleSet{Arches: []bpfgen.ArchRules{{
		AuditArch: 0xc000003e, // AUDIT_ARCH_X86_64
		Default:   bpfgen.Errno.WithData(1),
		Syscalls: map[uint32][]bpfgen.Rule{
			0: {{Action: bpfgen.Allow}},
			1: {{Cond: &bpfgen.Or{
				X: &bpfgen.Compare{Op: bpfgen.Eq, X: bpfgen.Arg(0), Y: bpfgen.Const(1), Is32: true},
				Y: &bpfgen.Compare{Op: bpfgen.Eq, X: bpfgen.Arg(0), Y: bpfgen.Const(2), Is32: true},
			}, Action: bpfgen.Allow}},
		},
		Names: map[uint32]string{0: "read", 1: "write"},
	}}}
	p, err := bpfgen.Compile(rs, bpfgen.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(bpfgen.Disassemble(p.Insns, p.Comments))
	act, steps, _ := bpfgen.Simulate(p.Insns, bpfgen.SeccompData{Nr: 1, Arch: 0xc000003e, Args: [6]uint64{2}}, false)
	fmt.Println(act, "in", steps, "instructions")
	// Output:
	// ld [4]                           ; arch
	//         jne #0xc000003e, L0010           ; arch 0xc000003e
	//         ld [0]                           ; nr
	//         jge #0x2, L0008                  ; nr >= 2
	//         jlt #0x1, L0011                  ; nr >= write
	//         ld [16]                          ; write
	//         jeq #0x1, L0011
	//         jeq #0x2, L0011, L0012
	// L0008:  jlt #0x40000000, L0012           ; nr >= 1073741824
	//         jge #0x80000000, L0012           ; nr >= 2147483648
	// L0010:  ret #0x0                         ; KILL
	// L0011:  ret #0x7fff0000                  ; ALLOW
	// L0012:  ret #0x50001                     ; ERRNO(1)
	// ALLOW in 9 instructions
}
