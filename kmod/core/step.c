// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction a monitor's TF single step runs (step.h).
 */
#include "event.h"
#include "step.h"

/* The legacy prefixes, which may come in any number before the opcode. */
static bool altp2m_step_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

static void altp2m_step_soft(struct altp2m_step_insn *out, u32 vector,
			     u32 type, unsigned int len)
{
	out->kind = ALTP2M_STEP_INSN_SOFT_INT;
	out->event = vector | type | ALTP2M_EVENT_VALID;
	out->len = len;
}

bool altp2m_step_plain(const u8 *insn, unsigned int avail)
{
	unsigned int i = 0;

	while (i < avail && (altp2m_step_prefix(insn[i]) ||
			     (insn[i] & 0xf0) == 0x40))
		i++;
	if (i >= avail)
		return false;
	switch (insn[i]) {
	case 0xcc:
	case 0xf1:
	case 0xce:
	case 0xcd:
	case 0x9c:
		return false;
	case 0x0f:
		return i + 1 < avail && insn[i + 1] != 0x05;
	}
	return true;
}

void altp2m_step_classify(const u8 *insn, unsigned int avail, bool long64,
			  bool cs_db, bool of, struct altp2m_step_insn *out)
{
	unsigned int i = 0;
	bool op16 = false;

	*out = (struct altp2m_step_insn){ .kind = ALTP2M_STEP_INSN_OTHER };
	while (i < avail && altp2m_step_prefix(insn[i]))
		op16 |= insn[i++] == 0x66;
	/* REX comes last; REX.W does not change PUSHF's 64-bit size. */
	if (long64 && i < avail && (insn[i] & 0xf0) == 0x40)
		i++;
	if (i >= avail)
		return;
	switch (insn[i]) {
	case 0xcc:	/* INT3 */
		altp2m_step_soft(out, 3, ALTP2M_EVENT_SOFT_EXC, i + 1);
		break;
	case 0xf1:	/* INT1 */
		altp2m_step_soft(out, 1, ALTP2M_EVENT_PRIV_SW_EXC, i + 1);
		break;
	case 0xce:	/* INTO: #UD in 64-bit code, a no-op without OF */
		if (!long64 && of)
			altp2m_step_soft(out, 4, ALTP2M_EVENT_SOFT_EXC, i + 1);
		break;
	case 0xcd:	/* INT n */
		if (i + 1 < avail)
			altp2m_step_soft(out, insn[i + 1],
					 ALTP2M_EVENT_SOFT_INTR, i + 2);
		break;
	case 0x9c:	/* PUSHF */
		out->kind = ALTP2M_STEP_INSN_PUSHF;
		if (long64)
			out->push_size = op16 ? 2 : 8;
		else
			out->push_size = cs_db != op16 ? 4 : 2;
		break;
	case 0x0f:	/* SYSCALL is 0f 05 */
		if (i + 1 < avail && insn[i + 1] == 0x05)
			out->kind = ALTP2M_STEP_INSN_SYSCALL;
		break;
	}
}
