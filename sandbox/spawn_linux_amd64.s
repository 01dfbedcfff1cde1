#include "textflag.h"

// The child of rawCloneProg runs no Go code: it executes a list of system
// calls the parent prepared and ends with execve, or records the failure
// and exits. It shares the parent's memory, so it writes nothing but the
// results the list asks for and the failure record, and it keeps every
// signal blocked until its list restores the mask.

#define SYS_rt_sigprocmask 14
#define SYS_clone 56
#define SYS_exit_group 231
#define SIG_SETMASK 2

// The child's registers: R12 the ops (package jail's Op), R13 their
// number, R14 the failure record, BX the current index, R15 the current
// op.
#define OP_SIZE_PROG 96
#define CTL_STORE 0x100
#define CTL_EEXIST_OK 0x200
#define CTL_NEED_NONZERO 0x400
#define CTL_NEED_ZERO 0x800
#define EEXIST 17

// func rawCloneProg(flags, stack uintptr, ops unsafe.Pointer, nops uintptr, fail unsafe.Pointer, all, saved *uint64) (pid, errno uintptr)
TEXT ·rawCloneProg(SB),NOSPLIT|NOFRAME,$0-72
	MOVQ	$SYS_rt_sigprocmask, AX
	MOVQ	$SIG_SETMASK, DI
	MOVQ	all+40(FP), SI
	MOVQ	saved+48(FP), DX
	MOVQ	$8, R10
	SYSCALL
	CMPQ	AX, $0xfffffffffffff001
	JLS	pblocked
	NEGQ	AX
	MOVQ	$0, pid+56(FP)
	MOVQ	AX, errno+64(FP)
	RET

pblocked:
	MOVQ	ops+16(FP), R12
	MOVQ	nops+24(FP), R13
	MOVQ	fail+32(FP), R14
	MOVQ	flags+0(FP), DI
	MOVQ	stack+8(FP), SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$SYS_clone, AX
	SYSCALL
	CMPQ	AX, $0
	JEQ	pchild

	MOVQ	AX, R15
	MOVQ	$SYS_rt_sigprocmask, AX
	MOVQ	$SIG_SETMASK, DI
	MOVQ	saved+48(FP), SI
	XORQ	DX, DX
	MOVQ	$8, R10
	SYSCALL
	CMPQ	R15, $0xfffffffffffff001
	JLS	pstarted
	NEGQ	R15
	MOVQ	$0, pid+56(FP)
	MOVQ	R15, errno+64(FP)
	RET
pstarted:
	MOVQ	R15, pid+56(FP)
	MOVQ	$0, errno+64(FP)
	RET

pchild:
	XORQ	BX, BX
ploop:
	CMPQ	BX, R13
	JCC	pend
	MOVQ	BX, R15
	IMULQ	$OP_SIZE_PROG, R15
	ADDQ	R12, R15
	CMPQ	0(R15), $-1
	JEQ	pswitch
	MOVQ	56(R15), CX // ctl
	MOVQ	8(R15), DI
	TESTQ	$1, CX
	JEQ	2(PC)
	MOVQ	(DI), DI
	MOVQ	16(R15), SI
	TESTQ	$2, CX
	JEQ	2(PC)
	MOVQ	(SI), SI
	MOVQ	24(R15), DX
	TESTQ	$4, CX
	JEQ	2(PC)
	MOVQ	(DX), DX
	MOVQ	32(R15), R10
	TESTQ	$8, CX
	JEQ	2(PC)
	MOVQ	(R10), R10
	MOVQ	40(R15), R8
	TESTQ	$16, CX
	JEQ	2(PC)
	MOVQ	(R8), R8
	MOVQ	48(R15), R9
	TESTQ	$32, CX
	JEQ	2(PC)
	MOVQ	(R9), R9
	MOVQ	0(R15), AX
	SYSCALL
	MOVQ	AX, 88(R15) // res
	MOVQ	56(R15), CX
	TESTQ	$CTL_STORE, CX
	JEQ	2(PC)
	MOVQ	64(R15), DX
	TESTQ	$CTL_STORE, CX
	JEQ	2(PC)
	MOVQ	AX, (DX)
	CMPQ	AX, $0xfffffffffffff001
	JCC	perr
	TESTQ	$CTL_NEED_NONZERO, CX
	JEQ	pnz
	TESTQ	AX, AX
	JEQ	pcheck
pnz:
	TESTQ	$CTL_NEED_ZERO, CX
	JEQ	pok
	TESTQ	AX, AX
	JNE	pcheck
pok:
	MOVQ	72(R15), DX // next
	TESTQ	DX, DX
	JEQ	pinc
	MOVQ	DX, BX
	JMP	ploop
pinc:
	INCQ	BX
	JMP	ploop
pcheck:
	XORQ	AX, AX // a result check failed: errno 0
	JMP	pfail
perr:
	NEGQ	AX
	TESTQ	$CTL_EEXIST_OK, CX
	JEQ	pfail
	CMPQ	AX, $EEXIST
	JEQ	pok
pfail:
	MOVQ	80(R15), DX // on failure
	CMPQ	DX, $-1
	JEQ	pabort
	MOVQ	DX, BX
	JMP	ploop
pswitch:
	// OpSwitch: go on with the program whose ops, their number and
	// failure record are the three words at arg 0.
	MOVQ	8(R15), DX
	MOVQ	0(DX), R12
	MOVQ	8(DX), R13
	MOVQ	16(DX), R14
	XORQ	BX, BX
	JMP	ploop
pend:
	XORQ	AX, AX
pabort:
	MOVQ	BX, 0(R14)
	MOVQ	AX, 8(R14)
	MOVQ	$1, 16(R14)
pexit:
	MOVQ	$SYS_exit_group, AX
	MOVQ	$127, DI
	XORQ	SI, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	XORQ	R9, R9
	SYSCALL
	JMP	pexit
