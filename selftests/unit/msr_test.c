// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/msr.c: the MTRRs and IA32_MISC_ENABLE as WRMSR
 * treats them (#GP for what a CPU refuses), stored and read back.
 */
#include <check.h>
#include <errno.h>

#include "../../kmod/core/msr.h"
#include "unit.h"

#define MAXPHY	39

static struct altp2m_msr_state st;

static int wr(u32 index, u64 value)
{
	return altp2m_msr_soft_set(&st, index, value, MAXPHY);
}

static u64 rd(u32 index)
{
	u64 v = 0xdeadbeef;

	ck_assert_int_eq(altp2m_msr_soft_get(&st, index, &v), 0);
	return v;
}

START_TEST(reset_values)
{
	altp2m_msr_reset(&st);
	ck_assert_uint_eq(rd(ALTP2M_MSR_MTRRCAP), 0x508);
	ck_assert_uint_eq(rd(ALTP2M_MSR_MTRR_DEF_TYPE), 0);
	ck_assert_uint_eq(rd(ALTP2M_MSR_MISC_ENABLE), 1 | 1 << 11 | 1 << 12);
	ck_assert_uint_eq(rd(ALTP2M_MSR_TSC_ADJUST), 0);
	ck_assert_uint_eq(rd(ALTP2M_MSR_UCODE_REV), 0);
	ck_assert_uint_eq(rd(0x200), 0);
	ck_assert_uint_eq(rd(0x26f), 0);
}
END_TEST

START_TEST(mtrr_round_trip)
{
	u32 i;

	altp2m_msr_reset(&st);
	ck_assert_int_eq(wr(ALTP2M_MSR_MTRR_DEF_TYPE, 0xc06), 0);
	ck_assert_uint_eq(rd(ALTP2M_MSR_MTRR_DEF_TYPE), 0xc06);
	/* Every fixed-range MSR, each byte a different valid type. */
	ck_assert_int_eq(wr(0x250, 0x0606060606060606ULL), 0);
	ck_assert_int_eq(wr(0x258, 0x0001040506000104ULL), 0);
	ck_assert_int_eq(wr(0x259, 0x0000000000000000ULL), 0);
	for (i = 0x268; i <= 0x26f; i++)
		ck_assert_int_eq(wr(i, 0x0405060104050601ULL ^
				    ((u64)(i & 1) << 56)), 0);
	ck_assert_uint_eq(rd(0x250), 0x0606060606060606ULL);
	ck_assert_uint_eq(rd(0x258), 0x0001040506000104ULL);
	ck_assert_uint_eq(rd(0x26f), 0x0505060104050601ULL);
	ck_assert_uint_eq(rd(0x26e), 0x0405060104050601ULL);
	/* Variable ranges: base and mask of all eight pairs. */
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(wr(0x200 + 2 * i, 0x80000000ULL * i | 6), 0);
		ck_assert_int_eq(wr(0x201 + 2 * i, 0x7f80000800ULL), 0);
	}
	for (i = 0; i < 8; i++) {
		ck_assert_uint_eq(rd(0x200 + 2 * i), 0x80000000ULL * i | 6);
		ck_assert_uint_eq(rd(0x201 + 2 * i), 0x7f80000800ULL);
	}
	/* Past the eighth pair and between the fixed MSRs: not MTRRs. */
	ck_assert(!altp2m_msr_soft(0x210));
	ck_assert(!altp2m_msr_soft(0x251));
	ck_assert(!altp2m_msr_soft(0x25a));
	ck_assert(!altp2m_msr_soft(0x270));
	ck_assert_int_eq(wr(0x210, 0), -EINVAL);
}
END_TEST

/* #GP: no such memory type, reserved bits, MTRRCAP is read-only. */
START_TEST(mtrr_reserved)
{
	static const u8 bad_types[] = { 2, 3, 7, 8, 0x16, 0xff };
	u32 i;

	altp2m_msr_reset(&st);
	ck_assert_int_eq(wr(ALTP2M_MSR_MTRRCAP, 0x508), -EINVAL);
	for (i = 0; i < sizeof(bad_types); i++) {
		ck_assert_int_eq(wr(ALTP2M_MSR_MTRR_DEF_TYPE, bad_types[i]),
				 -EINVAL);
		ck_assert_int_eq(wr(0x250, (u64)bad_types[i] << 40), -EINVAL);
		ck_assert_int_eq(wr(0x26b, bad_types[i]), -EINVAL);
		ck_assert_int_eq(wr(0x202, 0x100000 | bad_types[i]), -EINVAL);
	}
	/* DEF_TYPE: 9:8 and 63:12 reserved. */
	ck_assert_int_eq(wr(ALTP2M_MSR_MTRR_DEF_TYPE, 0x106), -EINVAL);
	ck_assert_int_eq(wr(ALTP2M_MSR_MTRR_DEF_TYPE, 0x1006), -EINVAL);
	ck_assert_int_eq(wr(ALTP2M_MSR_MTRR_DEF_TYPE, 1ULL << 63 | 6), -EINVAL);
	/* PHYSBASE: 11:8 and bits from MAXPHYADDR up. */
	ck_assert_int_eq(wr(0x204, 0x100 | 6), -EINVAL);
	ck_assert_int_eq(wr(0x204, (1ULL << MAXPHY) | 6), -EINVAL);
	ck_assert_int_eq(wr(0x204, (1ULL << (MAXPHY - 1)) | 6), 0);
	/* PHYSMASK: 10:0 and bits from MAXPHYADDR up; 11 is valid. */
	ck_assert_int_eq(wr(0x205, 0x400), -EINVAL);
	ck_assert_int_eq(wr(0x205, 1), -EINVAL);
	ck_assert_int_eq(wr(0x205, 1ULL << MAXPHY | 0x800), -EINVAL);
	ck_assert_int_eq(wr(0x205, 0x800), 0);
	/* Nothing refused was stored. */
	ck_assert_uint_eq(rd(ALTP2M_MSR_MTRR_DEF_TYPE), 0);
	ck_assert_uint_eq(rd(0x250), 0);
	ck_assert_uint_eq(rd(0x204), 1ULL << (MAXPHY - 1) | 6);
	ck_assert_uint_eq(rd(0x205), 0x800);
}
END_TEST

/* MISC_ENABLE: fast strings may change, nothing else. */
START_TEST(misc_enable)
{
	u32 bit;

	altp2m_msr_reset(&st);
	ck_assert_int_eq(wr(ALTP2M_MSR_MISC_ENABLE, 0x1800), 0);
	ck_assert_uint_eq(rd(ALTP2M_MSR_MISC_ENABLE), 0x1800);
	ck_assert_int_eq(wr(ALTP2M_MSR_MISC_ENABLE, 0x1801), 0);
	for (bit = 1; bit < 64; bit++) {
		if (bit == 11 || bit == 12)
			continue;
		ck_assert_int_eq(wr(ALTP2M_MSR_MISC_ENABLE,
				    0x1801 | 1ULL << bit), -EINVAL);
	}
	/* The read-only bits cannot be cleared either. */
	ck_assert_int_eq(wr(ALTP2M_MSR_MISC_ENABLE, 0x801), -EINVAL);
	ck_assert_int_eq(wr(ALTP2M_MSR_MISC_ENABLE, 1), -EINVAL);
	ck_assert_uint_eq(rd(ALTP2M_MSR_MISC_ENABLE), 0x1801);
	/* The microcode revision: writes dropped. */
	ck_assert_int_eq(wr(ALTP2M_MSR_UCODE_REV, 0x1234ULL << 32), 0);
	ck_assert_uint_eq(rd(ALTP2M_MSR_UCODE_REV), 0);
	/* TSC_ADJUST: any value, stored. */
	ck_assert_int_eq(wr(ALTP2M_MSR_TSC_ADJUST, -5ULL), 0);
	ck_assert_uint_eq(rd(ALTP2M_MSR_TSC_ADJUST), -5ULL);
	/* Not one of these. */
	ck_assert(!altp2m_msr_soft(0x10));
	ck_assert(!altp2m_msr_soft(0x1a1));
	ck_assert_int_eq(altp2m_msr_soft_check(0x48, 0, MAXPHY), -EINVAL);
}
END_TEST

static Suite *msr_suite(void)
{
	Suite *s = suite_create("msr");
	TCase *tc = tcase_create("soft");

	tcase_add_test(tc, reset_values);
	tcase_add_test(tc, mtrr_round_trip);
	tcase_add_test(tc, mtrr_reserved);
	tcase_add_test(tc, misc_enable);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(msr_suite)
