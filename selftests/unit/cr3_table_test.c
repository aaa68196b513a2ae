// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/cr3_table.c, the table behind
 * ALTP2M_MONITOR_SET_CR3_VIEWS: building (mask, padding, duplicates after
 * masking, sorting) and the lookup a vCPU makes at each CR3 write.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/altp2m.h>

#include "../../kmod/core/cr3_table.h"
#include "unit.h"

#define CUR	ALTP2M_MON_VIEW_CURRENT

/* Linux's PTI pair: the user CR3 is the kernel one with bit 12 set. */
#define PTI_MASK	(ALTP2M_MON_CR3_MASK_DEFAULT & ~(1ULL << 12))

static struct altp2m_monitor_cr3_view ent(uint64_t cr3, uint32_t view)
{
	return (struct altp2m_monitor_cr3_view){ .cr3 = cr3, .view = view };
}

START_TEST(build_sorts_and_masks)
{
	struct altp2m_monitor_cr3_view e[] = {
		ent(0x5000, 3), ent(0x1000 | 0x18, 1), ent(0x3000, 2),
	};
	struct altp2m_cr3_table t;

	ck_assert_int_eq(altp2m_cr3_table_build(&t, e, 3, 0, 0), 0);
	ck_assert_ptr_eq(t.e, e);
	ck_assert_uint_eq(t.nr, 3);
	ck_assert_uint_eq(t.default_view, 0);
	/* Mask 0 is the default: the page-table base. */
	ck_assert_uint_eq(t.mask, ALTP2M_MON_CR3_MASK_DEFAULT);
	ck_assert_uint_eq(e[0].cr3, 0x1000);
	ck_assert_uint_eq(e[0].view, 1);
	ck_assert_uint_eq(e[1].cr3, 0x3000);
	ck_assert_uint_eq(e[2].cr3, 0x5000);
	ck_assert_uint_eq(e[2].view, 3);
}
END_TEST

START_TEST(default_mask_ignores_low_bits_and_63)
{
	struct altp2m_monitor_cr3_view e[] = { ent(0x8000, 4), ent(0xa000, 5) };
	struct altp2m_cr3_table t;

	ck_assert_int_eq(altp2m_cr3_table_build(&t, e, 2, 0, 0), 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x8000), 4);
	/* PCID (or PWT/PCD) and the no-flush bit do not count. */
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x8000 | 0xfff), 4);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x8000 | 1ULL << 63),
			  4);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0xa000 | 0x18), 5);
	/* The base does: bit 12 makes another CR3, and bit 51 too. */
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x8000 | 0x1000), 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x8000 | 1ULL << 51),
			  0);
}
END_TEST

START_TEST(pti_mask)
{
	struct altp2m_monitor_cr3_view e[] = { ent(0x20000, 1),
					       ent(0x40000, 2) };
	struct altp2m_monitor_cr3_view d[] = { ent(0x20000, 1),
					       ent(0x21000, 2) };
	struct altp2m_cr3_table t;

	ck_assert_int_eq(altp2m_cr3_table_build(&t, e, 2, PTI_MASK, CUR), 0);
	ck_assert_uint_eq(t.mask, PTI_MASK);
	/* Kernel and user CR3 of one process: the same entry. */
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x20000), 1);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x21000 | 0x801), 1);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x41000), 2);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x22000), CUR);
	/* Under that mask a PTI pair is one CR3: two entries for it clash. */
	ck_assert_int_eq(altp2m_cr3_table_build(&t, d, 2, PTI_MASK, 0),
			 -EINVAL);
	/* Under the default mask they are two. */
	d[0] = ent(0x20000, 1);
	d[1] = ent(0x21000, 2);
	ck_assert_int_eq(altp2m_cr3_table_build(&t, d, 2, 0, 0), 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x21000), 2);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x20000), 1);
}
END_TEST

START_TEST(duplicates_refused)
{
	struct altp2m_monitor_cr3_view same[] = { ent(0x3000, 1),
						  ent(0x3000, 2) };
	/* Different values, equal once masked (low bits, far apart). */
	struct altp2m_monitor_cr3_view masked[] = {
		ent(0x3000 | 0x8, 1), ent(0x8000, 3), ent(0x3000 | 0x10, 1),
	};
	struct altp2m_cr3_table t = { .nr = 77 };

	ck_assert_int_eq(altp2m_cr3_table_build(&t, same, 2, 0, 0), -EINVAL);
	ck_assert_int_eq(altp2m_cr3_table_build(&t, masked, 3, 0, 0),
			 -EINVAL);
	/* A refused build leaves the table as it was. */
	ck_assert_uint_eq(t.nr, 77);
}
END_TEST

START_TEST(padding_refused)
{
	struct altp2m_monitor_cr3_view e[] = { ent(0x3000, 1),
					       ent(0x4000, 2) };
	struct altp2m_cr3_table t;

	e[1].pad = 1;
	ck_assert_int_eq(altp2m_cr3_table_build(&t, e, 2, 0, 0), -EINVAL);
}
END_TEST

START_TEST(empty_table)
{
	struct altp2m_cr3_table t;

	ck_assert_int_eq(altp2m_cr3_table_build(&t, NULL, 0, 0, 7), 0);
	ck_assert_uint_eq(t.nr, 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0), 7);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x1234000), 7);
	ck_assert_int_eq(altp2m_cr3_table_build(&t, NULL, 0, 0, CUR), 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x1234000), CUR);
}
END_TEST

START_TEST(default_and_current)
{
	struct altp2m_monitor_cr3_view e[] = { ent(0x3000, 1) };
	struct altp2m_monitor_cr3_view f[] = { ent(0x3000, 1) };
	struct altp2m_cr3_table t;

	ck_assert_int_eq(altp2m_cr3_table_build(&t, e, 1, 0, 9), 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x3000), 1);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x4000), 9);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x2000), 9);
	ck_assert_int_eq(altp2m_cr3_table_build(&t, f, 1, 0, CUR), 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x4000), CUR);
	/* An entry naming view 0 is a switch to view 0, not a miss. */
	f[0] = ent(0x5000, 0);
	ck_assert_int_eq(altp2m_cr3_table_build(&t, f, 1, 0, CUR), 0);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0x5000), 0);
}
END_TEST

/* Every entry of a full table is found, and nothing between them. */
START_TEST(full_table_lookup)
{
	uint32_t n = ALTP2M_MONITOR_MAX_CR3_VIEWS, i;
	struct altp2m_monitor_cr3_view *e = calloc(n, sizeof(*e));
	struct altp2m_cr3_table t;

	ck_assert_ptr_nonnull(e);
	/* Reverse order, spread out, views 1 .. 511 cycling. */
	for (i = 0; i < n; i++)
		e[i] = ent((uint64_t)(n - i) << 14, 1 + (n - i) % 511);
	ck_assert_int_eq(altp2m_cr3_table_build(&t, e, n, 0, CUR), 0);
	for (i = 1; i <= n; i++) {
		ck_assert_uint_eq(altp2m_cr3_table_lookup(&t,
							  (uint64_t)i << 14),
				  1 + i % 511);
		ck_assert_uint_eq(altp2m_cr3_table_lookup(&t,
							  ((uint64_t)i << 14) +
							  0x1000), CUR);
	}
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, 0), CUR);
	ck_assert_uint_eq(altp2m_cr3_table_lookup(&t, (uint64_t)(n + 1) << 14),
			  CUR);
	free(e);
}
END_TEST

START_TEST(cr3_struct_layout)
{
	ck_assert_uint_eq(sizeof(struct altp2m_monitor_cr3_view), 16);
	ck_assert_uint_eq(sizeof(struct altp2m_monitor_cr3_table), 64);
	ck_assert_uint_eq(offsetof(struct altp2m_monitor_cr3_table, entries),
			  24);
}
END_TEST

static Suite *cr3_table_suite(void)
{
	Suite *s = suite_create("cr3_table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, build_sorts_and_masks);
	tcase_add_test(tc, default_mask_ignores_low_bits_and_63);
	tcase_add_test(tc, pti_mask);
	tcase_add_test(tc, duplicates_refused);
	tcase_add_test(tc, padding_refused);
	tcase_add_test(tc, empty_table);
	tcase_add_test(tc, default_and_current);
	tcase_add_test(tc, full_table_lookup);
	tcase_add_test(tc, cr3_struct_layout);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(cr3_table_suite)
