// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the selftest library's guest system structures
 * (selftests/lib/x86.c): the identity page tables walked by an
 * independent walker, the GDT/TSS/IDT descriptor bytes, the exception
 * entry points' code, and the long-mode register state matching the GDT.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/vm_util.h"
#include "unit.h"

#define RAM_SIZE	GUEST_SYS_END

static uint8_t *ram_new(void)
{
	uint8_t *ram = malloc(RAM_SIZE);

	ck_assert_ptr_nonnull(ram);
	memset(ram, 0xaa, RAM_SIZE);
	return ram;
}

/* ---------------------------------------------------------- page walk */

struct walk {
	int present;
	int level;	/* of the leaf: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
	uint64_t pa;
	uint64_t entries[4];	/* PML4E, PDPTE, PDE, PTE as read */
};

static uint64_t entry(const uint8_t *ram, uint64_t table, unsigned int i)
{
	uint64_t e;

	ck_assert_uint_lt(table + i * 8, RAM_SIZE);
	memcpy(&e, ram + table + i * 8, sizeof(e));
	return e;
}

/* 4-level walk per SDM 4.5, for a supervisor access. */
static struct walk walk(const uint8_t *ram, uint64_t cr3, uint64_t va)
{
	struct walk w = { 0 };
	uint64_t table = cr3 & PTE_ADDR_MASK, e = 0;
	int level;

	for (level = 4; level >= 1; level--) {
		unsigned int idx = (va >> (12 + 9 * (level - 1))) & 511;

		e = entry(ram, table, idx);
		w.entries[4 - level] = e;
		if (!(e & PTE_PRESENT)) {
			w.level = level;
			return w;
		}
		if (level == 1 || ((level == 2 || level == 3) &&
				   (e & PTE_LARGE)))
			break;
		table = e & PTE_ADDR_MASK;
	}
	w.present = 1;
	w.level = level;
	w.pa = (e & PTE_ADDR_MASK & ~((1ULL << (12 + 9 * (level - 1))) - 1)) |
	       (va & ((1ULL << (12 + 9 * (level - 1))) - 1));
	return w;
}

START_TEST(pt_returns_cr3)
{
	uint8_t *ram = ram_new();

	ck_assert_uint_eq(x86_build_page_tables(ram), GUEST_PML4_GPA);
	free(ram);
}
END_TEST

START_TEST(pt_identity_translations)
{
	static const uint64_t va[] = {
		0x1000, 0x1fff, 0x7123, 0x1ff000, 0x1fffff, 0x200000,
		0x3fffff, 0x401234, 0x3fffffff, 0x40000000, 0x60000008,
		0xc0000000, 0xc0001234, 0xfee00000, 0xffffffff,
	};
	uint8_t *ram = ram_new();
	uint64_t cr3 = x86_build_page_tables(ram);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(va); i++) {
		struct walk w = walk(ram, cr3, va[i]);

		ck_assert_msg(w.present, "va %#llx not mapped",
			      (unsigned long long)va[i]);
		ck_assert_uint_eq(w.pa, va[i]);
		/* 4 KiB pages below 2 MiB, 2 MiB pages above */
		ck_assert_int_eq(w.level, va[i] < HPAGE_SIZE ? 1 : 2);
	}
	free(ram);
}
END_TEST

START_TEST(pt_every_page_identity)
{
	uint8_t *ram = ram_new();
	uint64_t cr3 = x86_build_page_tables(ram), va;

	for (va = PAGE_SIZE; va < HPAGE_SIZE; va += PAGE_SIZE) {
		struct walk w = walk(ram, cr3, va + 0x123);

		ck_assert(w.present && w.level == 1);
		ck_assert_uint_eq(w.pa, va + 0x123);
	}
	for (va = HPAGE_SIZE; va < GUEST_MAP_SIZE; va += HPAGE_SIZE) {
		struct walk w = walk(ram, cr3, va + 0x1ffff8);

		ck_assert(w.present && w.level == 2);
		ck_assert_uint_eq(w.pa, va + 0x1ffff8);
	}
	free(ram);
}
END_TEST

/* Page 0 (NULL, %fs:0x28 with FS base 0) and 4 GiB up are not mapped. */
START_TEST(pt_unmapped)
{
	static const struct {
		uint64_t va;
		int level;	/* where the walk stops */
	} c[] = {
		{ 0, 1 }, { 0x28, 1 }, { 0xfff, 1 },
		{ 0x100000000ULL, 3 }, { 0x7fffffffffULL, 3 },
		{ 0x8000000000ULL, 4 }, { 0x00007ffffffff000ULL, 4 },
		{ 0xffff800000000000ULL, 4 }, { 0xffffffffffffffc0ULL, 4 },
	};
	uint8_t *ram = ram_new();
	uint64_t cr3 = x86_build_page_tables(ram);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct walk w = walk(ram, cr3, c[i].va);

		ck_assert_msg(!w.present, "va %#llx mapped",
			      (unsigned long long)c[i].va);
		ck_assert_int_eq(w.level, c[i].level);
	}
	free(ram);
}
END_TEST

/* Every present entry: P|RW (+PS on 2 MiB leaves), nothing else. */
START_TEST(pt_entry_flags)
{
	uint8_t *ram = ram_new();
	uint64_t cr3 = x86_build_page_tables(ram);
	const uint64_t flags_mask = ~PTE_ADDR_MASK;
	unsigned int i, j, present;
	uint64_t e;

	/* PML4: only entry 0. */
	for (i = 0, present = 0; i < 512; i++) {
		e = entry(ram, cr3, i);
		if (!e)
			continue;
		present++;
		ck_assert_uint_eq(i, 0);
		ck_assert_uint_eq(e, GUEST_PDPT_GPA | PTE_PRESENT | PTE_WRITE);
	}
	ck_assert_uint_eq(present, 1);
	/* PDPT: entries 0-3, to the four page directories. */
	for (i = 0; i < 512; i++) {
		e = entry(ram, GUEST_PDPT_GPA, i);
		if (i < GUEST_NR_PDS)
			ck_assert_uint_eq(e, (GUEST_PD_GPA + i * PAGE_SIZE) |
					     PTE_PRESENT | PTE_WRITE);
		else
			ck_assert_uint_eq(e, 0);
	}
	/* PDs: 2 MiB leaves, except the first entry of the first PD. */
	for (i = 0; i < GUEST_NR_PDS; i++) {
		for (j = 0; j < 512; j++) {
			uint64_t want = (uint64_t)i << 30 | (uint64_t)j << 21;

			e = entry(ram, GUEST_PD_GPA + i * PAGE_SIZE, j);
			if (!i && !j) {
				ck_assert_uint_eq(e, GUEST_PT0_GPA |
						     PTE_PRESENT | PTE_WRITE);
				continue;
			}
			ck_assert_uint_eq(e & PTE_ADDR_MASK, want);
			ck_assert_uint_eq(e & flags_mask,
					  PTE_PRESENT | PTE_WRITE | PTE_LARGE);
		}
	}
	/* The 4 KiB table: page 0 absent, the rest P|RW. */
	ck_assert_uint_eq(entry(ram, GUEST_PT0_GPA, 0), 0);
	for (j = 1; j < 512; j++)
		ck_assert_uint_eq(entry(ram, GUEST_PT0_GPA, j),
				  (uint64_t)j << 12 | PTE_PRESENT | PTE_WRITE);
	free(ram);
}
END_TEST

/* The builder writes exactly its tables, nothing around them. */
START_TEST(pt_writes_only_its_pages)
{
	uint8_t *ram = ram_new();
	unsigned int i;

	x86_build_page_tables(ram);
	for (i = 0; i < PAGE_SIZE; i++)
		ck_assert_uint_eq(ram[i], 0xaa);
	for (i = GUEST_PT0_GPA + PAGE_SIZE; i < RAM_SIZE; i++)
		ck_assert_uint_eq(ram[i], 0xaa);
	free(ram);
}
END_TEST

/* ----------------------------------------------------------- descriptors */

static uint64_t gdt_entry(const uint8_t *ram, unsigned int sel)
{
	uint64_t d;

	memcpy(&d, ram + GUEST_GDT_GPA + (sel & ~7u), sizeof(d));
	return d;
}

START_TEST(gdt_bytes)
{
	uint8_t *ram = ram_new();

	x86_build_gdt(ram);
	ck_assert_uint_eq(gdt_entry(ram, GDT_NULL_SEL), 0);
	/* 64-bit code: G, L, P, S, type 0xb, limit 0xfffff. */
	ck_assert_uint_eq(gdt_entry(ram, GDT_CODE_SEL), 0x00af9b000000ffffULL);
	/* Data: G, D/B, P, S, type 3. */
	ck_assert_uint_eq(gdt_entry(ram, GDT_DATA_SEL), 0x00cf93000000ffffULL);
	/* Busy 64-bit TSS at GUEST_TSS_GPA, limit 0x67, then base[63:32]. */
	ck_assert_uint_eq(gdt_entry(ram, GDT_TSS_SEL), 0x00008b0090000067ULL);
	ck_assert_uint_eq(gdt_entry(ram, GDT_TSS_SEL + 8), 0);
	ck_assert_uint_eq(GDT_LIMIT + 1, GDT_TSS_SEL + 16);
	/* Nothing after the last descriptor. */
	ck_assert_uint_eq(gdt_entry(ram, GDT_LIMIT + 1), 0);
	free(ram);
}
END_TEST

START_TEST(seg_desc_encoder)
{
	/* Each field lands where the SDM (figure 3-8) puts it. */
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(x86_seg_desc(0x12345678, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			  0x1200003456780000ULL);
	ck_assert_uint_eq(x86_seg_desc(0, 0xabcde, 0, 0, 0, 0, 0, 0, 0, 0),
			  0x000a00000000bcdeULL);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0xf, 0, 0, 0, 0, 0, 0, 0),
			  0x00000f0000000000ULL);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
			  1ULL << 44);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 0, 3, 0, 0, 0, 0, 0),
			  3ULL << 45);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 0, 0, 1, 0, 0, 0, 0),
			  1ULL << 47);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 0, 0, 0, 1, 0, 0, 0),
			  1ULL << 52);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 0, 0, 0, 0, 1, 0, 0),
			  1ULL << 53);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
			  1ULL << 54);
	ck_assert_uint_eq(x86_seg_desc(0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
			  1ULL << 55);
}
END_TEST

START_TEST(tss_bytes)
{
	uint8_t *ram = ram_new();
	uint16_t iomap;
	unsigned int i;

	x86_build_tss(ram);
	memcpy(&iomap, ram + GUEST_TSS_GPA + 102, sizeof(iomap));
	ck_assert_uint_eq(iomap, TSS64_SIZE);	/* no I/O bitmap */
	for (i = 0; i < PAGE_SIZE; i++)
		if (i != 102 && i != 103)
			ck_assert_uint_eq(ram[GUEST_TSS_GPA + i], 0);
	free(ram);
}
END_TEST

struct gate {
	uint64_t offset;
	unsigned int selector, ist, type, dpl, present;
	uint32_t reserved;
};

static struct gate idt_gate(const uint8_t *ram, unsigned int v)
{
	const uint8_t *g = ram + GUEST_IDT_GPA + v * 16;
	struct gate d;
	uint64_t lo, hi;

	memcpy(&lo, g, 8);
	memcpy(&hi, g + 8, 8);
	d.offset = (lo & 0xffff) | ((lo >> 48) & 0xffff) << 16 |
		   (hi & 0xffffffff) << 32;
	d.selector = (lo >> 16) & 0xffff;
	d.ist = (lo >> 32) & 7;
	d.type = (lo >> 40) & 0xf;
	d.dpl = (lo >> 45) & 3;
	d.present = (lo >> 47) & 1;
	d.reserved = (uint32_t)(hi >> 32) | (uint32_t)((lo >> 35) & 0x1f) |
		     (uint32_t)((lo >> 44) & 1);
	return d;
}

START_TEST(idt_gates)
{
	uint64_t handlers[NR_EXCEPTIONS];
	uint8_t *ram = ram_new();
	unsigned int v, i;

	for (v = 0; v < NR_EXCEPTIONS; v++)
		handlers[v] = 0xffffffff80000000ULL + v * 0x10001 +
			      ((uint64_t)v << 40);
	x86_build_idt(ram, handlers);
	for (v = 0; v < NR_EXCEPTIONS; v++) {
		struct gate g = idt_gate(ram, v);

		ck_assert_uint_eq(g.offset, handlers[v]);
		ck_assert_uint_eq(g.selector, GDT_CODE_SEL);
		ck_assert_uint_eq(g.ist, 0);
		ck_assert_uint_eq(g.type, GATE_TYPE_INTR64);
		ck_assert_uint_eq(g.dpl, 0);
		ck_assert_uint_eq(g.present, 1);
		ck_assert_uint_eq(g.reserved, 0);
	}
	for (i = NR_EXCEPTIONS * 16; i < IDT_ENTRIES * 16; i++)
		ck_assert_uint_eq(ram[GUEST_IDT_GPA + i], 0);
	ck_assert_uint_eq(IDT_LIMIT, 4095);
	free(ram);
}
END_TEST

/*
 * The entry points of exception.S: the IDT gets their addresses, and each pushes
 * a 0 error code exactly where the CPU pushes none, then the vector.
 */
START_TEST(exception_entries_code)
{
	static const uint32_t has_error = 1u << 8 | 1u << 10 | 1u << 11 |
		1u << 12 | 1u << 13 | 1u << 14 | 1u << 17 | 1u << 21 |
		1u << 29 | 1u << 30;
	uint8_t *ram = ram_new();
	unsigned int v;

	x86_build_idt(ram, guest_exception_entries);
	for (v = 0; v < NR_EXCEPTIONS; v++) {
		const uint8_t *code =
			(const uint8_t *)(uintptr_t)guest_exception_entries[v];

		ck_assert_uint_eq(idt_gate(ram, v).offset,
				  guest_exception_entries[v]);
		if (v)
			ck_assert_uint_gt(guest_exception_entries[v],
					  guest_exception_entries[v - 1]);
		if (!(has_error & (1u << v))) {
			/* pushq $0 */
			ck_assert_uint_eq(code[0], 0x6a);
			ck_assert_uint_eq(code[1], 0);
			code += 2;
		}
		/* pushq $vector, then jmp */
		ck_assert_msg(code[0] == 0x6a && code[1] == v,
			      "vector %u: %02x %02x", v, code[0], code[1]);
		ck_assert(code[2] == 0xe9 || code[2] == 0xeb);
	}
	free(ram);
}
END_TEST

/* Decode a GDT code/data descriptor as struct altp2m_segment. */
static struct altp2m_segment seg_from_gdt(const uint8_t *ram, uint16_t sel)
{
	uint64_t d = gdt_entry(ram, sel);
	struct altp2m_segment s = { 0 };
	uint32_t limit = (d & 0xffff) | ((d >> 48) & 0xf) << 16;

	s.base = ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24;
	s.type = (d >> 40) & 0xf;
	s.s = (d >> 44) & 1;
	s.dpl = (d >> 45) & 3;
	s.present = (d >> 47) & 1;
	s.avl = (d >> 52) & 1;
	s.l = (d >> 53) & 1;
	s.db = (d >> 54) & 1;
	s.g = (d >> 55) & 1;
	s.limit = s.g ? limit << 12 | 0xfff : limit;
	s.selector = sel;
	if (!s.s) {	/* 16-byte system descriptor */
		uint64_t hi = gdt_entry(ram, sel + 8);

		s.base |= hi << 32;
	}
	return s;
}

static void seg_matches_gdt(const uint8_t *ram,
			    const struct altp2m_segment *s, const char *name)
{
	struct altp2m_segment d = seg_from_gdt(ram, s->selector);

	ck_assert_msg(!memcmp(&d, s, sizeof(d)),
		      "%s: sregs and GDT descriptor %#x differ", name,
		      s->selector);
}

START_TEST(sregs_long_mode)
{
	struct altp2m_sregs s;
	uint8_t *ram = ram_new();
	unsigned int i;

	x86_build_gdt(ram);
	x86_sregs_long_mode(&s);
	ck_assert_uint_eq(s.cr0, 0x80050033);
	ck_assert_uint_eq(s.cr4, 0x620);
	ck_assert_uint_eq(s.efer, 0xd00);
	ck_assert_uint_eq(s.cr3, GUEST_PML4_GPA);
	ck_assert_uint_eq(s.cr2, 0);
	ck_assert_uint_eq(s.gdt.base, GUEST_GDT_GPA);
	ck_assert_uint_eq(s.gdt.limit, GDT_LIMIT);
	ck_assert_uint_eq(s.idt.base, GUEST_IDT_GPA);
	ck_assert_uint_eq(s.idt.limit, IDT_LIMIT);
	ck_assert_uint_eq(s.cs.selector, 0x8);
	ck_assert_uint_eq(s.cs.type, 11);
	ck_assert(s.cs.s && s.cs.present && s.cs.l && s.cs.g && !s.cs.db);
	ck_assert_uint_eq(s.ss.type, 3);
	ck_assert_uint_eq(s.tr.type, 11);
	ck_assert_uint_eq(s.tr.limit, 0x67);
	ck_assert_uint_eq(s.tr.base, GUEST_TSS_GPA);
	ck_assert(!s.tr.s && s.tr.present && !s.tr.unusable);
	ck_assert(s.ldt.unusable);
	ck_assert_uint_eq(s.flags | s.pad, 0);
	for (i = 0; i < ARRAY_SIZE(s.reserved); i++)
		ck_assert_uint_eq(s.reserved[i], 0);
	/* Every usable segment is exactly what its GDT descriptor says. */
	seg_matches_gdt(ram, &s.cs, "cs");
	seg_matches_gdt(ram, &s.ds, "ds");
	seg_matches_gdt(ram, &s.es, "es");
	seg_matches_gdt(ram, &s.fs, "fs");
	seg_matches_gdt(ram, &s.gs, "gs");
	seg_matches_gdt(ram, &s.ss, "ss");
	seg_matches_gdt(ram, &s.tr, "tr");
	free(ram);
}
END_TEST

START_TEST(exception_names)
{
	ck_assert_str_eq(x86_exception_name(PF_VECTOR), "#PF");
	ck_assert_str_eq(x86_exception_name(UD_VECTOR), "#UD");
	ck_assert_str_eq(x86_exception_name(15), "vector");
	ck_assert_str_eq(x86_exception_name(200), "vector");
}
END_TEST

static Suite *vmlib_x86_suite(void)
{
	Suite *s = suite_create("vmlib_x86");
	TCase *tc = tcase_create("pagetables");

	tcase_add_test(tc, pt_returns_cr3);
	tcase_add_test(tc, pt_identity_translations);
	tcase_add_test(tc, pt_every_page_identity);
	tcase_add_test(tc, pt_unmapped);
	tcase_add_test(tc, pt_entry_flags);
	tcase_add_test(tc, pt_writes_only_its_pages);
	suite_add_tcase(s, tc);
	tc = tcase_create("descriptors");
	tcase_add_test(tc, gdt_bytes);
	tcase_add_test(tc, seg_desc_encoder);
	tcase_add_test(tc, tss_bytes);
	tcase_add_test(tc, idt_gates);
	tcase_add_test(tc, exception_entries_code);
	tcase_add_test(tc, sregs_long_mode);
	tcase_add_test(tc, exception_names);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(vmlib_x86_suite)
