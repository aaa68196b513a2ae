// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/breakpoint.c: the key a hidden breakpoint is
 * found by, the form of an ADD, a shadow page brought up to the page it
 * shadows, the response rules for a SYNC hit, and the no-op decoder.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <linux/kernel.h>

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

/* An instruction's bytes and the no-op length expected of them. */
struct nop_case {
	unsigned int len;
	unsigned int n;
	u8 b[16];
};

/* Intel's recommended NOPs (SDM Vol. 2B "NOP"), then longer forms. */
static const struct nop_case nops[] = {
	{ 1, 1, { 0x90 } },
	{ 2, 2, { 0x66, 0x90 } },
	{ 3, 3, { 0x0f, 0x1f, 0x00 } },
	{ 4, 4, { 0x0f, 0x1f, 0x40, 0x00 } },
	{ 5, 5, { 0x0f, 0x1f, 0x44, 0x00, 0x00 } },
	{ 6, 6, { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 } },
	{ 7, 7, { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 } },
	{ 8, 8, { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 } },
	{ 9, 9, { 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 } },
	/* GNU as and Linux: 66 / 2e / 3e prefixes in front of the 9. */
	{ 10, 10, { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 } },
	{ 11, 11, { 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 } },
	{ 11, 11, { 0x3e, 0x3e, 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 } },
	/* 15 bytes, the most an instruction may have. */
	{ 15, 15, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f,
		    0x84, 0, 0, 0, 0, 0 } },
	/* Segment overrides on NOP; the other ModRM forms. */
	{ 3, 3, { 0x64, 0x65, 0x90 } },
	{ 2, 2, { 0x26, 0x90 } },
	{ 3, 3, { 0x0f, 0x1f, 0xc0 } },		/* register operand */
	{ 7, 7, { 0x0f, 0x1f, 0x05, 1, 2, 3, 4 } },	/* disp32 / RIP */
	{ 8, 8, { 0x0f, 0x1f, 0x04, 0x25, 1, 2, 3, 4 } },	/* SIB, no base */
	{ 4, 4, { 0x0f, 0x1f, 0x04, 0x24 } },	/* SIB, base rsp */
	{ 5, 5, { 0x0f, 0x1f, 0x44, 0x25, 0x11 } },	/* SIB base 101, mod 01 */
	{ 8, 8, { 0x36, 0x0f, 0x1f, 0x80, 1, 2, 3, 4 } },
	/* PAUSE, ENDBR64, ENDBR32. */
	{ 2, 2, { 0xf3, 0x90 } },
	{ 4, 4, { 0xf3, 0x0f, 0x1e, 0xfa } },
	{ 4, 4, { 0xf3, 0x0f, 0x1e, 0xfb } },
};

/* Not no-ops, whole or not. */
static const struct nop_case not_nops[] = {
	{ 0, 1, { 0xcc } },
	{ 0, 2, { 0x41, 0x90 } },		/* REX.B: xchg %r8, %rax */
	{ 0, 2, { 0x48, 0x90 } },		/* REX.W */
	{ 0, 4, { 0x48, 0x0f, 0x1f, 0x00 } },
	{ 0, 2, { 0xf0, 0x90 } },		/* LOCK: #UD */
	{ 0, 4, { 0xf0, 0x0f, 0x1f, 0x00 } },
	{ 0, 3, { 0x66, 0xf3, 0x90 } },		/* PAUSE with more prefixes */
	{ 0, 2, { 0xf2, 0x90 } },
	{ 0, 4, { 0xf3, 0x0f, 0x1f, 0x00 } },
	{ 0, 4, { 0xf2, 0x0f, 0x1f, 0x00 } },
	{ 0, 4, { 0x67, 0x0f, 0x1f, 0x00 } },	/* address size */
	{ 0, 3, { 0x0f, 0x1f, 0x08 } },		/* ModRM.reg 1 */
	{ 0, 3, { 0x0f, 0x1f, 0x38 } },		/* ModRM.reg 7 */
	{ 0, 3, { 0x0f, 0x1f, 0xf8 } },
	{ 0, 3, { 0x0f, 0x18, 0x00 } },		/* PREFETCHNTA */
	{ 0, 3, { 0x0f, 0x0b, 0x00 } },		/* UD2 */
	{ 0, 3, { 0x0f, 0x1e, 0xfa } },		/* ENDBR64 without F3 */
	{ 0, 4, { 0xf3, 0x0f, 0x1e, 0xc8 } },	/* RDSSPD */
	{ 0, 4, { 0xf3, 0x0f, 0x1e, 0xf9 } },
	{ 0, 5, { 0x66, 0xf3, 0x0f, 0x1e, 0xfa } },
	{ 0, 5, { 0x55, 0x48, 0x89, 0xe5, 0x90 } },	/* push %rbp */
	{ 0, 3, { 0x48, 0x89, 0xf8 } },
	{ 0, 1, { 0x66 } },			/* a prefix alone */
	{ 0, 15, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		   0x66, 0x66, 0x66, 0x66, 0x66, 0x66 } },
	/* 16 bytes: longer than an instruction may be (#GP). */
	{ 0, 16, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f,
		   0x1f, 0x84, 0, 0, 0, 0, 0 } },
	{ 0, 0, { 0x90 } },
};

START_TEST(nop_decode)
{
	u8 buf[32];
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(nops); i++) {
		const struct nop_case *c = &nops[i];

		ck_assert_msg(altp2m_bp_nop_len(c->b, c->n) == c->len,
			      "nop %u: %u", i, altp2m_bp_nop_len(c->b, c->n));
		/* Bytes after it do not count ... */
		memset(buf, 0xcc, sizeof(buf));
		memcpy(buf, c->b, c->len);
		ck_assert_uint_eq(altp2m_bp_nop_len(buf, sizeof(buf)), c->len);
		/* ... one missing (the page's end) makes it no NOP. */
		for (n = 0; n < c->len; n++)
			ck_assert_msg(altp2m_bp_nop_len(buf, n) == 0,
				      "nop %u truncated to %u", i, n);
	}
	for (i = 0; i < ARRAY_SIZE(not_nops); i++) {
		const struct nop_case *c = &not_nops[i];

		ck_assert_msg(altp2m_bp_nop_len(c->b, c->n) == 0,
			      "not a nop %u: %u", i,
			      altp2m_bp_nop_len(c->b, c->n));
		memset(buf, 0, sizeof(buf));
		memcpy(buf, c->b, c->n);
		ck_assert_msg(altp2m_bp_nop_len(buf, sizeof(buf)) == 0,
			      "not a nop %u, padded", i);
	}
}
END_TEST

/* Every ModRM byte of 0f 1f: reg 0 only, each length by its form. */
START_TEST(nop_modrm)
{
	u8 b[16] = { 0x0f, 0x1f };
	unsigned int modrm, sib, mod, rm, want;

	for (modrm = 0; modrm < 256; modrm++) {
		for (sib = 0; sib < 256; sib += 5) {
			memset(b + 2, 0, sizeof(b) - 2);
			b[2] = modrm;
			b[3] = sib;
			mod = modrm >> 6;
			rm = modrm & 7;
			want = 3;
			if (mod != 3 && rm == 4)
				want += 1 + (mod == 0 && (sib & 7) == 5 ? 4 : 0);
			if (mod == 1)
				want += 1;
			else if (mod == 2 || (mod == 0 && rm == 5))
				want += 4;
			if (modrm >> 3 & 7)
				want = 0;
			ck_assert_msg(altp2m_bp_nop_len(b, sizeof(b)) == want,
				      "modrm %02x sib %02x", modrm, sib);
		}
	}
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
	tcase_add_test(tc, nop_decode);
	tcase_add_test(tc, nop_modrm);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(breakpoint_suite)
