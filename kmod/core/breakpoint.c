// SPDX-License-Identifier: GPL-2.0
/*
 * Hidden breakpoints, the hardware-independent part (breakpoint.h).
 */
#include <linux/errno.h>
#include <linux/kernel.h>

#include "breakpoint.h"

#define ALTP2M_BP_FLAGS		(ALTP2M_MON_BP_ASYNC | ALTP2M_MON_BP_SYNC)

u64 altp2m_bp_key(u64 shadow_gfn, unsigned int offset)
{
	return shadow_gfn << ALTP2M_BP_PAGE_SHIFT |
	       (offset & (ALTP2M_BP_PAGE_SIZE - 1));
}

u64 altp2m_bp_key_gfn(u64 key)
{
	return key >> ALTP2M_BP_PAGE_SHIFT;
}

unsigned int altp2m_bp_key_offset(u64 key)
{
	return key & (ALTP2M_BP_PAGE_SIZE - 1);
}

int altp2m_bp_add_check(const struct altp2m_monitor_breakpoint *b,
			unsigned int gpa_bits)
{
	unsigned int i;

	if ((b->flags & ~ALTP2M_BP_FLAGS) ||
	    (b->flags & ALTP2M_BP_FLAGS) == ALTP2M_BP_FLAGS)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(b->pad); i++)
		if (b->pad[i])
			return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(b->reserved); i++)
		if (b->reserved[i])
			return -EINVAL;
	if (gpa_bits < 64 && (b->gpa >> gpa_bits))
		return -EINVAL;
	if (gpa_bits < ALTP2M_BP_PAGE_SHIFT ||
	    (gpa_bits - ALTP2M_BP_PAGE_SHIFT < 64 &&
	     (b->shadow_gfn >> (gpa_bits - ALTP2M_BP_PAGE_SHIFT))))
		return -EINVAL;
	if (b->clean_view == b->exec_view)
		return -EINVAL;
	return 0;
}

unsigned int altp2m_bp_shadow_resync(u8 *shadow, const u8 *src,
				     const u16 *offs, u8 *orig, unsigned int n)
{
	unsigned int i, j = 0, written = 0;
	u8 want;

	for (i = 0; i < ALTP2M_BP_PAGE_SIZE; i++) {
		/* @offs ascend: the next breakpoint is at @offs[j] or later. */
		while (j < n && offs[j] < i)
			j++;
		want = src[i];
		if (j < n && offs[j] == i) {
			orig[j] = src[i];
			want = ALTP2M_BP_INT3;
		}
		if (shadow[i] != want) {
			shadow[i] = want;
			written++;
		}
	}
	return written;
}

enum altp2m_bp_rsp altp2m_bp_response(u32 flags, bool rip_moved)
{
	if (flags & ALTP2M_MON_RSP_REINJECT)
		return ALTP2M_BP_RSP_INVALID;
	if (rip_moved || (flags & (ALTP2M_MON_RSP_SWITCH_VIEW |
				   ALTP2M_MON_RSP_SINGLESTEP |
				   ALTP2M_MON_RSP_FAST_SINGLESTEP)))
		return ALTP2M_BP_RSP_AS_ASKED;
	return ALTP2M_BP_RSP_STEP_OVER;
}
