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

/* The prefixes that leave a no-op one: operand size, segment overrides. */
static bool altp2m_bp_nop_prefix(u8 b)
{
	switch (b) {
	case 0x66:
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65:
		return true;
	}
	return false;
}

/*
 * The length of the ModRM operand at @m (ModRM, SIB, displacement) with
 * 32- or 64-bit addressing, or 0 when it does not fit in @n bytes. mod 00
 * r/m 101 is disp32 (RIP-relative in 64-bit mode: the same length).
 */
static unsigned int altp2m_bp_modrm_len(const u8 *m, unsigned int n)
{
	unsigned int mod = m[0] >> 6, rm = m[0] & 7, len = 1;

	if (mod != 3 && rm == 4) {
		if (n < 2)
			return 0;
		/* A SIB with base 101 and mod 00: disp32, no base. */
		if (mod == 0 && (m[1] & 7) == 5)
			len += 4;
		len++;
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		len += 4;
	return len <= n ? len : 0;
}

unsigned int altp2m_bp_nop_len(const u8 *insn, unsigned int n)
{
	unsigned int i = 0, len;

	if (n > ALTP2M_BP_INSN_MAX)
		n = ALTP2M_BP_INSN_MAX;
	if (n >= 2 && insn[0] == 0xf3 && insn[1] == 0x90)
		return 2;
	if (n >= 4 && insn[0] == 0xf3 && insn[1] == 0x0f &&
	    insn[2] == 0x1e && (insn[3] == 0xfa || insn[3] == 0xfb))
		return 4;
	while (i < n && altp2m_bp_nop_prefix(insn[i]))
		i++;
	if (i >= n)
		return 0;
	if (insn[i] == 0x90)
		return i + 1;
	/* 0f 1f with ModRM.reg 0; the other regs are not NOPs to rely on. */
	if (n - i < 3 || insn[i] != 0x0f || insn[i + 1] != 0x1f ||
	    (insn[i + 2] >> 3 & 7))
		return 0;
	len = altp2m_bp_modrm_len(insn + i + 2, n - i - 2);
	return len ? i + 2 + len : 0;
}
