// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/event.c: the SDM's double-fault table for every
 * class pair, error codes per vector and mode, and events rebuilt from the
 * IDT-vectoring information of a VM exit, and the events VM entry can
 * inject.
 */
#include <check.h>

#include "../../kmod/core/event.h"
#include "unit.h"

#define V	ALTP2M_EVENT_VALID
#define HW	ALTP2M_EVENT_HW_EXC

static struct altp2m_event hw(u8 vector, u32 error)
{
	return (struct altp2m_event){ .info = vector | HW | V, .error = error };
}

/* One exception of each class, and what the second one becomes. */
static const struct {
	const char *name;
	u8 first, second;
	int ret;
	u8 result;	/* the vector pending after; 0xff: none */
} pairs[] = {
	/* benign first: always serial */
	{ "#DB then #GP", 1, 13, ALTP2M_EVENT_QUEUED, 13 },
	{ "#AC then #AC", 17, 17, ALTP2M_EVENT_QUEUED, 17 },
	{ "#UD then #PF", 6, 14, ALTP2M_EVENT_QUEUED, 14 },
	/* contributory first */
	{ "#GP then #DB", 13, 1, ALTP2M_EVENT_QUEUED, 1 },
	{ "#GP then #NP", 13, 11, ALTP2M_EVENT_QUEUED, 8 },
	{ "#DE then #GP", 0, 13, ALTP2M_EVENT_QUEUED, 8 },
	{ "#CP then #SS", 21, 12, ALTP2M_EVENT_QUEUED, 8 },
	{ "#TS then #PF", 10, 14, ALTP2M_EVENT_QUEUED, 14 },
	/* page fault first */
	{ "#PF then #AC", 14, 17, ALTP2M_EVENT_QUEUED, 17 },
	{ "#PF then #GP", 14, 13, ALTP2M_EVENT_QUEUED, 8 },
	{ "#PF then #PF", 14, 14, ALTP2M_EVENT_QUEUED, 8 },
	{ "#VE then #PF", 20, 14, ALTP2M_EVENT_QUEUED, 8 },
	/* double fault first */
	{ "#DF then #DB", 8, 1, ALTP2M_EVENT_QUEUED, 1 },
	{ "#DF then #GP", 8, 13, ALTP2M_EVENT_SHUTDOWN, 0xff },
	{ "#DF then #PF", 8, 14, ALTP2M_EVENT_SHUTDOWN, 0xff },
};

START_TEST(double_fault_table)
{
	int i;

	for (i = 0; i < ARRAY_LEN(pairs); i++) {
		struct altp2m_event ev = hw(pairs[i].first, 5);
		int ret = altp2m_event_raise(&ev, pairs[i].second, 7);

		ck_assert_msg(ret == pairs[i].ret, "%s: %d", pairs[i].name,
			      ret);
		if (pairs[i].result == 0xff) {
			ck_assert_msg(!ev.info, "%s: %#x left", pairs[i].name,
				      ev.info);
			continue;
		}
		ck_assert_msg(ev.info == (pairs[i].result | HW | V),
			      "%s: %#x", pairs[i].name, ev.info);
		/* #DF pushes 0; a serial second exception its own code. */
		ck_assert_uint_eq(ev.error, pairs[i].result == 8 ? 0 : 7);
		ck_assert_uint_eq(ev.len, 0);
	}
}
END_TEST

/* An exception on top of INT n (or nothing) is simply the exception. */
START_TEST(raise_over_software_event)
{
	struct altp2m_event ev = {
		.info = 0x80 | ALTP2M_EVENT_SOFT_INTR | V, .len = 2,
	};

	ck_assert_int_eq(altp2m_event_raise(&ev, 13, 0x42),
			 ALTP2M_EVENT_QUEUED);
	ck_assert_uint_eq(ev.info, 13 | HW | V);
	ck_assert_uint_eq(ev.error, 0x42);
	ck_assert_uint_eq(ev.len, 0);
	ev = (struct altp2m_event){ 0 };
	ck_assert_int_eq(altp2m_event_raise(&ev, 8, 0), ALTP2M_EVENT_QUEUED);
	ck_assert_uint_eq(ev.info, 8 | HW | V);
}
END_TEST

START_TEST(error_code_by_vector_and_mode)
{
	unsigned int v;

	for (v = 0; v < 32; v++) {
		struct altp2m_event ev = hw(v, 3);
		/* Not #CP: no CET here (altp2m_event_pushes_error()). */
		bool code = v == 8 || (v >= 10 && v <= 14) || v == 17;

		ck_assert_uint_eq(altp2m_event_entry_info(&ev, true),
				  v | HW | V |
				  (code ? ALTP2M_EVENT_DELIVER_CODE : 0));
		/* Real mode: never an error code (VM entry refuses one). */
		ck_assert_uint_eq(altp2m_event_entry_info(&ev, false),
				  v | HW | V);
	}
}
END_TEST

START_TEST(software_events_have_no_code)
{
	struct altp2m_event ev = {
		.info = 13 | ALTP2M_EVENT_SOFT_INTR | V | ALTP2M_EVENT_DELIVER_CODE,
		.len = 2,
	};

	ck_assert_uint_eq(altp2m_event_entry_info(&ev, true),
			  13 | ALTP2M_EVENT_SOFT_INTR | V);
	ck_assert(altp2m_event_is_soft(ALTP2M_EVENT_SOFT_INTR));
	ck_assert(altp2m_event_is_soft(ALTP2M_EVENT_SOFT_EXC));
	ck_assert(altp2m_event_is_soft(ALTP2M_EVENT_PRIV_SW_EXC));
	ck_assert(!altp2m_event_is_soft(HW));
	ck_assert(!altp2m_event_is_soft(ALTP2M_EVENT_NMI));
	ck_assert(!altp2m_event_is_soft(ALTP2M_EVENT_EXT_INTR));
}
END_TEST

START_TEST(rebuilt_from_vectoring)
{
	struct altp2m_event ev;

	/* #GP with code; bit 12 (undefined in the exit) does not survive. */
	altp2m_event_from_vectoring(&ev, 13 | HW | V | 0x800 | 0x1000, 0x18,
				    3);
	ck_assert_uint_eq(ev.info, 13 | HW | V);
	ck_assert_uint_eq(ev.error, 0x18);
	ck_assert_uint_eq(ev.len, 0);
	/* INT3 keeps its length; no error code. */
	altp2m_event_from_vectoring(&ev, 3 | ALTP2M_EVENT_SOFT_EXC | V, 0x99,
				    1);
	ck_assert_uint_eq(ev.info, 3 | ALTP2M_EVENT_SOFT_EXC | V);
	ck_assert_uint_eq(ev.error, 0);
	ck_assert_uint_eq(ev.len, 1);
	/* An external interrupt and an NMI come back as themselves. */
	altp2m_event_from_vectoring(&ev, 0x40 | ALTP2M_EVENT_EXT_INTR | V,
				    0x77, 2);
	ck_assert_uint_eq(ev.info, 0x40 | ALTP2M_EVENT_EXT_INTR | V);
	ck_assert_uint_eq(ev.error, 0);
	ck_assert_uint_eq(ev.len, 0);
	altp2m_event_from_vectoring(&ev, 2 | ALTP2M_EVENT_NMI | V, 0, 0);
	ck_assert_uint_eq(ev.info, 2 | ALTP2M_EVENT_NMI | V);
	ck_assert_uint_eq(altp2m_event_entry_info(&ev, true),
			  2 | ALTP2M_EVENT_NMI | V);
	/* Nothing, or nothing deliverable. */
	altp2m_event_from_vectoring(&ev, 13 | HW, 0, 0);
	ck_assert_uint_eq(ev.info, 0);
	altp2m_event_from_vectoring(&ev, 2 | ALTP2M_EVENT_RESERVED | V, 0, 0);
	ck_assert_uint_eq(ev.info, 0);
	altp2m_event_from_vectoring(&ev, ALTP2M_EVENT_OTHER | V, 0, 0);
	ck_assert_uint_eq(ev.info, 0);
}
END_TEST

/* What VM entry accepts as an injected event (the VMM's SET_VCPU_EVENTS). */
START_TEST(injectable_events)
{
	/* External interrupts: any vector, no code, no length. */
	ck_assert_ptr_null(altp2m_event_invalid(ALTP2M_EVENT_EXT_INTR, 0x40,
						false, 0, 0));
	ck_assert_ptr_null(altp2m_event_invalid(ALTP2M_EVENT_EXT_INTR, 0xff,
						false, 0, 0));
	ck_assert_ptr_nonnull(altp2m_event_invalid(ALTP2M_EVENT_EXT_INTR,
						   0x40, true, 0, 0));
	/* NMI is vector 2 only. */
	ck_assert_ptr_null(altp2m_event_invalid(ALTP2M_EVENT_NMI, 2, false,
						0, 0));
	ck_assert_ptr_nonnull(altp2m_event_invalid(ALTP2M_EVENT_NMI, 3, false,
						   0, 0));
	/* Exceptions: below 32; an error code where the vector has one. */
	ck_assert_ptr_null(altp2m_event_invalid(HW, 13, true, 0xfffe, 0));
	ck_assert_ptr_null(altp2m_event_invalid(HW, 14, false, 0, 0));
	ck_assert_ptr_null(altp2m_event_invalid(HW, 31, false, 0, 0));
	ck_assert_ptr_nonnull(altp2m_event_invalid(HW, 32, false, 0, 0));
	ck_assert_ptr_nonnull(altp2m_event_invalid(HW, 3, true, 0, 0));
	ck_assert_ptr_nonnull(altp2m_event_invalid(HW, 13, true, 0x10000, 0));
	/* #CP: no code without CET (it failed VM entry: guest_fuzz_test). */
	ck_assert_ptr_nonnull(altp2m_event_invalid(HW, 21, true, 0, 0));
	ck_assert_ptr_null(altp2m_event_invalid(HW, 21, false, 0, 0));
	/* Software types need their instruction's length, 1-15. */
	ck_assert_ptr_null(altp2m_event_invalid(ALTP2M_EVENT_SOFT_INTR, 0x80,
						false, 0, 2));
	ck_assert_ptr_null(altp2m_event_invalid(ALTP2M_EVENT_SOFT_EXC, 3,
						false, 0, 15));
	ck_assert_ptr_nonnull(altp2m_event_invalid(ALTP2M_EVENT_SOFT_INTR,
						   0x80, false, 0, 0));
	ck_assert_ptr_nonnull(altp2m_event_invalid(ALTP2M_EVENT_PRIV_SW_EXC,
						   1, false, 0, 16));
	ck_assert_ptr_nonnull(altp2m_event_invalid(ALTP2M_EVENT_SOFT_INTR,
						   0x80, true, 0, 2));
	/* Reserved type and "other event" are no events for a guest. */
	ck_assert_ptr_nonnull(altp2m_event_invalid(ALTP2M_EVENT_RESERVED, 0,
						   false, 0, 0));
	ck_assert_ptr_nonnull(altp2m_event_invalid(ALTP2M_EVENT_OTHER, 0,
						   false, 0, 0));
}
END_TEST

static Suite *event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, double_fault_table);
	tcase_add_test(tc, raise_over_software_event);
	tcase_add_test(tc, error_code_by_vector_and_mode);
	tcase_add_test(tc, software_events_have_no_code);
	tcase_add_test(tc, rebuilt_from_vectoring);
	tcase_add_test(tc, injectable_events);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(event_suite)
