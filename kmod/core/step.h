/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a monitor's single step by RFLAGS.TF must know about the
 * instruction it steps (vmx/monitor.c): instructions that would let the
 * guest see the module's TF, or end the step somewhere TF cannot stop.
 *
 *  - INT n, INT3, INT1 and INTO (with OF set, outside 64-bit mode): the
 *    delivery pushes RFLAGS with TF and clears it for the handler, where
 *    no single-step trap comes. The module injects them as the software
 *    events they are instead of running them.
 *  - PUSHF pushes RFLAGS with TF: the module puts the guest's TF into the
 *    pushed image afterwards (@push_size bytes at the new stack pointer).
 *  - SYSCALL saves RFLAGS with TF in R11: likewise.
 */
#ifndef ALTP2M_CORE_STEP_H
#define ALTP2M_CORE_STEP_H

#include <linux/types.h>

enum altp2m_step_kind {
	ALTP2M_STEP_INSN_OTHER,
	ALTP2M_STEP_INSN_SOFT_INT,	/* inject @event (an altp2m_event info) */
	ALTP2M_STEP_INSN_PUSHF,		/* fix @push_size bytes at the stack */
	ALTP2M_STEP_INSN_SYSCALL,	/* fix R11 */
};

/**
 * struct altp2m_step_insn - the instruction at RIP, as a step sees it
 * @kind: see enum altp2m_step_kind
 * @event: SOFT_INT: vector | type | ALTP2M_EVENT_VALID (core/event.h)
 * @len: SOFT_INT: the instruction's length, prefixes included
 * @push_size: PUSHF: 2, 4 or 8
 */
struct altp2m_step_insn {
	enum altp2m_step_kind kind;
	u32 event;
	unsigned int len;
	unsigned int push_size;
};

/**
 * altp2m_step_classify - look at the instruction a TF step would run
 * @insn: its bytes
 * @avail: how many of them could be fetched (0: none)
 * @long64: 64-bit code (IA-32e mode and CS.L)
 * @cs_db: CS.D (32-bit default operand size) outside 64-bit code
 * @of: RFLAGS.OF (INTO traps only with it)
 * @out: filled
 *
 * Legacy prefixes (and REX in 64-bit code) are skipped; an instruction
 * cut short by @avail is OTHER, stepped as it is.
 */
void altp2m_step_classify(const u8 *insn, unsigned int avail, bool long64,
			  bool cs_db, bool of, struct altp2m_step_insn *out);

/**
 * altp2m_step_plain - whether altp2m_step_classify() says OTHER for an
 *	instruction in every mode, whatever RFLAGS.OF is
 * @insn: its bytes
 * @avail: how many there are
 *
 * For a step decided on ahead of time (a hidden breakpoint's, from the
 * bytes of the page it will run): every byte in 40..4f is skipped as if
 * it were REX, so an INC or DEC of 32-bit code before an opcode of
 * interest makes it unsure too (the caller then classifies at the step).
 *
 * Return: true when sure.
 */
bool altp2m_step_plain(const u8 *insn, unsigned int avail);

#endif /* ALTP2M_CORE_STEP_H */
