/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VMCS and where it is loaded.
 */
#ifndef ALTP2M_VMX_VMCS_H
#define ALTP2M_VMX_VMCS_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "ops.h"

/**
 * struct altp2m_vmcs - one VMCS region
 * @region: the 4 KiB region
 * @pa: its physical address
 * @cpu: the CPU it is loaded on (VMPTRLD since the last VMCLEAR), or -1;
 *	changed only on that CPU with interrupts off, or by the owner while
 *	it is loaded nowhere
 * @launched: VMLAUNCH succeeded since the last VMCLEAR (VMRESUME next)
 * @cpu_link: entry in the loaded list of @cpu
 */
struct altp2m_vmcs {
	void *region;
	u64 pa;
	int cpu;
	bool launched;
	struct list_head cpu_link;
};

DECLARE_PER_CPU(struct altp2m_vmcs *, altp2m_vmx_current);

int altp2m_vmcs_alloc(struct altp2m_vmcs *vmcs);
void altp2m_vmcs_free(struct altp2m_vmcs *vmcs);
bool altp2m_vmcs_load(struct altp2m_vmcs *vmcs);
void altp2m_vmcs_clear(struct altp2m_vmcs *vmcs);

#endif /* ALTP2M_VMX_VMCS_H */
