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
 * @r: the CPU's risks and the kernel's choices
 * @p: filled
 *
 * L1TF: a guest can read host data left in L1D through its own non-present
 * or reserved page-table entries, which EPT cannot stop. The kernel's
 * l1tf= (and mitigations=off) decide whether that matters, as they do for
 * KVM; a CPU that says it needs no flush at VM entry gets none. The
 * module flushes before every entry (KVM's "always": nearly every exit
 * here runs host code that may pull secrets into L1D), with
 * IA32_FLUSH_CMD where the microcode has it and by reading a buffer
 * otherwise, as KVM does. With SMT on, the sibling thread can still
 * observe L1D while the guest runs: logged, as KVM does.
 */
void altp2m_entry_policy_decide(const struct altp2m_cpu_risks *r,
				struct altp2m_entry_policy *p)
{
	memset(p, 0, sizeof(*p));
	if (!r->l1tf || r->l1tf_off || r->l1tf_skip_entry_flush)
		return;
	p->l1d_flush = r->flush_l1d ? ALTP2M_L1D_FLUSH_MSR :
		       ALTP2M_L1D_FLUSH_SOFTWARE;
	if (r->smt_active)
		p->warning = "L1TF: SMT is on; a guest may read its sibling's L1D";
}
