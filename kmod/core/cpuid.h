/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPUID a guest sees: the host's, read once when the module loads and
 * filtered, with synthetic topology. Hardware-independent: the host's
 * values come through a callback, so the same code runs in the module
 * and in the userspace unit tests.
 */
#ifndef ALTP2M_CPUID_H
#define ALTP2M_CPUID_H

#include <linux/types.h>

/* The highest basic and extended leaves a guest can see. */
#define ALTP2M_CPUID_MAX_BASIC		0x1f
#define ALTP2M_CPUID_EXT_BASE		0x80000000U
#define ALTP2M_CPUID_MAX_EXT		0x80000008U
/* The hypervisor range: the module's own signature. */
#define ALTP2M_CPUID_HV_BASE		0x40000000U
#define ALTP2M_CPUID_HV_LAST		0x400000ffU

/* Subleaves of leaf 4 kept from the host (caches; more is no real CPU). */
#define ALTP2M_CPUID_MAX_CACHES		8

enum {
	ALTP2M_CPUID_EAX,
	ALTP2M_CPUID_EBX,
	ALTP2M_CPUID_ECX,
	ALTP2M_CPUID_EDX,
	ALTP2M_CPUID_NR_REGS
};

/* One host CPUID query: @out gets EAX, EBX, ECX, EDX of @leaf/@subleaf. */
typedef void (*altp2m_cpuid_host_fn)(void *opaque, u32 leaf, u32 subleaf,
				     u32 out[ALTP2M_CPUID_NR_REGS]);

/*
 * The filtered snapshot. Basic leaves are indexed by leaf, leaf 4 also by
 * subleaf; leaves the filter zeroes or computes per vCPU are kept as 0.
 */
struct altp2m_cpuid_table {
	u32 max_basic;
	u32 max_ext;
	u32 basic[ALTP2M_CPUID_MAX_BASIC + 1][ALTP2M_CPUID_NR_REGS];
	u32 cache[ALTP2M_CPUID_MAX_CACHES][ALTP2M_CPUID_NR_REGS];
	u32 ext[ALTP2M_CPUID_MAX_EXT - ALTP2M_CPUID_EXT_BASE + 1]
	       [ALTP2M_CPUID_NR_REGS];
};

void altp2m_cpuid_build(struct altp2m_cpuid_table *t,
			altp2m_cpuid_host_fn host, void *opaque);
void altp2m_cpuid_guest(const struct altp2m_cpuid_table *t, u32 apic_id,
			u32 leaf, u32 subleaf, u32 out[ALTP2M_CPUID_NR_REGS]);

#endif /* ALTP2M_CPUID_H */
