/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPUID a guest sees. The module reads the host's CPUID once when it
 * loads and filters it into a snapshot (struct altp2m_cpuid_table), lists
 * that snapshot as the supported table of the uAPI (struct
 * altp2m_cpuid_entry), checks the tables VMMs build from it, and answers
 * a guest's CPUID from a VM's table. Hardware-independent: the host's
 * values come through a callback, so the same code runs in the module and
 * in the userspace unit tests.
 */
#ifndef ALTP2M_CPUID_H
#define ALTP2M_CPUID_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/altp2m.h>

/* The highest basic and extended leaves a guest can see. */
#define ALTP2M_CPUID_MAX_BASIC		0x1f
#define ALTP2M_CPUID_EXT_BASE		0x80000000U
#define ALTP2M_CPUID_MAX_EXT		0x80000008U
/* The hypervisor range: the module's own signature. */
#define ALTP2M_CPUID_HV_BASE		0x40000000U
#define ALTP2M_CPUID_HV_LAST		0x400000ffU
/* The TSC and crystal clock leaf, which the module fills itself. */
#define ALTP2M_CPUID_TSC_LEAF		0x15
#define ALTP2M_CPUID_FREQ_LEAF		0x16
/* XSAVE: leaf 0xD, subleaves 0 (XCR0 bits, sizes), 1 (instructions), 2 (AVX). */
#define ALTP2M_CPUID_XSAVE_LEAF		0xd
#define ALTP2M_CPUID_XSAVE_SUBLEAVES	3
/* The legacy area and the XSAVE header: where component 2 may start. */
#define ALTP2M_XSAVE_BASE_SIZE		576
#define ALTP2M_XCR0_FP			BIT_ULL(0)
#define ALTP2M_XCR0_SSE			BIT_ULL(1)
#define ALTP2M_XCR0_AVX			BIT_ULL(2)

/* Subleaves of leaf 4 kept from the host (caches; more is no real CPU). */
#define ALTP2M_CPUID_MAX_CACHES		8

/* Leaf 1 bits the module sets or clears per VM and per vCPU. */
#define ALTP2M_CPUID_1_EDX_APIC		BIT(9)
#define ALTP2M_CPUID_1_ECX_X2APIC	BIT(21)
#define ALTP2M_CPUID_1_ECX_DEADLINE	BIT(24)
#define ALTP2M_CPUID_1_ECX_OSXSAVE	BIT(27)
#define ALTP2M_CPUID_1_ECX_HYPERVISOR	BIT(31)

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

/**
 * struct altp2m_cpuid_opts - what the snapshot needs besides CPUID
 * @tsc_khz: the host's TSC frequency (the guest's TSC runs at it); 0 when
 *	unknown, and leaf 0x15 then says nothing
 * @crystal_hz: the clock leaf 0x15 names in ECX: the APIC timer's
 * @rdtscp: RDTSCP and IA32_TSC_AUX are virtualised
 * @xcr0_mask: the XCR0 bits a guest may set (x87, SSE, AVX at most), 0
 *	for no XSAVE
 */
struct altp2m_cpuid_opts {
	u32 tsc_khz;
	u32 crystal_hz;
	bool rdtscp;
	u64 xcr0_mask;
};

/**
 * struct altp2m_cpuid_vcpu - what a CPUID answer depends on in the vCPU
 * @apic_id: its APIC ID (its vCPU id)
 * @osxsave: CR4.OSXSAVE
 * @xcr0: its XCR0
 */
struct altp2m_cpuid_vcpu {
	u32 apic_id;
	bool osxsave;
	u64 xcr0;
};

/*
 * The filtered snapshot. Basic leaves are indexed by leaf, leaf 4 also by
 * subleaf; leaves the filter zeroes or computes per vCPU are kept as 0.
 */
struct altp2m_cpuid_table {
	u32 max_basic;
	u32 max_ext;
	u32 nr_caches;
	u32 basic[ALTP2M_CPUID_MAX_BASIC + 1][ALTP2M_CPUID_NR_REGS];
	u32 cache[ALTP2M_CPUID_MAX_CACHES][ALTP2M_CPUID_NR_REGS];
	u32 xsave[ALTP2M_CPUID_XSAVE_SUBLEAVES][ALTP2M_CPUID_NR_REGS];
	u32 ext[ALTP2M_CPUID_MAX_EXT - ALTP2M_CPUID_EXT_BASE + 1]
	       [ALTP2M_CPUID_NR_REGS];
};

void altp2m_cpuid_build(struct altp2m_cpuid_table *t,
			altp2m_cpuid_host_fn host, void *opaque,
			const struct altp2m_cpuid_opts *opts);
void altp2m_cpuid_tsc_ratio(u32 tsc_khz, u32 crystal_hz, u32 *num, u32 *den);
unsigned int altp2m_cpuid_supported(const struct altp2m_cpuid_table *t,
				    bool lapic,
				    struct altp2m_cpuid_entry *ent);
int altp2m_cpuid_check(const struct altp2m_cpuid_entry *sup,
		       unsigned int nsup,
		       const struct altp2m_cpuid_entry *ent, unsigned int n,
		       const char **why);
void altp2m_cpuid_answer(const struct altp2m_cpuid_entry *ent, unsigned int n,
			 u32 apic_id, u32 leaf, u32 subleaf,
			 u32 out[ALTP2M_CPUID_NR_REGS]);
void altp2m_cpuid_answer_vcpu(const struct altp2m_cpuid_entry *ent,
			      unsigned int n, const struct altp2m_cpuid_vcpu *who,
			      u32 leaf, u32 subleaf,
			      u32 out[ALTP2M_CPUID_NR_REGS]);

#endif /* ALTP2M_CPUID_H */
