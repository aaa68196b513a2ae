/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decisions at the guest/host boundary that do not need the hardware:
 * which exits must reach a host handler before interrupts are on again,
 * and which entry mitigations this CPU needs. Hardware-independent, so
 * the userspace unit tests check exactly what the module runs (Bochs
 * cannot raise a machine check or report a vulnerable CPU).
 */
#ifndef ALTP2M_CORE_BOUNDARY_H
#define ALTP2M_CORE_BOUNDARY_H

#include <linux/bits.h>
#include <linux/types.h>

/* VM-exit reason field and VM-exit interruption information (SDM 25.9). */
#define ALTP2M_EXIT_FAILED_ENTRY	BIT(31)
#define ALTP2M_EXIT_BASIC_MASK		0xffffU
#define ALTP2M_EXIT_EXCEPTION_NMI	0
#define ALTP2M_EXIT_MCE_DURING_ENTRY	41
#define ALTP2M_INTR_INFO_VALID		BIT(31)
#define ALTP2M_INTR_INFO_TYPE_MASK	(7U << 8)
#define ALTP2M_INTR_TYPE_NMI		(2U << 8)
#define ALTP2M_INTR_TYPE_HW_EXC		(3U << 8)
#define ALTP2M_INTR_INFO_VECTOR_MASK	0xffU
#define ALTP2M_VECTOR_MC		18

/*
 * What an exit needs from the host with interrupts still off, before
 * anything else runs: an NMI or a machine check that hit while the guest
 * ran is gone from the CPU once the exit has happened, and only the
 * host's own handler may deal with it.
 */
enum altp2m_exit_irqoff {
	ALTP2M_EXIT_IRQOFF_NONE,
	ALTP2M_EXIT_IRQOFF_NMI,		/* host NMI handler, then as usual */
	ALTP2M_EXIT_IRQOFF_MCE,		/* host #MC handler, enter again */
	ALTP2M_EXIT_IRQOFF_MCE_ENTRY,	/* host #MC handler, failed entry */
};

enum altp2m_exit_irqoff altp2m_exit_irqoff_kind(u32 exit_reason,
						u32 intr_info);

/* When to flush L1D before an entry: altp2m_entry_policy_decide(). */
enum altp2m_l1d_when {
	ALTP2M_L1D_WHEN_AUTO,		/* as the kernel's l1tf= says */
	ALTP2M_L1D_WHEN_COND,		/* when it may hold others' data */
	ALTP2M_L1D_WHEN_ALWAYS,		/* before every entry */
};

/*
 * What the kernel says about this CPU and its own mitigation choices, and
 * what the administrator asked for.
 */
struct altp2m_cpu_risks {
	bool l1tf;			/* X86_BUG_L1TF */
	bool l1tf_off;			/* l1tf=off or mitigations=off */
	bool l1tf_skip_entry_flush;	/* ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY */
	bool flush_l1d;			/* IA32_FLUSH_CMD exists */
	bool smt_active;
	bool l1tf_full;			/* l1tf=full or full,force */
	bool irq_hint;			/* IRQ entry notes it for KVM's flush */
	enum altp2m_l1d_when when;	/* the module parameter l1d_flush */
};

/* How to empty L1D before a VM entry. */
enum altp2m_l1d_flush {
	ALTP2M_L1D_FLUSH_NONE,
	ALTP2M_L1D_FLUSH_MSR,		/* IA32_FLUSH_CMD.L1D_FLUSH */
	ALTP2M_L1D_FLUSH_SOFTWARE,	/* read a buffer twice L1D's size */
};

/**
 * struct altp2m_entry_policy - what the entry path does on this CPU
 * @l1d_flush: how to flush L1D before a VM entry
 * @l1d_cond: only before the entries altp2m_l1d_flush_due() names;
 *	false: before every entry
 * @warning: a risk nobody can close from here (NULL for none), to log
 */
struct altp2m_entry_policy {
	enum altp2m_l1d_flush l1d_flush;
	bool l1d_cond;
	const char *warning;
};

void altp2m_entry_policy_decide(const struct altp2m_cpu_risks *r,
				struct altp2m_entry_policy *p);

/**
 * struct altp2m_l1d_track - what may be in L1D since a vCPU's last entry
 * @switches: its thread's context switches (nvcsw + nivcsw) at that entry
 * @dirty: host code ran since that may have read other parties' data
 *	(the VMM's, another process's, another VM's): set at every
 *	ALTP2M_RUN and by exits whose handling reaches beyond this VM
 */
struct altp2m_l1d_track {
	unsigned long switches;
	bool dirty;
};

bool altp2m_l1d_flush_due(struct altp2m_l1d_track *t, unsigned long switches,
			  bool irq);

#endif /* ALTP2M_CORE_BOUNDARY_H */
