/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side entry points of the selftest library: the 32 exception
 * entry points the IDT points to, their address table, and the return
 * address of every guest function.
 *
 * An entry point makes every vector look alike (a 0 error code where the CPU
 * pushes none), pushes the vector and hands struct guest_ex_frame (ucall.c)
 * to guest_exception_handler(), which reports UCALL_UNHANDLED and never
 * returns.
 */
	.text

	.macro EXC_ENTRY vec
	.p2align 4
guest_exc_\vec:
	/* #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX: error code */
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || \
	    (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	guest_exception_common
	.endm

	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15, \
		  16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC_ENTRY \vec
	.endr

	.p2align 4
guest_exception_common:
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	guest_exception_handler
	ud2

/*
 * vcpu_setup() puts this address at the top of each guest stack, so a
 * guest function that returns lands here and reports UCALL_DONE.
 */
	.p2align 4
	.globl	guest_return_trampoline
	.type	guest_return_trampoline, @function
guest_return_trampoline:
	andq	$-16, %rsp
	call	guest_function_returned
	ud2
	.size	guest_return_trampoline, . - guest_return_trampoline

	/* Absolute addresses: relocated when the library is built as PIE. */
	.section .data.rel.ro, "aw"
	.p2align 3
	.globl	guest_exception_entries
	.type	guest_exception_entries, @object
guest_exception_entries:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15, \
		  16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	guest_exc_\vec
	.endr
	.size	guest_exception_entries, . - guest_exception_entries

	.section .note.GNU-stack, "", @progbits
