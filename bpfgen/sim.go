package bpfgen

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/net/bpf"
)

// Classic BPF opcode fields (linux/bpf_common.h, linux/filter.h).
const (
	bpfClassMask = 0x07
	bpfLD        = 0x00
	bpfLDX       = 0x01
	bpfST        = 0x02
	bpfSTX       = 0x03
	bpfALU       = 0x04
	bpfJMP       = 0x05
	bpfRET       = 0x06
	bpfMISC      = 0x07

	bpfW   = 0x00
	bpfH   = 0x08
	bpfB   = 0x10
	bpfIMM = 0x00
	bpfABS = 0x20
	bpfIND = 0x40
	bpfMEM = 0x60
	bpfLEN = 0x80
	bpfMSH = 0xa0

	bpfADD = 0x00
	bpfSUB = 0x10
	bpfMUL = 0x20
	bpfDIV = 0x30
	bpfOR  = 0x40
	bpfAND = 0x50
	bpfLSH = 0x60
	bpfRSH = 0x70
	bpfNEG = 0x80
	bpfMOD = 0x90
	bpfXOR = 0xa0

	bpfJA   = 0x00
	bpfJEQ  = 0x10
	bpfJGT  = 0x20
	bpfJGE  = 0x30
	bpfJSET = 0x40

	bpfK = 0x00
	bpfX = 0x08
	bpfA = 0x10

	bpfTAX = 0x00
	bpfTXA = 0x80

	bpfMemWords = 16 // BPF_MEMWORDS: scratch memory cells

	// seccompDataSize is sizeof(struct seccomp_data).
	seccompDataSize = 64
)

// ErrInvalidFilter is wrapped by the errors of Validate: the kernel would
// refuse the filter with EINVAL.
var ErrInvalidFilter = errors.New("invalid seccomp filter")

// InvalidError says which instruction makes a filter invalid and why.
type InvalidError struct {
	// PC is the index of the offending instruction, -1 for the whole filter.
	PC  int
	Msg string
}

// Error says which instruction is invalid and why.
func (e *InvalidError) Error() string {
	if e.PC < 0 {
		return fmt.Sprintf("%v: %s", ErrInvalidFilter, e.Msg)
	}
	return fmt.Sprintf("%v: instruction %d: %s", ErrInvalidFilter, e.PC, e.Msg)
}

// Unwrap lets errors.Is(err, ErrInvalidFilter) hold.
func (e *InvalidError) Unwrap() error { return ErrInvalidFilter }

func invalid(pc int, format string, args ...any) error {
	return &InvalidError{PC: pc, Msg: fmt.Sprintf(format, args...)}
}

// Validate applies the checks the kernel makes before it accepts a
// seccomp filter (bpf_check_classic followed by seccomp_check_filter):
// length 1..MaxInstructions, only the opcodes seccomp allows, loads of
// seccomp_data 32-bit aligned and in bounds, no division or shift by an
// invalid constant, scratch memory indexes below 16 and never read before
// written on every path, jumps inside the filter, and a return as the last
// instruction. The error wraps ErrInvalidFilter.
func Validate(insns []bpf.RawInstruction) error {
	n := len(insns)
	if n == 0 {
		return invalid(-1, "empty filter")
	}
	if n > MaxInstructions {
		return invalid(-1, "%d instructions, the kernel's limit is %d", n, MaxInstructions)
	}
	for pc, ins := range insns {
		if err := checkInsn(pc, ins, n); err != nil {
			return err
		}
	}
	switch insns[n-1].Op {
	case bpfRET | bpfK, bpfRET | bpfA:
	default:
		return invalid(n-1, "the last instruction is not a return")
	}
	return checkMemory(insns)
}

// checkInsn checks one instruction of a filter of n instructions.
func checkInsn(pc int, ins bpf.RawInstruction, n int) error {
	k := ins.K
	switch ins.Op {
	case bpfLD | bpfW | bpfABS:
		if k >= seccompDataSize || k&3 != 0 {
			return invalid(pc, "load of seccomp_data offset %d: not 32-bit aligned inside the %d bytes", k, seccompDataSize)
		}
	case bpfALU | bpfDIV | bpfK:
		if k == 0 {
			return invalid(pc, "division by zero")
		}
	case bpfALU | bpfLSH | bpfK, bpfALU | bpfRSH | bpfK:
		if k >= 32 {
			return invalid(pc, "shift by %d", k)
		}
	case bpfLD | bpfMEM, bpfLDX | bpfMEM, bpfST, bpfSTX:
		if k >= bpfMemWords {
			return invalid(pc, "scratch memory index %d, not below %d", k, bpfMemWords)
		}
	case bpfJMP | bpfJA:
		if uint64(k) >= uint64(n-pc-1) {
			return invalid(pc, "jump by %d past the end", k)
		}
	case bpfJMP | bpfJEQ | bpfK, bpfJMP | bpfJEQ | bpfX,
		bpfJMP | bpfJGT | bpfK, bpfJMP | bpfJGT | bpfX,
		bpfJMP | bpfJGE | bpfK, bpfJMP | bpfJGE | bpfX,
		bpfJMP | bpfJSET | bpfK, bpfJMP | bpfJSET | bpfX:
		if pc+int(ins.Jt)+1 >= n || pc+int(ins.Jf)+1 >= n {
			return invalid(pc, "conditional jump (jt %d, jf %d) past the end", ins.Jt, ins.Jf)
		}
	case bpfLD | bpfW | bpfLEN, bpfLDX | bpfW | bpfLEN,
		bpfRET | bpfK, bpfRET | bpfA,
		bpfALU | bpfADD | bpfK, bpfALU | bpfADD | bpfX,
		bpfALU | bpfSUB | bpfK, bpfALU | bpfSUB | bpfX,
		bpfALU | bpfMUL | bpfK, bpfALU | bpfMUL | bpfX,
		bpfALU | bpfDIV | bpfX,
		bpfALU | bpfAND | bpfK, bpfALU | bpfAND | bpfX,
		bpfALU | bpfOR | bpfK, bpfALU | bpfOR | bpfX,
		bpfALU | bpfXOR | bpfK, bpfALU | bpfXOR | bpfX,
		bpfALU | bpfLSH | bpfX, bpfALU | bpfRSH | bpfX,
		bpfALU | bpfNEG,
		bpfLD | bpfIMM, bpfLDX | bpfIMM,
		bpfMISC | bpfTAX, bpfMISC | bpfTXA:
	default:
		return invalid(pc, "opcode %#04x is not allowed in a seccomp filter", ins.Op)
	}
	return nil
}

// checkMemory refuses a read of a scratch memory cell that some path
// reaches without writing it first, as the kernel's check_load_and_stores
// does. It assumes jumps were checked.
func checkMemory(insns []bpf.RawInstruction) error {
	masks := make([]uint16, len(insns))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, ins := range insns {
		valid &= masks[pc]
		switch ins.Op {
		case bpfST, bpfSTX:
			valid |= 1 << ins.K
		case bpfLD | bpfMEM, bpfLDX | bpfMEM:
			if valid&(1<<ins.K) == 0 {
				return invalid(pc, "scratch memory cell %d may be read before it is written", ins.K)
			}
		case bpfJMP | bpfJA:
			masks[pc+1+int(ins.K)] &= valid
			valid = 0xffff
		case bpfJMP | bpfJEQ | bpfK, bpfJMP | bpfJEQ | bpfX,
			bpfJMP | bpfJGT | bpfK, bpfJMP | bpfJGT | bpfX,
			bpfJMP | bpfJGE | bpfK, bpfJMP | bpfJGE | bpfX,
			bpfJMP | bpfJSET | bpfK, bpfJMP | bpfJSET | bpfX:
			masks[pc+1+int(ins.Jt)] &= valid
			masks[pc+1+int(ins.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}

// Filter is a validated seccomp filter that can be run on inputs.
type Filter struct {
	insns []bpf.RawInstruction
}

// NewFilter validates insns (see Validate) and returns a filter to run.
func NewFilter(insns []bpf.RawInstruction) (*Filter, error) {
	if err := Validate(insns); err != nil {
		return nil, err
	}
	return &Filter{insns: insns}, nil
}

// Run executes the filter on d as the kernel would on a machine of the
// given byte order, and returns the filter's verdict and the number of
// instructions executed.
//
// The kernel lays out struct seccomp_data in the native byte order: nr and
// arch are 32-bit words at offsets 0 and 4, the instruction pointer a
// 64-bit word at 8 and argument i a 64-bit word at 16+8i; a 32-bit load
// reads a native word, so on a big-endian machine the high half of an
// argument is at 16+8i and on a little-endian one at 20+8i.
//
// A division by a zero X ends the filter with 0 (SECCOMP_RET_KILL_THREAD)
// as the kernel's translation of classic BPF does; shifts by X use the low
// 5 bits of X.
func (f *Filter) Run(d SeccompData, bigEndian bool) (Action, int) {
	var buf [seccompDataSize]byte
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	order.PutUint32(buf[0:], uint32(d.Nr))
	order.PutUint32(buf[4:], d.Arch)
	order.PutUint64(buf[8:], d.InstructionPointer)
	for i, a := range d.Args {
		order.PutUint64(buf[16+8*i:], a)
	}

	var a, x uint32
	var mem [bpfMemWords]uint32
	steps := 0
	for pc := 0; pc < len(f.insns); pc++ {
		ins := f.insns[pc]
		steps++
		k := ins.K
		switch ins.Op {
		case bpfLD | bpfW | bpfABS:
			a = order.Uint32(buf[k:])
		case bpfLD | bpfW | bpfLEN:
			a = seccompDataSize
		case bpfLDX | bpfW | bpfLEN:
			x = seccompDataSize
		case bpfLD | bpfIMM:
			a = k
		case bpfLDX | bpfIMM:
			x = k
		case bpfLD | bpfMEM:
			a = mem[k]
		case bpfLDX | bpfMEM:
			x = mem[k]
		case bpfST:
			mem[k] = a
		case bpfSTX:
			mem[k] = x
		case bpfMISC | bpfTAX:
			x = a
		case bpfMISC | bpfTXA:
			a = x
		case bpfRET | bpfK:
			return Action(k), steps
		case bpfRET | bpfA:
			return Action(a), steps
		case bpfALU | bpfNEG:
			a = -a
		case bpfJMP | bpfJA:
			pc += int(k)
		default:
			switch ins.Op & bpfClassMask {
			case bpfALU:
				operand := k
				if ins.Op&bpfX != 0 {
					operand = x
				}
				if ins.Op&0xf0 == bpfDIV && operand == 0 {
					return KillThread, steps
				}
				a = aluOp(ins.Op&0xf0, a, operand)
			case bpfJMP:
				operand := k
				if ins.Op&bpfX != 0 {
					operand = x
				}
				if jumpHolds(ins.Op&0xf0, a, operand) {
					pc += int(ins.Jt)
				} else {
					pc += int(ins.Jf)
				}
			default:
				panic(fmt.Sprintf("bpfgen: validated filter has opcode %#x", ins.Op))
			}
		}
	}
	panic("bpfgen: validated filter ran past its end")
}

func aluOp(op uint16, a, v uint32) uint32 {
	switch op {
	case bpfADD:
		return a + v
	case bpfSUB:
		return a - v
	case bpfMUL:
		return a * v
	case bpfDIV:
		return a / v
	case bpfOR:
		return a | v
	case bpfAND:
		return a & v
	case bpfXOR:
		return a ^ v
	case bpfLSH:
		return a << (v & 31)
	case bpfRSH:
		return a >> (v & 31)
	}
	panic(fmt.Sprintf("bpfgen: ALU op %#x", op))
}

func jumpHolds(op uint16, a, v uint32) bool {
	switch op {
	case bpfJEQ:
		return a == v
	case bpfJGT:
		return a > v
	case bpfJGE:
		return a >= v
	case bpfJSET:
		return a&v != 0
	}
	panic(fmt.Sprintf("bpfgen: jump op %#x", op))
}

// Simulate validates insns and runs them on d with the given byte order
// (see Filter.Run). It returns the verdict and the number of instructions
// executed, or the reason the kernel would refuse the filter.
func Simulate(insns []bpf.RawInstruction, d SeccompData, bigEndian bool) (Action, int, error) {
	f, err := NewFilter(insns)
	if err != nil {
		return 0, 0, err
	}
	act, n := f.Run(d, bigEndian)
	return act, n, nil
}
