/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSRs an operating system reads and writes that the module keeps in
 * software, per vCPU: the MTRRs, IA32_MISC_ENABLE, IA32_TSC_ADJUST's
 * value and the microcode revision. Hardware-independent (unit-tested):
 * the checks are those under which WRMSR raises #GP on a real CPU.
 */
#ifndef ALTP2M_MSR_H
#define ALTP2M_MSR_H

#include <linux/bits.h>
#include <linux/types.h>

#define ALTP2M_MSR_TSC			0x00000010
#define ALTP2M_MSR_TSC_ADJUST		0x0000003b
#define ALTP2M_MSR_UCODE_REV		0x0000008b
#define ALTP2M_MSR_MTRRCAP		0x000000fe
#define ALTP2M_MSR_MISC_ENABLE		0x000001a0
#define ALTP2M_MSR_MTRR_PHYS_BASE0	0x00000200
#define ALTP2M_MSR_MTRR_FIX_64K		0x00000250
#define ALTP2M_MSR_MTRR_FIX_16K_80000	0x00000258
#define ALTP2M_MSR_MTRR_FIX_16K_A0000	0x00000259
#define ALTP2M_MSR_MTRR_FIX_4K_C0000	0x00000268
#define ALTP2M_MSR_MTRR_FIX_4K_F8000	0x0000026f
#define ALTP2M_MSR_MTRR_DEF_TYPE	0x000002ff
#define ALTP2M_MSR_TSC_AUX		0xc0000103

/* Variable-range MTRR pairs (IA32_MTRRCAP.VCNT) and fixed-range MSRs. */
#define ALTP2M_MTRR_NR_VAR		8
#define ALTP2M_MTRR_NR_FIXED		11
/* IA32_MTRRCAP: VCNT, fixed ranges (bit 8), write combining (bit 10). */
#define ALTP2M_MTRRCAP_VALUE		(ALTP2M_MTRR_NR_VAR | BIT(8) | BIT(10))
/* IA32_MTRR_DEF_TYPE: type 7:0, fixed-range enable 10, enable 11. */
#define ALTP2M_MTRR_DEF_VALID		(0xffULL | BIT(10) | BIT(11))

/*
 * IA32_MISC_ENABLE: fast strings (0), the only bit a write may change;
 * branch trace storage and PEBS unavailable (11, 12), read-only. Nothing
 * else exists here (no MWAIT, no thermal control, no CPUID limit, XD not
 * disabled).
 */
#define ALTP2M_MISC_FAST_STRING		BIT_ULL(0)
#define ALTP2M_MISC_FIXED		(BIT_ULL(11) | BIT_ULL(12))
#define ALTP2M_MISC_RESET		(ALTP2M_MISC_FAST_STRING | \
					 ALTP2M_MISC_FIXED)

/* IA32_TSC_AUX: bits 63:32 are reserved. */
#define ALTP2M_TSC_AUX_VALID		0xffffffffULL

/**
 * struct altp2m_msr_state - a vCPU's software MSRs
 * @tsc_adjust: IA32_TSC_ADJUST (the TSC itself is the VMCS's offset)
 * @misc_enable: IA32_MISC_ENABLE
 * @mtrr_def: IA32_MTRR_DEF_TYPE
 * @mtrr_fixed: the fixed-range MTRRs, 64K, 16K (2), 4K (8) in MSR order
 * @mtrr_var: IA32_MTRR_PHYSBASEn and PHYSMASKn, in MSR order
 *
 * The MTRRs are stored and read back; they do not change the memory types
 * of the VM's EPT entries (every guest page is write-back there, and the
 * guest's PAT decides within that, Documentation/guests.rst).
 */
struct altp2m_msr_state {
	u64 tsc_adjust;
	u64 misc_enable;
	u64 mtrr_def;
	u64 mtrr_fixed[ALTP2M_MTRR_NR_FIXED];
	u64 mtrr_var[2 * ALTP2M_MTRR_NR_VAR];
};

void altp2m_msr_reset(struct altp2m_msr_state *s);
bool altp2m_msr_soft(u32 index);
int altp2m_msr_soft_check(u32 index, u64 value, unsigned int maxphyaddr);
int altp2m_msr_soft_get(const struct altp2m_msr_state *s, u32 index,
			u64 *value);
int altp2m_msr_soft_set(struct altp2m_msr_state *s, u32 index, u64 value,
			unsigned int maxphyaddr);

#endif /* ALTP2M_MSR_H */
