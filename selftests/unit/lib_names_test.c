// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m's names: access codes, modes, events, and the
 * YNL names of netlink commands and attributes that error messages use.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../../lib/internal.h"
#include "unit.h"

START_TEST(access_names_round_trip)
{
	static const char *const want[] = {
		"n", "r", "w", "rw", "x", "rx", "wx", "rwx", "rx2rw", "n2rwx",
		"default",
	};
	unsigned int i, a;

	ck_assert_int_eq(ARRAY_LEN(want), ALTP2M_ACCESS_DEFAULT + 1);
	for (i = 0; i <= ALTP2M_ACCESS_DEFAULT; i++) {
		ck_assert_str_eq(altp2m_access_name(i), want[i]);
		a = 99;
		ck_assert_int_eq(altp2m_access_parse(want[i], &a), 0);
		ck_assert_uint_eq(a, i);
	}
	ck_assert_ptr_null(altp2m_access_name(ALTP2M_ACCESS_DEFAULT + 1));
	ck_assert_ptr_null(altp2m_access_name(~0u));
	ck_assert_int_eq(altp2m_access_parse("RWX", &a), 0);
	ck_assert_uint_eq(a, ALTP2M_ACCESS_RWX);
	a = 99;
	ck_assert_int_eq(altp2m_access_parse("rwxx", &a), -EINVAL);
	ck_assert_int_eq(altp2m_access_parse("", &a), -EINVAL);
	ck_assert_int_eq(altp2m_access_parse("7", &a), -EINVAL);
	ck_assert_int_eq(altp2m_access_parse(NULL, &a), -EINVAL);
	ck_assert_int_eq(altp2m_access_parse("r", NULL), -EINVAL);
	ck_assert_uint_eq(a, 99);
}
END_TEST

START_TEST(mode_names_round_trip)
{
	unsigned int m;

	ck_assert_str_eq(altp2m_mode_name(ALTP2M_MODE_EXTERNAL), "external");
	ck_assert_str_eq(altp2m_mode_name(ALTP2M_MODE_MIXED), "mixed");
	ck_assert_str_eq(altp2m_mode_name(ALTP2M_MODE_LIMITED), "limited");
	ck_assert_ptr_null(altp2m_mode_name(ALTP2M_MODE_LIMITED + 1));
	for (m = 0; m <= ALTP2M_MODE_LIMITED; m++) {
		unsigned int got = 99;

		ck_assert_int_eq(altp2m_mode_parse(altp2m_mode_name(m), &got), 0);
		ck_assert_uint_eq(got, m);
	}
	ck_assert_int_eq(altp2m_mode_parse("Mixed", &m), 0);
	ck_assert_uint_eq(m, ALTP2M_MODE_MIXED);
	ck_assert_int_eq(altp2m_mode_parse("internal", &m), -EINVAL);
	ck_assert_int_eq(altp2m_mode_parse(NULL, &m), -EINVAL);
}
END_TEST

START_TEST(event_names)
{
	ck_assert_str_eq(altp2m_event_name(ALTP2M_CMD_VM_CREATED), "vm-created");
	ck_assert_str_eq(altp2m_event_name(ALTP2M_CMD_VM_DESTROYED), "vm-destroyed");
	ck_assert_str_eq(altp2m_event_name(ALTP2M_CMD_VIEWS_ENABLED), "views-enabled");
	ck_assert_str_eq(altp2m_event_name(ALTP2M_CMD_VIEWS_DISABLED), "views-disabled");
	ck_assert_str_eq(altp2m_event_name(ALTP2M_CMD_VIEW_CREATED), "view-created");
	ck_assert_str_eq(altp2m_event_name(ALTP2M_CMD_VIEW_DESTROYED), "view-destroyed");
	/* Commands are not events. */
	ck_assert_ptr_null(altp2m_event_name(ALTP2M_CMD_UNSPEC));
	ck_assert_ptr_null(altp2m_event_name(ALTP2M_CMD_GET_VCPU_VIEWS));
	ck_assert_ptr_null(altp2m_event_name(ALTP2M_CMD_VIEW_DESTROYED + 1));
	ck_assert_ptr_null(altp2m_event_name(~0u));
}
END_TEST

START_TEST(command_names)
{
	unsigned int c;

	ck_assert_ptr_null(altp2m__cmd_name(ALTP2M_CMD_UNSPEC));
	for (c = 1; c <= ALTP2M_CMD_MAX; c++)
		ck_assert_ptr_nonnull(altp2m__cmd_name(c));
	ck_assert_str_eq(altp2m__cmd_name(ALTP2M_CMD_GET_VM), "get-vm");
	ck_assert_str_eq(altp2m__cmd_name(ALTP2M_CMD_SET_ACCESS), "set-access");
	ck_assert_str_eq(altp2m__cmd_name(ALTP2M_CMD_GET_VCPU_VIEWS), "get-vcpu-views");
	ck_assert_str_eq(altp2m__cmd_name(ALTP2M_CMD_VIEW_CREATED), "view-created");
	ck_assert_ptr_null(altp2m__cmd_name(ALTP2M_CMD_MAX + 1));
}
END_TEST

START_TEST(attribute_names)
{
	unsigned int t;

	for (t = 1; t <= ALTP2M_A_MAX; t++)
		ck_assert_ptr_nonnull(altp2m__attr_name(0, t));
	ck_assert_ptr_null(altp2m__attr_name(0, ALTP2M_A_UNSPEC));
	ck_assert_ptr_null(altp2m__attr_name(0, ALTP2M_A_MAX + 1));
	ck_assert_str_eq(altp2m__attr_name(0, ALTP2M_A_VM_ID), "vm-id");
	ck_assert_str_eq(altp2m__attr_name(0, ALTP2M_A_VIEW), "view");
	ck_assert_str_eq(altp2m__attr_name(0, ALTP2M_A_GFN), "gfn");
	ck_assert_str_eq(altp2m__attr_name(0, ALTP2M_A_ACCESS), "access");
	ck_assert_str_eq(altp2m__attr_name(0, ALTP2M_A_DEFAULT_ACCESS), "default-access");
	ck_assert_str_eq(altp2m__attr_name(0, ALTP2M_A_VCPU_VIEW), "vcpu-view");
	ck_assert_str_eq(altp2m__attr_name(0, ALTP2M_A_NR_REMAPS), "nr-remaps");

	for (t = 1; t <= ALTP2M_ENTRY_A_MAX; t++)
		ck_assert_ptr_nonnull(altp2m__attr_name(ALTP2M_A_ENTRY, t));
	ck_assert_str_eq(altp2m__attr_name(ALTP2M_A_ENTRY, ALTP2M_ENTRY_A_GFN), "gfn");
	ck_assert_str_eq(altp2m__attr_name(ALTP2M_A_ENTRY, ALTP2M_ENTRY_A_SVE), "sve");
	ck_assert_ptr_null(altp2m__attr_name(ALTP2M_A_ENTRY, ALTP2M_ENTRY_A_MAX + 1));

	for (t = 1; t <= ALTP2M_STATS_A_MAX; t++)
		ck_assert_ptr_nonnull(altp2m__attr_name(ALTP2M_A_STATS, t));
	ck_assert_str_eq(altp2m__attr_name(ALTP2M_A_STATS, ALTP2M_STATS_A_EPT_MAPS_4K),
			 "ept-maps-4k");
	ck_assert_str_eq(altp2m__attr_name(ALTP2M_A_STATS,
					   ALTP2M_STATS_A_REMAPS_INVALIDATED),
			 "remaps-invalidated");

	ck_assert_ptr_null(altp2m__attr_name(ALTP2M_A_VCPU_VIEW, 0));
	ck_assert_str_eq(altp2m__attr_name(ALTP2M_A_VCPU_VIEW, ALTP2M_VCPU_VIEW_A_VCPU),
			 "vcpu");
	ck_assert_str_eq(altp2m__attr_name(ALTP2M_A_VCPU_VIEW, ALTP2M_VCPU_VIEW_A_VIEW),
			 "view");
	ck_assert_ptr_null(altp2m__attr_name(ALTP2M_A_VCPU_VIEW, 3));
	/* Not a nest. */
	ck_assert_ptr_null(altp2m__attr_name(ALTP2M_A_VIEW, 1));
}
END_TEST

static Suite *lib_names_suite(void)
{
	Suite *s = suite_create("libaltp2m-names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, access_names_round_trip);
	tcase_add_test(tc, mode_names_round_trip);
	tcase_add_test(tc, event_names);
	tcase_add_test(tc, command_names);
	tcase_add_test(tc, attribute_names);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(lib_names_suite)
