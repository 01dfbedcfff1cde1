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
