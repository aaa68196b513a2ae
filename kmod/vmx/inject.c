// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest: exceptions the exit handlers raise, events whose
 * delivery a VM exit interrupted, instructions the module completes on the
 * guest's behalf, and how all of it reaches the VMCS at VM entry. The
 * architectural rules themselves are in core/event.c.
 *
 * A vCPU has at most one event pending, vmx.inject. It stays pending until
 * a VM exit shows it delivered: every exit first rebuilds it from the
 * IDT-vectoring information (empty if nothing was being delivered), so an
 * event interrupted by any exit is delivered again, and one whose entry
 * failed is not lost. Whether an exception pushes an error code is
 * decided at entry from the guest's mode, as the CPU does. An exception
 * raised while another event is pending follows the SDM's double-fault
 * rules. The module injects no external interrupts and no NMIs, so the
 * only events in flight are exceptions, INT n, INT3, INTO and INT1.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../altp2m.h"
#include "internal.h"

/**
 * altp2m_vmx_inject - raise a hardware exception in the guest
 * @vcpu: the vCPU, in an exit handler
 * @vector: the exception
 * @has_error: @error is the exception's error code (else it is 0)
 * @error: the error code, pushed only where the CPU pushes one
 *
 * Combines with an event already pending as the CPU combines an exception
 * with the event it was delivering (altp2m_event_raise()); a triple fault
 * ends the exit handler in a SHUTDOWN exit.
 */
void altp2m_vmx_inject(struct altp2m_vcpu *vcpu, u8 vector, bool has_error,
		       u32 error)
{
	if (altp2m_event_raise(&vcpu->vmx.inject, vector,
			       has_error ? error : 0) == ALTP2M_EVENT_SHUTDOWN)
		vcpu->vmx.triple_fault = true;
}

/**
 * altp2m_vmx_inject_soft - a software exception at the instruction
 * @vcpu: the vCPU, in an exit handler
 * @vector: its vector
 * @type: INTR_TYPE_PRIV_SW_EXCEPTION (INT1) or INTR_TYPE_SOFT_EXCEPTION
 *	(INT3, INTO)
 * @len: the instruction's length: delivery pushes the address after it
 *
 * Only from an exit on the instruction itself, when nothing is pending.
 */
void altp2m_vmx_inject_soft(struct altp2m_vcpu *vcpu, u8 vector, u32 type,
			    u32 len)
{
	vcpu->vmx.inject = (struct altp2m_event){
		.info = vector | type | INTR_INFO_VALID_MASK, .len = len,
	};
}

/**
 * altp2m_vmx_complete_event - what became of the event of the last entry
 * @vcpu: the vCPU
 * @e: the exit, before any handler looks at it
 *
 * An event whose delivery the exit interrupted is pending again
 * (altp2m_event_from_vectoring()); one that was delivered is gone. A
 * failed entry delivered nothing and keeps what was pending.
 */
void altp2m_vmx_complete_event(struct altp2m_vcpu *vcpu,
			       const struct altp2m_vmx_exit *e)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	if (e->failed_entry)
		return;
	/* A VM exit clears the valid bit of the VM-entry field. */
	v->inject_armed = false;
	altp2m_event_from_vectoring(&v->inject, e->idt_vectoring, e->idt_error,
				    e->insn_len);
}

/**
 * altp2m_vmx_raise_db - a debug exception with DR6 as the CPU leaves it
 * @vcpu: the vCPU, in an exit handler
 * @dr6: the DR6 status bits of this #DB (B0-B3, BD, BS, and RTM: 1 for an
 *	event in a transaction, as in the exit qualification)
 *
 * The guest's DR6 is virtual (the hardware one stays the host's): B0-B3
 * are replaced, the other status bits accumulate, RTM is active-low.
 */
void altp2m_vmx_raise_db(struct altp2m_vcpu *vcpu, u64 dr6)
{
	u64 *g = &vcpu->vmx.dr[ALTP2M_DR6_SLOT];

	*g &= ~(u64)DR_TRAP_BITS;
	*g |= dr6 & (DR_TRAP_BITS | ALTP2M_DR6_BD | DR_STEP);
	if (dr6 & ALTP2M_DR6_RTM)
		*g &= ~ALTP2M_DR6_RTM;
	altp2m_vmx_inject(vcpu, X86_TRAP_DB, false, 0);
}

/**
 * altp2m_vmx_skip_insn - the guest's instruction is done: go past it
 * @vcpu: the vCPU, in an exit handler or completing an exit
 * @len: the instruction's length
 *
 * As after any instruction the CPU executes: an STI or MOV SS shadow ends
 * (cleared in the VMCS at the next entry), and with RFLAGS.TF the guest
 * takes its single-step #DB with DR6.BS, at the next instruction. (The
 * guest cannot set DEBUGCTL.BTF, so TF always means every instruction.)
 */
void altp2m_vmx_skip_insn(struct altp2m_vcpu *vcpu, unsigned int len)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	v->rip += len;
	v->shadow_clear = true;
	if (v->rflags & X86_EFLAGS_TF)
		altp2m_vmx_raise_db(vcpu, DR_STEP);
}

#define ALTP2M_SHADOWS	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

/*
 * The STI/MOV-SS shadow, made to agree with RFLAGS as VM entry checks it
 * (SDM "Checks on Guest Non-Register State"): it ends with an instruction
 * the module completed; STI blocking needs IF; and inside a shadow a
 * pending single-step trap must be recorded exactly when TF is set. The
 * VMM may change IF and TF with SET_REGS at any exit, and the CPU records
 * no trap when the #DB itself exited, so: a trap pending without TF is
 * dropped (stepping was turned off), and TF without a pending trap ends
 * the shadow instead. The module injects no interrupts, so the only thing
 * a shadow still does here is hold back a #DB, and none is held.
 */
static void altp2m_vmx_fix_shadow(struct altp2m_vmx_vcpu *v)
{
	u32 intr = altp2m_vmread(GUEST_INTERRUPTIBILITY_INFO), keep = intr;
	bool tf = v->rflags & X86_EFLAGS_TF;
	u64 pending;

	if (v->shadow_clear && (intr & ALTP2M_SHADOWS)) {
		keep &= ~ALTP2M_SHADOWS;
		/*
		 * A single-step trap the shadow held back belongs to the
		 * completed instruction too: its #DB, if TF is set, is
		 * already pending (altp2m_vmx_skip_insn()).
		 */
		altp2m_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS,
			       altp2m_vmread(GUEST_PENDING_DBG_EXCEPTIONS) &
			       ~(u64)DR_STEP);
	}
	v->shadow_clear = false;
	if (!(v->rflags & X86_EFLAGS_IF))
		keep &= ~GUEST_INTR_STATE_STI;
	if (keep & ALTP2M_SHADOWS) {
		pending = altp2m_vmread(GUEST_PENDING_DBG_EXCEPTIONS);
		if (tf && !(pending & DR_STEP))
			keep &= ~ALTP2M_SHADOWS;
		else if (!tf && (pending & DR_STEP))
			altp2m_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS,
				       pending & ~(u64)DR_STEP);
	}
	if (keep != intr)
		altp2m_vmwrite(GUEST_INTERRUPTIBILITY_INFO, keep);
}

/**
 * altp2m_vmx_inject_event - write the pending event to the VMCS
 * @vcpu: the vCPU, its VMCS current, interrupts off, right before entry
 *
 * The event stays pending: the exit says whether it was delivered
 * (altp2m_vmx_complete_event()). The VMCS field is cleared when nothing is
 * pending, as an entry that did not happen (VMfail) leaves it armed. The
 * interruptibility state is brought in line with RFLAGS first.
 */
void altp2m_vmx_inject_event(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u32 info = v->inject.info;

	lockdep_assert_irqs_disabled();
	altp2m_vmx_fix_shadow(v);
	if (!(info & INTR_INFO_VALID_MASK)) {
		if (v->inject_armed)
			altp2m_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
		v->inject_armed = false;
		return;
	}
	info = altp2m_event_entry_info(&v->inject,
				       altp2m_vmread(GUEST_CR0) & X86_CR0_PE);
	if (info & INTR_INFO_DELIVER_CODE_MASK)
		altp2m_vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, v->inject.error);
	if (altp2m_event_is_soft(info))
		altp2m_vmwrite(VM_ENTRY_INSTRUCTION_LEN, v->inject.len);
	altp2m_vmwrite(VM_ENTRY_INTR_INFO_FIELD, info);
	v->inject_armed = true;
}
