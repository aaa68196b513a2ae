// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the selftest library's 32-bit protected-mode and
 * real-mode builders (selftests/lib/x86.c): descriptor and gate bytes as
 * the CPU reads them, the TSS's ring-0 stack, and register states that
 * match them.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/vm_util.h"
#include "unit.h"

#define BASE	0x2000ULL
#define SIZE	(BASE + PAGE_SIZE)

static uint64_t q(const uint8_t *ram, uint64_t off)
{
	uint64_t v;

	memcpy(&v, ram + off, sizeof(v));
	return v;
}

static uint32_t d(const uint8_t *ram, uint64_t off)
{
	uint32_t v;

	memcpy(&v, ram + off, sizeof(v));
	return v;
}

static unsigned int dpl(uint64_t desc)
{
	return (desc >> 45) & 3;
}

START_TEST(prot32_gdt_idt_tss)
{
	uint8_t *ram = malloc(SIZE);
	uint32_t handlers[NR_EXCEPTIONS];
	unsigned int v;

	ck_assert_ptr_nonnull(ram);
	memset(ram, 0xaa, SIZE);
	for (v = 0; v < NR_EXCEPTIONS; v++)
		handlers[v] = 0x12340000 + v * 0x10 + 0x5;
	x86_build_prot32(ram, BASE, handlers, 1U << AC_VECTOR, 0x30000);

	ck_assert_uint_eq(q(ram, BASE), 0);
	/* Flat 4 GiB, 32-bit (D/B), 4 KiB granularity, present. */
	ck_assert_uint_eq(q(ram, BASE + PROT32_CODE_SEL), 0x00cf9b000000ffffULL);
	ck_assert_uint_eq(q(ram, BASE + PROT32_DATA_SEL), 0x00cf93000000ffffULL);
	ck_assert_uint_eq(q(ram, BASE + (PROT32_UCODE_SEL & ~3)),
			  0x00cffb000000ffffULL);
	ck_assert_uint_eq(q(ram, BASE + (PROT32_UDATA_SEL & ~3)),
			  0x00cff3000000ffffULL);
	ck_assert_uint_eq(dpl(q(ram, BASE + (PROT32_UCODE_SEL & ~3))), 3);
	/* Busy 32-bit TSS at BASE + PROT32_TSS_OFF, limit 103. */
	ck_assert_uint_eq(q(ram, BASE + PROT32_TSS_SEL),
			  0x00008b0000000067ULL |
			  (BASE + PROT32_TSS_OFF) << 16);
	ck_assert_uint_ge(PROT32_GDT_LIMIT, PROT32_TSS_SEL + 7);

	for (v = 0; v < NR_EXCEPTIONS; v++) {
		uint64_t g = q(ram, BASE + PROT32_IDT_OFF + 8 * v);
		int user = v == AC_VECTOR;

		ck_assert_uint_eq(g & 0xffff, handlers[v] & 0xffff);
		ck_assert_uint_eq(g >> 48, handlers[v] >> 16);
		ck_assert_uint_eq((g >> 16) & 0xffff,
				  user ? PROT32_UCODE_SEL : PROT32_CODE_SEL);
		/* Present 32-bit interrupt gate, DPL 3 only for user gates. */
		ck_assert_uint_eq((g >> 40) & 0xff, user ? 0xee : 0x8e);
	}
	ck_assert_uint_eq(d(ram, BASE + PROT32_TSS_OFF + 4), 0x30000);
	ck_assert_uint_eq(d(ram, BASE + PROT32_TSS_OFF + 8), PROT32_DATA_SEL);
	ck_assert_uint_eq(d(ram, BASE + PROT32_TSS_OFF + 100) >> 16, 104);
	free(ram);
}
END_TEST

START_TEST(prot32_sregs)
{
	struct altp2m_sregs s;

	x86_sregs_prot32(&s, BASE);
	ck_assert_uint_eq(s.cs.selector, PROT32_CODE_SEL);
	ck_assert_uint_eq(s.cs.db, 1);
	ck_assert_uint_eq(s.cs.l, 0);
	ck_assert_uint_eq(s.cs.limit, 0xffffffff);
	ck_assert_uint_eq(s.ss.selector, PROT32_DATA_SEL);
	ck_assert_uint_eq(s.tr.selector, PROT32_TSS_SEL);
	ck_assert_uint_eq(s.tr.base, BASE + PROT32_TSS_OFF);
	ck_assert_uint_eq(s.gdt.base, BASE);
	ck_assert_uint_eq(s.idt.base, BASE + PROT32_IDT_OFF);
	ck_assert_uint_eq(s.idt.limit, PROT32_IDT_LIMIT);
	ck_assert_uint_eq(s.cr0, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	ck_assert_uint_eq(s.efer, 0);
	ck_assert_uint_eq(s.cr4, 0);
}
END_TEST

START_TEST(real_mode_sregs)
{
	struct altp2m_sregs s;

	x86_sregs_real_mode(&s, 0x1000);
	ck_assert_uint_eq(s.cs.selector, 0x1000);
	ck_assert_uint_eq(s.cs.base, 0x10000);
	ck_assert_uint_eq(s.ss.base, 0x10000);
	ck_assert_uint_eq(s.ds.limit, 0xffff);
	ck_assert_uint_eq(s.idt.base, 0);
	ck_assert_uint_eq(s.idt.limit, 0x3ff);
	ck_assert_uint_eq(s.cr0 & X86_CR0_PE, 0);
}
END_TEST

static Suite *vmlib_prot32_suite(void)
{
	Suite *s = suite_create("vmlib_prot32");
	TCase *tc = tcase_create("builders");

	tcase_add_test(tc, prot32_gdt_idt_tss);
	tcase_add_test(tc, prot32_sregs);
	tcase_add_test(tc, real_mode_sregs);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(vmlib_prot32_suite)
