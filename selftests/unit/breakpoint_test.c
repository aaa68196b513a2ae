// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/breakpoint.c: the key a hidden breakpoint is
 * found by, the form of an ADD, a shadow page brought up to the page it
 * shadows, and the response rules for a SYNC hit.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../../kmod/core/breakpoint.h"
#include "unit.h"

START_TEST(keys)
{
	u64 k = altp2m_bp_key(0x12345, 0xabc);

	ck_assert_uint_eq(k, 0x12345abcULL);
	ck_assert_uint_eq(altp2m_bp_key_gfn(k), 0x12345);
	ck_assert_uint_eq(altp2m_bp_key_offset(k), 0xabc);
	/* A frame's keys are one range, in offset order, next to the next. */
	ck_assert_uint_lt(altp2m_bp_key(7, 4095), altp2m_bp_key(8, 0));
	ck_assert_uint_lt(altp2m_bp_key(7, 1), altp2m_bp_key(7, 2));
	/* The offset never spills into the frame. */
	ck_assert_uint_eq(altp2m_bp_key(7, 4096), altp2m_bp_key(7, 0));
	/* The widest gfn (48-bit space) keeps its bits. */
	k = altp2m_bp_key((1ULL << 36) - 1, 4095);
	ck_assert_uint_eq(altp2m_bp_key_gfn(k), (1ULL << 36) - 1);
}
END_TEST

static struct altp2m_monitor_breakpoint good(void)
{
	struct altp2m_monitor_breakpoint b;

	memset(&b, 0, sizeof(b));
	b.gpa = 0x101234;
	b.shadow_gfn = 0x200000;
	b.exec_view = 1;
	b.clean_view = 0;
	return b;
}

START_TEST(add_form)
{
	struct altp2m_monitor_breakpoint b = good();

	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), 0);
	/* Outputs may hold anything. */
	b.id = 99;
	b.orig = 0x55;
	b.hits = 7;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), 0);
	b.flags = ALTP2M_MON_BP_ASYNC;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), 0);
	b.flags = ALTP2M_MON_BP_SYNC;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), 0);
	b.flags = ALTP2M_MON_BP_SYNC | ALTP2M_MON_BP_ASYNC;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), -EINVAL);
	b.flags = 4;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), -EINVAL);

	b = good();
	b.pad[6] = 1;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), -EINVAL);
	b = good();
	b.reserved[3] = 1;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), -EINVAL);
	b = good();
	b.clean_view = b.exec_view;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), -EINVAL);

	/* The guest-physical width bounds both addresses. */
	b = good();
	b.gpa = (1ULL << 39) - 1;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 39), 0);
	b.gpa = 1ULL << 39;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 39), -EINVAL);
	b = good();
	b.shadow_gfn = (1ULL << 27) - 1;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 39), 0);
	b.shadow_gfn = 1ULL << 27;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 39), -EINVAL);
	b.shadow_gfn = ~0ULL;
	ck_assert_int_eq(altp2m_bp_add_check(&b, 48), -EINVAL);
}
END_TEST

START_TEST(resync)
{
	static u8 shadow[ALTP2M_BP_PAGE_SIZE], src[ALTP2M_BP_PAGE_SIZE];
	const u16 offs[] = { 0, 0x10, 0xfff };
	u8 orig[3] = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = i * 7;
	memcpy(shadow, src, sizeof(shadow));
	shadow[0] = shadow[0x10] = shadow[0xfff] = ALTP2M_BP_INT3;
	/* Nothing changed: nothing written, the origs are the bytes. */
	ck_assert_uint_eq(altp2m_bp_shadow_resync(shadow, src, offs, orig, 3),
			  0);
	ck_assert_uint_eq(orig[0], src[0]);
	ck_assert_uint_eq(orig[1], src[0x10]);
	ck_assert_uint_eq(orig[2], src[0xfff]);

	/* The guest patched two bytes, one under a breakpoint. */
	src[0x11] = 0x90;
	src[0x10] = 0xe9;
	ck_assert_uint_eq(altp2m_bp_shadow_resync(shadow, src, offs, orig, 3),
			  1);
	ck_assert_uint_eq(shadow[0x11], 0x90);
	ck_assert_uint_eq(shadow[0x10], ALTP2M_BP_INT3);
	ck_assert_uint_eq(orig[1], 0xe9);
	for (i = 0; i < sizeof(src); i++)
		if (i != 0 && i != 0x10 && i != 0xfff)
			ck_assert_uint_eq(shadow[i], src[i]);

	/* A breakpoint's INT3 the guest's bytes lost is planted again. */
	shadow[0xfff] = 0;
	ck_assert_uint_eq(altp2m_bp_shadow_resync(shadow, src, offs, orig, 3),
			  1);
	ck_assert_uint_eq(shadow[0xfff], ALTP2M_BP_INT3);

	/* No breakpoint left: the shadow becomes the page. */
	ck_assert_uint_eq(altp2m_bp_shadow_resync(shadow, src, offs, orig, 0),
			  3);
	ck_assert_int_eq(memcmp(shadow, src, sizeof(src)), 0);
}
END_TEST

START_TEST(response)
{
	/* "Continue", ACCESS, SET_REGS keeping RIP: the module steps over. */
	ck_assert_int_eq(altp2m_bp_response(0, false),
			 ALTP2M_BP_RSP_STEP_OVER);
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_ACCESS, false),
			 ALTP2M_BP_RSP_STEP_OVER);
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_SET_REGS, false),
			 ALTP2M_BP_RSP_STEP_OVER);
	/* A move of the daemon's own replaces it. */
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_SET_REGS, true),
			 ALTP2M_BP_RSP_AS_ASKED);
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_SWITCH_VIEW, false),
			 ALTP2M_BP_RSP_AS_ASKED);
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_SINGLESTEP, false),
			 ALTP2M_BP_RSP_AS_ASKED);
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_FAST_SINGLESTEP |
					    ALTP2M_MON_RSP_ACCESS, false),
			 ALTP2M_BP_RSP_AS_ASKED);
	/* The guest did not plant it: no reinjection, whatever else. */
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_REINJECT, false),
			 ALTP2M_BP_RSP_INVALID);
	ck_assert_int_eq(altp2m_bp_response(ALTP2M_MON_RSP_REINJECT |
					    ALTP2M_MON_RSP_SWITCH_VIEW, true),
			 ALTP2M_BP_RSP_INVALID);
}
END_TEST

static Suite *breakpoint_suite(void)
{
	Suite *s = suite_create("breakpoint");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, keys);
	tcase_add_test(tc, add_form);
	tcase_add_test(tc, resync);
	tcase_add_test(tc, response);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(breakpoint_suite)
