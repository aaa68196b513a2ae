/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hidden breakpoints, the hardware-independent part (kmod/hidden.h has
 * the rest): the key a breakpoint is found by, the form of an ADD, what a
 * shadow frame becomes when the page it shadows changed, and how the
 * response to a SYNC hit is carried out.
 */
#ifndef ALTP2M_CORE_BREAKPOINT_H
#define ALTP2M_CORE_BREAKPOINT_H

#include <linux/types.h>
#include <linux/altp2m.h>

#define ALTP2M_BP_INT3			0xcc
#define ALTP2M_BP_PAGE_SIZE		4096u
#define ALTP2M_BP_PAGE_SHIFT		12

/*
 * A breakpoint's key: its shadow frame and the byte in it. Every key of
 * one frame lies in [altp2m_bp_key(gfn, 0), altp2m_bp_key(gfn, 4095)],
 * so a range look finds a frame's breakpoints in offset order.
 */
u64 altp2m_bp_key(u64 shadow_gfn, unsigned int offset);
u64 altp2m_bp_key_gfn(u64 key);
unsigned int altp2m_bp_key_offset(u64 key);

/*
 * altp2m_bp_add_check - the form of an ALTP2M_MONITOR_ADD_BREAKPOINT
 * @b: as the caller passed it (@id, @orig and @hits are outputs: ignored)
 * @gpa_bits: the guest-physical width
 *
 * Return: 0, or -EINVAL for unknown flags, SYNC with ASYNC, padding or
 * reserved fields not 0, @gpa or @shadow_gfn beyond @gpa_bits, or
 * @clean_view == @exec_view. The views' and frames' existence is the
 * caller's to check.
 */
int altp2m_bp_add_check(const struct altp2m_monitor_breakpoint *b,
			unsigned int gpa_bits);

/*
 * altp2m_bp_shadow_resync - bring a shadow page up to the page it shadows
 * @shadow: the shadow page (ALTP2M_BP_PAGE_SIZE bytes)
 * @src: the page as the guest has it now
 * @offs: the offsets of the shadow's breakpoints, @n of them, ascending (as
 *	a range look at the keys gives them); others are skipped
 * @orig: out: for each, the byte under it now (the breakpoint's new @orig)
 * @n: how many
 *
 * Only bytes that differ are written, so a vCPU executing the shadow
 * meanwhile sees no byte change that the guest did not make itself; every
 * breakpoint's byte stays (or becomes) INT3.
 *
 * Return: how many bytes of @shadow were written.
 */
unsigned int altp2m_bp_shadow_resync(u8 *shadow, const u8 *src,
				     const u16 *offs, u8 *orig, unsigned int n);

/* What the response to a hidden breakpoint's SYNC event makes the vCPU do. */
enum altp2m_bp_rsp {
	ALTP2M_BP_RSP_INVALID,		/* refused: -EINVAL */
	ALTP2M_BP_RSP_STEP_OVER,	/* the module steps over the breakpoint */
	ALTP2M_BP_RSP_AS_ASKED,		/* the response's own move replaces it */
};

/*
 * altp2m_bp_response - the uAPI's rules for a response to a hidden hit
 * @flags: the response's ALTP2M_MON_RSP_*
 * @rip_moved: its SET_REGS loads a RIP other than the breakpoint's
 */
enum altp2m_bp_rsp altp2m_bp_response(u32 flags, bool rip_moved);

/* The longest instruction the CPU takes; a longer one is #GP. */
#define ALTP2M_BP_INSN_MAX		15

/*
 * altp2m_bp_nop_len - whether an instruction is an architectural no-op,
 *	which a hit may complete in place (RIP += its length) instead of
 *	stepping it
 * @insn: its bytes
 * @n: how many of them there are (at most ALTP2M_BP_INSN_MAX count)
 *
 * For code whose address size is 32 or 64 bits (the ModRM forms' lengths
 * differ with 16-bit addressing): the caller checks the mode. Taken: NOP
 * (90) and the multi-byte NOP (0f 1f /0, any ModRM/SIB/displacement: it
 * accesses no memory), each after any number of 66 and segment-override
 * prefixes; PAUSE (f3 90); ENDBR64 and ENDBR32 (f3 0f 1e fa/fb), without
 * other prefixes. Anything else, or an instruction not whole in @n bytes,
 * is not one.
 *
 * Return: the no-op's length, or 0.
 */
unsigned int altp2m_bp_nop_len(const u8 *insn, unsigned int n);

#endif /* ALTP2M_CORE_BREAKPOINT_H */
