// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of string port I/O: the INS/OUTS decoder in emulate.c and
 * the rounds of kmod/core/string_io.c.
 *
 * The byte sequences were checked with GNU as and objdump (x86-64, i386
 * and i8086 modes) when they were written.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../../kmod/core/gva.h"
#include "../../kmod/core/string_io.h"
#include "unit.h"

#define DF	(1ULL << 10)

enum mode { M64, M32, M16 };

static struct altp2m_paging paging(enum mode m)
{
	struct altp2m_paging pg = { .cr0 = ALTP2M_CR0_PE };

	if (m == M64) {
		pg.cr0 |= ALTP2M_CR0_PG;
		pg.cr4 = ALTP2M_CR4_PAE;
		pg.efer = ALTP2M_EFER_LME | ALTP2M_EFER_LMA;
		pg.cs_l = true;
	} else if (m == M32) {
		pg.cs_db = true;
	}
	return pg;
}

#define B(s)	.b = (const u8 *)(s), .n = sizeof(s) - 1

static const struct {
	const char *name;
	enum mode mode;
	const u8 *b;
	unsigned int n;
	int ret;
	struct altp2m_strio want;
} decodes[] = {
	{ "outsb", M64, B("\x6e"), 0,
	  { .len = 1, .addr_size = 8, .seg = ALTP2M_SREG_DS } },
	{ "rep outsb", M64, B("\xf3\x6e"), 0,
	  { .len = 2, .addr_size = 8, .seg = ALTP2M_SREG_DS, .rep = true } },
	{ "repne outsl", M64, B("\xf2\x6f"), 0,
	  { .len = 2, .addr_size = 8, .seg = ALTP2M_SREG_DS, .rep = true } },
	{ "rep insw", M64, B("\x66\xf3\x6d"), 0,
	  { .len = 3, .addr_size = 8, .seg = ALTP2M_SREG_ES, .rep = true,
	    .in = true } },
	{ "insb", M64, B("\x6c"), 0,
	  { .len = 1, .addr_size = 8, .seg = ALTP2M_SREG_ES, .in = true } },
	{ "addr32 rep outsb", M64, B("\x67\xf3\x6e"), 0,
	  { .len = 3, .addr_size = 4, .seg = ALTP2M_SREG_DS, .rep = true } },
	{ "fs outsb", M64, B("\x64\x6e"), 0,
	  { .len = 2, .addr_size = 8, .seg = ALTP2M_SREG_FS } },
	{ "gs rep outsw", M64, B("\x65\xf3\x66\x6f"), 0,
	  { .len = 4, .addr_size = 8, .seg = ALTP2M_SREG_GS, .rep = true } },
	{ "cs ss: last override wins", M64, B("\x2e\x36\x6e"), 0,
	  { .len = 3, .addr_size = 8, .seg = ALTP2M_SREG_SS } },
	{ "es override on outs", M32, B("\x26\x6e"), 0,
	  { .len = 2, .addr_size = 4, .seg = ALTP2M_SREG_ES } },
	{ "override ignored on ins", M64, B("\x64\x6c"), 0,
	  { .len = 2, .addr_size = 8, .seg = ALTP2M_SREG_ES, .in = true } },
	{ "rex.w outsl", M64, B("\x48\x6f"), 0,
	  { .len = 2, .addr_size = 8, .seg = ALTP2M_SREG_DS } },
	{ "32-bit rep insl", M32, B("\xf3\x6d"), 0,
	  { .len = 2, .addr_size = 4, .seg = ALTP2M_SREG_ES, .rep = true,
	    .in = true } },
	{ "16-bit outsb", M16, B("\x6e"), 0,
	  { .len = 1, .addr_size = 2, .seg = ALTP2M_SREG_DS } },
	{ "16-bit addr32 outsb", M16, B("\x67\x6e"), 0,
	  { .len = 2, .addr_size = 4, .seg = ALTP2M_SREG_DS } },
	{ "32-bit addr16 insb", M32, B("\x67\x6c"), 0,
	  { .len = 2, .addr_size = 2, .seg = ALTP2M_SREG_ES, .in = true } },
	{ "40 is INC outside 64-bit mode", M32, B("\x40\x6e"), -EINVAL },
	{ "lock outsb", M64, B("\xf0\x6e"), -EINVAL },
	{ "not a string I/O", M64, B("\xee"), -EINVAL },
	{ "mov", M64, B("\x89\x07"), -EINVAL },
	{ "prefix only", M64, B("\xf3"), -ENODATA },
	{ "nothing", M64, B(""), -ENODATA },
	{ "15 prefixes then opcode", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	    "\x6e"), -EINVAL },
	{ "14 prefixes then opcode", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x6e"), 0,
	  { .len = 15, .addr_size = 8, .seg = ALTP2M_SREG_DS } },
};

START_TEST(decodes_vector)
{
	struct altp2m_paging pg = paging(decodes[_i].mode);
	struct altp2m_strio got;
	int ret;

	ret = altp2m_strio_decode(decodes[_i].b, decodes[_i].n, &pg, &got);
	ck_assert_msg(ret == decodes[_i].ret, "%s: ret %d, want %d",
		      decodes[_i].name, ret, decodes[_i].ret);
	if (ret)
		return;
	ck_assert_msg(!memcmp(&got, &decodes[_i].want, sizeof(got)),
		      "%s: len %u asz %u seg %u rep %d in %d", decodes[_i].name,
		      got.len, got.addr_size, got.seg, got.rep, got.in);
}
END_TEST

/* Registers for a plan: index register (RSI or RDI) and RCX. */
static void regs(u64 *gpr, const struct altp2m_strio *s, u64 idx, u64 rcx)
{
	memset(gpr, 0, sizeof(u64) * ALTP2M_NR_GPRS);
	gpr[s->in ? ALTP2M_RDI : ALTP2M_RSI] = idx;
	gpr[ALTP2M_RCX] = rcx;
}

START_TEST(non_rep_is_one_item)
{
	struct altp2m_strio s = { .len = 1, .addr_size = 8 };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS];

	regs(gpr, &s, 0x1000, 77);	/* RCX is not looked at */
	ck_assert_int_eq(altp2m_strio_plan(&s, 4, gpr, 0, 0, true, 3072, &r),
			 0);
	ck_assert_uint_eq(r.count, 1);
	ck_assert(r.done);
	ck_assert_uint_eq(r.gva, 0x1000);
	altp2m_strio_advance(&s, 4, gpr, 0, r.count);
	ck_assert_uint_eq(gpr[ALTP2M_RSI], 0x1004);
	ck_assert_uint_eq(gpr[ALTP2M_RCX], 77);
}
END_TEST

START_TEST(rep_zero_count_does_nothing)
{
	struct altp2m_strio s = { .addr_size = 4, .rep = true, .in = true };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS];

	/* Only ECX counts at address size 4: bits 63:32 are ignored. */
	regs(gpr, &s, 0x2000, 0xffffffff00000000ULL);
	ck_assert_int_eq(altp2m_strio_plan(&s, 1, gpr, 0, 0, true, 3072, &r),
			 0);
	ck_assert_uint_eq(r.count, 0);
	ck_assert(r.done);
}
END_TEST

START_TEST(rounds_stop_at_page_and_data_area)
{
	struct altp2m_strio s = { .addr_size = 8, .rep = true };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS];
	u64 total = 0;
	int rounds = 0;

	/* 10000 bytes from 0x10ffe: 2, 3072 + 1024 twice, then 1806. */
	regs(gpr, &s, 0x10ffe, 10000);
	do {
		ck_assert_int_eq(altp2m_strio_plan(&s, 1, gpr, 0, 0, true, 3072,
						   &r), 0);
		ck_assert_uint_ge(r.count, 1);
		ck_assert_uint_le(r.count, 3072);
		/* Never crosses a page. */
		ck_assert_uint_eq(r.gva >> 12, (r.gva + r.count - 1) >> 12);
		ck_assert_uint_eq(r.gva, 0x10ffe + total);
		if (rounds == 0)
			ck_assert_uint_eq(r.count, 2);
		if (rounds == 1)
			ck_assert_uint_eq(r.count, 3072);
		if (rounds == 2)
			ck_assert_uint_eq(r.count, 1024);
		altp2m_strio_advance(&s, 1, gpr, 0, r.count);
		total += r.count;
		rounds++;
		ck_assert_uint_eq(gpr[ALTP2M_RCX], 10000 - total);
		ck_assert(r.done == (total == 10000));
	} while (!r.done);
	ck_assert_uint_eq(gpr[ALTP2M_RSI], 0x10ffe + 10000);
	ck_assert_int_eq(rounds, 6);
}
END_TEST

START_TEST(down_with_df)
{
	struct altp2m_strio s = { .addr_size = 8, .rep = true, .in = true };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS];

	/* Words from 0x5008 down: 0x5008, 0x5006, ... 0x5000, then page 4. */
	regs(gpr, &s, 0x5008, 8);
	ck_assert_int_eq(altp2m_strio_plan(&s, 2, gpr, DF, 0, true, 3072, &r),
			 0);
	ck_assert_uint_eq(r.count, 5);
	ck_assert_uint_eq(r.gva, 0x5000);
	ck_assert(!r.done);
	altp2m_strio_advance(&s, 2, gpr, DF, r.count);
	ck_assert_uint_eq(gpr[ALTP2M_RDI], 0x4ffe);
	ck_assert_uint_eq(gpr[ALTP2M_RCX], 3);
	ck_assert_int_eq(altp2m_strio_plan(&s, 2, gpr, DF, 0, true, 3072, &r),
			 0);
	ck_assert_uint_eq(r.count, 3);
	ck_assert_uint_eq(r.gva, 0x4ffa);
	ck_assert(r.done);
}
END_TEST

START_TEST(straddling_item_is_its_own_round)
{
	struct altp2m_strio s = { .addr_size = 8, .rep = true };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS];

	regs(gpr, &s, 0x3ffe, 100);
	ck_assert_int_eq(altp2m_strio_plan(&s, 4, gpr, 0, 0, true, 3072, &r),
			 0);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_uint_eq(r.gva, 0x3ffe);
	regs(gpr, &s, 0x3ffe, 100);
	ck_assert_int_eq(altp2m_strio_plan(&s, 4, gpr, DF, 0, true, 3072, &r),
			 0);
	ck_assert_uint_eq(r.count, 1);
}
END_TEST

START_TEST(segment_base_and_32bit_wrap)
{
	struct altp2m_strio s = { .addr_size = 4, .rep = true };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS];

	/* Outside 64-bit mode the linear address is 32 bits wide. */
	regs(gpr, &s, 0x2000, 4);
	ck_assert_int_eq(altp2m_strio_plan(&s, 1, gpr, 0, 0xfffff000ULL, false,
					   3072, &r), 0);
	ck_assert_uint_eq(r.gva, 0x1000);
	/* In 64-bit mode an FS/GS base is added in full. */
	ck_assert_int_eq(altp2m_strio_plan(&s, 1, gpr, 0, 0x7f0000000000ULL,
					   true, 3072, &r), 0);
	ck_assert_uint_eq(r.gva, 0x7f0000002000ULL);
}
END_TEST

START_TEST(address_size_wraps)
{
	struct altp2m_strio s16 = { .addr_size = 2, .rep = true };
	struct altp2m_strio s32 = { .addr_size = 4, .rep = true, .in = true };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS];

	/* 16-bit: SI = 0xfff0 may go up to 0xffff, then wraps to 0. */
	regs(gpr, &s16, 0xabcd0000fff0ULL, 0x12340020);
	ck_assert_int_eq(altp2m_strio_plan(&s16, 1, gpr, 0, 0x10000, false,
					   3072, &r), 0);
	ck_assert_uint_eq(r.count, 16);
	ck_assert(!r.done);
	altp2m_strio_advance(&s16, 1, gpr, 0, r.count);
	/* Only SI and CX change; the bits above them stay. */
	ck_assert_uint_eq(gpr[ALTP2M_RSI], 0xabcd00000000ULL);
	ck_assert_uint_eq(gpr[ALTP2M_RCX], 0x12340010);

	/* A word at offset 0xffff would wrap inside the item: refused. */
	regs(gpr, &s16, 0xffff, 1);
	ck_assert_int_eq(altp2m_strio_plan(&s16, 2, gpr, 0, 0, false, 3072,
					   &r), -EINVAL);

	/* 32-bit address size in 64-bit mode: EDI zero-extends into RDI. */
	regs(gpr, &s32, 0xffffffff00000010ULL, 4);
	ck_assert_int_eq(altp2m_strio_plan(&s32, 4, gpr, DF, 0, true, 3072,
					   &r), 0);
	ck_assert_uint_eq(r.gva, 0x4);
	ck_assert_uint_eq(r.count, 4);
	altp2m_strio_advance(&s32, 4, gpr, DF, r.count);
	ck_assert_uint_eq(gpr[ALTP2M_RDI], 0);
	ck_assert_uint_eq(gpr[ALTP2M_RCX], 0);

	/* Going down from 2, word items: one item, then the offset wraps. */
	regs(gpr, &s32, 0x2, 9);
	ck_assert_int_eq(altp2m_strio_plan(&s32, 2, gpr, DF, 0, true, 3072,
					   &r), 0);
	ck_assert_uint_eq(r.count, 2);
	ck_assert_uint_eq(r.gva, 0);
}
END_TEST

START_TEST(refuses_impossible)
{
	struct altp2m_strio s = { .addr_size = 8 };
	struct altp2m_strio bad = { .addr_size = 3 };
	struct altp2m_strio_round r;
	u64 gpr[ALTP2M_NR_GPRS] = { 0 };

	ck_assert_int_eq(altp2m_strio_plan(&s, 8, gpr, 0, 0, true, 3072, &r),
			 -EINVAL);
	ck_assert_int_eq(altp2m_strio_plan(&s, 3, gpr, 0, 0, true, 3072, &r),
			 -EINVAL);
	ck_assert_int_eq(altp2m_strio_plan(&bad, 1, gpr, 0, 0, true, 3072,
					   &r), -EINVAL);
	ck_assert_int_eq(altp2m_strio_plan(&s, 4, gpr, 0, 0, true, 2, &r),
			 -EINVAL);
}
END_TEST

START_TEST(reverse_items)
{
	u16 w[5] = { 1, 2, 3, 4, 5 };
	u32 l[4] = { 10, 20, 30, 40 };
	u8 b[1] = { 7 };

	altp2m_strio_reverse(w, 5, 2);
	ck_assert(w[0] == 5 && w[1] == 4 && w[2] == 3 && w[3] == 2 &&
		  w[4] == 1);
	altp2m_strio_reverse(l, 4, 4);
	ck_assert(l[0] == 40 && l[1] == 30 && l[2] == 20 && l[3] == 10);
	altp2m_strio_reverse(b, 1, 1);
	ck_assert_uint_eq(b[0], 7);
	altp2m_strio_reverse(b, 0, 1);
	ck_assert_uint_eq(b[0], 7);
}
END_TEST

static Suite *string_io_suite(void)
{
	Suite *s = suite_create("string_io");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, decodes_vector, 0, ARRAY_LEN(decodes));
	tcase_add_test(tc, non_rep_is_one_item);
	tcase_add_test(tc, rep_zero_count_does_nothing);
	tcase_add_test(tc, rounds_stop_at_page_and_data_area);
	tcase_add_test(tc, down_with_df);
	tcase_add_test(tc, straddling_item_is_its_own_round);
	tcase_add_test(tc, segment_base_and_32bit_wrap);
	tcase_add_test(tc, address_size_wraps);
	tcase_add_test(tc, refuses_impossible);
	tcase_add_test(tc, reverse_items);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(string_io_suite)
