/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit. Loads the guest's general-purpose registers, enters
 * with VMLAUNCH or VMRESUME, and at the exit (the VMCS's HOST_RIP) saves
 * them again and clears what the guest left in caller-saved registers, so
 * none of its values reach the host's code, even speculatively.
 *
 * The speculation barriers that must sit next to the entry and exit
 * instructions are here, each patched in only where the kernel enabled
 * it for itself (so mitigations=off and friends apply): the CPU-buffer
 * clear (VERW) as the last thing before entry; after the exit, before
 * the first RET, the return-stack refill, legacy IBRS set again, and the
 * branch-history clear. The rest of the entry hardening is in enter.c.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

#include "../compat/asm.h"

#define GPR(n)		((n) * 8)
#define HOST_RSP_FIELD	0x6c14

.section .noinstr.text, "ax"

/*
 * int altp2m_vmx_vmenter(u64 *gpr, bool launched)
 * @gpr: guest registers in x86 order (the RSP slot is unused)
 * @launched: VMRESUME rather than VMLAUNCH
 * Returns 0 after a VM exit, 1 if the entry itself failed (VMfail), 2 if
 * a VMX instruction faulted: VMX operation is gone from this CPU, which
 * only a reboot or kexec (the reboot notifier's VMXOFF on every CPU, with
 * this vCPU's thread still running) may do.
 */
SYM_FUNC_START(altp2m_vmx_vmenter)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* The exit path finds the register array here. */
	push %rdi

	mov $HOST_RSP_FIELD, %rax
.Lvmwrite:
	vmwrite %rsp, %rax
	jna .Lfail_early

	/* CF says which instruction; the loads and VERW below keep it. */
	bt $0, %esi

	mov GPR(0)(%rdi), %rax
	mov GPR(1)(%rdi), %rcx
	mov GPR(2)(%rdi), %rdx
	mov GPR(3)(%rdi), %rbx
	mov GPR(5)(%rdi), %rbp
	mov GPR(6)(%rdi), %rsi
	mov GPR(8)(%rdi), %r8
	mov GPR(9)(%rdi), %r9
	mov GPR(10)(%rdi), %r10
	mov GPR(11)(%rdi), %r11
	mov GPR(12)(%rdi), %r12
	mov GPR(13)(%rdi), %r13
	mov GPR(14)(%rdi), %r14
	mov GPR(15)(%rdi), %r15
	mov GPR(7)(%rdi), %rdi

	/*
	 * Guest-visible CPU buffers cleared of host data (MDS, TAA, MMIO
	 * stale data, RFDS): the last instruction before entry.
	 */
	VM_CLEAR_CPU_BUFFERS

	UNWIND_HINT_SAVE
	jc .Lresume
.Lvmlaunch:
	vmlaunch
	jmp .Lfail
.Lresume:
.Lvmresume:
	vmresume
.Lfail:
	mov $1, %eax
	jmp .Lclear
.Lfault:
	mov $2, %eax
	jmp .Lclear

	_ASM_EXTABLE(.Lvmlaunch, .Lfault)
	_ASM_EXTABLE(.Lvmresume, .Lfault)

SYM_INNER_LABEL(altp2m_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push %rax
	mov 8(%rsp), %rax
	pop GPR(0)(%rax)
	mov %rcx, GPR(1)(%rax)
	mov %rdx, GPR(2)(%rax)
	mov %rbx, GPR(3)(%rax)
	mov %rbp, GPR(5)(%rax)
	mov %rsi, GPR(6)(%rax)
	mov %rdi, GPR(7)(%rax)
	mov %r8, GPR(8)(%rax)
	mov %r9, GPR(9)(%rax)
	mov %r10, GPR(10)(%rax)
	mov %r11, GPR(11)(%rax)
	mov %r12, GPR(12)(%rax)
	mov %r13, GPR(13)(%rax)
	mov %r14, GPR(14)(%rax)
	mov %r15, GPR(15)(%rax)
	xor %eax, %eax

.Lclear:
	/* Callee-saved registers are restored below; clear the rest. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d

	/*
	 * Before the first RET: refill the return stack buffer so no return
	 * is predicted from entries the guest left (eIBRS CPUs need just one
	 * call retired: the _LITE variant). Legacy IBRS is dropped by the
	 * transition from the guest, so the host's SPEC_CTRL is written again;
	 * otherwise the guest left it as it was (it cannot write the MSR: every
	 * MSR access exits). Then the branch-history clear (BHI).
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	ALTERNATIVE "jmp .Lspec_ctrl_done", "", X86_FEATURE_KERNEL_IBRS
	mov %eax, %r8d
	mov $MSR_IA32_SPEC_CTRL, %ecx
	mov PER_CPU_VAR(x86_spec_ctrl_current), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov %r8d, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %r8d, %r8d
.Lspec_ctrl_done:
	CLEAR_BRANCH_HISTORY_VMEXIT

.Lout:
	add $8, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lfail_early:
	mov $1, %eax
	jmp .Lout
.Lfault_early:
	mov $2, %eax
	jmp .Lout

	_ASM_EXTABLE(.Lvmwrite, .Lfault_early)
SYM_FUNC_END(altp2m_vmx_vmenter)

/*
 * void altp2m_vmx_do_nmi(void)
 * An NMI that arrived while the guest ran caused the exit and is gone from
 * the CPU: hand it to the kernel's NMI handler with an interrupt frame of
 * our own, as if it had arrived here. The handler returns with IRET.
 */
SYM_FUNC_START(altp2m_vmx_do_nmi)
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	call ALTP2M_ASM_EXC_NMI_NOIST
	leave
	RET
SYM_FUNC_END(altp2m_vmx_do_nmi)
