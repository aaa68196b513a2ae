/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events for a guest (exceptions, software interrupts, external interrupts
 * and NMIs) as the CPU delivers them: what a second exception raised
 * during the delivery of a first one becomes, which events push an error
 * code, how an event a VM exit interrupted is described again for the next
 * entry, and which events VM entry can inject at all.
 *
 * An event is held in the layout of the VMX VM-entry interruption
 * information (vector in bits 7:0, type in 10:8, valid in 31), without the
 * deliver-error-code bit: whether an error code is pushed depends on the
 * guest's mode when the event is delivered, not when it is raised.
 */
#ifndef ALTP2M_CORE_EVENT_H
#define ALTP2M_CORE_EVENT_H

#include <linux/types.h>

#define ALTP2M_EVENT_VECTOR_MASK	0xffU
#define ALTP2M_EVENT_TYPE_MASK		0x700U
#define ALTP2M_EVENT_DELIVER_CODE	0x800U
#define ALTP2M_EVENT_VALID		0x80000000U

/* Event types (bits 10:8). */
#define ALTP2M_EVENT_EXT_INTR		0x000U
#define ALTP2M_EVENT_RESERVED		0x100U
#define ALTP2M_EVENT_NMI		0x200U
#define ALTP2M_EVENT_HW_EXC		0x300U
#define ALTP2M_EVENT_SOFT_INTR		0x400U	/* INT n */
#define ALTP2M_EVENT_PRIV_SW_EXC	0x500U	/* INT1 (ICEBP) */
#define ALTP2M_EVENT_SOFT_EXC		0x600U	/* INT3, INTO */
#define ALTP2M_EVENT_OTHER		0x700U

/**
 * struct altp2m_event - one event to deliver
 * @info: vector | type | ALTP2M_EVENT_VALID; 0 for none
 * @error: its error code, pushed where the CPU pushes one
 * @len: the instruction's length, for the software types (delivery pushes
 *	the address after the instruction)
 */
struct altp2m_event {
	u32 info;
	u32 error;
	u32 len;
};

/* Result of altp2m_event_raise(). */
#define ALTP2M_EVENT_QUEUED		0
#define ALTP2M_EVENT_SHUTDOWN		1	/* triple fault */

int altp2m_event_raise(struct altp2m_event *ev, u8 vector, u32 error);
void altp2m_event_from_vectoring(struct altp2m_event *ev, u32 idt,
				 u32 idt_error, u32 insn_len);
bool altp2m_event_is_soft(u32 info);
u32 altp2m_event_entry_info(const struct altp2m_event *ev,
			    bool protected_mode);
bool altp2m_event_pushes_error(u8 vector);
const char *altp2m_event_invalid(u32 type, u8 vector, bool has_error,
				 u32 error, u32 len);

#endif /* ALTP2M_CORE_EVENT_H */
