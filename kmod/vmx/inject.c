// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest: exceptions the exit handlers raise, external
 * interrupts and NMIs, events whose delivery a VM exit interrupted,
 * instructions the module completes on the guest's behalf, and how all of
 * it reaches the VMCS at VM entry. The architectural rules themselves are
 * in core/event.c.
 *
 * A vCPU has at most one event in flight, vmx.inject, and it is written
 * to the VMCS at every entry. It stays in flight until a VM exit shows it
 * delivered: every exit first rebuilds it from the IDT-vectoring
 * information (empty if nothing was being delivered), so an event
 * interrupted by any exit is delivered again, and one whose entry failed
 * is not lost. Whether an exception pushes an error code is decided at
 * entry from the guest's mode, as the CPU does. An exception raised while
 * another event is in flight follows the SDM's double-fault rules.
 *
 * Interrupts and NMIs wait outside that slot until the guest can take
 * them: an NMI in vmx.nmi_pending (raised by the local APIC or set by the
 * VMM), an interrupt the VMM set in vmx.extint, the local APIC's in its
 * IRR. At an entry with the slot empty, the first that the guest can take
 * goes in: the VMM's interrupt (already acknowledged, as an interrupted
 * one is) when RFLAGS.IF is set and no STI or MOV-SS shadow holds it
 * back; else a pending NMI when NMIs are not blocked and no shadow holds
 * it; else the APIC's highest interrupt above its PPR, under the same
 * conditions as the first, taken from the APIC as the CPU's INTA would.
 * With virtual NMIs the CPU blocks NMIs from an injected NMI's delivery
 * until the guest's IRET. Whatever still waits asks for the NMI- or
 * interrupt-window exit, which comes at the first instruction boundary
 * where it can be taken, and the entry after it injects it. An event in
 * flight the guest can no longer take (the VMM cleared IF) waits again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../altp2m.h"
#include "../lapic.h"
#include "internal.h"

/**
 * altp2m_vmx_inject - raise a hardware exception in the guest
 * @vcpu: the vCPU, in an exit handler
 * @vector: the exception
 * @has_error: @error is the exception's error code (else it is 0)
 * @error: the error code, pushed only where the CPU pushes one
 *
 * Combines with an event already in flight as the CPU combines an
 * exception with the event it was delivering (altp2m_event_raise()); a
 * triple fault ends the exit handler in a SHUTDOWN exit.
 */
void altp2m_vmx_inject(struct altp2m_vcpu *vcpu, u8 vector, bool has_error,
		       u32 error)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	/*
	 * An NMI whose delivery raised the exception is not lost: it is
	 * latched again and comes after the exception's delivery. (An
	 * external interrupt is, as on the CPU, which acknowledged it.)
	 */
	if ((v->inject.info & (INTR_INFO_VALID_MASK |
			       INTR_INFO_INTR_TYPE_MASK)) ==
	    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
		v->nmi_pending = true;
	if (altp2m_event_raise(&v->inject, vector,
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

/* Delivery of an event that was in flight shows in these counters. */
static void altp2m_vmx_count_delivered(struct altp2m_vcpu *vcpu, u32 info)
{
	switch (info & INTR_INFO_INTR_TYPE_MASK) {
	case INTR_TYPE_EXT_INTR:
		vcpu->stats.irqs_injected++;
		break;
	case INTR_TYPE_NMI_INTR:
		vcpu->stats.nmis_injected++;
		break;
	}
}

/*
 * With virtual NMIs an IRET that faults or exits (EPT violation,
 * intercepted exception) before it completes has already cleared the
 * guest's NMI blocking, and the exit says so: the IRET runs again, so the
 * blocking comes back until it does. An NMI whose own delivery exited
 * may have left blocking set; it is delivered again, and VM entry refuses
 * to inject an NMI while NMIs are blocked.
 */
static void altp2m_vmx_nmi_blocking_after_exit(struct altp2m_vcpu *vcpu,
					       const struct altp2m_vmx_exit *e,
					       u32 new_info)
{
	bool unblocked = false;
	u32 intr;

	if (!(e->idt_vectoring & INTR_INFO_VALID_MASK)) {
		if (e->reason == EXIT_REASON_EPT_VIOLATION)
			unblocked = e->qualification & INTR_INFO_UNBLOCK_NMI;
		else if (e->reason == EXIT_REASON_EXCEPTION_NMI &&
			 (e->intr_info & INTR_INFO_INTR_TYPE_MASK) ==
			 INTR_TYPE_HARD_EXCEPTION &&
			 (e->intr_info & INTR_INFO_VECTOR_MASK) != X86_TRAP_DF)
			unblocked = e->intr_info & INTR_INFO_UNBLOCK_NMI;
	}
	if (!unblocked && (new_info & (INTR_INFO_VALID_MASK |
				       INTR_INFO_INTR_TYPE_MASK)) !=
	    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
		return;
	altp2m_vmx_vcpu_get(vcpu);
	intr = altp2m_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (unblocked)
		intr |= GUEST_INTR_STATE_NMI;
	else
		intr &= ~GUEST_INTR_STATE_NMI;
	altp2m_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr);
	altp2m_vmx_vcpu_put();
}

/**
 * altp2m_vmx_complete_event - what became of the event of the last entry
 * @vcpu: the vCPU
 * @e: the exit, before any handler looks at it
 *
 * An event whose delivery the exit interrupted is in flight again
 * (altp2m_event_from_vectoring()); one that was delivered is gone, and
 * counted if it was an interrupt or NMI. A failed entry delivered nothing
 * and keeps what was in flight.
 */
void altp2m_vmx_complete_event(struct altp2m_vcpu *vcpu,
			       const struct altp2m_vmx_exit *e)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u32 was = v->inject_armed ? v->inject.info : 0;

	if (e->failed_entry)
		return;
	/* A VM exit clears the valid bit of the VM-entry field. */
	v->inject_armed = false;
	altp2m_event_from_vectoring(&v->inject, e->idt_vectoring, e->idt_error,
				    e->insn_len);
	if ((was & INTR_INFO_VALID_MASK) && v->inject.info != was)
		altp2m_vmx_count_delivered(vcpu, was);
	altp2m_vmx_nmi_blocking_after_exit(vcpu, e, v->inject.info);
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
 * A monitor's single step ends here (vmx/monitor.c), and with it the
 * guest's own #DB is raised if its TF asks for one.
 */
void altp2m_vmx_skip_insn(struct altp2m_vcpu *vcpu, unsigned int len)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	v->rip += len;
	v->shadow_clear = true;
	if (altp2m_vmx_monitor_insn_done(vcpu))
		return;
	if (v->rflags & X86_EFLAGS_TF)
		altp2m_vmx_raise_db(vcpu, DR_STEP);
}

#define ALTP2M_SHADOWS	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

/*
 * The STI/MOV-SS shadow as the next entry will have it, made to agree
 * with RFLAGS as VM entry checks it (SDM "Checks on Guest Non-Register
 * State"): it ends with an instruction the module completed; STI blocking
 * needs IF; and inside a shadow a pending single-step trap must be
 * recorded exactly when TF is set. The VMM may change IF and TF with
 * SET_REGS at any exit, and the CPU records no trap when the #DB itself
 * exited, so: a trap pending without TF is dropped (stepping was turned
 * off), and TF without a pending trap ends the shadow instead, which lets
 * an interrupt in one instruction early, after a change only the VMM can
 * make. @intr and @pending are the VMCS's interruptibility state and
 * pending debug exceptions; *@drop_step says whether the single-step
 * trap goes from the latter.
 */
static u32 altp2m_vmx_shadow_next(const struct altp2m_vmx_vcpu *v, u32 intr,
				  u64 pending, bool *drop_step)
{
	bool tf = v->rflags & X86_EFLAGS_TF;
	u32 keep = intr;

	*drop_step = false;
	if (v->shadow_clear && (intr & ALTP2M_SHADOWS)) {
		/*
		 * A single-step trap the shadow held back belongs to the
		 * completed instruction too: its #DB, if TF is set, is
		 * already in flight (altp2m_vmx_skip_insn()).
		 */
		*drop_step = true;
		return keep & ~ALTP2M_SHADOWS;
	}
	if (!(v->rflags & X86_EFLAGS_IF))
		keep &= ~GUEST_INTR_STATE_STI;
	if (keep & ALTP2M_SHADOWS) {
		if (tf && !(pending & DR_STEP))
			keep &= ~ALTP2M_SHADOWS;
		else if (!tf && (pending & DR_STEP))
			*drop_step = true;
	}
	return keep;
}

/* altp2m_vmx_shadow_next() applied to the VMCS; returns the new state. */
static u32 altp2m_vmx_fix_shadow(struct altp2m_vmx_vcpu *v)
{
	u32 intr = altp2m_vmread(GUEST_INTERRUPTIBILITY_INFO), keep;
	u64 pending = 0;
	bool drop_step;

	if (intr & ALTP2M_SHADOWS)
		pending = altp2m_vmread(GUEST_PENDING_DBG_EXCEPTIONS);
	keep = altp2m_vmx_shadow_next(v, intr, pending, &drop_step);
	v->shadow_clear = false;
	if (drop_step)
		altp2m_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS,
			       pending & ~(u64)DR_STEP);
	if (keep != intr)
		altp2m_vmwrite(GUEST_INTERRUPTIBILITY_INFO, keep);
	return keep;
}

static void altp2m_vmx_set_event(struct altp2m_vmx_vcpu *v, u8 vector,
				 u32 type)
{
	v->inject = (struct altp2m_event){
		.info = vector | type | INTR_INFO_VALID_MASK,
	};
}

/*
 * Fill the empty slot with the first waiting event the guest can take,
 * put back an interrupt or NMI in flight that it cannot, and return the
 * window exits for what still waits.
 */
static u32 altp2m_vmx_pick_event(struct altp2m_vcpu *vcpu, u32 intr)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	bool can_irq = (v->rflags & X86_EFLAGS_IF) && !(intr & ALTP2M_SHADOWS);
	bool can_nmi = !(intr & (ALTP2M_SHADOWS | GUEST_INTR_STATE_NMI));
	u32 info = v->inject.info, windows = 0;
	int vector = -1;

	if (info & INTR_INFO_VALID_MASK) {
		switch (info & INTR_INFO_INTR_TYPE_MASK) {
		case INTR_TYPE_EXT_INTR:
			if (can_irq)
				break;
			v->extint = info & (INTR_INFO_VECTOR_MASK |
					    INTR_INFO_VALID_MASK);
			v->inject.info = 0;
			break;
		case INTR_TYPE_NMI_INTR:
			if (can_nmi)
				break;
			v->nmi_pending = true;
			v->inject.info = 0;
			break;
		}
	}
	/*
	 * A monitor's single step: nothing new joins the slot, no window
	 * exit (it would come before the stepped instruction); all of it
	 * waits until the step is over. An event in flight is the step's.
	 */
	if (altp2m_vmx_monitor_holds_events(vcpu))
		return 0;
	if (vcpu->lapic)
		vector = altp2m_lapic_pending(vcpu);
	if (!(v->inject.info & INTR_INFO_VALID_MASK)) {
		if (v->extint && can_irq) {
			altp2m_vmx_set_event(v, v->extint & INTR_INFO_VECTOR_MASK,
					     INTR_TYPE_EXT_INTR);
			v->extint = 0;
		} else if (v->nmi_pending && can_nmi) {
			altp2m_vmx_set_event(v, X86_TRAP_NMI, INTR_TYPE_NMI_INTR);
			v->nmi_pending = false;
		} else if (vector >= 0 && can_irq) {
			altp2m_lapic_accept(vcpu, vector);
			altp2m_vmx_set_event(v, vector, INTR_TYPE_EXT_INTR);
			/* Nothing is above the PPR the INTA just raised. */
			vector = -1;
		}
	}
	if (v->nmi_pending)
		windows |= CPU_BASED_NMI_WINDOW_EXITING;
	if (v->extint || vector >= 0)
		windows |= CPU_BASED_INTR_WINDOW_EXITING;
	return windows;
}

/**
 * altp2m_vmx_inject_event - write the event in flight to the VMCS
 * @vcpu: the vCPU, its VMCS current, interrupts off, right before entry
 *
 * The interruptibility state is brought in line with RFLAGS first, then
 * an interrupt or NMI the guest can take now joins the slot and the
 * window exits follow what still waits. The event stays in flight: the
 * exit says whether it was delivered (altp2m_vmx_complete_event()). The
 * VMCS field is cleared when nothing is in flight, as an entry that did
 * not happen (VMfail) leaves it armed.
 */
void altp2m_vmx_inject_event(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u32 info, intr, proc;

	lockdep_assert_irqs_disabled();
	intr = altp2m_vmx_fix_shadow(v);
	proc = altp2m_vmx_cfg.proc | (v->proc & ALTP2M_PROC_MONITOR) |
	       altp2m_vmx_pick_event(vcpu, intr);
	if (proc != v->proc) {
		altp2m_vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc);
		v->proc = proc;
	}
	info = v->inject.info;
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

/**
 * altp2m_vmx_nmi_blocked - whether the guest's NMIs are blocked (an NMI
 *	handler runs until its IRET)
 * @vcpu: the vCPU, outside the run loop's entry
 */
bool altp2m_vmx_nmi_blocked(struct altp2m_vcpu *vcpu)
{
	bool blocked;

	altp2m_vmx_vcpu_get(vcpu);
	blocked = altp2m_vmread(GUEST_INTERRUPTIBILITY_INFO) &
		  GUEST_INTR_STATE_NMI;
	altp2m_vmx_vcpu_put();
	return blocked;
}

/**
 * altp2m_vmx_get_events - ALTP2M_GET_VCPU_EVENTS: the events not yet
 *	delivered, as the next entry would see them
 * @vcpu: the vCPU, its lock held
 * @ev: filled (the caller checked and zeroed what it must)
 */
void altp2m_vmx_get_events(struct altp2m_vcpu *vcpu,
			   struct altp2m_vcpu_events *ev)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u32 info = v->inject.info, intr;
	u64 pending = 0;
	bool drop_step;

	lockdep_assert_held(&vcpu->lock);
	altp2m_vmx_vcpu_get(vcpu);
	intr = altp2m_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & ALTP2M_SHADOWS)
		pending = altp2m_vmread(GUEST_PENDING_DBG_EXCEPTIONS);
	altp2m_vmx_vcpu_put();

	/* The slot is delivered first; the VMM's interrupt waits behind. */
	if (!(info & INTR_INFO_VALID_MASK) && v->extint)
		info = v->extint | INTR_TYPE_EXT_INTR;
	if (info & INTR_INFO_VALID_MASK) {
		ev->event_valid = 1;
		ev->event_type = (info & INTR_INFO_INTR_TYPE_MASK) >> 8;
		ev->event_vector = info & INTR_INFO_VECTOR_MASK;
		/* Pushed in protected mode only; the vector says whether. */
		ev->event_has_error = (info & INTR_INFO_INTR_TYPE_MASK) ==
				      INTR_TYPE_HARD_EXCEPTION &&
				      altp2m_event_pushes_error(ev->event_vector);
		if (ev->event_has_error)
			ev->event_error = v->inject.error;
		if (altp2m_event_is_soft(info))
			ev->event_insn_len = v->inject.len;
	}
	ev->nmi_pending = v->nmi_pending ||
			  test_bit(ALTP2M_IRQ_NMI, &vcpu->irq.events);
	ev->nmi_masked = !!(intr & GUEST_INTR_STATE_NMI);
	intr = altp2m_vmx_shadow_next(v, intr, pending, &drop_step);
	if (intr & GUEST_INTR_STATE_STI)
		ev->shadow |= ALTP2M_SHADOW_STI;
	if (intr & GUEST_INTR_STATE_MOV_SS)
		ev->shadow |= ALTP2M_SHADOW_MOV_SS;
	ev->sipi_vector = READ_ONCE(vcpu->irq.sipi_vector);
}

/**
 * altp2m_vmx_set_events - ALTP2M_SET_VCPU_EVENTS, checked by the caller
 * @vcpu: the vCPU, its lock held
 * @ev: the parts named in @ev->flags
 *
 * An interrupt waits for its window (vmx.extint); the other types go
 * into the slot and are delivered at the next entry.
 */
void altp2m_vmx_set_events(struct altp2m_vcpu *vcpu,
			   const struct altp2m_vcpu_events *ev)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u32 intr, type = (u32)ev->event_type << 8;

	lockdep_assert_held(&vcpu->lock);
	if (ev->flags & ALTP2M_EVENTS_SET_EVENT) {
		v->inject = (struct altp2m_event){ 0 };
		v->extint = 0;
		if (ev->event_valid && type == INTR_TYPE_EXT_INTR)
			v->extint = ev->event_vector | INTR_INFO_VALID_MASK;
		else if (ev->event_valid)
			v->inject = (struct altp2m_event){
				.info = ev->event_vector | type |
					INTR_INFO_VALID_MASK,
				.error = ev->event_has_error ?
					 ev->event_error : 0,
				.len = altp2m_event_is_soft(type) ?
				       ev->event_insn_len : 0,
			};
	}
	if (ev->flags & ALTP2M_EVENTS_SET_NMI) {
		v->nmi_pending = ev->nmi_pending;
		if (!ev->nmi_pending)
			clear_bit(ALTP2M_IRQ_NMI, &vcpu->irq.events);
	}
	if (ev->flags & ALTP2M_EVENTS_SET_SIPI)
		WRITE_ONCE(vcpu->irq.sipi_vector, ev->sipi_vector);
	if (!(ev->flags & (ALTP2M_EVENTS_SET_NMI | ALTP2M_EVENTS_SET_SHADOW)))
		return;
	altp2m_vmx_vcpu_get(vcpu);
	intr = altp2m_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (ev->flags & ALTP2M_EVENTS_SET_NMI) {
		intr &= ~GUEST_INTR_STATE_NMI;
		if (ev->nmi_masked)
			intr |= GUEST_INTR_STATE_NMI;
	}
	if (ev->flags & ALTP2M_EVENTS_SET_SHADOW) {
		intr &= ~ALTP2M_SHADOWS;
		if (ev->shadow & ALTP2M_SHADOW_STI)
			intr |= GUEST_INTR_STATE_STI;
		if (ev->shadow & ALTP2M_SHADOW_MOV_SS)
			intr |= GUEST_INTR_STATE_MOV_SS;
		/* The shadow is the VMM's now, not the last instruction's. */
		v->shadow_clear = false;
	}
	altp2m_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr);
	altp2m_vmx_vcpu_put();
}
