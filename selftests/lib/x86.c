// SPDX-License-Identifier: GPL-2.0
/*
 * Builders of the selftest guests' system structures (see x86.h). They
 * only write into a buffer standing for guest RAM.
 */
#include <stdbool.h>
#include <string.h>

#include "x86.h"

static uint64_t *table(void *ram, uint64_t gpa)
{
	return (uint64_t *)((char *)ram + gpa);
}

uint64_t x86_build_page_tables(void *ram)
{
	uint64_t *pml4 = table(ram, GUEST_PML4_GPA);
	uint64_t *pdpt = table(ram, GUEST_PDPT_GPA);
	uint64_t *pt0 = table(ram, GUEST_PT0_GPA);
	const uint64_t nonleaf = PTE_PRESENT | PTE_WRITE;
	unsigned int i, j;

	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = GUEST_PDPT_GPA | nonleaf;

	for (i = 0; i < GUEST_NR_PDS; i++) {
		uint64_t pd_gpa = GUEST_PD_GPA + i * PAGE_SIZE;
		uint64_t *pd = table(ram, pd_gpa);

		pdpt[i] = pd_gpa | nonleaf;
		for (j = 0; j < 512; j++) {
			uint64_t gpa = (uint64_t)i << 30 | (uint64_t)j << 21;

			pd[j] = gpa | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
		}
	}

	/* The first 2 MiB in 4 KiB pages, so that page 0 can be absent. */
	table(ram, GUEST_PD_GPA)[0] = GUEST_PT0_GPA | nonleaf;
	pt0[0] = 0;
	for (j = 1; j < 512; j++)
		pt0[j] = ((uint64_t)j << 12) | PTE_PRESENT | PTE_WRITE;

	return GUEST_PML4_GPA;
}

void x86_build_gdt(void *ram)
{
	uint64_t *gdt = table(ram, GUEST_GDT_GPA);
	uint64_t tss = GUEST_TSS_GPA;

	memset(gdt, 0, PAGE_SIZE);
	gdt[GDT_CODE_SEL / 8] = x86_seg_desc(0, 0xfffff, SEG_TYPE_CODE_XR_A,
					     1, 0, 1, 0, 1, 0, 1);
	gdt[GDT_DATA_SEL / 8] = x86_seg_desc(0, 0xfffff, SEG_TYPE_DATA_RW_A,
					     1, 0, 1, 0, 0, 1, 1);
	/* A 64-bit system descriptor: 8 more bytes with base[63:32]. */
	gdt[GDT_TSS_SEL / 8] = x86_seg_desc((uint32_t)tss, TSS_LIMIT,
					    SEG_TYPE_TSS64_BUSY, 0, 0, 1, 0,
					    0, 0, 0);
	gdt[GDT_TSS_SEL / 8 + 1] = tss >> 32;
}

void x86_build_tss(void *ram)
{
	uint8_t *tss = (uint8_t *)ram + GUEST_TSS_GPA;
	uint16_t iomap = TSS64_SIZE;	/* at the limit: no I/O bitmap */

	memset(tss, 0, PAGE_SIZE);
	memcpy(tss + 102, &iomap, sizeof(iomap));
}

void x86_build_idt(void *ram, const uint64_t handlers[NR_EXCEPTIONS])
{
	uint64_t *idt = table(ram, GUEST_IDT_GPA);
	unsigned int v;

	memset(idt, 0, IDT_ENTRIES * 16);
	for (v = 0; v < NR_EXCEPTIONS; v++) {
		uint64_t h = handlers[v];

		idt[2 * v] = (h & 0xffff) |
			     (uint64_t)GDT_CODE_SEL << 16 |
			     (uint64_t)(0x80 | GATE_TYPE_INTR64) << 40 |
			     ((h >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = h >> 32;
	}
}

static uint64_t idt_gate64(uint64_t h)
{
	return (h & 0xffff) | (uint64_t)GDT_CODE_SEL << 16 |
	       (uint64_t)(0x80 | GATE_TYPE_INTR64) << 40 |
	       ((h >> 16) & 0xffff) << 48;
}

void x86_set_idt_gate(void *ram, unsigned int vector, uint64_t handler)
{
	uint64_t *idt = table(ram, GUEST_IDT_GPA);

	idt[2 * vector] = idt_gate64(handler);
	idt[2 * vector + 1] = handler >> 32;
}

void x86_build_prot32(void *ram, uint64_t base,
		      const uint32_t handlers[NR_EXCEPTIONS],
		      uint32_t user_gates, uint32_t esp0)
{
	uint64_t *gdt = table(ram, base);
	uint64_t *idt = table(ram, base + PROT32_IDT_OFF);
	uint8_t *tss = (uint8_t *)ram + base + PROT32_TSS_OFF;
	uint32_t ss0 = PROT32_DATA_SEL;
	uint16_t iomap = 104;	/* at the limit: no I/O bitmap */
	unsigned int v;

	memset(gdt, 0, PAGE_SIZE);
	gdt[PROT32_CODE_SEL / 8] = x86_seg_desc(0, 0xfffff,
						SEG_TYPE_CODE_XR_A, 1, 0, 1,
						0, 0, 1, 1);
	gdt[PROT32_DATA_SEL / 8] = x86_seg_desc(0, 0xfffff,
						SEG_TYPE_DATA_RW_A, 1, 0, 1,
						0, 0, 1, 1);
	gdt[PROT32_UCODE_SEL / 8] = x86_seg_desc(0, 0xfffff,
						 SEG_TYPE_CODE_XR_A, 1, 3, 1,
						 0, 0, 1, 1);
	gdt[PROT32_UDATA_SEL / 8] = x86_seg_desc(0, 0xfffff,
						 SEG_TYPE_DATA_RW_A, 1, 3, 1,
						 0, 0, 1, 1);
	gdt[PROT32_TSS_SEL / 8] = x86_seg_desc((uint32_t)(base +
							  PROT32_TSS_OFF),
					       103, SEG_TYPE_TSS32_BUSY, 0, 0,
					       1, 0, 0, 0, 0);
	for (v = 0; v < NR_EXCEPTIONS; v++) {
		bool user = user_gates & (1U << v);
		uint64_t h = handlers[v];

		idt[v] = (h & 0xffff) |
			 (uint64_t)(user ? PROT32_UCODE_SEL :
				    PROT32_CODE_SEL) << 16 |
			 (uint64_t)(0x80 | (user ? 3 << 5 : 0) |
				    GATE_TYPE_INTR32) << 40 |
			 ((h >> 16) & 0xffff) << 48;
	}
	memcpy(tss + 4, &esp0, sizeof(esp0));
	memcpy(tss + 8, &ss0, sizeof(ss0));
	memcpy(tss + 102, &iomap, sizeof(iomap));
}

static void seg_flat(struct altp2m_segment *s, uint16_t sel, uint8_t type,
		     uint8_t l, uint8_t db)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = db;
	s->s = 1;
	s->l = l;
	s->g = 1;
}

void x86_sregs_long_mode(struct altp2m_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));

	seg_flat(&sregs->cs, GDT_CODE_SEL, SEG_TYPE_CODE_XR_A, 1, 0);
	seg_flat(&sregs->ds, GDT_DATA_SEL, SEG_TYPE_DATA_RW_A, 0, 1);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->ss = sregs->ds;

	sregs->tr.base = GUEST_TSS_GPA;
	sregs->tr.limit = TSS_LIMIT;
	sregs->tr.selector = GDT_TSS_SEL;
	sregs->tr.type = SEG_TYPE_TSS64_BUSY;
	sregs->tr.present = 1;

	sregs->ldt.type = SEG_TYPE_LDT;
	sregs->ldt.unusable = 1;

	sregs->gdt.base = GUEST_GDT_GPA;
	sregs->gdt.limit = GDT_LIMIT;
	sregs->idt.base = GUEST_IDT_GPA;
	sregs->idt.limit = IDT_LIMIT;

	sregs->cr0 = GUEST_CR0;
	sregs->cr3 = GUEST_PML4_GPA;
	sregs->cr4 = GUEST_CR4;
	sregs->efer = GUEST_EFER;
}

void x86_sregs_prot32(struct altp2m_sregs *sregs, uint64_t base)
{
	memset(sregs, 0, sizeof(*sregs));

	seg_flat(&sregs->cs, PROT32_CODE_SEL, SEG_TYPE_CODE_XR_A, 0, 1);
	seg_flat(&sregs->ds, PROT32_DATA_SEL, SEG_TYPE_DATA_RW_A, 0, 1);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->ss = sregs->ds;

	sregs->tr.base = base + PROT32_TSS_OFF;
	sregs->tr.limit = 103;
	sregs->tr.selector = PROT32_TSS_SEL;
	sregs->tr.type = SEG_TYPE_TSS32_BUSY;
	sregs->tr.present = 1;

	sregs->ldt.type = SEG_TYPE_LDT;
	sregs->ldt.unusable = 1;

	sregs->gdt.base = base;
	sregs->gdt.limit = PROT32_GDT_LIMIT;
	sregs->idt.base = base + PROT32_IDT_OFF;
	sregs->idt.limit = PROT32_IDT_LIMIT;

	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
}

void x86_sregs_real_mode(struct altp2m_sregs *sregs, uint16_t cs)
{
	struct altp2m_segment seg = {
		.base = (uint64_t)cs << 4, .limit = 0xffff, .selector = cs,
		.type = SEG_TYPE_DATA_RW_A, .present = 1, .s = 1,
	};

	memset(sregs, 0, sizeof(*sregs));
	sregs->ds = seg;
	sregs->es = seg;
	sregs->fs = seg;
	sregs->gs = seg;
	sregs->ss = seg;
	sregs->cs = seg;
	sregs->cs.type = SEG_TYPE_CODE_XR_A;
	sregs->tr = (struct altp2m_segment){ .limit = 0xffff,
		.type = SEG_TYPE_TSS64_BUSY, .present = 1 };
	sregs->ldt = (struct altp2m_segment){ .limit = 0xffff,
		.type = SEG_TYPE_LDT, .present = 1 };
	sregs->gdt.limit = 0xffff;
	sregs->idt.limit = 0x3ff;
	sregs->cr0 = X86_CR0_ET;
}

const char *x86_exception_name(unsigned int vector)
{
	static const char *const names[NR_EXCEPTIONS] = {
		[DE_VECTOR] = "#DE", [DB_VECTOR] = "#DB", [NMI_VECTOR] = "NMI",
		[BP_VECTOR] = "#BP", [OF_VECTOR] = "#OF", [BR_VECTOR] = "#BR",
		[UD_VECTOR] = "#UD", [NM_VECTOR] = "#NM", [DF_VECTOR] = "#DF",
		[TS_VECTOR] = "#TS", [NP_VECTOR] = "#NP", [SS_VECTOR] = "#SS",
		[GP_VECTOR] = "#GP", [PF_VECTOR] = "#PF", [MF_VECTOR] = "#MF",
		[AC_VECTOR] = "#AC", [MC_VECTOR] = "#MC", [XM_VECTOR] = "#XM",
		[VE_VECTOR] = "#VE", [CP_VECTOR] = "#CP",
	};

	if (vector < NR_EXCEPTIONS && names[vector])
		return names[vector];
	return "vector";
}
