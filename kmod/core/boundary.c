// SPDX-License-Identifier: GPL-2.0
/*
 * Boundary decisions; see boundary.h. The kernel side (vmx/enter.c) only
 * gathers the inputs and carries out the result.
 */
#include <linux/string.h>

#include "boundary.h"

/**
 * altp2m_exit_irqoff_kind - which host handler an exit needs at once
 * @exit_reason: the whole VM-exit reason field
 * @intr_info: the VM-exit interruption information
 *
 * An #MC exception exit (the exception bitmap always has #MC) and exit
 * reason 41 (machine check during VM entry, which always comes with the
 * failed-entry bit) both mean the host's machine-check handler has not
 * run for an #MC the CPU took. An NMI exit means the same for an NMI.
 *
 * Return: the handler to run, ALTP2M_EXIT_IRQOFF_NONE for an exit the
 * handlers in exits.c may take with interrupts on.
 */
enum altp2m_exit_irqoff altp2m_exit_irqoff_kind(u32 exit_reason,
						u32 intr_info)
{
	u32 basic = exit_reason & ALTP2M_EXIT_BASIC_MASK;

	if (basic == ALTP2M_EXIT_MCE_DURING_ENTRY)
		return ALTP2M_EXIT_IRQOFF_MCE_ENTRY;
	if ((exit_reason & ALTP2M_EXIT_FAILED_ENTRY) ||
	    basic != ALTP2M_EXIT_EXCEPTION_NMI ||
	    !(intr_info & ALTP2M_INTR_INFO_VALID))
		return ALTP2M_EXIT_IRQOFF_NONE;
	if ((intr_info & ALTP2M_INTR_INFO_TYPE_MASK) == ALTP2M_INTR_TYPE_NMI)
		return ALTP2M_EXIT_IRQOFF_NMI;
	if ((intr_info & ALTP2M_INTR_INFO_TYPE_MASK) == ALTP2M_INTR_TYPE_HW_EXC &&
	    (intr_info & ALTP2M_INTR_INFO_VECTOR_MASK) == ALTP2M_VECTOR_MC)
		return ALTP2M_EXIT_IRQOFF_MCE;
	return ALTP2M_EXIT_IRQOFF_NONE;
}

/**
 * altp2m_entry_policy_decide - the entry mitigations this CPU gets
 * @r: the CPU's risks, the kernel's choices and the module parameter
 * @p: filled
 *
 * L1TF: a guest can read host data left in L1D through its own non-present
 * or reserved page-table entries, which EPT cannot stop. The kernel's
 * l1tf= (and mitigations=off) decide whether that matters, as they do for
 * KVM; a CPU that says it needs no flush at VM entry gets none. The flush
 * uses IA32_FLUSH_CMD where the microcode has it and reads a buffer
 * otherwise, as KVM does.
 *
 * When: as KVM's vmentry_l1d_flush. By default ("auto") the kernel's own
 * l1tf= choice: "full" flushes before every entry; the kernel's default
 * ("flush") flushes only when host code that may have read someone
 * else's data ran since the vCPU's last entry (altp2m_l1d_flush_due()),
 * which is what makes an exit the module handles by itself (a breakpoint
 * hit, a step, a view fill, CPUID) cheap: without an MSR, the flush is a
 * read of 64 KiB. What "cond" leaves open is what KVM's leaves open:
 * this VM's own data and the module's structures about it, kernel
 * pointers among them. It needs the kernel to say when an interrupt ran
 * (the hook it keeps for KVM); a kernel without it gets "always".
 * With SMT on, the sibling thread can still observe L1D while the guest
 * runs: logged, as KVM does.
 */
void altp2m_entry_policy_decide(const struct altp2m_cpu_risks *r,
				struct altp2m_entry_policy *p)
{
	memset(p, 0, sizeof(*p));
	if (!r->l1tf || r->l1tf_off || r->l1tf_skip_entry_flush)
		return;
	p->l1d_flush = r->flush_l1d ? ALTP2M_L1D_FLUSH_MSR :
		       ALTP2M_L1D_FLUSH_SOFTWARE;
	switch (r->when) {
	case ALTP2M_L1D_WHEN_AUTO:
		p->l1d_cond = !r->l1tf_full && r->irq_hint;
		break;
	case ALTP2M_L1D_WHEN_COND:
		p->l1d_cond = r->irq_hint;
		break;
	case ALTP2M_L1D_WHEN_ALWAYS:
		break;
	}
	if (r->smt_active)
		p->warning = "L1TF: SMT is on; a guest may read its sibling's L1D";
}

/**
 * altp2m_l1d_flush_due - whether the next entry of a vCPU flushes L1D
 * @t: the vCPU's record, updated for this entry
 * @switches: its thread's context switches now
 * @irq: an interrupt ran on this CPU since anyone last asked (the kernel's
 *	flag, cleared by the caller)
 *
 * Due after anything that may have brought other parties' data into
 * L1D: the vCPU's thread was switched out (another task ran here, or it
 * moved to a CPU where others ran), an interrupt handler ran, or the
 * record was marked dirty. Not due after an exit handled in the module
 * that touched only this VM's memory and the module's state about it.
 *
 * Return: true to flush.
 */
bool altp2m_l1d_flush_due(struct altp2m_l1d_track *t, unsigned long switches,
			  bool irq)
{
	bool due = t->dirty || irq || switches != t->switches;

	t->dirty = false;
	t->switches = switches;
	return due;
}
