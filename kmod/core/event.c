// SPDX-License-Identifier: GPL-2.0
/*
 * The delivery rules of guest events (see event.h), hardware-independent
 * so that the unit tests cover every pair of the SDM's table.
 *
 * A second exception raised while a first is being delivered follows the
 * SDM (Vol. 3, "Interrupt 8 - Double Fault Exception", table "Conditions
 * for Generating a Double Fault"): a contributory exception or a page
 * fault on top of a contributory exception, and either on top of a page
 * fault, become #DF; a contributory exception or page fault on top of #DF
 * shuts the processor down (triple fault); every other pair is handled
 * serially, which for an event not yet delivered means the second one is
 * delivered and the first is lost (a fault recurs when its instruction
 * runs again). Events that are not exceptions (INT n, external
 * interrupts, NMIs) count as benign.
 */
#include <linux/kernel.h>

#include "event.h"

enum altp2m_exc_class {
	ALTP2M_EXC_BENIGN,
	ALTP2M_EXC_CONTRIBUTORY,
	ALTP2M_EXC_PAGE_FAULT,
	ALTP2M_EXC_DOUBLE_FAULT,
};

/* The SDM's classes ("Interrupt and Exception Classes"). */
static enum altp2m_exc_class altp2m_exc_class(u8 vector)
{
	switch (vector) {
	case 0: case 10: case 11: case 12: case 13: case 21:
		return ALTP2M_EXC_CONTRIBUTORY;	/* #DE #TS #NP #SS #GP #CP */
	case 14: case 20:
		return ALTP2M_EXC_PAGE_FAULT;	/* #PF #VE */
	case 8:
		return ALTP2M_EXC_DOUBLE_FAULT;
	default:
		return ALTP2M_EXC_BENIGN;
	}
}

/**
 * altp2m_event_pushes_error - whether exception @vector pushes an error
 *	code (in protected mode; never in real mode)
 * @vector: the exception
 *
 * Not #CP (21): it pushes one only with CET, which no guest here has
 * (CPUID hides it), and VM entry checks the deliver-error-code bit
 * against 8, 10-14 and 17 alone on a CPU without IA32_VMX_BASIC[56]
 * (Bochs'): an injected #CP with a code failed the entry (VM-instruction
 * error 7; guest_fuzz_test, states mode).
 */
bool altp2m_event_pushes_error(u8 vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17:
		return true;
	default:
		return false;
	}
}

static void altp2m_event_set(struct altp2m_event *ev, u8 vector, u32 type,
			     u32 error, u32 len)
{
	ev->info = vector | type | ALTP2M_EVENT_VALID;
	ev->error = error;
	ev->len = len;
}

/**
 * altp2m_event_raise - a hardware exception, on top of what is pending
 * @ev: the pending event (info 0 for none); updated
 * @vector: the exception
 * @error: its error code (0 for those without)
 *
 * Return: ALTP2M_EVENT_QUEUED, or ALTP2M_EVENT_SHUTDOWN for a triple
 * fault, after which @ev is empty.
 */
int altp2m_event_raise(struct altp2m_event *ev, u8 vector, u32 error)
{
	enum altp2m_exc_class first, second = altp2m_exc_class(vector);

	if (!(ev->info & ALTP2M_EVENT_VALID) ||
	    (ev->info & ALTP2M_EVENT_TYPE_MASK) != ALTP2M_EVENT_HW_EXC) {
		altp2m_event_set(ev, vector, ALTP2M_EVENT_HW_EXC, error, 0);
		return ALTP2M_EVENT_QUEUED;
	}
	first = altp2m_exc_class(ev->info & ALTP2M_EVENT_VECTOR_MASK);
	if (first == ALTP2M_EXC_BENIGN || second == ALTP2M_EXC_BENIGN ||
	    second == ALTP2M_EXC_DOUBLE_FAULT ||
	    (first == ALTP2M_EXC_CONTRIBUTORY &&
	     second == ALTP2M_EXC_PAGE_FAULT)) {
		altp2m_event_set(ev, vector, ALTP2M_EVENT_HW_EXC, error, 0);
		return ALTP2M_EVENT_QUEUED;
	}
	if (first == ALTP2M_EXC_DOUBLE_FAULT) {
		*ev = (struct altp2m_event){ 0 };
		return ALTP2M_EVENT_SHUTDOWN;
	}
	altp2m_event_set(ev, 8, ALTP2M_EVENT_HW_EXC, 0, 0);
	return ALTP2M_EVENT_QUEUED;
}

/**
 * altp2m_event_is_soft - whether delivery pushes the next instruction's
 *	address (INT n, INT3, INTO, INT1), for which VM entry needs a length
 * @info: the event's information
 */
bool altp2m_event_is_soft(u32 info)
{
	u32 type = info & ALTP2M_EVENT_TYPE_MASK;

	return type == ALTP2M_EVENT_SOFT_INTR ||
	       type == ALTP2M_EVENT_PRIV_SW_EXC ||
	       type == ALTP2M_EVENT_SOFT_EXC;
}

/**
 * altp2m_event_from_vectoring - the event a VM exit interrupted, again
 * @ev: filled (info 0 if nothing was being delivered)
 * @idt: the IDT-vectoring information of the exit
 * @idt_error: its error code
 * @insn_len: the exit's instruction length (valid for software events)
 *
 * Rebuilt from vector, type and length, never copied: bit 12 of @idt is
 * undefined and reserved in the entry field, and the deliver-error-code
 * bit is decided again at entry.
 */
void altp2m_event_from_vectoring(struct altp2m_event *ev, u32 idt,
				 u32 idt_error, u32 insn_len)
{
	u32 type = idt & ALTP2M_EVENT_TYPE_MASK;

	*ev = (struct altp2m_event){ 0 };
	/* Type 1 is reserved; 7 (other event) is never delivered. */
	if (!(idt & ALTP2M_EVENT_VALID) || type == ALTP2M_EVENT_RESERVED ||
	    type == ALTP2M_EVENT_OTHER)
		return;
	altp2m_event_set(ev, idt & ALTP2M_EVENT_VECTOR_MASK, type,
			 (idt & ALTP2M_EVENT_DELIVER_CODE) ? idt_error : 0,
			 altp2m_event_is_soft(idt) ? insn_len : 0);
}

/**
 * altp2m_event_entry_info - the VM-entry interruption information
 * @ev: a valid event
 * @protected_mode: CR0.PE of the guest at the entry
 *
 * Return: @ev's information with the deliver-error-code bit set exactly
 * where the CPU pushes one: hardware exceptions 8, 10-14 and 17, in
 * protected mode (VM entry refuses it in real mode, and for anything else).
 */
u32 altp2m_event_entry_info(const struct altp2m_event *ev,
			    bool protected_mode)
{
	u32 info = ev->info & (ALTP2M_EVENT_VECTOR_MASK |
			       ALTP2M_EVENT_TYPE_MASK | ALTP2M_EVENT_VALID);

	if ((info & ALTP2M_EVENT_TYPE_MASK) == ALTP2M_EVENT_HW_EXC &&
	    altp2m_event_pushes_error(info & ALTP2M_EVENT_VECTOR_MASK) &&
	    protected_mode)
		info |= ALTP2M_EVENT_DELIVER_CODE;
	return info;
}

/**
 * altp2m_event_invalid - whether VM entry can inject an event so described
 * @type: ALTP2M_EVENT_EXT_INTR .. ALTP2M_EVENT_OTHER
 * @vector: its vector
 * @has_error: it pushes @error
 * @error: the error code
 * @len: the instruction length, for the software types
 *
 * The SDM's checks on the VM-entry event-injection fields ("Checks on
 * VM-Entry Control Fields"), for an event a VMM hands in: an NMI is
 * vector 2, a hardware exception at most 31, only an exception that
 * pushes one has an error code (bits 31:16 clear, which some CPUs check),
 * the software types have a length of 1 to 15, and types 1 (reserved) and
 * 7 (other event: monitor trap) are not events for the guest.
 *
 * Return: NULL, or what is wrong.
 */
const char *altp2m_event_invalid(u32 type, u8 vector, bool has_error,
				 u32 error, u32 len)
{
	switch (type) {
	case ALTP2M_EVENT_EXT_INTR:
		break;
	case ALTP2M_EVENT_NMI:
		if (vector != 2)
			return "an NMI has vector 2";
		break;
	case ALTP2M_EVENT_HW_EXC:
		if (vector > 31)
			return "an exception has a vector below 32";
		break;
	case ALTP2M_EVENT_SOFT_INTR:
	case ALTP2M_EVENT_PRIV_SW_EXC:
	case ALTP2M_EVENT_SOFT_EXC:
		if (len < 1 || len > 15)
			return "a software event needs its instruction length";
		break;
	default:
		return "no such event type";
	}
	if (has_error && (type != ALTP2M_EVENT_HW_EXC ||
			  !altp2m_event_pushes_error(vector)))
		return "this event pushes no error code";
	if (has_error && (error >> 16))
		return "error codes have 16 bits";
	return NULL;
}
