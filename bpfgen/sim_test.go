package bpfgen

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

func assemble(t *testing.T, prog ...bpf.Instruction) []bpf.RawInstruction {
	t.Helper()
	raw, err := bpf.Assemble(prog)
	if err != nil {
		t.Fatalf("assemble: %v", err)
	}
	return raw
}

func TestSimulateLoadsByteOrder(t *testing.T) {
	d := SeccompData{Nr: 231, Arch: 0xc000003e, InstructionPointer: 0x1122334455667788,
		Args: [6]uint64{0x0000000100000002, 0, 0, 0, 0, 0xaaaaaaaabbbbbbbb}}
	tests := []struct {
		off       uint32
		bigEndian bool
		want      uint32
	}{
		{0, false, 231}, {0, true, 231},
		{4, false, 0xc000003e}, {4, true, 0xc000003e},
		{8, false, 0x55667788}, {12, false, 0x11223344},
		{8, true, 0x11223344}, {12, true, 0x55667788},
		{16, false, 2}, {20, false, 1},
		{16, true, 1}, {20, true, 2},
		{56, false, 0xbbbbbbbb}, {60, false, 0xaaaaaaaa},
		{56, true, 0xaaaaaaaa}, {60, true, 0xbbbbbbbb},
	}
	for _, tt := range tests {
		insns := assemble(t, bpf.LoadAbsolute{Off: tt.off, Size: 4}, bpf.RetA{})
		got, n, err := Simulate(insns, d, tt.bigEndian)
		if err != nil {
			t.Fatal(err)
		}
		if uint32(got) != tt.want || n != 2 {
			t.Errorf("ld [%d] bigEndian=%v: got %#x after %d insns, want %#x after 2", tt.off, tt.bigEndian, uint32(got), n, tt.want)
		}
	}
}

func TestSimulateALU(t *testing.T) {
	tests := []struct {
		op   bpf.ALUOp
		a, v uint32
		want uint32
	}{
		{bpf.ALUOpAdd, 0xffffffff, 2, 1},
		{bpf.ALUOpSub, 1, 2, 0xffffffff},
		{bpf.ALUOpMul, 0x10000, 0x10000, 0},
		{bpf.ALUOpDiv, 7, 2, 3},
		{bpf.ALUOpOr, 0xf0, 0x0f, 0xff},
		{bpf.ALUOpAnd, 0xf0, 0x3c, 0x30},
		{bpf.ALUOpXor, 0xff, 0x0f, 0xf0},
		{bpf.ALUOpShiftLeft, 1, 31, 0x80000000},
		{bpf.ALUOpShiftRight, 0x80000000, 31, 1},
	}
	for _, tt := range tests {
		k := assemble(t, bpf.LoadConstant{Dst: bpf.RegA, Val: tt.a}, bpf.ALUOpConstant{Op: tt.op, Val: tt.v}, bpf.RetA{})
		x := assemble(t, bpf.LoadConstant{Dst: bpf.RegX, Val: tt.v}, bpf.LoadConstant{Dst: bpf.RegA, Val: tt.a}, bpf.ALUOpX{Op: tt.op}, bpf.RetA{})
		for _, insns := range [][]bpf.RawInstruction{k, x} {
			got, _, err := Simulate(insns, SeccompData{}, false)
			if err != nil {
				t.Fatalf("op %v: %v", tt.op, err)
			}
			if uint32(got) != tt.want {
				t.Errorf("%#x op %v %#x = %#x, want %#x", tt.a, tt.op, tt.v, uint32(got), tt.want)
			}
		}
	}
	neg := assemble(t, bpf.LoadConstant{Dst: bpf.RegA, Val: 1}, bpf.NegateA{}, bpf.RetA{})
	if got, _, _ := Simulate(neg, SeccompData{}, false); uint32(got) != 0xffffffff {
		t.Errorf("neg 1 = %#x", uint32(got))
	}
	// Division by a zero X ends the filter with 0, as in the kernel.
	div0 := assemble(t, bpf.LoadConstant{Dst: bpf.RegX, Val: 0}, bpf.LoadConstant{Dst: bpf.RegA, Val: 5},
		bpf.ALUOpX{Op: bpf.ALUOpDiv}, bpf.RetConstant{Val: uint32(Allow)})
	if got, n, _ := Simulate(div0, SeccompData{}, false); got != KillThread || n != 3 {
		t.Errorf("division by zero X: %v after %d insns, want KILL after 3", got, n)
	}
}

func TestSimulateJumpsAndMemory(t *testing.T) {
	// A = nr; X = A; M[3] = X; A = M[3]; jump on A against X and K.
	prog := assemble(t,
		bpf.LoadAbsolute{Off: 0, Size: 4},
		bpf.TAX{},
		bpf.StoreScratch{Src: bpf.RegX, N: 3},
		bpf.LoadConstant{Dst: bpf.RegA, Val: 0},
		bpf.LoadScratch{Dst: bpf.RegA, N: 3},
		bpf.JumpIfX{Cond: bpf.JumpEqual, SkipTrue: 0, SkipFalse: 5}, // always equal
		bpf.JumpIf{Cond: bpf.JumpGreaterThan, Val: 10, SkipTrue: 2},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 1, SkipTrue: 2},
		bpf.RetConstant{Val: uint32(Errno.WithData(2))}, // even, <= 10
		bpf.RetConstant{Val: uint32(Errno.WithData(3))}, // > 10
		bpf.Jump{Skip: 1},
		bpf.RetConstant{Val: 0xdead},
		bpf.RetConstant{Val: uint32(Allow)}, // odd, <= 10
	)
	tests := []struct {
		nr    int32
		want  Action
		steps int
	}{
		{4, Errno.WithData(2), 9},
		{11, Errno.WithData(3), 8},
		{7, Allow, 10},
	}
	for _, tt := range tests {
		got, n, err := Simulate(prog, SeccompData{Nr: tt.nr}, false)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want || n != tt.steps {
			t.Errorf("nr %d: %v after %d, want %v after %d\n%s", tt.nr, got, n, tt.want, tt.steps, Disassemble(prog, nil))
		}
	}
}

func TestValidate(t *testing.T) {
	ret := bpf.RawInstruction{Op: bpfRET | bpfK, K: uint32(Allow)}
	long := make([]bpf.RawInstruction, MaxInstructions+1)
	for i := range long {
		long[i] = ret
	}
	tests := []struct {
		name  string
		insns []bpf.RawInstruction
		err   string // "" when valid
	}{
		{"ok", []bpf.RawInstruction{ret}, ""},
		{"max length", long[:MaxInstructions], ""},
		{"empty", nil, "empty"},
		{"too long", long, "limit"},
		{"no final return", []bpf.RawInstruction{{Op: bpfLD | bpfIMM}}, "last instruction"},
		{"misaligned load", []bpf.RawInstruction{{Op: bpfLD | bpfW | bpfABS, K: 2}, ret}, "aligned"},
		{"load past end", []bpf.RawInstruction{{Op: bpfLD | bpfW | bpfABS, K: 64}, ret}, "aligned"},
		{"last word ok", []bpf.RawInstruction{{Op: bpfLD | bpfW | bpfABS, K: 60}, ret}, ""},
		{"byte load", []bpf.RawInstruction{{Op: bpfLD | bpfB | bpfABS, K: 0}, ret}, "not allowed"},
		{"half load", []bpf.RawInstruction{{Op: bpfLD | bpfH | bpfABS, K: 0}, ret}, "not allowed"},
		{"indirect load", []bpf.RawInstruction{{Op: bpfLD | bpfW | bpfIND, K: 0}, ret}, "not allowed"},
		{"msh", []bpf.RawInstruction{{Op: bpfLDX | bpfB | bpfMSH, K: 0}, ret}, "not allowed"},
		{"mod", []bpf.RawInstruction{{Op: bpfALU | bpfMOD | bpfK, K: 3}, ret}, "not allowed"},
		{"div by zero", []bpf.RawInstruction{{Op: bpfALU | bpfDIV | bpfK, K: 0}, ret}, "division"},
		{"shift 32", []bpf.RawInstruction{{Op: bpfALU | bpfLSH | bpfK, K: 32}, ret}, "shift"},
		{"mem index", []bpf.RawInstruction{{Op: bpfST, K: 16}, ret}, "scratch memory index"},
		{"mem unwritten", []bpf.RawInstruction{{Op: bpfLD | bpfMEM, K: 1}, ret}, "before it is written"},
		{"mem written", []bpf.RawInstruction{{Op: bpfST, K: 1}, {Op: bpfLD | bpfMEM, K: 1}, ret}, ""},
		{"mem written on one path", []bpf.RawInstruction{
			{Op: bpfJMP | bpfJEQ | bpfK, Jt: 1}, {Op: bpfST, K: 1}, {Op: bpfLDX | bpfMEM, K: 1}, ret}, "before it is written"},
		{"ja past end", []bpf.RawInstruction{{Op: bpfJMP | bpfJA, K: 1}, ret}, "past the end"},
		{"ja huge", []bpf.RawInstruction{{Op: bpfJMP | bpfJA, K: 0xffffffff}, ret}, "past the end"},
		{"jt past end", []bpf.RawInstruction{{Op: bpfJMP | bpfJGT | bpfK, Jt: 1}, ret}, "past the end"},
		{"jf past end", []bpf.RawInstruction{{Op: bpfJMP | bpfJSET | bpfX, Jf: 1}, ret}, "past the end"},
		{"unknown opcode", []bpf.RawInstruction{{Op: 0xffff}, ret}, "not allowed"},
		{"ret a", []bpf.RawInstruction{{Op: bpfLD | bpfW | bpfLEN}, {Op: bpfRET | bpfA}}, ""},
	}
	for _, tt := range tests {
		err := Validate(tt.insns)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.err != "" && err == nil:
			t.Errorf("%s: no error, want %q", tt.name, tt.err)
		case tt.err != "" && !strings.Contains(err.Error(), tt.err):
			t.Errorf("%s: error %q, want it to contain %q", tt.name, err, tt.err)
		case err != nil && !errors.Is(err, ErrInvalidFilter):
			t.Errorf("%s: error %v does not wrap ErrInvalidFilter", tt.name, err)
		}
	}
}

func TestSimulateLen(t *testing.T) {
	prog := []bpf.RawInstruction{{Op: bpfLDX | bpfW | bpfLEN}, {Op: bpfMISC | bpfTXA}, {Op: bpfRET | bpfA}}
	got, n, err := Simulate(prog, SeccompData{}, false)
	if err != nil || got != 64 || n != 3 {
		t.Errorf("ldx len; txa; ret a = %v, %d, %v; want 64, 3, nil", uint32(got), n, err)
	}
}
