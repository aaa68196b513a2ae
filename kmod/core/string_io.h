/* SPDX-License-Identifier: GPL-2.0 */
/*
 * String port I/O (INS, OUTS, with or without REP) as a series of rounds.
 *
 * The I/O-instruction exit names the port, the item size and whether the
 * instruction is a REP string form, but not its address size or segment
 * override; those come from decoding the prefixes at the guest RIP. Each
 * round then moves as many items as fit in the run page's data area and
 * stay inside one guest page (so one translation covers the round and a
 * fault can only be the first item's), and updates RSI/RDI and RCX as the
 * CPU would after that many iterations. RIP moves past the instruction
 * only with the last round; until then the guest re-executes it, which is
 * how a REP instruction is interruptible on real hardware too.
 */
#ifndef ALTP2M_CORE_STRING_IO_H
#define ALTP2M_CORE_STRING_IO_H

#include <linux/types.h>

#include "x86.h"

/**
 * struct altp2m_strio - a decoded INS or OUTS
 * @len: instruction length, prefixes included
 * @addr_size: 2, 4 or 8: the width of RSI/RDI and RCX it uses
 * @seg: the memory operand's segment, an &enum altp2m_sreg: ES for INS
 *	(no override applies), DS or the override for OUTS
 * @rep: a REP (or REPNE, which these instructions treat alike) prefix
 * @in: INS rather than OUTS
 */
struct altp2m_strio {
	u8 len;
	u8 addr_size;
	u8 seg;
	bool rep;
	bool in;
};

/**
 * struct altp2m_strio_round - the items one exit moves
 * @gva: the lowest linear address the round touches (with RFLAGS.DF set
 *	the items go downwards, so this is the last item's address)
 * @count: items in the round; 0 when a REP prefix meets RCX = 0 and the
 *	instruction does nothing at all
 * @done: the instruction is complete after this round
 */
struct altp2m_strio_round {
	u64 gva;
	u32 count;
	bool done;
};

/* In emulate.c, sharing the MMIO decoder's prefix parsing. */
int altp2m_strio_decode(const u8 *insn, unsigned int avail,
			const struct altp2m_paging *pg,
			struct altp2m_strio *out);
int altp2m_strio_plan(const struct altp2m_strio *s, unsigned int size,
		      const u64 *gpr, u64 rflags, u64 seg_base,
		      bool long_mode, unsigned int max_bytes,
		      struct altp2m_strio_round *r);
void altp2m_strio_advance(const struct altp2m_strio *s, unsigned int size,
			  u64 *gpr, u64 rflags, u32 count);
void altp2m_strio_reverse(void *buf, u32 count, unsigned int size);

#endif /* ALTP2M_CORE_STRING_IO_H */
