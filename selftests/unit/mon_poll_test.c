// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/mon_poll.c: the adaptive window a vCPU parked
 * on a sync monitor event polls for its response.
 */
#include <check.h>
#include <stdint.h>

#include "../../kmod/core/mon_poll.h"
#include "unit.h"

#define START	ALTP2M_MON_POLL_START_NS

START_TEST(window_is_bounded)
{
	ck_assert_uint_eq(altp2m_mon_poll_window(0, 200000), 0);
	ck_assert_uint_eq(altp2m_mon_poll_window(40000, 200000), 40000);
	/* The limit lowered below a grown window, or polling turned off. */
	ck_assert_uint_eq(altp2m_mon_poll_window(160000, 50000), 50000);
	ck_assert_uint_eq(altp2m_mon_poll_window(160000, 0), 0);
}
END_TEST

START_TEST(grows_from_zero_to_the_limit)
{
	uint32_t w = 0, max = 100000;

	/* Answers after the window but within the limit: it grows. */
	w = altp2m_mon_poll_adapt(w, 30000, max);
	ck_assert_uint_eq(w, START);
	w = altp2m_mon_poll_adapt(w, 30000, max);
	ck_assert_uint_eq(w, 2 * START);
	w = altp2m_mon_poll_adapt(w, 30000, max);
	ck_assert_uint_eq(w, 4 * START);
	/* Now within the window: it stays. */
	ck_assert_uint_eq(altp2m_mon_poll_adapt(w, 30000, max), 4 * START);
	ck_assert_uint_eq(altp2m_mon_poll_adapt(w, 40000, max), 4 * START);
	/* Never beyond the limit, however often it grows. */
	w = altp2m_mon_poll_adapt(w, 90000, max);
	ck_assert_uint_eq(w, 80000);
	w = altp2m_mon_poll_adapt(w, 90000, max);
	ck_assert_uint_eq(w, max);
	ck_assert_uint_eq(altp2m_mon_poll_adapt(w, max, max), max);
}
END_TEST

START_TEST(shrinks_for_a_slow_monitor)
{
	uint32_t w = 80000, max = 100000;

	/* Answers after the limit: polling was wasted, it halves... */
	w = altp2m_mon_poll_adapt(w, max + 1, max);
	ck_assert_uint_eq(w, 40000);
	w = altp2m_mon_poll_adapt(w, UINT64_MAX, max);
	ck_assert_uint_eq(w, 20000);
	w = altp2m_mon_poll_adapt(w, 5000000, max);
	ck_assert_uint_eq(w, START);
	/* ... and below the start it stops. */
	w = altp2m_mon_poll_adapt(w, 5000000, max);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(altp2m_mon_poll_adapt(w, 5000000, max), 0);
	/* A quick answer again: it grows again from the start. */
	ck_assert_uint_eq(altp2m_mon_poll_adapt(w, 1, max), START);
}
END_TEST

START_TEST(limit_changes)
{
	/* Polling turned off: 0 whatever happened. */
	ck_assert_uint_eq(altp2m_mon_poll_adapt(80000, 10, 0), 0);
	ck_assert_uint_eq(altp2m_mon_poll_adapt(0, 10, 0), 0);
	/* Lowered below the window: clamped even when the answer was quick. */
	ck_assert_uint_eq(altp2m_mon_poll_adapt(160000, 10, 50000), 50000);
	/* A limit below the start: growing reaches the limit, not beyond. */
	ck_assert_uint_eq(altp2m_mon_poll_adapt(0, 2000, 4000), 4000);
	/* The largest limit does not overflow the doubling. */
	ck_assert_uint_eq(altp2m_mon_poll_adapt(0x90000000u, 0xa0000000u,
						UINT32_MAX), UINT32_MAX);
}
END_TEST

static Suite *mon_poll_suite(void)
{
	Suite *s = suite_create("mon_poll");
	TCase *tc = tcase_create("window");

	tcase_add_test(tc, window_is_bounded);
	tcase_add_test(tc, grows_from_zero_to_the_limit);
	tcase_add_test(tc, shrinks_for_a_slow_monitor);
	tcase_add_test(tc, limit_changes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(mon_poll_suite)
