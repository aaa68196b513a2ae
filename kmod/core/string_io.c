// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O in rounds. See string_io.h; the decoder of the
 * instruction itself is altp2m_strio_decode() in emulate.c, next to the
 * MMIO decoder whose prefix parsing it shares.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "string_io.h"

#define ALTP2M_STRIO_PAGE	4096u
#define ALTP2M_EFLAGS_DF	BIT_ULL(10)

static u64 altp2m_strio_mask(const struct altp2m_strio *s)
{
	return s->addr_size == 8 ? ~0ULL : BIT_ULL(8 * s->addr_size) - 1;
}

static unsigned int altp2m_strio_index(const struct altp2m_strio *s)
{
	return s->in ? ALTP2M_RDI : ALTP2M_RSI;
}

/**
 * altp2m_strio_plan - choose the items of the next round
 * @s: the decoded instruction
 * @size: bytes per item, from the exit qualification: 1, 2 or 4
 * @gpr: the guest's registers (RSI or RDI, and RCX for REP)
 * @rflags: the guest's RFLAGS (DF sets the direction)
 * @seg_base: base of @s->seg; the caller passes 0 for ES, CS, SS and DS
 *	in 64-bit mode, where their bases do not apply
 * @long_mode: 64-bit code: linear addresses are 64 bits, not 32
 * @max_bytes: room for data in the run page
 * @r: the round
 *
 * The round stops at the end of the guest page the first item is in (the
 * start of it, going down) unless the first item itself straddles two
 * pages, in which case the round is that one item. It also stops where
 * rSI/rDI would wrap around at the address size, which the CPU would
 * follow but which would make the round's addresses discontiguous.
 *
 * Return: 0; -EINVAL for an item size or address size that cannot occur,
 * or a first item that wraps around the address size (a 16-bit offset of
 * 0xffff with a word item, say), which is left to the VMM as an emulation
 * failure rather than guessed at.
 */
int altp2m_strio_plan(const struct altp2m_strio *s, unsigned int size,
		      const u64 *gpr, u64 rflags, u64 seg_base,
		      bool long_mode, unsigned int max_bytes,
		      struct altp2m_strio_round *r)
{
	u64 mask = altp2m_strio_mask(s);
	u64 off = gpr[altp2m_strio_index(s)] & mask;
	bool down = rflags & ALTP2M_EFLAGS_DF;
	u64 remaining, fit, limit, la;
	unsigned int in_page;

	memset(r, 0, sizeof(*r));
	if ((size != 1 && size != 2 && size != 4) ||
	    (s->addr_size != 2 && s->addr_size != 4 && s->addr_size != 8) ||
	    max_bytes < size)
		return -EINVAL;
	remaining = s->rep ? gpr[ALTP2M_RCX] & mask : 1;
	if (!remaining) {
		r->done = true;
		return 0;
	}
	if (off > mask - (size - 1))
		return -EINVAL;

	la = seg_base + off;
	if (!long_mode)
		la &= 0xffffffffULL;
	in_page = la & (ALTP2M_STRIO_PAGE - 1);
	if (in_page + size > ALTP2M_STRIO_PAGE)
		fit = 1;
	else if (down)
		fit = in_page / size + 1;
	else
		fit = (ALTP2M_STRIO_PAGE - in_page) / size;

	/* Items whose offsets stay on this side of the wrap. */
	if (down)
		limit = off / size + 1;
	else
		limit = (mask - off - (size - 1)) / size + 1;
	if (fit > limit)
		fit = limit;
	if (fit > max_bytes / size)
		fit = max_bytes / size;

	r->count = remaining < fit ? remaining : fit;
	r->done = r->count == remaining;
	r->gva = down ? la - (u64)(r->count - 1) * size : la;
	if (!long_mode)
		r->gva &= 0xffffffffULL;
	return 0;
}

/* Write @val to @reg as an instruction with @addr_size operands would. */
static void altp2m_strio_set(u64 *reg, u64 val, unsigned int addr_size)
{
	if (addr_size == 2)
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
	else if (addr_size == 4)
		*reg = val & 0xffffffffULL;	/* clears 63:32, as MOV r32 */
	else
		*reg = val;
}

/**
 * altp2m_strio_advance - the register updates of @count iterations
 * @s: the decoded instruction
 * @size: bytes per item
 * @gpr: the guest's registers: rSI or rDI moves by @count items in the
 *	direction of RFLAGS.DF, and rCX counts down for a REP form, each at
 *	the instruction's address size
 * @rflags: the guest's RFLAGS
 * @count: iterations done, a round's count
 */
void altp2m_strio_advance(const struct altp2m_strio *s, unsigned int size,
			  u64 *gpr, u64 rflags, u32 count)
{
	u64 *idx = &gpr[altp2m_strio_index(s)];
	u64 delta = (u64)count * size;

	if (rflags & ALTP2M_EFLAGS_DF)
		altp2m_strio_set(idx, *idx - delta, s->addr_size);
	else
		altp2m_strio_set(idx, *idx + delta, s->addr_size);
	if (s->rep)
		altp2m_strio_set(&gpr[ALTP2M_RCX], gpr[ALTP2M_RCX] - count,
				 s->addr_size);
}

/**
 * altp2m_strio_reverse - reverse the order of a round's items in place
 * @buf: @count items of @size bytes
 * @count: items
 * @size: bytes per item, at most 4
 *
 * The run page holds the items in the order the guest executes them,
 * guest memory in address order; with RFLAGS.DF set the two differ.
 */
void altp2m_strio_reverse(void *buf, u32 count, unsigned int size)
{
	u8 *lo = buf, *hi = (u8 *)buf + (size_t)(count - 1) * size;
	u8 tmp[4];

	if (!count || size > sizeof(tmp))
		return;
	for (; lo < hi; lo += size, hi -= size) {
		memcpy(tmp, lo, size);
		memcpy(lo, hi, size);
		memcpy(hi, tmp, size);
	}
}
