#include "textflag.h"

// The vfork child of vforkExec runs no Go code: it executes the list of
// system calls the parent prepared and ends with execve, or records the
// first failure and exits. It shares the parent's memory and stack until
// then, so it writes nothing but the failure record, and it keeps every
// signal blocked until its list restores the mask right before execve.

#define SYS_rt_sigprocmask 14
#define SYS_clone 56
#define SYS_exit_group 231
#define SIG_SETMASK 2
#define OP_SIZE 56

// func rawVforkExec(flags uintptr, ops *spawnOp, nops uintptr, all, saved *uint64, fail *spawnFailure) (pid, errno uintptr)
TEXT ·rawVforkExec(SB),NOSPLIT|NOFRAME,$0-64
	// Block every signal on this thread, saving its mask for the child's
	// list and for the way back.
	MOVQ	$SYS_rt_sigprocmask, AX
	MOVQ	$SIG_SETMASK, DI
	MOVQ	all+24(FP), SI
	MOVQ	saved+32(FP), DX
	MOVQ	$8, R10
	SYSCALL
	CMPQ	AX, $0xfffffffffffff001
	JLS	blocked
	NEGQ	AX
	MOVQ	$0, pid+48(FP)
	MOVQ	AX, errno+56(FP)
	RET

blocked:
	MOVQ	ops+8(FP), R12
	MOVQ	nops+16(FP), R13
	MOVQ	fail+40(FP), R14
	MOVQ	flags+0(FP), DI
	XORQ	SI, SI // no new stack: the parent waits until the child is gone
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$SYS_clone, AX
	SYSCALL
	CMPQ	AX, $0
	JEQ	child

	// The parent, resumed once the child executed or exited.
	MOVQ	AX, R15
	MOVQ	$SYS_rt_sigprocmask, AX
	MOVQ	$SIG_SETMASK, DI
	MOVQ	saved+32(FP), SI
	XORQ	DX, DX
	MOVQ	$8, R10
	SYSCALL
	CMPQ	R15, $0xfffffffffffff001
	JLS	started
	NEGQ	R15
	MOVQ	$0, pid+48(FP)
	MOVQ	R15, errno+56(FP)
	RET
started:
	MOVQ	R15, pid+48(FP)
	MOVQ	$0, errno+56(FP)
	RET

child:
	XORQ	BX, BX
next:
	CMPQ	BX, R13
	JEQ	exit
	MOVQ	0(R12), AX
	MOVQ	8(R12), DI
	MOVQ	16(R12), SI
	MOVQ	24(R12), DX
	MOVQ	32(R12), R10
	MOVQ	40(R12), R8
	MOVQ	48(R12), R9
	SYSCALL
	CMPQ	AX, $0xfffffffffffff001
	JHI	failed
	ADDQ	$OP_SIZE, R12
	INCQ	BX
	JMP	next
failed:
	NEGQ	AX
	MOVQ	BX, 0(R14)
	MOVQ	AX, 8(R14)
	MOVQ	$1, 16(R14)
exit:
	MOVQ	$SYS_exit_group, AX
	MOVQ	$127, DI
	SYSCALL
	JMP	exit

// The child of rawCloneProg runs a jail program (package jail's Op list)
// on a stack of its own in the runner's memory, with every signal
// blocked until the program restores the mask. Registers: R12 the ops,
// R13 their number, R14 the failure record, BX the current index, R15
// the current op.
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
