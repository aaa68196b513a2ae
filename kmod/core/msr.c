// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's software MSRs (see msr.h).
 *
 * The MTRRs: an OS reads IA32_MTRRCAP and programs the default type and
 * the ranges as firmware left them or as it wants them; what it wrote is
 * what it reads back, with WRMSR's #GP for memory types that do not exist
 * (2, 3, 7 and above) and for reserved bits, including address bits at or
 * above the guest's MAXPHYADDR. SMRRs are not offered.
 *
 * IA32_TSC_ADJUST is kept here only as a value: moving the guest's TSC
 * with it is the caller's (vmx/state.c), which owns the TSC offset.
 *
 * IA32_BIOS_SIGN_ID (the microcode revision): Linux writes 0 to it and
 * reads it back after a CPUID to learn the revision, without expecting a
 * fault; the guest runs no microcode of its own, so writes are dropped and
 * it reads 0.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "msr.h"

void altp2m_msr_reset(struct altp2m_msr_state *s)
{
	memset(s, 0, sizeof(*s));
	s->misc_enable = ALTP2M_MISC_RESET;
}

/* A memory type an MTRR can hold: UC, WC, WT, WP, WB. */
static bool altp2m_mtrr_type_ok(u64 type)
{
	return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* The slot of a fixed-range MTRR, or -1. */
static int altp2m_mtrr_fixed_slot(u32 index)
{
	if (index == ALTP2M_MSR_MTRR_FIX_64K)
		return 0;
	if (index == ALTP2M_MSR_MTRR_FIX_16K_80000 ||
	    index == ALTP2M_MSR_MTRR_FIX_16K_A0000)
		return 1 + index - ALTP2M_MSR_MTRR_FIX_16K_80000;
	if (index >= ALTP2M_MSR_MTRR_FIX_4K_C0000 &&
	    index <= ALTP2M_MSR_MTRR_FIX_4K_F8000)
		return 3 + index - ALTP2M_MSR_MTRR_FIX_4K_C0000;
	return -1;
}

static bool altp2m_mtrr_var(u32 index)
{
	return index >= ALTP2M_MSR_MTRR_PHYS_BASE0 &&
	       index < ALTP2M_MSR_MTRR_PHYS_BASE0 + 2 * ALTP2M_MTRR_NR_VAR;
}

/* Whether @index is one of the MSRs kept here (IA32_TSC_ADJUST too). */
bool altp2m_msr_soft(u32 index)
{
	switch (index) {
	case ALTP2M_MSR_TSC_ADJUST:
	case ALTP2M_MSR_UCODE_REV:
	case ALTP2M_MSR_MTRRCAP:
	case ALTP2M_MSR_MISC_ENABLE:
	case ALTP2M_MSR_MTRR_DEF_TYPE:
		return true;
	default:
		return altp2m_mtrr_fixed_slot(index) >= 0 ||
		       altp2m_mtrr_var(index);
	}
}

/**
 * altp2m_msr_soft_check - would WRMSR of @value to @index succeed?
 * @index: one of the MSRs altp2m_msr_soft() accepts
 * @value: the value
 * @maxphyaddr: the guest's physical address width
 *
 * Return: 0, or -EINVAL where the CPU raises #GP (also for IA32_MTRRCAP,
 * which is read-only, and for an index that is not kept here).
 */
int altp2m_msr_soft_check(u32 index, u64 value, unsigned int maxphyaddr)
{
	u64 addr_rsvd = maxphyaddr >= 64 ? 0 : ~0ULL << maxphyaddr;
	unsigned int i;

	switch (index) {
	case ALTP2M_MSR_TSC_ADJUST:
	case ALTP2M_MSR_UCODE_REV:
		return 0;
	case ALTP2M_MSR_MISC_ENABLE:
		return (value & ~ALTP2M_MISC_FAST_STRING) == ALTP2M_MISC_FIXED ?
		       0 : -EINVAL;
	case ALTP2M_MSR_MTRR_DEF_TYPE:
		if (value & ~ALTP2M_MTRR_DEF_VALID)
			return -EINVAL;
		return altp2m_mtrr_type_ok(value & 0xff) ? 0 : -EINVAL;
	default:
		break;
	}
	if (altp2m_mtrr_fixed_slot(index) >= 0) {
		for (i = 0; i < 8; i++)
			if (!altp2m_mtrr_type_ok((value >> (8 * i)) & 0xff))
				return -EINVAL;
		return 0;
	}
	if (!altp2m_mtrr_var(index))
		return -EINVAL;
	if ((index - ALTP2M_MSR_MTRR_PHYS_BASE0) & 1)	/* PHYSMASK */
		return value & (addr_rsvd | 0x7ffULL) ? -EINVAL : 0;
	if (value & (addr_rsvd | 0xf00ULL))			/* PHYSBASE */
		return -EINVAL;
	return altp2m_mtrr_type_ok(value & 0xff) ? 0 : -EINVAL;
}

/* Return: 0, or -EINVAL when @index is not kept here. */
int altp2m_msr_soft_get(const struct altp2m_msr_state *s, u32 index,
			u64 *value)
{
	int slot = altp2m_mtrr_fixed_slot(index);

	if (slot >= 0) {
		*value = s->mtrr_fixed[slot];
		return 0;
	}
	if (altp2m_mtrr_var(index)) {
		*value = s->mtrr_var[index - ALTP2M_MSR_MTRR_PHYS_BASE0];
		return 0;
	}
	switch (index) {
	case ALTP2M_MSR_TSC_ADJUST:
		*value = s->tsc_adjust;
		return 0;
	case ALTP2M_MSR_UCODE_REV:
		*value = 0;
		return 0;
	case ALTP2M_MSR_MTRRCAP:
		*value = ALTP2M_MTRRCAP_VALUE;
		return 0;
	case ALTP2M_MSR_MISC_ENABLE:
		*value = s->misc_enable;
		return 0;
	case ALTP2M_MSR_MTRR_DEF_TYPE:
		*value = s->mtrr_def;
		return 0;
	default:
		return -EINVAL;
	}
}

/* WRMSR: checked, then stored. Return: 0, or -EINVAL for #GP. */
int altp2m_msr_soft_set(struct altp2m_msr_state *s, u32 index, u64 value,
			unsigned int maxphyaddr)
{
	int slot = altp2m_mtrr_fixed_slot(index);

	if (altp2m_msr_soft_check(index, value, maxphyaddr))
		return -EINVAL;
	if (slot >= 0)
		s->mtrr_fixed[slot] = value;
	else if (altp2m_mtrr_var(index))
		s->mtrr_var[index - ALTP2M_MSR_MTRR_PHYS_BASE0] = value;
	else if (index == ALTP2M_MSR_TSC_ADJUST)
		s->tsc_adjust = value;
	else if (index == ALTP2M_MSR_MISC_ENABLE)
		s->misc_enable = value;
	else if (index == ALTP2M_MSR_MTRR_DEF_TYPE)
		s->mtrr_def = value;
	/* IA32_BIOS_SIGN_ID: dropped (see above). */
	return 0;
}
