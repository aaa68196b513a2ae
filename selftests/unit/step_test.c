// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/step.c: which instructions a monitor's TF
 * single step injects as software events (and with which length), and
 * which leave an RFLAGS image the module must fix (PUSHF's size per mode).
 */
#include <check.h>

#include "../../kmod/core/event.h"
#include "../../kmod/core/step.h"
#include "unit.h"

static struct altp2m_step_insn classify(const u8 *b, unsigned int n,
					bool long64, bool cs_db, bool of)
{
	struct altp2m_step_insn si;

	altp2m_step_classify(b, n, long64, cs_db, of, &si);
	return si;
}

#define SOFT(v, t)	((v) | (t) | ALTP2M_EVENT_VALID)

START_TEST(software_interrupts)
{
	static const u8 int3[] = { 0xcc }, int1[] = { 0xf1 },
		int80[] = { 0xcd, 0x80 }, int3_long[] = { 0xcd, 0x03 },
		pfx_int[] = { 0x2e, 0x66, 0xcd, 0x21 }, into[] = { 0xce },
		rex_int3[] = { 0x48, 0xcc };
	struct altp2m_step_insn si;

	si = classify(int3, 1, true, false, false);
	ck_assert_int_eq(si.kind, ALTP2M_STEP_INSN_SOFT_INT);
	ck_assert_uint_eq(si.event, SOFT(3, ALTP2M_EVENT_SOFT_EXC));
	ck_assert_uint_eq(si.len, 1);
	si = classify(int1, 1, false, true, false);
	ck_assert_uint_eq(si.event, SOFT(1, ALTP2M_EVENT_PRIV_SW_EXC));
	si = classify(int80, 2, true, false, false);
	ck_assert_uint_eq(si.event, SOFT(0x80, ALTP2M_EVENT_SOFT_INTR));
	ck_assert_uint_eq(si.len, 2);
	/* INT 3's long form is a software interrupt, not an exception. */
	si = classify(int3_long, 2, true, false, false);
	ck_assert_uint_eq(si.event, SOFT(3, ALTP2M_EVENT_SOFT_INTR));
	/* Prefixes count in the length the delivery pushes past. */
	si = classify(pfx_int, 4, false, true, false);
	ck_assert_uint_eq(si.event, SOFT(0x21, ALTP2M_EVENT_SOFT_INTR));
	ck_assert_uint_eq(si.len, 4);
	si = classify(rex_int3, 2, true, false, false);
	ck_assert_uint_eq(si.len, 2);
	/* REX is an opcode (DEC/INC) outside 64-bit code. */
	si = classify(rex_int3, 2, false, true, false);
	ck_assert_int_eq(si.kind, ALTP2M_STEP_INSN_OTHER);
	/* INTO traps only with OF, and is #UD in 64-bit code. */
	si = classify(into, 1, false, true, true);
	ck_assert_uint_eq(si.event, SOFT(4, ALTP2M_EVENT_SOFT_EXC));
	si = classify(into, 1, false, true, false);
	ck_assert_int_eq(si.kind, ALTP2M_STEP_INSN_OTHER);
	si = classify(into, 1, true, false, true);
	ck_assert_int_eq(si.kind, ALTP2M_STEP_INSN_OTHER);
}
END_TEST

START_TEST(pushf_sizes)
{
	static const u8 pushf[] = { 0x9c }, pushf16[] = { 0x66, 0x9c },
		pushfq_w[] = { 0x48, 0x9c };
	struct altp2m_step_insn si;

	si = classify(pushf, 1, true, false, false);
	ck_assert_int_eq(si.kind, ALTP2M_STEP_INSN_PUSHF);
	ck_assert_uint_eq(si.push_size, 8);
	ck_assert_uint_eq(classify(pushf16, 2, true, false, false).push_size,
			  2);
	ck_assert_uint_eq(classify(pushfq_w, 2, true, false, false).push_size,
			  8);
	ck_assert_uint_eq(classify(pushf, 1, false, true, false).push_size, 4);
	ck_assert_uint_eq(classify(pushf16, 2, false, true, false).push_size,
			  2);
	ck_assert_uint_eq(classify(pushf, 1, false, false, false).push_size, 2);
	ck_assert_uint_eq(classify(pushf16, 2, false, false, false).push_size,
			  4);
}
END_TEST

START_TEST(syscall_and_others)
{
	static const u8 syscall[] = { 0x0f, 0x05 }, sysret[] = { 0x0f, 0x07 },
		nop[] = { 0x90 }, prefixes[] = { 0x66, 0x66, 0xf3 },
		cut_int[] = { 0xcd };

	ck_assert_int_eq(classify(syscall, 2, true, false, false).kind,
			 ALTP2M_STEP_INSN_SYSCALL);
	ck_assert_int_eq(classify(sysret, 2, true, false, false).kind,
			 ALTP2M_STEP_INSN_OTHER);
	ck_assert_int_eq(classify(nop, 1, true, false, false).kind,
			 ALTP2M_STEP_INSN_OTHER);
	/* Nothing fetched, only prefixes, or cut short: stepped as is. */
	ck_assert_int_eq(classify(nop, 0, true, false, false).kind,
			 ALTP2M_STEP_INSN_OTHER);
	ck_assert_int_eq(classify(prefixes, 3, true, false, false).kind,
			 ALTP2M_STEP_INSN_OTHER);
	ck_assert_int_eq(classify(cut_int, 1, true, false, false).kind,
			 ALTP2M_STEP_INSN_OTHER);
	ck_assert_int_eq(classify(syscall, 1, true, false, false).kind,
			 ALTP2M_STEP_INSN_OTHER);
}
END_TEST

/* Sure answers only: plain means OTHER in every mode, whatever OF. */
START_TEST(plain_is_other_everywhere)
{
	static const u8 set[] = { 0x00, 0x05, 0x0f, 0x26, 0x3e, 0x40, 0x48,
				  0x4f, 0x66, 0x67, 0x89, 0x90, 0x9c, 0xcc,
				  0xcd, 0xce, 0xf0, 0xf1, 0xf3 };
	const unsigned int k = sizeof(set);
	unsigned int i, n, m, checked = 0;
	u8 insn[3];

	for (i = 0; i < k * k * k; i++) {
		insn[0] = set[i % k];
		insn[1] = set[i / k % k];
		insn[2] = set[i / (k * k)];
		for (n = 1; n <= 3; n++) {
			if (!altp2m_step_plain(insn, n))
				continue;
			checked++;
			for (m = 0; m < 8; m++)
				ck_assert_int_eq(classify(insn, n, m & 1, m & 2,
							  m & 4).kind,
						 ALTP2M_STEP_INSN_OTHER);
		}
	}
	ck_assert_uint_gt(checked, 1000);
}
END_TEST

START_TEST(plain_cases)
{
	static const u8 mov[] = { 0x48, 0x89, 0xf8 },
		nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		push_rbp[] = { 0x55 }, pushfq[] = { 0x48, 0x9c },
		inc_int3[] = { 0x40, 0xcc }, syscall[] = { 0x0f, 0x05 },
		lone_0f[] = { 0x0f }, prefixes[] = { 0x66, 0xf3 };

	ck_assert(altp2m_step_plain(mov, sizeof(mov)));
	ck_assert(altp2m_step_plain(nop5, sizeof(nop5)));
	ck_assert(altp2m_step_plain(push_rbp, sizeof(push_rbp)));
	ck_assert(!altp2m_step_plain(pushfq, sizeof(pushfq)));
	/* INC EAX then INT3 in 32-bit code: unsure, looked at by the step. */
	ck_assert(!altp2m_step_plain(inc_int3, sizeof(inc_int3)));
	ck_assert(!altp2m_step_plain(syscall, sizeof(syscall)));
	/* Cut short, or nothing but prefixes: unsure. */
	ck_assert(!altp2m_step_plain(lone_0f, sizeof(lone_0f)));
	ck_assert(!altp2m_step_plain(prefixes, sizeof(prefixes)));
	ck_assert(!altp2m_step_plain(mov, 0));
}
END_TEST

static Suite *step_suite(void)
{
	Suite *s = suite_create("step");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, software_interrupts);
	tcase_add_test(tc, pushf_sizes);
	tcase_add_test(tc, syscall_and_others);
	tcase_add_test(tc, plain_is_other_everywhere);
	tcase_add_test(tc, plain_cases);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(step_suite)
