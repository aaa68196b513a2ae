// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware side of monitors (monitor.h): the registers an event
 * carries, and carrying out the vCPU's part of a response.
 *
 * This first version knows only the event that needs no intercept, the
 * guest's own request (a VMCALL the hypercall path hands to monitor.c);
 * the events that do need one (#BP, single steps, CR and MSR writes,
 * CPUID, violations) come with their producers here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>

#include "../altp2m.h"
#include "internal.h"

/* The responses a parked event of each type takes, beside the common ones. */
#define ALTP2M_MON_RSP_COMMON	(ALTP2M_MON_RSP_SWITCH_VIEW | \
				 ALTP2M_MON_RSP_SET_REGS | \
				 ALTP2M_MON_RSP_ACCESS)

static const u32 altp2m_mon_rsp_by_type[ALTP2M_MON_EV_NR] = {
	[ALTP2M_MON_EV_GUEST_REQUEST] = ALTP2M_MON_RSP_COMMON,
};

u64 altp2m_vmx_monitor_events(void)
{
	return BIT_ULL(ALTP2M_MON_EV_GUEST_REQUEST);
}

u32 altp2m_vmx_monitor_singlestep_kind(void)
{
	/* The TF path is the one every CPU (and Bochs, without MTF) has. */
	return ALTP2M_MON_STEP_TF;
}

/**
 * altp2m_vmx_monitor_regs - the registers an event carries
 * @vcpu: the vCPU, its lock held
 * @r: filled in
 */
void altp2m_vmx_monitor_regs(struct altp2m_vcpu *vcpu,
			     struct altp2m_monitor_regs *r)
{
	const u64 *g = vcpu->vmx.gpr;
	int slot;

	lockdep_assert_held(&vcpu->lock);
	memset(r, 0, sizeof(*r));
	r->rax = g[ALTP2M_RAX];
	r->rbx = g[ALTP2M_RBX];
	r->rcx = g[ALTP2M_RCX];
	r->rdx = g[ALTP2M_RDX];
	r->rsi = g[ALTP2M_RSI];
	r->rdi = g[ALTP2M_RDI];
	r->rsp = g[ALTP2M_RSP];
	r->rbp = g[ALTP2M_RBP];
	r->r8 = g[ALTP2M_R8];
	r->r9 = g[ALTP2M_R9];
	r->r10 = g[ALTP2M_R10];
	r->r11 = g[ALTP2M_R11];
	r->r12 = g[ALTP2M_R12];
	r->r13 = g[ALTP2M_R13];
	r->r14 = g[ALTP2M_R14];
	r->r15 = g[ALTP2M_R15];
	r->rip = vcpu->vmx.rip;
	r->rflags = vcpu->vmx.rflags;
	r->dr6 = vcpu->vmx.dr[ALTP2M_DR6_SLOT];
	slot = altp2m_vmx_auto_msr_slot(MSR_KERNEL_GS_BASE);
	if (slot >= 0)
		r->kernel_gs_base = vcpu->vmx.auto_guest[slot].value;

	altp2m_vmx_vcpu_get(vcpu);
	r->cr0 = altp2m_vmread(GUEST_CR0);
	r->cr2 = vcpu->vmx.cr2;
	r->cr3 = altp2m_vmread(GUEST_CR3);
	r->cr4 = altp2m_vmread(GUEST_CR4);
	r->efer = altp2m_vmread(GUEST_IA32_EFER);
	r->dr7 = altp2m_vmread(GUEST_DR7);
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
 * altp2m_vmx_monitor_check - whether @r can be carried out for the event
 *	@vcpu is parked on
 * @vcpu: the vCPU, its lock held
 * @r: the checked-for-form reply
 *
 * Return: 0, or -EINVAL for a response the event's type does not take.
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
	return 0;
}

/**
 * altp2m_vmx_monitor_apply - the vCPU's part of a reply
 * @vcpu: the parked vCPU, its lock held (any thread)
 * @r: a reply altp2m_vmx_monitor_check() accepted, or a close's
 */
void altp2m_vmx_monitor_apply(struct altp2m_vcpu *vcpu,
			      const struct altp2m_mon_reply *r)
{
	lockdep_assert_held(&vcpu->lock);
	if (!r->closing && (r->flags & ALTP2M_MON_RSP_SET_REGS))
		altp2m_vmx_set_regs(vcpu, &r->regs);
}

/**
 * altp2m_vmx_monitor_update - program the intercepts the monitor's
 *	events need (ALTP2M_REQ_MONITOR, before the vCPU's next entry)
 * @vcpu: the vCPU, its VMCS current on this CPU
 *
 * The guest's request needs none: the VMCALL always exits.
 */
void altp2m_vmx_monitor_update(struct altp2m_vcpu *vcpu)
{
}
