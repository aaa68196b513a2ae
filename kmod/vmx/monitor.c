// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware side of monitors (monitor.h): the intercepts the events
 * need, their producers in the exit handlers, the registers an event
 * carries, and carrying out the vCPU's part of a response.
 *
 * Intercepts. CR0 and CR4 writes and every MSR access exit anyway (vmcs.c:
 * the host owns every CR0/CR4 bit, there is no MSR bitmap), and so does
 * CPUID; #BP joins the exception bitmap while BREAKPOINT is enabled, MOV
 * to CR3 exits while a CR3 event is enabled (cr.c emulates it then).
 *
 * Sync events park the vCPU with the instruction not done (RIP at it);
 * what it still has to do is in vmx.mon_park, and the response completes
 * it (altp2m_vmx_monitor_apply()): a parked CR or MSR write is written
 * or, with DENY, skipped; a parked CPUID is answered by the monitor's
 * registers (SET_REGS) or by the module; a parked breakpoint is delivered
 * to the guest (REINJECT) or dropped; a violation's instruction simply
 * runs again.
 *
 * Single step by the monitor trap flag, where the CPU has it (hw_mtf): the
 * CPU exits after the instruction, or after delivering an event at the
 * handler's first instruction; an instruction the module completes ends
 * the step there. Nothing the guest can see changes. No interrupt or NMI
 * is injected while the step is in flight (inject.c holds them).
 *
 * Single step by TF (every CPU; Bochs has no MTF): the vCPU enters
 * with RFLAGS.TF set and every exception intercepted, and no interrupt or
 * NMI is injected while the step is in flight (inject.c holds them). The
 * step ends
 *  - when the instruction retires: the #DB exit with DR6.BS, or the exit
 *    handler completing an instruction that exited (altp2m_vmx_skip_insn());
 *  - when it raises an exception, or is INT n, INT3, INT1 or INTO (these
 *    are injected here instead of run, so the CPU delivers them without
 *    TF in the frame): the event is delivered with the guest's own TF and
 *    the vCPU stops at the handler's first instruction, by an entry with
 *    the VMX-preemption timer at 0, which exits right after the delivery;
 *  - when another event for that instruction is sent to the monitor (a
 *    violation, a CR write, ...): that event replaces the step's.
 * Then TF is what the guest had; with its own TF set the guest also gets
 * its single-step #DB. PUSHF and SYSCALL, which copy RFLAGS where the
 * guest can read it, get the guest's TF written back into the pushed
 * image and R11. What the guest can still observe: the STI or MOV-SS
 * shadow of the stepped instruction ends (VM entry with TF and a shadow
 * needs a pending single-step trap, which would exit before the
 * instruction runs; as Xen does, the shadow goes instead, and since no
 * interrupt is injected during the step nothing can use the gap), and
 * time. A step that delivers an event on a CPU without the preemption
 * timer falls back to TF, and then the event's frame holds TF.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../altp2m.h"
#include "../core/breakpoint.h"
#include "../hidden.h"
#include "../core/step.h"
#include "../lapic.h"
#include "internal.h"

/* The responses a parked event of each type takes. */
#define ALTP2M_MON_RSP_COMMON	(ALTP2M_MON_RSP_SWITCH_VIEW | \
				 ALTP2M_MON_RSP_SET_REGS | \
				 ALTP2M_MON_RSP_ACCESS | \
				 ALTP2M_MON_RSP_SINGLESTEP | \
				 ALTP2M_MON_RSP_FAST_SINGLESTEP)
#define ALTP2M_MON_RSP_STEPS	(ALTP2M_MON_RSP_SINGLESTEP | \
				 ALTP2M_MON_RSP_FAST_SINGLESTEP)

static const u32 altp2m_mon_rsp_by_type[ALTP2M_MON_EV_NR] = {
	[ALTP2M_MON_EV_VIOLATION] = ALTP2M_MON_RSP_COMMON,
	[ALTP2M_MON_EV_BREAKPOINT] = ALTP2M_MON_RSP_COMMON |
				     ALTP2M_MON_RSP_REINJECT,
	[ALTP2M_MON_EV_SINGLESTEP] = ALTP2M_MON_RSP_COMMON,
	[ALTP2M_MON_EV_CR] = ALTP2M_MON_RSP_COMMON | ALTP2M_MON_RSP_DENY,
	[ALTP2M_MON_EV_MSR] = ALTP2M_MON_RSP_COMMON | ALTP2M_MON_RSP_DENY,
	[ALTP2M_MON_EV_GUEST_REQUEST] = ALTP2M_MON_RSP_COMMON,
	[ALTP2M_MON_EV_CPUID] = ALTP2M_MON_RSP_COMMON,
};

/* vcpu->mon.step */
#define ALTP2M_STEP_ON		BIT(0)	/* a step is in flight */
#define ALTP2M_STEP_FAST	BIT(1)	/* then to step_return_view, no event */
#define ALTP2M_STEP_DELIVER	BIT(2)	/* an event's delivery is the step */
#define ALTP2M_STEP_PUSHF	BIT(3)	/* the instruction is PUSHF */
#define ALTP2M_STEP_SYSCALL	BIT(4)	/* the instruction is SYSCALL */
#define ALTP2M_STEP_MTF		BIT(5)	/* by monitor trap flag, not TF */
#define ALTP2M_STEP_SIZE_SHIFT	8	/* PUSHF's operand size, bytes */
#define ALTP2M_STEP_KERNEL	BIT(16)	/* the module's own: back even if parked */
#define ALTP2M_STEP_BP		BIT(17)	/* a hidden breakpoint's step-over */
#define ALTP2M_STEP_SHADOW	BIT(18)	/* then to vmx.shadow.return_view */
#define ALTP2M_STEP_WRITE	BIT(19)	/* a shadowed page's write: resync */
#define ALTP2M_STEP_PLAIN	BIT(20)	/* no look at the instruction needed */
/* What a step keeps when it turns into an event's delivery. */
#define ALTP2M_STEP_KEEP	(ALTP2M_STEP_FAST | ALTP2M_STEP_KERNEL | \
				 ALTP2M_STEP_BP | ALTP2M_STEP_SHADOW | \
				 ALTP2M_STEP_WRITE)

/* TF is the module's: set for the step, the guest's in step_saved_tf. */
static bool altp2m_step_tf(const struct altp2m_vcpu *vcpu)
{
	return (vcpu->mon.step & (ALTP2M_STEP_ON | ALTP2M_STEP_DELIVER |
				  ALTP2M_STEP_MTF)) == ALTP2M_STEP_ON;
}

u64 altp2m_vmx_monitor_events(void)
{
	return GENMASK_ULL(ALTP2M_MON_EV_NR - 1, 0);
}

u32 altp2m_vmx_monitor_singlestep_kind(void)
{
	return altp2m_vmx_cfg.mtf ? ALTP2M_MON_STEP_MTF : ALTP2M_MON_STEP_TF;
}

/**
 * altp2m_vmx_monitor_regs - the registers an event carries
 * @vcpu: the vCPU, its lock held
 * @r: filled in
 *
 * RFLAGS.TF is the guest's, also while the module steps it.
 */
void altp2m_vmx_monitor_regs(struct altp2m_vcpu *vcpu,
			     struct altp2m_monitor_regs *r)
{
	const size_t gprs = offsetofend(struct altp2m_regs, rflags) -
			    offsetof(struct altp2m_regs, rax);
	struct altp2m_regs g;
	int slot;

	/*
	 * RAX .. R15, RIP, RFLAGS: the same registers in the same order, at
	 * the start of @r. Copied from the whole structures' addresses, not
	 * a member's, which FORTIFY_SOURCE would take for the bound.
	 */
	BUILD_BUG_ON(offsetof(struct altp2m_monitor_regs, rax) != 0 ||
		     offsetofend(struct altp2m_monitor_regs, rflags) != gprs);
	lockdep_assert_held(&vcpu->lock);
	altp2m_vmx_get_regs(vcpu, &g);
	memset(r, 0, sizeof(*r));
	memcpy(r, (const u8 *)&g + offsetof(struct altp2m_regs, rax), gprs);
	r->dr6 = vcpu->vmx.dr[ALTP2M_DR6_SLOT];
	slot = altp2m_vmx_auto_msr_slot(MSR_KERNEL_GS_BASE);
	if (slot >= 0)
		r->kernel_gs_base = vcpu->vmx.auto_guest[slot].value;

	altp2m_vmx_vcpu_get(vcpu);
	r->cr0 = altp2m_vmread(CR0_READ_SHADOW);
	r->cr2 = vcpu->vmx.cr2;
	r->cr3 = altp2m_vmread(GUEST_CR3);
	r->cr4 = altp2m_vmread(CR4_READ_SHADOW);
	r->efer = altp2m_vmread(GUEST_IA32_EFER);
	r->dr7 = vcpu->vmx.dr[ALTP2M_DR7_SLOT];
	r->cs_base = altp2m_vmread(GUEST_CS_BASE);
	r->ss_base = altp2m_vmread(GUEST_SS_BASE);
	r->ds_base = altp2m_vmread(GUEST_DS_BASE);
	r->es_base = altp2m_vmread(GUEST_ES_BASE);
	r->fs_base = altp2m_vmread(GUEST_FS_BASE);
	r->gs_base = altp2m_vmread(GUEST_GS_BASE);
	r->cs = altp2m_vmread(GUEST_CS_SELECTOR);
	r->ss = altp2m_vmread(GUEST_SS_SELECTOR);
	r->ds = altp2m_vmread(GUEST_DS_SELECTOR);
	r->es = altp2m_vmread(GUEST_ES_SELECTOR);
	r->fs = altp2m_vmread(GUEST_FS_SELECTOR);
	r->gs = altp2m_vmread(GUEST_GS_SELECTOR);
	/* The CPL is SS.DPL (SDM 5.5 and the VMX guest-state checks). */
	r->cpl = (altp2m_vmread(GUEST_SS_AR_BYTES) >> 5) & 3;
	altp2m_vmx_vcpu_put();
}

/**
 * altp2m_vmx_monitor_rflags_get - RFLAGS as the guest has it
 * @vcpu: the vCPU, its lock held
 * @rflags: the vCPU's RFLAGS, made to hold the guest's TF during a TF step
 */
void altp2m_vmx_monitor_rflags_get(const struct altp2m_vcpu *vcpu,
				   u64 *rflags)
{
	if (altp2m_step_tf(vcpu))
		*rflags = (*rflags & ~X86_EFLAGS_TF) |
			  (vcpu->mon.step_saved_tf ? X86_EFLAGS_TF : 0);
}

/**
 * altp2m_vmx_monitor_rflags_set - RFLAGS were set (SET_REGS, a response)
 * @vcpu: the vCPU, its lock held
 *
 * During a TF step the new TF is the guest's, and the step keeps its own.
 */
void altp2m_vmx_monitor_rflags_set(struct altp2m_vcpu *vcpu)
{
	if (!altp2m_step_tf(vcpu))
		return;
	vcpu->mon.step_saved_tf = vcpu->vmx.rflags & X86_EFLAGS_TF;
	vcpu->vmx.rflags |= X86_EFLAGS_TF;
}

/**
 * altp2m_vmx_monitor_init_signal - INIT: no step survives it
 * @vcpu: the vCPU, on its thread, its registers just reset
 */
void altp2m_vmx_monitor_init_signal(struct altp2m_vcpu *vcpu)
{
	if (!vcpu->mon.step)
		return;
	vcpu->mon.step = 0;
	altp2m_make_request(vcpu, ALTP2M_REQ_MONITOR);
}

/*
 * The linear and guest-physical address of the instruction at RIP
 * (ALTP2M_GFN_INVALID for the latter when it does not translate).
 */
static void altp2m_mon_rip_addr(struct altp2m_vcpu *vcpu, u64 *gla, u64 *gpa)
{
	struct altp2m_gva_fault fault;
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	u64 cs_base;

	altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
	if (pg.cs_l && (pg.efer & EFER_LMA))
		*gla = vcpu->vmx.rip;
	else
		*gla = (cs_base + vcpu->vmx.rip) & 0xffffffff;
	if (altp2m_gva_to_gpa(&ctx, *gla, ALTP2M_ACC_FETCH |
			      (pg.cpl == 3 ? ALTP2M_ACC_USER : 0), gpa, &fault))
		*gpa = ALTP2M_GFN_INVALID;
}

/* A step's end: TF back to the guest's, the intercepts as without it. */
static void altp2m_step_stop(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	if (altp2m_step_tf(vcpu)) {
		v->rflags &= ~X86_EFLAGS_TF;
		if (vcpu->mon.step_saved_tf)
			v->rflags |= X86_EFLAGS_TF;
	}
	vcpu->mon.step = 0;
	altp2m_make_request(vcpu, ALTP2M_REQ_MONITOR);
}

/*
 * Before an event about the instruction in a step is sent: the event
 * ends the step (the monitor answers it, maybe with another step).
 */
static void altp2m_step_cancel(struct altp2m_vcpu *vcpu)
{
	if (vcpu->mon.step)
		altp2m_step_stop(vcpu);
}

/* A sync or async event of the producers here; the step ends first. */
static enum altp2m_mon_verdict altp2m_mon_send(struct altp2m_vcpu *vcpu,
					       struct altp2m_monitor_event *ev)
{
	altp2m_step_cancel(vcpu);
	return altp2m_monitor_send(vcpu, ev);
}

/*
 * The monitor switches the vCPU (a step's view, a fast step's return):
 * note where it was before the monitor's first switch of it, for the
 * close, as monitor.c does for its own switches. Every switch clears
 * @view_saved (switch.c); both fields are under the VM's mmu_lock.
 */
static void altp2m_mon_switch(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;
	u32 from = vcpu->view, saved;
	bool was;

	lockdep_assert_held(&vcpu->lock);
	if (view == from)
		return;
	mutex_lock(&vm->mmu_lock);
	was = vcpu->mon.view_saved;
	saved = vcpu->mon.saved_view;
	mutex_unlock(&vm->mmu_lock);
	/* A view destroyed meanwhile: the vCPU stays where it is. */
	if (altp2m_vcpu_switch_view(vcpu, view))
		return;
	mutex_lock(&vm->mmu_lock);
	vcpu->mon.saved_view = was ? saved : from;
	vcpu->mon.view_saved = true;
	mutex_unlock(&vm->mmu_lock);
}

/* The guest's TF into what PUSHF pushed and SYSCALL saved in R11. */
static void altp2m_step_fixup(struct altp2m_vcpu *vcpu, u32 step)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u64 tf = vcpu->mon.step_saved_tf ? X86_EFLAGS_TF : 0;
	unsigned int size = (step >> ALTP2M_STEP_SIZE_SHIFT) & 0xff;
	struct altp2m_gva_fault fault;
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	u64 cs_base, ss_base, sp = v->gpr[ALTP2M_RSP], img = 0;
	u32 ss_ar;

	if (step & ALTP2M_STEP_SYSCALL) {
		v->gpr[ALTP2M_R11] = (v->gpr[ALTP2M_R11] & ~X86_EFLAGS_TF) | tf;
		return;
	}
	if (!(step & ALTP2M_STEP_PUSHF) || !size || size > sizeof(img))
		return;
	altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
	altp2m_vmx_vcpu_get(vcpu);
	ss_base = altp2m_vmread(GUEST_SS_BASE);
	ss_ar = altp2m_vmread(GUEST_SS_AR_BYTES);
	altp2m_vmx_vcpu_put();
	if (!(pg.cs_l && (pg.efer & EFER_LMA)))
		sp = (ss_base + (ss_ar & BIT(14) ? (u32)sp : (u16)sp)) &
		     0xffffffff;
	/* The store just succeeded: translation and rights are there. */
	if (altp2m_read_gva(&ctx, sp, &img, size, 0, &fault))
		return;
	img = (img & ~X86_EFLAGS_TF) | tf;
	altp2m_write_gva(&ctx, sp, &img, size, 0, &fault);
}

/*
 * The step in flight is over, the vCPU at the instruction after it (or at
 * the first instruction of the handler of the event it delivered): a FAST
 * step goes to its view, a plain one reports. On the vCPU's thread.
 */
static void altp2m_step_done(struct altp2m_vcpu *vcpu)
{
	struct altp2m_monitor_event ev;
	const struct altp2m_vmx_shadow_step *sh = &vcpu->vmx.shadow;
	u32 step = vcpu->mon.step;

	altp2m_step_stop(vcpu);
	altp2m_step_fixup(vcpu, step);
	/* A shadowed page's access in somebody's step: back, then theirs. */
	if (step & ALTP2M_STEP_SHADOW)
		altp2m_mon_switch(vcpu, sh->return_view);
	if (step & ALTP2M_STEP_WRITE)
		altp2m_bp_resync(vcpu, sh->gfn, sh->shadow_gfn, sh->clean_view);
	if (step & ALTP2M_STEP_BP)
		altp2m_mon_stat_inc(vcpu, bp_steps);
	/*
	 * The module's own steps go back whatever happened in them: the
	 * vCPU must not run on in the clean view.
	 */
	if (step & ALTP2M_STEP_KERNEL) {
		altp2m_mon_switch(vcpu, vcpu->mon.step_return_view);
		return;
	}
	/* Parked already: the guest's request in the step replaced it. */
	if (READ_ONCE(vcpu->mon.parked_seq))
		return;
	if (step & ALTP2M_STEP_FAST) {
		altp2m_mon_switch(vcpu, vcpu->mon.step_return_view);
		return;
	}
	ev = (struct altp2m_monitor_event){ .type = ALTP2M_MON_EV_SINGLESTEP };
	altp2m_mon_rip_addr(vcpu, &ev.u.singlestep.gla, &ev.u.singlestep.gpa);
	altp2m_monitor_send(vcpu, &ev);
}

/**
 * altp2m_vmx_monitor_stepped - an instruction retired with TF set
 * @vcpu: the vCPU, on its thread, in an exit handler
 * @dr6: the #DB's status bits (DR_STEP at least)
 *
 * Return: true when the step was the monitor's (ended here, and the guest
 * got the #DB its own TF or other status bits ask for); false when TF is
 * the guest's alone.
 */
bool altp2m_vmx_monitor_stepped(struct altp2m_vcpu *vcpu, u64 dr6)
{
	bool guest_tf = vcpu->mon.step_saved_tf;

	if (!altp2m_step_tf(vcpu))
		return false;
	dr6 &= ~(u64)DR_STEP;
	if (guest_tf)
		dr6 |= DR_STEP;
	altp2m_step_done(vcpu);
	if (dr6 & (DR_TRAP_BITS | DR_STEP | ALTP2M_DR6_BD))
		altp2m_vmx_raise_db(vcpu, dr6);
	return true;
}

/**
 * altp2m_vmx_monitor_insn_done - the module completed the guest's
 *	instruction (altp2m_vmx_skip_insn())
 * @vcpu: the vCPU, on its thread, in an exit handler
 *
 * Return: true when a monitor's step ended here and the guest's own TF,
 * if set, has its #DB raised already; false for the caller to do that.
 */
bool altp2m_vmx_monitor_insn_done(struct altp2m_vcpu *vcpu)
{
	bool guest_tf = vcpu->vmx.rflags & X86_EFLAGS_TF;

	if (altp2m_step_tf(vcpu))
		return altp2m_vmx_monitor_stepped(vcpu, DR_STEP);
	if (!(vcpu->mon.step & ALTP2M_STEP_MTF))
		return false;
	/* The instruction exited and is done: no MTF exit will come. */
	altp2m_step_done(vcpu);
	if (guest_tf)
		altp2m_vmx_raise_db(vcpu, DR_STEP);
	return true;
}

/**
 * altp2m_vmx_monitor_mtf - a monitor-trap-flag exit: the step is over
 * @vcpu: the vCPU, on its thread
 *
 * It comes after the instruction, or after the delivery of an event
 * (the vCPU at the handler's first instruction).
 */
void altp2m_vmx_monitor_mtf(struct altp2m_vcpu *vcpu)
{
	if (vcpu->mon.step & ALTP2M_STEP_MTF)
		altp2m_step_done(vcpu);
}

/**
 * altp2m_vmx_monitor_step_exception - an exception the step intercepts
 * @vcpu: the vCPU, on its thread
 * @e: the exception's exit
 *
 * While a TF step is in flight every exception exits; one the exit
 * handlers do not take for themselves goes back to the guest here, and
 * altp2m_vmx_monitor_after_exit() turns the step into its delivery.
 *
 * Return: true when taken.
 */
bool altp2m_vmx_monitor_step_exception(struct altp2m_vcpu *vcpu,
				       const struct altp2m_vmx_exit *e)
{
	u32 info = e->intr_info, type = info & INTR_INFO_INTR_TYPE_MASK;
	u8 vector = info & INTR_INFO_VECTOR_MASK;
	u32 error = 0;

	if (!altp2m_step_tf(vcpu))
		return false;
	if (type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION) {
		altp2m_vmx_inject_soft(vcpu, vector, type, e->insn_len);
		return true;
	}
	if (type != INTR_TYPE_HARD_EXCEPTION)
		return false;
	if (info & INTR_INFO_DELIVER_CODE_MASK) {
		altp2m_vmx_vcpu_get(vcpu);
		error = altp2m_vmread(VM_EXIT_INTR_ERROR_CODE);
		altp2m_vmx_vcpu_put();
	}
	/* The CPU leaves CR2 alone when a #PF exits: the address is here. */
	if (vector == X86_TRAP_PF)
		vcpu->vmx.cr2 = e->qualification;
	altp2m_vmx_inject(vcpu, vector, info & INTR_INFO_DELIVER_CODE_MASK,
			  error);
	return true;
}

/*
 * An exit in the middle of the stepped instruction (it faulted: an EPT
 * violation, an exception) leaves no single-step trap for it: the
 * instruction has not retired. An emulator (Bochs) records one anyway in
 * the pending debug exceptions, as if it had; the next entry would then
 * end the step before the instruction ran, or, once the exit's handler
 * cancelled the step, raise a #DB the guest never asked for. Drop it,
 * before the handler runs.
 */
void altp2m_vmx_monitor_exit_begin(struct altp2m_vcpu *vcpu,
				   const struct altp2m_vmx_exit *e)
{
	u32 type = e->intr_info & INTR_INFO_INTR_TYPE_MASK;
	u64 pending;

	if (!altp2m_step_tf(vcpu))
		return;
	switch (e->reason) {
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		if (type == INTR_TYPE_HARD_EXCEPTION &&
		    (e->intr_info & INTR_INFO_VECTOR_MASK) != X86_TRAP_DB)
			break;
		return;
	default:
		return;
	}
	altp2m_vmx_vcpu_get(vcpu);
	pending = altp2m_vmread(GUEST_PENDING_DBG_EXCEPTIONS);
	if (pending & DR_STEP)
		altp2m_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS,
			       pending & ~(u64)DR_STEP);
	altp2m_vmx_vcpu_put();
}

/**
 * altp2m_vmx_monitor_after_exit - the step and the event an exit left
 * @vcpu: the vCPU, on its thread, after the exit handler
 *
 * An exception for the guest in flight during a TF step: it is delivered
 * with the guest's TF, and the step ends at its handler.
 */
void altp2m_vmx_monitor_after_exit(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	if (!altp2m_step_tf(vcpu) || !(v->inject.info & INTR_INFO_VALID_MASK))
		return;
	if (!altp2m_vmx_cfg.timer_value)
		return;
	v->rflags &= ~X86_EFLAGS_TF;
	if (vcpu->mon.step_saved_tf)
		v->rflags |= X86_EFLAGS_TF;
	vcpu->mon.step = (vcpu->mon.step & ALTP2M_STEP_KEEP) |
			 ALTP2M_STEP_ON | ALTP2M_STEP_DELIVER;
	altp2m_make_request(vcpu, ALTP2M_REQ_MONITOR);
}

/**
 * altp2m_vmx_monitor_timer_value - the VMX-preemption timer for an entry
 * @vcpu: the vCPU, right before the entry
 *
 * Return: 0 while a step delivers an event (the exit comes right after the
 * delivery, at the handler's first instruction), else the usual backstop.
 */
u32 altp2m_vmx_monitor_timer_value(struct altp2m_vcpu *vcpu)
{
	return vcpu->mon.step & ALTP2M_STEP_DELIVER ? 0 :
	       altp2m_vmx_cfg.timer_value;
}

/**
 * altp2m_vmx_monitor_timer - a preemption-timer exit
 * @vcpu: the vCPU, on its thread
 *
 * Ends a step that delivered an event, once the delivery is done.
 */
void altp2m_vmx_monitor_timer(struct altp2m_vcpu *vcpu)
{
	if ((vcpu->mon.step & ALTP2M_STEP_DELIVER) &&
	    !(vcpu->vmx.inject.info & INTR_INFO_VALID_MASK))
		altp2m_step_done(vcpu);
}

/**
 * altp2m_vmx_monitor_holds_events - whether interrupts and NMIs wait
 * @vcpu: the vCPU, right before an entry
 */
bool altp2m_vmx_monitor_holds_events(const struct altp2m_vcpu *vcpu)
{
	return vcpu->mon.step;
}

static void altp2m_step_arm(struct altp2m_vcpu *vcpu,
			    const struct altp2m_mon_reply *r, u32 extra);

/*
 * The view to step a shadowed page's instruction on: @clean_view, or view
 * 0 (which never remaps) once @clean_view was destroyed, rather than the
 * shadow, whose INT3 the step would run.
 */
static u32 altp2m_bp_step_view(struct altp2m_vcpu *vcpu, u32 clean_view)
{
	struct altp2m_vm *vm = vcpu->vm;
	u64 eptp;
	int ret;

	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_eptp(&vm->views, clean_view, false, &eptp);
	mutex_unlock(&vm->mmu_lock);
	return ret ? 0 : clean_view;
}

/*
 * Step the instruction at RIP on @clean_view and come back to the view
 * the vCPU is on, all in the module (a FAST step of its own): a hidden
 * breakpoint's step-over (ALTP2M_STEP_BP) or a shadowed page's access.
 * Should the switch fail (the view destroyed in between), no step is
 * left armed: the instruction runs again where it is.
 */
static void altp2m_bp_step(struct altp2m_vcpu *vcpu, u32 clean_view,
			   u32 extra)
{
	u32 view = altp2m_bp_step_view(vcpu, clean_view);
	struct altp2m_mon_reply r = {
		.flags = ALTP2M_MON_RSP_FAST_SINGLESTEP,
		.view = vcpu->view,
		.step_view = view,
	};

	/* The hint is about the clean view's bytes, not view 0's. */
	if (view != clean_view)
		extra &= ~ALTP2M_STEP_PLAIN;
	altp2m_step_arm(vcpu, &r, ALTP2M_STEP_KERNEL | extra);
	if (vcpu->view != view)
		altp2m_step_stop(vcpu);
}

/*
 * @plain: the breakpoint's instruction needs none of the step's fix-ups
 * (struct altp2m_bp's @step_plain), so the step need not fetch it.
 */
static void altp2m_bp_step_over(struct altp2m_vcpu *vcpu, u32 clean_view,
				bool plain)
{
	altp2m_bp_step(vcpu, clean_view,
		       ALTP2M_STEP_BP | (plain ? ALTP2M_STEP_PLAIN : 0));
}

/* What an INT3 exit found at its address. */
enum altp2m_bp_found {
	ALTP2M_BP_NOT_HIDDEN,	/* not a shadow frame's byte, or the guest's */
	ALTP2M_BP_HIT,		/* a hidden breakpoint: @hit filled */
	ALTP2M_BP_RETRY,	/* a breakpoint removed since: run the byte */
};

struct altp2m_bp_hit {
	u32 id;
	u32 flags;
	u32 clean_view;
	u32 nop_len;
	bool step_plain;
	u64 hits;
};

/*
 * The INT3 at @gpa, fetched through the vCPU's current view: a hidden
 * breakpoint when the view remaps the page to a hidden frame and one is
 * planted at that byte. The hit is counted on the breakpoint here.
 */
static enum altp2m_bp_found altp2m_bp_find(struct altp2m_vcpu *vcpu, u64 gpa,
					   struct altp2m_bp_hit *hit)
{
	enum altp2m_bp_found found = ALTP2M_BP_NOT_HIDDEN;
	unsigned int off = offset_in_page(gpa);
	struct altp2m_vm *vm = vcpu->vm;
	u64 gfn = gpa >> PAGE_SHIFT, frame;
	struct altp2m_bp *bp;
	struct page *page;
	u8 *va, byte;

	mutex_lock(&vm->mmu_lock);
	frame = altp2m_views_frame_gfn(&vm->views, vcpu->view, gfn);
	page = frame != gfn ? altp2m_hidden_page(vm, frame) : NULL;
	if (!page)
		goto out;
	rcu_read_lock();
	bp = altp2m_bp_lookup(vm, frame, off);
	if (bp) {
		hit->id = bp->id;
		hit->flags = bp->flags;
		hit->clean_view = bp->clean_view;
		hit->nop_len = bp->nop_len;
		hit->step_plain = bp->step_plain;
		hit->hits = atomic64_inc_return(&bp->hits);
		found = ALTP2M_BP_HIT;
	}
	rcu_read_unlock();
	if (found == ALTP2M_BP_HIT)
		goto out;
	/* No breakpoint there: the byte tells a removed one from the guest's. */
	va = kmap_local_page(page);
	byte = va[off];
	kunmap_local(va);
	if (byte != ALTP2M_BP_INT3)
		found = ALTP2M_BP_RETRY;
out:
	mutex_unlock(&vm->mmu_lock);
	return found;
}

/*
 * The no-op length a hit may complete in place: the breakpoint's, when
 * the code's address size is 32 or 64 bits (altp2m_bp_nop_len() decodes
 * those; 16-bit addressing makes other ModRM lengths), else 0.
 */
static u32 altp2m_bp_nop_here(struct altp2m_vcpu *vcpu, u32 nop_len)
{
	struct altp2m_paging pg;
	u64 cs_base;

	if (!nop_len)
		return 0;
	altp2m_vmx_paging(vcpu, &pg, &cs_base);
	if (pg.cs_l && (pg.efer & EFER_LMA))
		return nop_len;
	if ((pg.cr0 & X86_CR0_PE) && pg.cs_db &&
	    !(vcpu->vmx.rflags & X86_EFLAGS_VM))
		return nop_len;
	return 0;
}

/*
 * A hidden breakpoint's instruction done: a no-op completed in place,
 * with all a retired instruction brings (the STI/MOV-SS shadow ends, the
 * guest's own TF gets its #DB, a monitor's step in flight ends), one exit
 * per hit; anything else stepped over on @clean_view.
 */
static void altp2m_bp_continue(struct altp2m_vcpu *vcpu, u32 clean_view,
			       u32 nop_len, bool plain)
{
	if (nop_len)
		altp2m_vmx_skip_insn(vcpu, nop_len);
	else
		altp2m_bp_step_over(vcpu, clean_view, plain);
}

/*
 * A #BP exit of an INT3 (one byte, RIP at it): a hidden breakpoint's hit
 * is handled here (counted, reported as its action says, completed or
 * stepped over).
 *
 * Return: false when it is the guest's own INT3.
 */
static bool altp2m_bp_exit(struct altp2m_vcpu *vcpu)
{
	struct altp2m_monitor_event ev;
	struct altp2m_bp_hit hit;
	u64 gla, gpa;
	u32 nop_len;

	altp2m_mon_rip_addr(vcpu, &gla, &gpa);
	if (gpa == ALTP2M_GFN_INVALID)
		return false;
	switch (altp2m_bp_find(vcpu, gpa, &hit)) {
	case ALTP2M_BP_NOT_HIDDEN:
		return false;
	case ALTP2M_BP_RETRY:
		altp2m_mon_stat_inc(vcpu, bp_retries);
		return true;
	case ALTP2M_BP_HIT:
		break;
	}
	altp2m_mon_stat_inc(vcpu, bp_hits);
	nop_len = altp2m_bp_nop_here(vcpu, hit.nop_len);
	if (hit.flags & (ALTP2M_MON_BP_ASYNC | ALTP2M_MON_BP_SYNC)) {
		/* A count-only hit, stepped over here, needs no event. */
		ev = (struct altp2m_monitor_event){
			.type = ALTP2M_MON_EV_BREAKPOINT,
		};
		ev.u.breakpoint.gpa = gpa;
		ev.u.breakpoint.gla = gla;
		ev.u.breakpoint.insn_len = 1;
		ev.u.breakpoint.flags = ALTP2M_MON_BPF_HIDDEN;
		ev.u.breakpoint.id = hit.id;
		ev.u.breakpoint.hits = hit.hits;
		/* The breakpoint's action says sync or not (monitor.h). */
		ev.flags = hit.flags & ALTP2M_MON_BP_SYNC ? ALTP2M_MON_EVF_SYNC :
							    0;
		vcpu->vmx.mon_park = (struct altp2m_vmx_mon_park){
			.insn_len = 1,
			.hidden = true,
			.clean_view = hit.clean_view,
			.nop_len = nop_len,
		};
		if (altp2m_mon_send(vcpu, &ev) == ALTP2M_MON_PARKED)
			return true;
	}
	altp2m_bp_continue(vcpu, hit.clean_view, nop_len, hit.step_plain);
	return true;
}

/**
 * altp2m_vmx_monitor_shadow_access - a read or write the vCPU's view
 *	refused, of a page it remaps to a shadow frame with breakpoints
 * @vcpu: the vCPU, on its thread
 * @f: the fault
 *
 * The instruction is stepped on the clean view of one of the frame's
 * breakpoints, where it reads or writes the original page, and the vCPU
 * comes back; after a write the shadow is copied again (the step's end).
 * A step in flight already (a monitor's) just moves to the clean view for
 * the instruction and comes back before it ends as it would have.
 *
 * Return: true when taken (the instruction runs again, on the clean
 * view); false for the monitor or the VMM to see the violation.
 */
bool altp2m_vmx_monitor_shadow_access(struct altp2m_vcpu *vcpu,
				      const struct altp2m_view_fault *f)
{
	struct altp2m_vmx_shadow_step *sh = &vcpu->vmx.shadow;
	u32 write = f->access & ALTP2M_VIEW_FAULT_W ? ALTP2M_STEP_WRITE : 0;
	struct altp2m_vm *vm = vcpu->vm;
	u64 gfn = f->gpa >> PAGE_SHIFT, frame;
	u32 clean, view = vcpu->view;
	bool shadowed;

	if (!READ_ONCE(vm->bps.nr) || (f->access & ALTP2M_VIEW_FAULT_X) ||
	    !(f->access & (ALTP2M_VIEW_FAULT_R | ALTP2M_VIEW_FAULT_W)))
		return false;
	mutex_lock(&vm->mmu_lock);
	frame = altp2m_views_frame_gfn(&vm->views, view, gfn);
	shadowed = frame != gfn && altp2m_hidden_page(vm, frame) &&
		   altp2m_bp_frame_clean_view(vm, frame, &clean);
	mutex_unlock(&vm->mmu_lock);
	/* On the clean view already (it remaps the page too): no way out. */
	if (!shadowed || clean == view)
		return false;
	altp2m_mon_stat_inc(vcpu, shadow_steps);
	*sh = (struct altp2m_vmx_shadow_step){
		.gfn = gfn, .shadow_gfn = frame, .clean_view = clean,
		.return_view = view,
	};
	if (vcpu->mon.step) {
		vcpu->mon.step |= ALTP2M_STEP_SHADOW | write;
		altp2m_mon_switch(vcpu, altp2m_bp_step_view(vcpu, clean));
		return true;
	}
	altp2m_bp_step(vcpu, clean, write);
	return true;
}

/**
 * altp2m_vmx_monitor_violation - a view violation for the monitor
 * @vcpu: the vCPU, on its thread
 * @e: the exit (addresses, qualification)
 * @f: the fault
 * @flags: ALTP2M_VIOLATION_* as for the VMM
 *
 * Return: true when the monitor took it (the instruction runs again after
 * the response), false when the VMM gets it.
 */
bool altp2m_vmx_monitor_violation(struct altp2m_vcpu *vcpu,
				  const struct altp2m_vmx_exit *e,
				  const struct altp2m_view_fault *f, u8 flags)
{
	struct altp2m_monitor_event ev;

	if (!altp2m_monitor_wants(vcpu, ALTP2M_MON_EV_VIOLATION, 0))
		return false;
	/* Zeroed only now: an exit without a monitor pays nothing for it. */
	ev = (struct altp2m_monitor_event){ .type = ALTP2M_MON_EV_VIOLATION };
	ev.u.violation.gpa = e->gpa;
	ev.u.violation.gla = (flags & ALTP2M_VIOLATION_GLA_VALID) ? e->gla : 0;
	ev.u.violation.qualification = e->qualification;
	ev.u.violation.access = f->access;
	ev.u.violation.entry_access = f->entry_access;
	ev.u.violation.flags = flags;
	/* Sync only: anything but "no monitor" leaves it to the response. */
	return altp2m_mon_send(vcpu, &ev) != ALTP2M_MON_NONE;
}

/**
 * altp2m_vmx_monitor_breakpoint - a #BP exit (INT3)
 * @vcpu: the vCPU, on its thread
 * @e: the exit
 *
 * A hidden breakpoint's hit stays in the module (altp2m_bp_exit()).
 * Without a monitor that wants it (it was disabled after the intercept
 * was set) the guest gets its #BP, as without an intercept.
 */
void altp2m_vmx_monitor_breakpoint(struct altp2m_vcpu *vcpu,
				   const struct altp2m_vmx_exit *e)
{
	struct altp2m_monitor_event ev;
	u32 type = e->intr_info & INTR_INFO_INTR_TYPE_MASK;
	u32 len = e->insn_len;

	/* A hidden breakpoint's, or one removed since (kmod/hidden.h). */
	if (type == INTR_TYPE_SOFT_EXCEPTION && len == 1 &&
	    altp2m_bp_exit(vcpu))
		return;
	if (type == INTR_TYPE_SOFT_EXCEPTION &&
	    altp2m_monitor_wants(vcpu, ALTP2M_MON_EV_BREAKPOINT, 0)) {
		ev = (struct altp2m_monitor_event){
			.type = ALTP2M_MON_EV_BREAKPOINT,
		};
		altp2m_mon_rip_addr(vcpu, &ev.u.breakpoint.gla,
				    &ev.u.breakpoint.gpa);
		ev.u.breakpoint.insn_len = len;
		vcpu->vmx.mon_park = (struct altp2m_vmx_mon_park){
			.insn_len = len,
		};
		if (altp2m_mon_send(vcpu, &ev) == ALTP2M_MON_PARKED)
			return;
	}
	if (type == INTR_TYPE_SOFT_EXCEPTION)
		altp2m_vmx_inject_soft(vcpu, X86_TRAP_BP, type, len);
	else
		altp2m_vmx_inject(vcpu, X86_TRAP_BP, false, 0);
}

/* The write a CR or MSR event is about, as the guest's instruction does. */
static int altp2m_mon_do_write(struct altp2m_vcpu *vcpu, u32 type, u32 index,
			       u64 val)
{
	if (type == ALTP2M_MON_EV_CR)
		return altp2m_vmx_write_cr(vcpu, index, val);
	return altp2m_vmx_wrmsr(vcpu, index, val);
}

/**
 * altp2m_vmx_monitor_write - a guest MOV to CR0, CR3 or CR4, or a WRMSR
 * @vcpu: the vCPU, on its thread, in the exit handler
 * @type: ALTP2M_MON_EV_CR or ALTP2M_MON_EV_MSR
 * @index: the register
 * @val: the value written
 * @len: the instruction's length
 *
 * Sync: the vCPU parks with nothing written. Async: the write is done,
 * then the event sent (not for a write that raises #GP).
 *
 * Return: ALTP2M_MON_WRITE_PARKED, else the write's result: 0 or
 * ALTP2M_LAPIC_EXIT (the caller completes the instruction; the latter
 * for the VMM), or -EINVAL (#GP).
 */
int altp2m_vmx_monitor_write(struct altp2m_vcpu *vcpu, u32 type, u32 index,
			     u64 val, u32 len)
{
	struct altp2m_monitor_event ev;
	bool wanted, sync = false;
	u64 old = 0;
	int ret;

	if (!altp2m_monitor_wants(vcpu, type, index))
		return altp2m_mon_do_write(vcpu, type, index, val);
	ev = (struct altp2m_monitor_event){ .type = type };
	if (type == ALTP2M_MON_EV_CR) {
		old = altp2m_vmx_read_cr(vcpu, index);
		wanted = altp2m_monitor_cr_wanted(vcpu, index, old, val, &sync);
		ev.u.cr.index = index;
		ev.u.cr.old_value = old;
		ev.u.cr.new_value = val;
	} else {
		/* The APIC's MSRs are the in-kernel APIC's, as for RDMSR. */
		ret = vcpu->lapic ? altp2m_lapic_msr_get(vcpu, index, &old) :
				    -ENOENT;
		if (ret == -ENOENT)
			ret = altp2m_vmx_get_msr(vcpu, index, &old);
		if (ret)
			old = 0;
		wanted = altp2m_monitor_msr_wanted(vcpu, index, old, val,
						   &sync);
		ev.u.msr.index = index;
		ev.u.msr.old_value = old;
		ev.u.msr.new_value = val;
	}
	if (wanted && sync) {
		vcpu->vmx.mon_park = (struct altp2m_vmx_mon_park){
			.index = index, .insn_len = len, .value = val,
		};
		if (altp2m_mon_send(vcpu, &ev) == ALTP2M_MON_PARKED)
			return ALTP2M_MON_WRITE_PARKED;
		wanted = false;
	}
	ret = altp2m_mon_do_write(vcpu, type, index, val);
	if (ret >= 0 && wanted)
		altp2m_mon_send(vcpu, &ev);
	return ret;
}

/**
 * altp2m_vmx_monitor_cpuid - a guest CPUID
 * @vcpu: the vCPU, on its thread
 * @e: the exit
 *
 * Return: true when the vCPU parked (the response completes CPUID), false
 * when the caller answers it as usual.
 */
bool altp2m_vmx_monitor_cpuid(struct altp2m_vcpu *vcpu,
			      const struct altp2m_vmx_exit *e)
{
	struct altp2m_monitor_event ev;

	if (!altp2m_monitor_wants(vcpu, ALTP2M_MON_EV_CPUID, 0))
		return false;
	ev = (struct altp2m_monitor_event){ .type = ALTP2M_MON_EV_CPUID };
	ev.u.cpuid.leaf = vcpu->vmx.gpr[ALTP2M_RAX];
	ev.u.cpuid.subleaf = vcpu->vmx.gpr[ALTP2M_RCX];
	ev.u.cpuid.insn_len = e->insn_len;
	vcpu->vmx.mon_park = (struct altp2m_vmx_mon_park){
		.insn_len = e->insn_len,
	};
	return altp2m_mon_send(vcpu, &ev) == ALTP2M_MON_PARKED;
}

/*
 * What the step needs to know about the instruction at RIP (core/step.h):
 * a software interrupt is injected (returns true), PUSHF and SYSCALL are
 * noted in *@step for the fix-up of the RFLAGS image they leave.
 */
static bool altp2m_step_decode(struct altp2m_vcpu *vcpu, u32 *step)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u8 insn[ALTP2M_INSN_MAX_LEN];
	struct altp2m_step_insn si;
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	unsigned int avail;
	u64 cs_base;

	altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
	avail = altp2m_vmx_fetch_insn(vcpu, &ctx, cs_base, insn);
	altp2m_step_classify(insn, avail, pg.cs_l && (pg.efer & EFER_LMA),
			     pg.cs_db, v->rflags & X86_EFLAGS_OF, &si);
	switch (si.kind) {
	case ALTP2M_STEP_INSN_SOFT_INT:
		altp2m_vmx_inject_soft(vcpu, si.event & INTR_INFO_VECTOR_MASK,
				       si.event & INTR_INFO_INTR_TYPE_MASK,
				       si.len);
		return true;
	case ALTP2M_STEP_INSN_PUSHF:
		*step |= ALTP2M_STEP_PUSHF |
			 si.push_size << ALTP2M_STEP_SIZE_SHIFT;
		break;
	case ALTP2M_STEP_INSN_SYSCALL:
		*step |= ALTP2M_STEP_SYSCALL;
		break;
	default:
		break;
	}
	return false;
}

/*
 * Arm the step a response asked for, or the module's own (@extra:
 * ALTP2M_STEP_KERNEL and what it is for).
 */
static void altp2m_step_arm(struct altp2m_vcpu *vcpu,
			    const struct altp2m_mon_reply *r, u32 extra)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u32 step = ALTP2M_STEP_ON | extra;

	/*
	 * On the step's view before the instruction is looked at: a remap
	 * there may put other code at RIP. (monitor.c's own switch to it
	 * then finds the vCPU there.)
	 */
	altp2m_mon_switch(vcpu, r->step_view);
	if (r->flags & ALTP2M_MON_RSP_FAST_SINGLESTEP) {
		step |= ALTP2M_STEP_FAST;
		vcpu->mon.step_return_view = r->view;
	}
	vcpu->mon.step_saved_tf = v->rflags & X86_EFLAGS_TF;
	/* MTF: the CPU stops after the instruction or a delivery itself. */
	if (altp2m_vmx_cfg.mtf) {
		vcpu->mon.step = step | ALTP2M_STEP_MTF;
		altp2m_make_request(vcpu, ALTP2M_REQ_MONITOR);
		return;
	}
	/*
	 * An event in flight (a violation in its delivery) or a software
	 * interrupt: the delivery is the step, stopped by the timer; without
	 * a timer, the TF path (documented above).
	 */
	if (altp2m_vmx_cfg.timer_value &&
	    ((v->inject.info & INTR_INFO_VALID_MASK) ||
	     (!(extra & ALTP2M_STEP_PLAIN) &&
	      altp2m_step_decode(vcpu, &step)))) {
		step = (step & ALTP2M_STEP_KEEP) | ALTP2M_STEP_ON |
		       ALTP2M_STEP_DELIVER;
	} else {
		v->rflags |= X86_EFLAGS_TF;
	}
	vcpu->mon.step = step;
	altp2m_make_request(vcpu, ALTP2M_REQ_MONITOR);
}

/**
 * altp2m_vmx_monitor_check - whether @r can be carried out for the event
 *	@vcpu is parked on
 * @vcpu: the vCPU, its lock held
 * @r: the checked-for-form reply
 *
 * Return: 0, or -EINVAL for a response the event's type does not take, a
 * SINGLESTEP without SINGLESTEP events enabled, both kinds of step, a
 * breakpoint's reinjection together with a step (the #BP's delivery would
 * be the step, with the guest's code skipped), or a hidden breakpoint's
 * reinjection (the guest did not plant it).
 */
int altp2m_vmx_monitor_check(struct altp2m_vcpu *vcpu,
			     const struct altp2m_mon_reply *r)
{
	u32 type = vcpu->mon.parked_type;

	lockdep_assert_held(&vcpu->lock);
	if (type >= ALTP2M_MON_EV_NR)
		return -EINVAL;
	if (r->flags & ~altp2m_mon_rsp_by_type[type])
		return -EINVAL;
	if ((r->flags & ALTP2M_MON_RSP_STEPS) == ALTP2M_MON_RSP_STEPS)
		return -EINVAL;
	if ((r->flags & ALTP2M_MON_RSP_SINGLESTEP) &&
	    !altp2m_monitor_wants(vcpu, ALTP2M_MON_EV_SINGLESTEP, 0))
		return -EINVAL;
	if ((r->flags & ALTP2M_MON_RSP_REINJECT) &&
	    (r->flags & ALTP2M_MON_RSP_STEPS))
		return -EINVAL;
	if (type == ALTP2M_MON_EV_BREAKPOINT && vcpu->vmx.mon_park.hidden &&
	    altp2m_bp_response(r->flags, false) == ALTP2M_BP_RSP_INVALID)
		return -EINVAL;
	return 0;
}

/* The parked instruction, completed as the response (or close) says. */
static void altp2m_mon_complete(struct altp2m_vcpu *vcpu,
				const struct altp2m_mon_reply *r)
{
	const struct altp2m_vmx_mon_park *p = &vcpu->vmx.mon_park;
	u32 type = vcpu->mon.parked_type;

	/* A close reaches vCPUs that are not parked too. */
	if (!vcpu->mon.parked_seq)
		return;
	switch (type) {
	case ALTP2M_MON_EV_BREAKPOINT:
		/*
		 * A hidden one is not the guest's: a close leaves the vCPU at
		 * the instruction, whose INT3 the close took out already.
		 */
		if (p->hidden)
			break;
		if (r->closing || (r->flags & ALTP2M_MON_RSP_REINJECT))
			altp2m_vmx_inject_soft(vcpu, X86_TRAP_BP,
					       INTR_TYPE_SOFT_EXCEPTION,
					       p->insn_len);
		break;
	case ALTP2M_MON_EV_CR:
	case ALTP2M_MON_EV_MSR:
		if (!r->closing && (r->flags & ALTP2M_MON_RSP_DENY)) {
			altp2m_vmx_skip_insn(vcpu, p->insn_len);
			break;
		}
		/*
		 * The watched APIC MSRs (base, TSC deadline) never ask for the
		 * VMM (ALTP2M_LAPIC_EXIT is for the EOI, not watched).
		 */
		if (altp2m_mon_do_write(vcpu, type, p->index, p->value) < 0)
			altp2m_vmx_inject(vcpu, X86_TRAP_GP, true, 0);
		else
			altp2m_vmx_skip_insn(vcpu, p->insn_len);
		break;
	case ALTP2M_MON_EV_CPUID:
		if (!r->closing && (r->flags & ALTP2M_MON_RSP_SET_REGS))
			break;
		altp2m_vmx_cpuid(vcpu);
		altp2m_vmx_skip_insn(vcpu, p->insn_len);
		break;
	}
}

/**
 * altp2m_vmx_monitor_apply - the vCPU's part of a reply
 * @vcpu: the parked vCPU, its lock held (any thread)
 * @r: a reply altp2m_vmx_monitor_check() accepted, or a close's
 *
 * In the uAPI's order: the registers, the parked instruction (reinjected,
 * denied, written, answered), the step (on @r->step_view, which this
 * switches to). A close cancels a step in flight instead.
 */
void altp2m_vmx_monitor_apply(struct altp2m_vcpu *vcpu,
			      const struct altp2m_mon_reply *r)
{
	const struct altp2m_vmx_mon_park *p = &vcpu->vmx.mon_park;
	bool hidden = vcpu->mon.parked_seq &&
		      vcpu->mon.parked_type == ALTP2M_MON_EV_BREAKPOINT &&
		      p->hidden;
	bool rip_moved = (r->flags & ALTP2M_MON_RSP_SET_REGS) &&
			 r->regs.rip != vcpu->vmx.rip;
	u32 clean_view = p->clean_view, nop_len = p->nop_len;

	lockdep_assert_held(&vcpu->lock);
	if (r->closing) {
		altp2m_step_cancel(vcpu);
		altp2m_mon_complete(vcpu, r);
		return;
	}
	/* A step still in flight keeps its TF (altp2m_vmx_set_regs()). */
	if (r->flags & ALTP2M_MON_RSP_SET_REGS)
		altp2m_vmx_set_regs(vcpu, &r->regs);
	altp2m_mon_complete(vcpu, r);
	if (r->flags & ALTP2M_MON_RSP_STEPS)
		altp2m_step_arm(vcpu, r, 0);
	else if (hidden && altp2m_bp_response(r->flags, rip_moved) ==
		 ALTP2M_BP_RSP_STEP_OVER)
		altp2m_bp_continue(vcpu, clean_view, nop_len, false);
}

/**
 * altp2m_vmx_monitor_update - program the intercepts the monitor's
 *	events need (ALTP2M_REQ_MONITOR, before the vCPU's next entry)
 * @vcpu: the vCPU, its VMCS current on this CPU, preemption off
 *
 * #BP exits while BREAKPOINT is enabled or the VM has hidden breakpoints,
 * every exception during a TF step, MOV to CR3 while a CR3 event is
 * enabled or a CR3 table installed (cr3_views.c); the monitor trap flag is on
 * during an MTF step.
 */
void altp2m_vmx_monitor_update(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u32 bitmap = altp2m_vmx_exception_bitmap(), proc;

	if (altp2m_monitor_wants(vcpu, ALTP2M_MON_EV_BREAKPOINT, 0) ||
	    READ_ONCE(vcpu->vm->bps.nr))
		bitmap |= BIT(X86_TRAP_BP);
	if (altp2m_step_tf(vcpu))
		bitmap = ~0U;
	altp2m_vmwrite(EXCEPTION_BITMAP, bitmap);

	proc = v->proc & ~ALTP2M_PROC_MONITOR;
	if (altp2m_monitor_wants(vcpu, ALTP2M_MON_EV_CR, 3) ||
	    altp2m_cr3_views_active(vcpu))
		proc |= CPU_BASED_CR3_LOAD_EXITING;
	if (vcpu->mon.step & ALTP2M_STEP_MTF)
		proc |= CPU_BASED_MONITOR_TRAP_FLAG;
	proc |= altp2m_vmx_cfg.proc & CPU_BASED_CR3_LOAD_EXITING;
	if (proc != v->proc) {
		altp2m_vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc);
		v->proc = proc;
	}
}
